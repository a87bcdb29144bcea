"""Zones: inertia, dwell from first to last moment inside, occupancy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import EPOCH

from storelens.analytics import FloorPositions, ZoneSpec, ZoneTracker

SHELF = ZoneSpec("shelf", ((0, 0), (2, 0), (2, 2), (0, 2)), kind="display", inertia_s=1.0)


def _run(zone: ZoneSpec, xs: list[float | None], fps: float = 10.0):
    tracker, visits, occ = ZoneTracker([zone], "cam"), [], []
    for i, x in enumerate(xs):
        ts = EPOCH + timedelta(seconds=i / fps)
        pos = FloorPositions("cam", ts, [] if x is None else [7], [] if x is None else [(x, 1.0)])
        visits += tracker.update(pos)
        occ.append(tracker.occupancy()["shelf"])
    return visits + tracker.end_tracks([7]), occ


def test_stay_gives_one_visit_with_true_dwell():
    visits, occ = _run(SHELF, [-1.0] * 10 + [1.0] * 50 + [3.0] * 30)
    assert len(visits) == 1
    assert visits[0].enter_ts == EPOCH + timedelta(seconds=1.0)
    assert visits[0].dwell_s == pytest.approx(4.9)
    assert max(occ) == 1 and occ[-1] == 0


def test_wobbling_across_the_edge_is_one_visit():
    xs = [1.0] * 30 + [2.05, 1.95] * 20 + [1.0] * 20 + [5.0] * 20
    visits, _ = _run(SHELF, xs)
    assert len(visits) == 1


def test_passing_through_quicker_than_inertia_is_no_visit():
    visits, _ = _run(SHELF, [-1.0] * 5 + [1.0] * 5 + [3.0] * 20)
    assert visits == []


def test_min_dwell_filters_short_visits():
    zone = ZoneSpec("shelf", SHELF.polygon_m, inertia_s=0.0, min_dwell_s=3.0)
    visits, _ = _run(zone, [1.0] * 20 + [5.0] * 5)
    assert visits == []


def test_a_track_that_ends_inside_closes_its_visit():
    visits, _ = _run(SHELF, [1.0] * 30)
    assert len(visits) == 1 and visits[0].dwell_s == pytest.approx(2.9)
