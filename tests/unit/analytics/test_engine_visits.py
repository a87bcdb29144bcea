"""Visit records of the analytics engine: who came into the store, whatever their identity did at the door."""

from __future__ import annotations

from datetime import timedelta

from factories import EPOCH

from storelens.analytics import AnalyticsSpec, FloorPositions, LineSpec, StoreAnalytics

OUTLINE = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))
DOOR = LineSpec("door", (0.0, 0.0), (10.0, 0.0), in_side="left")  # inside is y > 0


def _visits(spec: AnalyticsSpec, paths: dict[int, list[tuple[float, float]]]) -> dict[int, bool]:
    """Feed each track's path, one point a second; track id -> visit.entered."""
    engine, entered = StoreAnalytics(spec, "store"), {}
    steps = max(len(p) for p in paths.values())
    for k in range(steps):
        live = {tid: p[k] for tid, p in paths.items() if k < len(p)}
        events = engine.update(FloorPositions("store", EPOCH + timedelta(seconds=k), list(live), list(live.values())))
        entered |= {v.track_id: v.entered for v in events.visits}
    entered |= {v.track_id: v.entered for v in engine.flush().visits}
    return entered


def test_a_visitor_whose_id_broke_inside_still_came_in():
    """Track 1 walks in through the door and is lost; track 2 is the same person found again deep
    inside; 3 stands at the till from the start (staff); 4 walks past on the pavement."""
    spec = AnalyticsSpec(lines=(DOOR,), store_polygon_m=OUTLINE)
    entered = _visits(
        spec,
        {
            1: [(5.0, -2.0), (5.0, -1.0), (5.0, 1.0), (5.0, 2.0)],
            2: [(5.0, 5.0)] * 4,
            3: [(9.0, 9.0)] * 4,
            4: [(0.0, -2.0), (2.0, -2.0), (4.0, -2.0), (6.0, -2.0)],
        },
    )
    assert entered == {1: True, 2: True, 3: True, 4: False}


def test_without_an_outline_only_the_entrance_tells():
    entered = _visits(AnalyticsSpec(lines=(DOOR,)), {1: [(5.0, -1.0), (5.0, 1.0)], 2: [(5.0, 5.0)] * 2})
    assert entered == {1: True, 2: False}
