"""Simulated people: reproducible, walking where people can walk, at human speeds, queueing fairly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sim_cases import BUSY_HOUR

from storelens.geometry.polygons import points_in_polygon
from storelens.sim import PeopleLog, SimStore, build_store, occupancy_grid, simulate_people
from storelens.sim.truth import store_visits


def _rows_by_person(log: PeopleLog) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = log.by_person()
    return log.person_id[order], log.frame_index[order], log.xy_m[order]


@pytest.fixture(scope="module")
def short_runs(store: SimStore) -> tuple[PeopleLog, PeopleLog, PeopleLog]:
    return tuple(simulate_people(store, BUSY_HOUR, 300.0, seed=seed) for seed in (0, 0, 1))


def test_same_seed_same_log_other_seed_other_log(short_runs):
    a, b, c = short_runs
    for name in ("frame_index", "person_id", "xy_m"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_array_equal(a.persons.height_m, b.persons.height_m)
    np.testing.assert_array_equal(a.plan.stops.start_s, b.plan.stops.start_s)
    assert len(a) != len(c) or not np.array_equal(a.xy_m, c.xy_m)


def test_busy_hour_brings_at_least_100_visitors(busy_hour: PeopleLog, store: SimStore):
    visits = store_visits(busy_hour, store)
    assert len(visits.person_id) >= 100
    roles = busy_hour.persons.role
    assert (roles == "passerby").sum() > 2 * (roles == "shopper").sum()
    assert (roles == "staff").sum() == store.staff


def test_nobody_walks_through_shelves_or_leaves_the_floor(busy_hour: PeopleLog, store: SimStore):
    grid = occupancy_grid(store)
    xy = busy_hour.xy_m
    # Walkable cells are 0.4 m clear; standing jitter and sway take a little of that.
    assert grid.clearance_at(xy).min() >= 0.25
    on_floor = points_in_polygon(xy, store.outline) | points_in_polygon(xy, store.street.polygon)
    on_floor |= points_in_polygon(xy, store.staff_door.yard)  # staff on a break
    assert on_floor.all()
    for obstacle in store.obstacles:  # all rectangles: inside the bounding box is inside
        lo, hi = obstacle.polygon.min(axis=0), obstacle.polygon.max(axis=0)
        assert not np.all((xy > lo) & (xy < hi), axis=1).any(), obstacle.name


def test_people_move_at_human_speeds_without_gaps(busy_hour: PeopleLog):
    pid, frame, xy = _rows_by_person(busy_hour)
    same = pid[1:] == pid[:-1]
    assert (np.diff(frame)[same] == 1).all()  # seen at every frame from appearing to leaving
    speed = np.hypot(*np.diff(xy, axis=0).T)[same] * busy_hour.fps
    assert speed.max() < 2.0
    assert 0.9 < np.median(speed[speed > 0.5]) < 1.4


def test_standing_people_sway_a_little(busy_hour: PeopleLog):
    stops = busy_hour.plan.stops
    i = int(np.argmax(stops.end_s - stops.start_s))
    frames = np.arange(np.ceil(stops.start_s[i] * 5), np.floor(stops.end_s[i] * 5))
    rows = (busy_hour.person_id == stops.person_id[i]) & np.isin(busy_hour.frame_index, frames)
    spread = np.ptp(busy_hour.xy_m[rows], axis=0)
    assert (spread > 0.005).all() and (spread < 0.1).all()


def test_queue_is_first_come_first_served(busy_hour: PeopleLog, store: SimStore):
    queue = busy_hour.plan.queue
    assert len(queue.person_id) >= 20
    order = np.argsort(queue.join_s, kind="stable")
    np.testing.assert_array_equal(np.argsort(queue.service_start_s, kind="stable"), order)
    start, end = queue.service_start_s[order], queue.service_end_s[order]
    assert (start[1:] >= end[:-1]).all()  # one customer at the till at a time
    assert (queue.wait_s >= 0).all()
    assert queue.wait_s.max() > 30  # people did have to wait at the busy hour
    # While served, the customer stands at the service point.
    k = int(np.ceil(start[0] * busy_hour.fps)) + 1
    frame = busy_hour.frame(k)
    at_till = frame.xy_m[frame.person_id == queue.person_id[order[0]]]
    np.testing.assert_allclose(at_till, [store.checkout.service_point], atol=0.05)


def test_group_members_keep_together(busy_hour: PeopleLog):
    """Within 2 m most of the time (a payer's companions wait by the door, so not those)."""
    persons = busy_hour.persons
    browsing = (persons.role == "shopper") & ~np.isin(
        persons.group_id, persons.group_id[busy_hour.plan.queue.person_id]
    )
    groups, sizes = np.unique(persons.group_id[browsing], return_counts=True)
    pairs = 0
    for g in groups[sizes > 1][:20]:
        a, b = persons.id[(persons.group_id == g)][:2]
        rows_a, rows_b = busy_hour.person_id == a, busy_hour.person_id == b
        _, ia, ib = np.intersect1d(busy_hour.frame_index[rows_a], busy_hour.frame_index[rows_b], return_indices=True)
        d = np.hypot(*(busy_hour.xy_m[rows_a][ia] - busy_hour.xy_m[rows_b][ib]).T)
        assert np.median(d) < 2.0
        pairs += 1
    assert pairs > 5


def test_bodies_are_human_sized(busy_hour: PeopleLog):
    h, w = busy_hour.persons.height_m, busy_hour.persons.width_m
    assert 1.65 < h.mean() < 1.75 and 0.05 < h.std() < 0.11
    assert w.min() >= 0.45 and w.max() <= 0.55


def test_frames_are_the_log_sliced_by_time(busy_hour: PeopleLog):
    log = busy_hour
    assert log.n_frames == 18000
    assert np.all(np.diff(log.frame_index) >= 0)
    k = 9000
    frame = log.frame(k)
    rows = log.frame_index == k
    np.testing.assert_array_equal(frame.person_id, log.person_id[rows])
    np.testing.assert_array_equal(frame.xy_m, log.xy_m[rows])
    np.testing.assert_array_equal(frame.height_m, log.persons.height_m[frame.person_id])
    assert frame.index == k and frame.t_s == 1800.0
    assert log.ts(k) == BUSY_HOUR.astimezone(UTC) + timedelta(minutes=30)
    assert sum(len(f) for f in log.frames()) == len(log)
    with pytest.raises(IndexError):
        log.frame(log.n_frames)


def test_staff_are_on_duty_all_along_and_use_till_and_back_room(busy_hour: PeopleLog, store: SimStore):
    staff = busy_hour.persons.with_role("staff")
    rows = np.isin(busy_hour.person_id, staff)
    assert np.bincount(busy_hour.frame_index[rows], minlength=busy_hour.n_frames).min() == len(staff)
    xy = busy_hour.xy_m[rows]
    assert points_in_polygon(xy, store.zone("behind_counter").polygon).any()
    assert points_in_polygon(xy, store.zone("back_room").polygon).any()


def test_a_quiet_naive_start_is_utc_and_shop_closed_means_no_visitors():
    store = build_store(2, staff=1)
    log = simulate_people(store, datetime(2024, 6, 12, 4, 0), 600.0, seed=2)  # 05:00 in London
    assert log.start == datetime(2024, 6, 12, 4, 0, tzinfo=UTC)
    assert (log.persons.role == "shopper").sum() == 0
    assert (log.persons.role == "staff").sum() == 1


def test_bad_arguments_are_refused(store: SimStore):
    with pytest.raises(ValueError):
        simulate_people(store, BUSY_HOUR, 0.0)
