"""Ground truth: exact on hand-made paths, and in agreement with what the simulator planned."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from storelens.sim import PeopleLog, SimLine, SimStore, SimZone
from storelens.sim.layout import rectangle
from storelens.sim.people_log import DoorPasses, Persons, Plan, QueueVisits, Stops
from storelens.sim.truth import line_crossings, occupancy, queue_waits, store_visits, zone_visits

FPS = 5.0


def _log(paths: dict[int, tuple[int, np.ndarray]]) -> PeopleLog:
    """A log of hand-made paths: person id -> (first frame, (k, 2) positions)."""
    rows = [(k0 + np.arange(len(xy)), np.full(len(xy), pid), xy) for pid, (k0, xy) in sorted(paths.items())]
    frame, pid, xy = (np.concatenate(col) for col in zip(*rows))
    order = np.argsort(frame, kind="stable")
    n = max(paths) + 1
    empty = np.zeros(0)
    persons = Persons(
        np.arange(n), np.full(n, "shopper"), np.arange(n), np.full(n, 1.7), np.full(n, 0.5), np.zeros(n), np.zeros(n)
    )
    plan = Plan(
        Stops(empty.astype(int), empty.astype(str), empty, empty),
        QueueVisits(empty.astype(int), empty, empty, empty),
        DoorPasses(empty.astype(int), empty, empty),
    )
    return PeopleLog(
        frame[order], pid[order], xy[order], persons, plan, FPS, datetime(2024, 1, 1, tzinfo=UTC), int(frame.max()) + 1
    )


def _brute_force_crossings(paths, line: SimLine) -> list[tuple[int, float, str]]:
    """Textbook segment intersection, one step at a time."""
    a, b = np.array(line.a), np.array(line.b)
    out = []
    for pid, (k0, xy) in paths.items():
        for i in range(len(xy) - 1):
            p, r = xy[i], xy[i + 1] - xy[i]
            q, s = a, b - a
            denom = r[0] * s[1] - r[1] * s[0]
            if denom == 0:
                continue
            t = ((q - p)[0] * s[1] - (q - p)[1] * s[0]) / denom
            u = ((q - p)[0] * r[1] - (q - p)[1] * r[0]) / denom
            if 0 <= t <= 1 and 0 <= u <= 1:
                ends_left = s[0] * (xy[i + 1] - a)[1] - s[1] * (xy[i + 1] - a)[0] > 0
                inward = ends_left == ((line.in_side or "left") == "left")
                out.append((pid, (k0 + i + t) / FPS, "in" if inward else "out"))
    return sorted(out, key=lambda c: c[1])


@pytest.mark.parametrize("in_side", ["left", "right", None])
def test_crossings_equal_a_brute_force_check(in_side):
    rng = np.random.default_rng(11)
    # Jumps around a short slanted line: many crossings, many passing beyond its ends.
    paths = {pid: (int(rng.integers(0, 20)), rng.uniform((-2.5, -2.0), (3.0, 2.0), (150, 2))) for pid in range(4)}
    line = SimLine("door", "entrance", (-1.0, -0.5), (1.5, 0.7), in_side)
    truth = line_crossings(_log(paths), [line])
    expected = _brute_force_crossings(paths, line)
    assert len(expected) > 20
    assert [(int(p), d) for p, d in zip(truth.person_id, truth.direction)] == [(p, d) for p, _, d in expected]
    np.testing.assert_allclose(truth.t_s, [t for _, t, _ in expected], atol=1e-9)
    assert truth.count("door", "in") + truth.count("door", "out") == len(expected)


def test_zone_visits_are_contiguous_runs_longer_than_min_dwell():
    out, inside = np.array([5.0, 5.0]), np.array([1.0, 1.0])
    xy = np.array([out] * 5 + [inside] * 15 + [out] * 5 + [inside] * 60 + [out] * 3)  # 3 s, then 12 s inside
    zone = SimZone("shelf", "display", rectangle(0.0, 0.0, 2.0, 2.0), min_dwell_s=5.0)
    visits = zone_visits(_log({0: (10, xy)}), [zone])
    assert visits.zone.tolist() == ["shelf"]
    np.testing.assert_allclose([visits.enter_s[0], visits.exit_s[0]], [(10 + 25) / FPS, (10 + 84) / FPS])
    both = zone_visits(_log({0: (10, xy)}), [SimZone("shelf", "display", zone.polygon)])
    np.testing.assert_allclose(both.dwell_s, [14 / FPS, 59 / FPS])


def test_planned_door_passes_are_the_geometric_store_visits(busy_hour: PeopleLog, store: SimStore):
    visits = store_visits(busy_hour, store)
    doors = busy_hour.plan.doors
    seen = doors.in_s < busy_hour.n_frames / busy_hour.fps - 1
    assert sorted(visits.person_id.tolist()) == sorted(doors.person_id[seen].tolist())
    planned = dict(zip(doors.person_id.tolist(), zip(doors.in_s, doors.out_s)))
    for pid, enter, leave in zip(visits.person_id.tolist(), visits.enter_s, visits.leave_s):
        assert enter == pytest.approx(planned[pid][0], abs=0.1)
        if not np.isnan(leave):
            assert leave == pytest.approx(planned[pid][1], abs=0.1)
    crossings = line_crossings(busy_hour, store.lines)
    staff = np.isin(crossings.person_id, busy_hour.persons.with_role("staff"))
    shoppers_in = int(((crossings.line == "entrance") & (crossings.direction == "in") & ~staff).sum())
    assert shoppers_in == len(visits.person_id)
    assert staff.sum() >= 2  # the floor staff went out to tidy the pavement board and came back in
    assert len(store_visits(busy_hour, store, roles=None).person_id) == crossings.count("entrance", "in")
    assert crossings.count("pavement") > crossings.count("entrance", "in")


def test_planned_stops_and_queue_lie_within_geometric_zone_visits(busy_hour: PeopleLog, store: SimStore):
    end = busy_hour.n_frames / busy_hour.fps
    visits = zone_visits(busy_hour, store.zones)
    tol = 1 / busy_hour.fps

    def covered(pid: int, zone: str, t0: float, t1: float) -> bool:
        hit = (visits.person_id == pid) & (visits.zone == zone)
        return bool(np.any(hit & (visits.enter_s <= t0 + tol) & (visits.exit_s >= min(t1, end - tol) - tol)))

    stops = busy_hour.plan.stops
    within = stops.start_s < end - 1
    assert within.sum() > 200
    for pid, zone, t0, t1 in zip(
        stops.person_id[within], stops.zone[within], stops.start_s[within], stops.end_s[within]
    ):
        assert covered(int(pid), str(zone), t0, t1), (pid, zone, t0, t1)
    queue = queue_waits(busy_hour)
    for pid, join, served in zip(queue.person_id, queue.join_s, queue.service_start_s):
        if join < end - 1 and served > join + 2:  # in the queue zone while waiting (the last step is to the till)
            assert covered(int(pid), "checkout_queue", join, served - 2)


def test_store_occupancy_counts_the_visitors_inside(busy_hour: PeopleLog, store: SimStore):
    occ = occupancy(busy_hour, store, roles={"shopper"})
    visits = store_visits(busy_hour, store)
    t = np.arange(busy_hour.n_frames) / busy_hour.fps
    leave = np.where(np.isnan(visits.leave_s), np.inf, visits.leave_s)
    inside = ((visits.enter_s[:, None] < t) & (t < leave[:, None])).sum(axis=0)
    np.testing.assert_array_equal(occ[""], inside)
    everyone = occupancy(busy_hour, store)
    staff = occupancy(busy_hour, store, roles={"staff"})[""]
    np.testing.assert_array_equal(everyone[""] - occ[""], staff)
    assert staff.max() == store.staff and staff.min() == store.staff - 1  # one at a time out of the door
    assert everyone["checkout_queue"].max() >= 3
    assert set(everyone) == {""} | {z.name for z in store.zones}
