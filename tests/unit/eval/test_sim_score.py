"""The simulator's scorer counts every stored record: the truth itself scores perfectly, and a
visitor broken into fragments shows up as fragments (ids, zone stays, dwell, continuity, paths)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from storelens.analytics.records import Direction, LineCrossing, Visit, ZoneVisit
from storelens.eval.sim_score import StoredRecords, score_simulation
from storelens.eval.sim_visitors import edit_distance, score_visitors
from storelens.fusion import STORE_CAMERA_ID
from storelens.geometry.polygons import points_in_polygon
from storelens.sim import PeopleLog, SimStore, build_store, simulate_people, truth
from storelens.storage.models import TrackPoints

START = datetime(2024, 6, 12, 17, 0, tzinfo=timezone.utc)  # a Wednesday's evening peak in London
DURATION_S = 900.0
ID_OFFSET = 5000  # stored ids are not the simulator's person ids


@pytest.fixture(scope="module")
def sim() -> tuple[SimStore, PeopleLog]:
    store = build_store(2)
    return store, simulate_people(store, START, DURATION_S, fps=5.0, seed=30)  # staff step out and back in it


def _ts(log: PeopleLog, seconds: float) -> datetime:
    return log.start + timedelta(seconds=float(seconds))


def _perfect(store: SimStore, log: PeopleLog) -> StoredRecords:
    """What a flawless pipeline would store: the truth, under other ids."""
    positions = TrackPoints(
        camera_id=np.full(len(log), STORE_CAMERA_ID, dtype=object),
        track_id=log.person_id + ID_OFFSET,
        ts_us=np.round((log.start.timestamp() + log.frame_index / log.fps) * 1e6).astype(np.int64),
        floor_xy_m=log.xy_m,
    )
    scored = [z for z in store.zones if z.min_dwell_s > 0]
    stays = truth.zone_visits(log, scored)
    last_s = (log.n_frames - 1) / log.fps
    zone_visits = [  # stays still open at the end are not stored
        ZoneVisit(z, STORE_CAMERA_ID, int(p) + ID_OFFSET, _ts(log, t0), _ts(log, t1))
        for z, p, t0, t1 in zip(stays.zone.tolist(), stays.person_id, stays.enter_s, stays.exit_s)
        if t1 < last_s
    ]
    cross = truth.line_crossings(log, store.lines)
    crossings = [
        LineCrossing(line, STORE_CAMERA_ID, int(p) + ID_OFFSET, _ts(log, t), Direction(d))
        for line, p, t, d in zip(cross.line.tolist(), cross.person_id, cross.t_s, cross.direction.tolist())
    ]
    inside = points_in_polygon(log.xy_m, np.asarray(store.outline))  # staff too: on duty from the start
    pid, t = log.person_id[inside], log.frame_index[inside] / log.fps
    role, group = log.persons.role, log.persons.group_id
    entrants = truth.store_visits(log, store).person_id.tolist()
    unit_of_group: dict[int, int] = {}
    for p in entrants:  # a group's unit is named after its lowest id, as the analytics name it
        unit_of_group[group[p]] = min(unit_of_group.get(group[p], p + ID_OFFSET), p + ID_OFFSET)
    visits = [
        Visit(
            STORE_CAMERA_ID,
            int(p) + ID_OFFSET,
            _ts(log, t[pid == p].min()),
            _ts(log, t[pid == p].max()),
            True,
            "staff" if role[p] == "staff" else "visitor",
            unit_of_group[group[p]] if p in entrants else None,
        )
        for p in np.unique(pid)
    ]
    return StoredRecords(crossings, zone_visits, visits, positions)


def _split_in_two(store: SimStore, log: PeopleLog, records: StoredRecords) -> StoredRecords:
    """Every person's id changes halfway through their time in the store; zone stays are cut there too."""
    inside = points_in_polygon(log.xy_m, np.asarray(store.outline))
    pid, t = log.person_id[inside], log.frame_index[inside] / log.fps
    middle_s = {int(p) + ID_OFFSET: (t[pid == p].min() + t[pid == p].max()) / 2 for p in np.unique(pid)}
    middle_s = {int(p) + ID_OFFSET: middle_s.get(int(p) + ID_OFFSET, 0.0) for p in np.unique(log.person_id)}
    offset_s = (records.positions.ts_us - int(log.start.timestamp() * 1e6)) / 1e6
    late = offset_s > np.array([middle_s[t] for t in records.positions.track_id.tolist()])
    positions = dataclasses.replace(records.positions, track_id=records.positions.track_id + late * 100_000)
    zone_visits = []
    for v in records.zone_visits:
        cut = log.start + timedelta(seconds=middle_s[v.track_id])
        if v.enter_ts < cut < v.exit_ts:
            later = dataclasses.replace(v, enter_ts=cut, track_id=v.track_id + 100_000)
            zone_visits += [dataclasses.replace(v, exit_ts=cut), later]
        else:
            zone_visits.append(v if v.exit_ts <= cut else dataclasses.replace(v, track_id=v.track_id + 100_000))
    return dataclasses.replace(records, positions=positions, zone_visits=zone_visits)


