"""Counting lines: one count per real crossing, none for jitter, step-backs or broken tracks."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from factories import EPOCH

from storelens.analytics import AnalyticsSpec, Direction, FloorPositions, LineCounter, LineSpec, StoreAnalytics

DOOR = LineSpec("door", a_m=(-1.0, 0.0), b_m=(1.0, 0.0), in_side="left")  # inside is y > 0


def _feed(counter: LineCounter, paths: dict[int, list[tuple[float, float] | None]], fps: float = 10.0):
    """paths: {track id: [position or None (not seen) per frame]}; returns all crossings."""
    n = max(len(p) for p in paths.values())
    out = []
    for i in range(n):
        ts = EPOCH + timedelta(seconds=i / fps)
        rows = [(tid, p[i]) for tid, p in paths.items() if i < len(p) and p[i] is not None]
        out += counter.update(FloorPositions("cam", ts, [t for t, _ in rows], [q for _, q in rows]))
        gone = [tid for tid, p in paths.items() if i == len(p) - 1 or (i < len(p) and p[i] is None)]
        counter.end_tracks(gone, ts)
    return out + counter.flush()


def _walk(y0: float, y1: float, n: int = 30, x: float = 0.0):
    return [(x, y) for y in np.linspace(y0, y1, n)]


def _engine(paths: dict[int, list[tuple[float, float] | None]], fps: float = 10.0) -> list[Direction]:
    """The same paths through `StoreAnalytics`, as a real run counts (tracks end only on its timeout)."""
    engine = StoreAnalytics(AnalyticsSpec(lines=(DOOR,)), "cam")
    out = []
    for i in range(max(len(p) for p in paths.values())):
        rows = [(tid, p[i]) for tid, p in paths.items() if i < len(p) and p[i] is not None]
        ts = EPOCH + timedelta(seconds=i / fps)
        out += engine.update(FloorPositions("cam", ts, [t for t, _ in rows], [q for _, q in rows])).crossings
    return [c.direction for c in out + engine.flush().crossings]


def _ys(*ys: float, x: float = 0.0):
    return [(x, float(y)) for y in ys]


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ({1: _walk(-2, 2)}, [Direction.IN]),
        ({1: _walk(2, -2)}, [Direction.OUT]),
        ({1: _walk(-2, 2, x=3.0)}, []),  # passes beside the door, not through it
        ({1: [(0.0, 0.1 * (-1) ** i) for i in range(60)]}, []),  # jitter on the line
        ({1: _walk(-2, 2, 10) + _walk(2, -2, 10)}, []),  # in and straight back out within debounce
        ({1: _walk(-2, 2) + [(0.0, 2.0)] * 60 + _walk(2, -2)}, [Direction.IN, Direction.OUT]),
        # Track broken at the door: piece 1 ends outside near the line, piece 2 starts inside.
        ({1: _walk(-2, -0.4, 16), 2: [None] * 18 + _walk(0.4, 2, 16)}, [Direction.IN]),
        # The identity jumps 4 m across the door in 0.1 s (re-found on someone else): not walked.
        ({1: [(0.0, -2.0)] * 10 + [(0.0, 2.0)] * 10}, []),
        # Broken on the same side: no crossing invented.
        ({1: _walk(-2, -0.4, 16), 2: [None] * 18 + _walk(-0.4, -2, 16)}, []),
    ],
)
def test_crossings(paths, expected):
    got = [c.direction for c in _feed(LineCounter(DOOR, "cam"), paths)]
    assert got == expected


def test_right_side_inside_flips_directions():
    spec = LineSpec("door", a_m=(-1.0, 0.0), b_m=(1.0, 0.0), in_side="right")
    assert [c.direction for c in _feed(LineCounter(spec, "cam"), {1: _walk(-2, 2)})] == [Direction.OUT]


def test_state_is_bounded_with_many_tracks():
    counter = LineCounter(DOOR, "cam")
    for i in range(3000):
        ts = EPOCH + timedelta(seconds=i)
        counter.update(FloorPositions("cam", ts, [i], [(0.0, -2.0)]))
        counter.end_tracks([i], ts)
    assert len(counter._tracks) == 0 and len(counter._ended) <= 4  # noqa: SLF001


# A person walking in at 1.2 m/s (10 fps), hidden by the door frame for |y| < 0.35 (0.7 s).
_IN_Y = np.arange(-2.0, 2.0, 0.12)
_OUTSIDE, _INSIDE = _IN_Y[_IN_Y < -0.35], _IN_Y[_IN_Y > 0.35]
_HIDDEN = len(_IN_Y) - len(_OUTSIDE) - len(_INSIDE)


@pytest.mark.parametrize(
    "paths",
    [
        # The tracker breaks the track in the door: track 1 is still live (the engine waits
        # track_timeout_s before ending it) when track 2 starts inside.
        {1: _ys(*_OUTSIDE), 2: [None] * (len(_OUTSIDE) + _HIDDEN) + _ys(*_INSIDE)},
        # ...and re-finds track 1 inside later: the side was taken over, not shared, so no second count.
        {
            1: _ys(*_OUTSIDE) + [None] * (_HIDDEN + len(_INSIDE)) + _ys(*[_INSIDE[-1]] * 10),
            2: [None] * (len(_OUTSIDE) + _HIDDEN) + _ys(*_INSIDE),
        },
    ],
)
def test_engine_stitches_a_track_broken_in_the_door(paths):
    """Through the engine, as in a real run: the broken walk in is counted once."""
    assert _engine(paths) == [Direction.IN]


def test_engine_does_not_stitch_across_people_or_time():
    """Stitching takes a side only from a track unseen near here within stitch_s."""
    late = len(_OUTSIDE) + _HIDDEN + int(DOOR.stitch_s * 10)  # track 2 starts stitch_s + 0.7 s after 1 vanished
    assert _engine({1: _ys(*_OUTSIDE), 2: [None] * late + _ys(*_INSIDE)}) == []
    # Track 1 waits on the threshold (in the hysteresis band, still seen) and turns back; someone
    # appearing just inside beside it, first in the frame, does not take its outside side.
    waiting = _ys(*_OUTSIDE, *[0.0] * 20, *_OUTSIDE[::-1])
    assert _engine({2: [None] * (len(_OUTSIDE) + 10) + _ys(*_INSIDE, x=0.3), 1: waiting}) == []


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        # Steps 0.8 m in at 1 m/s and straight back out, within debounce_s: neither counts.
        ({1: _ys(*np.arange(-1.0, 0.8, 0.1), *np.arange(0.8, -1.05, -0.1))}, []),
        # Two people passing in the door at once, one in, one out: the two do not cancel.
        ({1: _walk(-2, 2), 2: _walk(2, -2, x=0.8)}, [Direction.IN, Direction.OUT]),
    ],
)
def test_engine_debounce_cancels_only_a_step_straight_back(paths, expected):
    """At walking speed (the speed limit lets it through), so the debounce itself decides."""
    assert sorted(_engine(paths), key=lambda d: d.value) == expected


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        # Standing 5 s outside, then the identity jumps 4 m across in 0.1 s: timed from the
        # last clear sighting (0.1 s before), not from when the track first stood there.
        ({1: _ys(*[-2.0] * 50, *[2.0] * 10)}, []),
        # Walks 8 m up, stops on the threshold (inside the hysteresis band) for 1 s, walks in:
        # 0.8 m from the last clear position in 1.1 s, walkable.
        ({1: _ys(*np.arange(-8.0, -0.35, 0.1), *[0.0] * 10, *np.arange(0.4, 2.0, 0.1))}, [Direction.IN]),
        # Stops on the threshold just past the line (in the band) and the track breaks there: the
        # new track takes over the last clear position and its time, not the last sighting's.
        ({1: _ys(*_OUTSIDE, *[0.1] * 10), 2: [None] * (len(_OUTSIDE) + 11) + _ys(*_INSIDE)}, [Direction.IN]),
    ],
)
def test_engine_speed_limit_from_the_last_clear_position_and_time(paths, expected):
    """The speed limit measures from the last position clear of the band, at the time it was there."""
    assert _engine(paths) == expected
