"""Counting lines: one count per real crossing, none for jitter, step-backs or broken tracks."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from factories import EPOCH

from storelens.analytics import Direction, FloorPositions, LineCounter, LineSpec

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
