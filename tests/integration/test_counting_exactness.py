"""Counting exactness on real trajectories: PETS09-S2L1's ground-truth tracks (no detector).

The incremental engine (frame by frame, as it runs live) must give exactly the counts that a
brute-force offline reading of each whole trajectory gives under the same definitions.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from storelens.analytics import AnalyticsSpec, FloorPositions, LineSpec, StoreAnalytics, ZoneSpec
from storelens.geometry.polygons import points_in_polygon, segments_cross, side_of_line

pytestmark = pytest.mark.integration

FPS = 7.0
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
# Lines across the walkways and a zone in the middle of the PETS09 square (world metres).
LINES = (
    LineSpec("x_minus8", a_m=(-8.0, -16.0), b_m=(-8.0, 6.0), in_side="left", stitch_radius_m=0.0),
    LineSpec("y_minus6", a_m=(-16.0, -6.0), b_m=(4.0, -6.0), in_side="right", stitch_radius_m=0.0),
)
ZONES = (
    ZoneSpec("centre", ((-10, -10), (-4, -10), (-4, -4), (-10, -4)), inertia_s=1.0),
    ZoneSpec("south", ((-18, -17), (-8, -17), (-8, -11), (-18, -11)), inertia_s=0.5),
)


@pytest.fixture(scope="module")
def gt(shared_data):
    g = np.loadtxt(shared_data / "PETS09-S2L1/gt/gt.txt", delimiter=",")
    return g[np.lexsort((g[:, 1], g[:, 0]))]


def _ts(frame: float) -> datetime:
    return T0 + timedelta(seconds=(frame - 1) / FPS)


def _run_engine(gt: np.ndarray):
    engine = StoreAnalytics(AnalyticsSpec(lines=LINES, zones=ZONES), "gt")
    crossings, visits = [], []
    for frame in np.unique(gt[:, 0]):
        rows = gt[gt[:, 0] == frame]
        out = engine.update(FloorPositions("gt", _ts(frame), rows[:, 1].astype(int), rows[:, 7:9]))
        crossings += out.crossings
        visits += out.zone_visits
    out = engine.flush()
    return crossings + out.crossings, visits + out.zone_visits


def _reference_crossings(gt: np.ndarray, line: LineSpec) -> Counter:
    """Per track, offline: committed sides with hysteresis, crossings through the segment,
    then opposite crossings within the debounce cancel in pairs."""
    counts: Counter = Counter()
    sign = 1.0 if line.in_side == "left" else -1.0
    for tid in np.unique(gt[:, 1]):
        r = gt[gt[:, 1] == tid]
        pos, t = r[:, 7:9], (r[:, 0] - 1) / FPS
        d = sign * side_of_line(pos, line.a_m, line.b_m)
        side, anchor, events = 0, None, []
        for k in range(len(r)):
            new = 1 if d[k] >= line.hysteresis_m else -1 if d[k] <= -line.hysteresis_m else 0
            if new and new != side:
                if side and segments_cross(anchor, pos[k], line.a_m, line.b_m)[0]:
                    events.append((t[k], new))
                side = new
            if new:
                anchor = pos[k]
        kept: list[tuple[float, int]] = []
        for tk, direction in events:
            if kept and kept[-1][1] != direction and tk - kept[-1][0] <= line.debounce_s:
                kept.pop()
            else:
                kept.append((tk, direction))
        counts.update("in" if direction > 0 else "out" for _, direction in kept)
    return counts


def _reference_visits(gt: np.ndarray, zone: ZoneSpec) -> list[tuple[int, float, float]]:
    """Per track, offline, from runs of inside/outside samples: a visit starts with an inside
    run lasting >= inertia and ends before the first outside run lasting >= inertia."""
    visits = []
    for tid in np.unique(gt[:, 1]):
        r = gt[gt[:, 1] == tid]
        t = (r[:, 0] - 1) / FPS
        inside = points_in_polygon(r[:, 7:9], np.asarray(zone.polygon_m, float))
        edges = np.flatnonzero(np.diff(inside.astype(int))) + 1
        runs = [(bool(inside[s]), t[s], t[e - 1]) for s, e in zip(np.r_[0, edges], np.r_[edges, len(t)])]
        entered_at, last_in = None, None
        for is_in, start, end in runs:
            if is_in:
                if entered_at is None and end - start >= zone.inertia_s:
                    entered_at = start
                if entered_at is not None:
                    last_in = end
            elif entered_at is not None and end - start >= zone.inertia_s:
                visits.append((int(tid), entered_at, last_in))
                entered_at = None
        if entered_at is not None:
            visits.append((int(tid), entered_at, last_in))
    return sorted(visits)


def test_line_counts_equal_the_brute_force_reference(gt):
    crossings, _ = _run_engine(gt)
    for line in LINES:
        got = Counter(c.direction.value for c in crossings if c.line == line.name)
        ref = _reference_crossings(gt, line)
        assert got == ref, (line.name, got, ref)
        assert sum(ref.values()) >= 10  # the lines are really crossed


def test_zone_visits_and_dwell_equal_the_brute_force_reference(gt):
    _, visits = _run_engine(gt)
    for zone in ZONES:
        got = sorted(
            (v.track_id, (v.enter_ts - T0).total_seconds(), (v.exit_ts - T0).total_seconds())
            for v in visits
            if v.zone == zone.name
        )
        ref = _reference_visits(gt, zone)
        assert len(got) == len(ref) >= 5, (zone.name, len(got), len(ref))
        np.testing.assert_allclose(np.array(got), np.array(ref), atol=1e-6)