def test_the_truth_itself_scores_perfectly(sim):
    store, log = sim
    score = score_simulation(store, log, _perfect(store, log))

    assert all(s.error == 0 for s in score.lines + score.hourly_lines)
    for z in score.zones:
        assert z.count_error == 0, z
        assert z.total_dwell_error == pytest.approx(0, abs=1e-6) and z.median_dwell_error == pytest.approx(0, abs=1e-6)
    v = score.visitors
    assert v.true_people > 10 and v.ids_per_person == 1.0
    assert v.continuity == 1.0 and v.idf1 == 1.0
    assert v.paths_scored > 5 and v.path_exact == 1.0
    assert score.occupancy_abs_error_p95 == 0
    assert score.occupancy_minute_error_p95 <= 1  # half-open visit intervals against frame counts
    p = score.people
    assert p.true_entries > 20 and (p.entries, p.exits) == (p.true_entries, p.true_exits)
    assert p.entries_with_staff > p.entries  # the floor staff went out to the pavement board and back
    assert p.staff_recognised == 1.0 and p.shopper_s_as_staff == 0.0 and p.shoppers_as_staff == 0.0
    assert p.true_units < p.true_entries and p.units == p.true_units
    assert p.true_staff_on_floor > 1.5 and p.staff_on_floor == pytest.approx(p.true_staff_on_floor, abs=0.25)


def test_staff_taken_for_shoppers_and_shoppers_taken_for_staff_are_scored_as_such(sim):
    store, log = sim
    perfect = _perfect(store, log)
    staff = set((log.persons.with_role("staff") + ID_OFFSET).tolist())
    shoppers = sorted({v.track_id for v in perfect.visits if v.unit_id is not None})[:5]
    swapped = [
        dataclasses.replace(v, role="visitor") if v.track_id in staff
        else dataclasses.replace(v, role="staff", unit_id=None) if v.track_id in shoppers
        else v
        for v in perfect.visits
    ]
    p = score_simulation(store, log, dataclasses.replace(perfect, visits=swapped)).people
    assert p.staff_recognised == 0.0 and p.entries_with_staff == p.true_entries + 1  # back from the pavement
    assert p.entries == p.true_entries + 1 - 5  # staff counted as a visitor, five shoppers left out as staff
    assert p.shoppers_as_staff == pytest.approx(5 / p.shoppers) and 0 < p.shopper_s_as_staff < 0.2
    assert p.units < p.true_units  # the five shoppers' units are gone with them (unless shared)


def test_fragments_are_scored_as_fragments(sim):
    store, log = sim
    perfect = _perfect(store, log)
    broken = score_simulation(store, log, _split_in_two(store, log, perfect))

    v = broken.visitors
    assert v.ids_per_person == pytest.approx(2.0, abs=0.1)
    assert v.continuity == 0.0  # nobody is covered 90 % by one id
    assert 0.4 < v.idf1 < 0.75
    assert v.path_exact < 1.0
    cut_zones = [z for z in broken.zones if z.measured_visits > z.truth_visits]
    assert cut_zones, "a stay cut in two is two stored stays"
    for z in cut_zones:
        assert z.count_error > 0 and z.median_dwell_error < 0
        assert z.total_dwell_error == pytest.approx(0, abs=1e-6)  # the pieces add up


def test_score_visitors_with_nothing_stored(sim):
    store, log = sim
    empty = TrackPoints(np.zeros(0, object), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2)))
    v = score_visitors(store, log, empty, [], DURATION_S)
    assert v.stored_ids == 0 and v.continuity == 0.0 and v.idf1 == 0.0


def test_edit_distance():
    assert edit_distance([], ["a", "b"]) == 2
    assert edit_distance(["a", "b"], ["a", "b"]) == 0
    assert edit_distance(["a", "b", "c"], ["a", "c"]) == 1
    assert edit_distance(["a", "b"], ["b", "a"]) == 2
