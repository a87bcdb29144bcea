"""Buying units: who came in together and stayed together, decided on both sides of each threshold."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import EPOCH

from storelens.analytics import AnalyticsSpec, FloorPositions, LineSpec, StoreAnalytics, ZoneSpec
from storelens.analytics.staff import StaffRule
from storelens.analytics.units import PairTime, UnitRule, UnitTracker, group_units, pair_linked

RULE = UnitRule(enter_gap_s=3.0, together_m=2.0, together_share=0.6, decide_after_s=120.0, min_common_s=30.0)


@pytest.mark.parametrize(
    ("common_s", "together_s", "linked"),
    [
        (100.0, 60.0, True),
        (100.0, 59.9, False),
        (30.0, 0.0, False),  # half a minute on the floor at once, never near: two parties
        (29.9, 0.0, True),  # too briefly seen at once to tell them apart
        (0.0, 0.0, True),
    ],
)
def test_a_pair_is_one_unit_when_together_for_the_share_of_their_common_time(common_s, together_s, linked):
    assert pair_linked(PairTime(common_s, together_s), RULE) is linked


def test_units_are_connected_components_named_by_their_lowest_id():
    assert group_units([9, 3, 7, 12], [(9, 7), (7, 3)]) == {9: 3, 3: 3, 7: 3, 12: 12}
    assert group_units([1, 2], []) == {1: 1, 2: 2}


def _walk(tracker: UnitTracker, entries: dict[int, float], paths: dict[int, list[tuple[float, float]]]) -> dict:
    """Tracks enter at ``entries`` seconds, then follow ``paths`` (one point a second from t = 0),
    and end after their last point; returns {track: unit} as each is settled."""
    units: dict[int, int] = {}
    ended: set[int] = set()
    steps = max(len(p) for p in paths.values())
    for k in range(steps + 10):
        t = EPOCH + timedelta(seconds=k)
        for tid, at in entries.items():
            if at == k:
                tracker.enter(tid, t)
        live = {tid: p[k] for tid, p in paths.items() if k < len(p)}
        tracker.update(FloorPositions("store", t, list(live), list(live.values())))
        for tid, p in paths.items():
            if k == len(p) and tid not in ended:
                tracker.end(tid)
                ended.add(tid)
        for tid in ended - set(units):
            unit = tracker.unit_of(tid, t)
            if unit is not None:
                units[tid] = unit
    return units


def test_a_group_walking_together_is_one_unit_and_a_stranger_behind_them_is_not():
    side_by_side = [(5.0 + 0.02 * k, 5.0) for k in range(150)]
    beside = [(5.8 + 0.02 * k, 5.0) for k in range(150)]
    stranger = [(5.0, 5.0)] * 5 + [(15.0, 9.0)] * 145  # came in 2 s behind them, went elsewhere
    late = [(6.0 + 0.02 * k, 5.0) for k in range(150)]  # walked with them, but came in 4 s after the last
    units = _walk(UnitTracker(RULE), {1: 0, 2: 1, 3: 2, 4: 5}, {1: side_by_side, 2: beside, 3: stranger, 4: late})
    assert units == {1: 1, 2: 1, 3: 3, 4: 4}


def test_a_group_that_splits_up_for_a_while_is_still_one_unit():
    payer = [(5.0, 5.0)] * 50 + [(15.0, 5.0)] * 30 + [(5.0, 5.0)] * 20  # 30 s of 100 at the till
    waiting = [(5.5, 5.0)] * 100
    apart = [(5.0, 5.0)] * 40 + [(15.0, 5.0)] * 60  # 60 of 100 s apart: another party
    assert _walk(UnitTracker(RULE), {1: 0, 2: 1}, {1: payer, 2: waiting}) == {1: 1, 2: 1}
    assert _walk(UnitTracker(RULE), {1: 0, 2: 1}, {1: apart, 2: waiting}) == {1: 1, 2: 2}


def test_an_identity_broken_at_the_door_stays_in_its_unit():
    """Track 1 came in and was lost within a second (its person goes on as another id, found on the
    floor); track 2 came in right behind it: one unit. Track 4 came in beside 3 and was seen with it
    for 20 s, always 5 m away: too short to tell them apart."""
    units = _walk(
        UnitTracker(RULE),
        {1: 0, 2: 1, 3: 60, 4: 61},
        {1: [(5.0, 1.0)], 2: [(5.5, 1.0)] * 40, 3: [(2.0, 2.0)] * 80, 4: [(2.0, 2.0)] * 60 + [(7.0, 2.0)] * 20},
    )
    assert units == {1: 1, 2: 1, 3: 3, 4: 3}


def test_a_unit_is_provisional_until_every_pair_is_judged():
    tracker = UnitTracker(RULE)
    tracker.enter(1, EPOCH)
    tracker.enter(2, EPOCH + timedelta(seconds=1))
    for k in range(30):
        tracker.update(FloorPositions("store", EPOCH + timedelta(seconds=k), [1, 2], [(5.0, 5.0), (5.5, 5.0)]))
    tracker.end(1)  # track 1's pair with 2 is judged on its 29 s: together
    now = EPOCH + timedelta(seconds=30)
    assert tracker.unit_of(1, now) == 1  # settled, though 2 is still in the store
    tracker.end(2)
    assert tracker.unit_of(2, now) == 1
    assert tracker.tracked() == 0


def test_a_newcomer_can_still_join_within_the_entry_gap():
    tracker = UnitTracker(RULE)
    tracker.enter(1, EPOCH)
    tracker.update(FloorPositions("store", EPOCH, [1], [(5.0, 5.0)]))
    tracker.end(1)
    assert tracker.unit_of(1, EPOCH + timedelta(seconds=2)) is None  # someone may still walk in behind
    assert tracker.unit_of(1, EPOCH + timedelta(seconds=4)) == 1


def test_units_off_makes_every_entrant_its_own_unit():
    together = [(5.0, 5.0)] * 20
    units = _walk(UnitTracker(UnitRule(enabled=False)), {1: 0, 2: 0}, {1: together, 2: list(together)})
    assert units == {1: 1, 2: 2}


DOOR = LineSpec("door", (0.0, 0.0), (10.0, 0.0), in_side="left", kind="entrance")
OUTLINE = ((0.0, 0.0), (10.0, 0.0), (10.0, 10.0), (0.0, 10.0))
COUNTER = ZoneSpec("counter", ((8.0, 8.0), (10.0, 8.0), (10.0, 10.0), (8.0, 10.0)), kind="staff_only")
SHELF = ZoneSpec("shelf", ((2.0, 2.0), (4.0, 2.0), (4.0, 4.0), (2.0, 4.0)), kind="display")


def test_the_engine_holds_visits_for_their_unit_and_drops_staff_stays():
    spec = AnalyticsSpec(
        lines=(DOOR,), zones=(COUNTER, SHELF), store_polygon_m=OUTLINE, staff=StaffRule(), units=RULE
    )
    engine = StoreAnalytics(spec, "store")
    walk_in = [(3.0, -1.0), (3.0, 1.0)] + [(3.0, 3.0)] * 30
    paths = {
        1: walk_in,
        2: [(3.5, -1.5), (3.5, -1.0), (3.5, 1.0)] + [(3.5, 3.0)] * 29,
        3: [(9.0, 9.0)] * 25 + [(3.0, 3.0)] * 10,  # staff: behind the counter, then at the shelf
    }
    visits, stays, crossings = [], [], []
    for k in range(60):
        live = {tid: p[k] for tid, p in paths.items() if k < len(p)}
        events = engine.update(FloorPositions("store", EPOCH + timedelta(seconds=k), list(live), list(live.values())))
        visits += events.visits
        stays += events.zone_visits
        crossings += events.crossings
    visits += engine.flush().visits
    assert sorted(c.track_id for c in crossings) == [1, 2]  # crossings are written at once
    by_track = {v.track_id: v for v in visits}
    assert (by_track[1].unit_id, by_track[2].unit_id) == (1, 1)
    assert by_track[3].role == "staff" and by_track[3].unit_id is None
    assert {s.track_id for s in stays} == {1, 2}  # the staff's stay at the shelf is not a shopper's


def test_state_stays_bounded_over_a_long_day():
    """Three hundred visitors, in pairs a minute apart, each on the floor for two minutes."""
    tracker = UnitTracker(RULE)
    live: dict[int, int] = {}  # track -> second it leaves
    most = 0
    for k in range(60 * 150 + 200):
        t = EPOCH + timedelta(seconds=k)
        if k % 60 == 0 and k < 60 * 150:
            for tid in (k, k + 1):
                tracker.enter(tid, t)
                live[tid] = k + 120
        tracker.update(FloorPositions("store", t, list(live), [(5.0, 5.0)] * len(live)))
        for tid in [tid for tid, leave in live.items() if leave <= k]:
            tracker.end(tid)
            del live[tid]
            assert tracker.unit_of(tid, t) is not None  # settled by the time a visit ends: 2 min > 4 s + 60 s
        most = max(most, tracker.tracked())
    assert tracker.tracked() == 0 and most <= 8
