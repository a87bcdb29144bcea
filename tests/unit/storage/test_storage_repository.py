"""StoreDatabase on both engines: round trips, downsampling, ranges, aggregates, heat, retention."""

from __future__ import annotations

import math
from contextlib import nullcontext
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from storage_helpers import T0, at, frames

from storelens.analytics.records import Alert, Direction, FloorPositions, LineCrossing, Visit, ZoneVisit
from storelens.demographics import VisitDemographics
from storelens.errors import ConfigError, StorageError
from storelens.storage import (
    CameraInfo,
    DataKind,
    HourlyLineCount,
    StoreInfo,
    ZoneStats,
)
from storelens.storage.times import to_us

HOUR = timedelta(hours=1)


# ---------------------------------------------------------------- metadata


def test_store_and_camera_round_trip_and_upsert_replaces(db):
    db.upsert_store(StoreInfo("mitte", "Berlin Mitte", "Europe/Berlin"))
    db.upsert_camera(CameraInfo("entrance", "Entrance", "rtsp://cam1/stream", 7.5, "mitte"))
    db.upsert_camera(CameraInfo("floor", "Floor", "0"))
    db.upsert_store(StoreInfo("mitte", "Berlin-Mitte", "Europe/Berlin"))
    db.upsert_camera(CameraInfo("floor", "Floor (wide)", "/dev/video0", None, "mitte"))
    assert db.stores() == [StoreInfo("mitte", "Berlin-Mitte", "Europe/Berlin")]
    assert db.cameras() == [
        CameraInfo("entrance", "Entrance", "rtsp://cam1/stream", 7.5, "mitte"),
        CameraInfo("floor", "Floor (wide)", "/dev/video0", None, "mitte"),
    ]


@pytest.mark.parametrize(
    "action, expectation",
    [
        (lambda db: db.upsert_store(StoreInfo("s", "S", "Mars/Olympus")), pytest.raises(ConfigError, match="timezone")),
        (lambda db: db.upsert_camera(CameraInfo("c", "C", "0", fps=0)), pytest.raises(ConfigError, match="fps")),
        (lambda db: db.upsert_camera(CameraInfo("c", "C", "0", store_id="nope")), pytest.raises(StorageError)),
        (lambda db: db.upsert_camera(CameraInfo("c", "C", "0", fps=10)), nullcontext()),
    ],
)
def test_metadata_is_checked(db, action, expectation):
    with expectation:
        action(db)


# ---------------------------------------------------------------- positions


def test_positions_round_trip_exactly(db):
    xy = np.array([[1.0 / 3.0, -2.5], [1e-9, 123456.789]])
    batch = FloorPositions("cam", at(0.123456), np.array([7, 2**40]), xy)
    assert db.add_positions([batch]) == 2
    stored = db.positions(T0, at(1))
    assert stored.camera_id.tolist() == ["cam", "cam"]
    assert stored.track_id.tolist() == [7, 2**40]
    assert stored.ts_us.tolist() == [to_us(at(0.123456))] * 2
    assert stored.floor_xy_m.tolist() == xy.tolist()


@pytest.mark.parametrize("fps", [2.0, 7.0, 10.0, 25.0])
def test_positions_are_downsampled_to_at_most_2_hz_per_track(db, fps):
    n = int(20 * fps)
    batches = frames("cam", {1: [(0.01 * i, 1.0) for i in range(n)], 2: [(5.0, 0.01 * i) for i in range(n)]}, fps)
    # Fed in uneven calls: the per-track state carries across them.
    kept = sum(db.add_positions(batches[k : k + 13]) for k in range(0, n, 13))
    stored = db.positions(T0, at(60))
    assert kept == len(stored)
    for tid in (1, 2):
        ts = stored.ts_us[stored.track_id == tid]
        assert np.all(np.diff(ts) >= 500_000)
        # Greedy: every ceil(fps / 2)-th frame, so no thinner than needed.
        assert len(ts) == math.ceil(n / math.ceil(fps / 2))


def test_positions_filter_by_camera_and_range_is_half_open(db):
    db.add_positions([FloorPositions(c, at(s), [1], [[0.0, 0.0]]) for c in ("a", "b") for s in (0, 10, 20)])
    window = db.positions(at(0), at(20), camera_id="a")
    assert window.ts_us.tolist() == [to_us(at(0)), to_us(at(10))]
    assert set(window.camera_id.tolist()) == {"a"}
    assert len(db.positions(at(0), at(20))) == 4
    assert len(db.positions(at(20), at(20))) == 0


def test_naive_datetimes_are_refused(db):
    with pytest.raises(ValueError, match="naive"):
        db.add_positions([FloorPositions("cam", datetime(2026, 1, 1), [1], [[0, 0]])])
    with pytest.raises(ValueError, match="naive"):
        db.positions(datetime(2026, 1, 1), datetime(2026, 1, 2))


# ---------------------------------------------------------------- events


def test_line_crossings_round_trip_and_range_is_half_open(db):
    crossings = [
        LineCrossing("entrance", "cam", 1, at(0), Direction.IN),
        LineCrossing("entrance", "cam", 1, at(59.999999), Direction.OUT),
        LineCrossing("checkout", "cam", 2, at(60), Direction.IN),
    ]
    db.add_line_crossings(crossings)
    assert db.line_crossings(at(0), at(60)) == crossings[:2]
    assert db.line_crossings(at(0.000001), at(61)) == crossings[1:]


def test_zone_visits_and_visits_round_trip(db):
    zone_visits = [ZoneVisit("fruit", "cam", 1, at(0), at(30.5)), ZoneVisit("bakery", "cam", 2, at(10), at(10))]
    visits = [Visit("cam", 1, at(0), at(600), True), Visit("store", 9, at(5), at(7), False)]
    db.add_zone_visits(zone_visits)
    db.add_visits(visits)
    assert db.zone_visits(T0, at(3600)) == zone_visits
    assert db.visits(T0, at(3600)) == visits
    assert db.visits(at(1), at(3600)) == visits[1:]


def test_interval_that_ends_before_it_starts_is_refused(db):
    with pytest.raises(ValueError, match="ends before it starts"):
        db.add_zone_visits([ZoneVisit("fruit", "cam", 1, at(10), at(0))])


def test_alerts_round_trip_and_acknowledge(db):
    alerts = [
        Alert(at(0), "restricted", "stockroom", "cam", 4, "person in stockroom"),
        Alert(at(5), "camera_down", "", "cam", None, "no frames for 30 s"),
    ]
    ids = db.add_alerts(alerts)
    assert len(set(ids)) == 2
    stored = db.alerts(T0, at(10))
    assert [(s.id, s.alert, s.acknowledged) for s in stored] == [(ids[0], alerts[0], False), (ids[1], alerts[1], False)]
    db.acknowledge_alert(ids[1])
    assert [s.acknowledged for s in db.alerts(T0, at(10))] == [False, True]
    db.acknowledge_alert(ids[1], acknowledged=False)
    assert [s.acknowledged for s in db.alerts(T0, at(10))] == [False, False]
    with pytest.raises(StorageError, match="no alert with id 999999"):
        db.acknowledge_alert(999999)
    assert db.add_alerts([]) == []


# ---------------------------------------------------------------- queries


def test_line_counts_by_hour(db):
    db.add_line_crossings(
        [LineCrossing("entrance", "cam", i, at(60 * i), Direction.IN) for i in range(90)]
        + [LineCrossing("entrance", "cam", i, at(60 * i + 30), Direction.OUT) for i in range(0, 90, 2)]
        + [LineCrossing("checkout", "cam", i, at(3600 + i), Direction.OUT) for i in range(3)]
    )
    h0, h1 = T0, T0 + HOUR
    assert db.line_counts_by_hour(T0, T0 + 2 * HOUR) == [
        HourlyLineCount(h0, "entrance", Direction.IN, 60),
        HourlyLineCount(h0, "entrance", Direction.OUT, 30),
        HourlyLineCount(h1, "checkout", Direction.OUT, 3),
        HourlyLineCount(h1, "entrance", Direction.IN, 30),
        HourlyLineCount(h1, "entrance", Direction.OUT, 15),
    ]
    assert db.line_counts_by_hour(T0, T0 + 2 * HOUR, line="checkout") == [
        HourlyLineCount(h1, "checkout", Direction.OUT, 3)
    ]
    assert db.line_counts_by_hour(at(30), at(60)) == [HourlyLineCount(h0, "entrance", Direction.OUT, 1)]


def test_zone_stats(db):
    dwell = [10, 20, 30, 40, 100]
    db.add_zone_visits(
        [ZoneVisit("fruit", "cam", i, at(i), at(i + d)) for i, d in enumerate(dwell)]
        + [ZoneVisit("bakery", "cam", 9, at(3), at(4.5)), ZoneVisit("bakery", "cam", 10, at(100), at(200))]
    )
    stats = db.zone_stats(T0, at(100))
    assert list(stats) == ["bakery", "fruit"]
    assert stats["fruit"] == ZoneStats("fruit", 5, 40.0, 30.0, float(np.percentile(dwell, 90)))
    assert stats["bakery"] == ZoneStats("bakery", 1, 1.5, 1.5, 1.5)
    assert db.zone_stats(T0, at(100), camera_id="other") == {}


def test_occupancy_per_minute_from_visits_in_any_order(db):
    # Whole floor: visits that entered. Three people overlap in minute 1; one passer-by is ignored.
    later = [Visit("store", 3, at(70), at(100), True)]
    first = [Visit("store", 1, at(0), at(120), True), Visit("store", 2, at(30), at(90), True)]
    db.add_visits(later)
    db.add_visits(first + [Visit("store", 4, at(0), at(300), False)])
    series = db.occupancy(T0, at(600))
    assert series.minute_us.tolist() == [to_us(at(0)), to_us(at(60)), to_us(at(120))]
    assert series.entries.tolist() == [2, 1, 0]
    assert series.exits.tolist() == [0, 2, 1]
    assert series.max_occupancy.tolist() == [2, 3, 0]
    np.testing.assert_allclose(series.mean_occupancy, [1.5, (60 + 30 + 30) / 60, 0.0])
    # Zones, per camera.
    db.add_zone_visits([ZoneVisit("fruit", "cam", 1, at(10), at(40))])
    fruit = db.occupancy(T0, at(600), zone="fruit", camera_id="cam")
    assert fruit.entries.tolist() == [1] and fruit.exits.tolist() == [1] and fruit.max_occupancy.tolist() == [1]
    np.testing.assert_allclose(fruit.mean_occupancy, [0.5])
    assert len(db.occupancy(at(60), at(120))) == 1


def test_heatmap_time_and_flow_per_cell(db):
    # Track 1 walks +x at 0.5 m/s for 10 s (2 Hz); track 2 stands still at (2.1, 3.1) m.
    fps = 2.0
    path = [(0.25 * i, 0.1) for i in range(21)]
    db.add_positions(frames("cam", {1: path, 2: [(2.1, 3.1)] * 21}, fps))
    heat = db.heatmap(T0, T0 + HOUR)
    assert heat.cell_m == 0.25
    cells = {
        (ix, iy): (s, dx, dy)
        for ix, iy, s, dx, dy in zip(heat.cell_ix, heat.cell_iy, heat.seconds, heat.flow_dx, heat.flow_dy)
    }
    assert cells[(8, 12)] == (0.5 * 21, 0.0, 0.0)  # still person: 21 points x 0.5 s
    walked = {k: v for k, v in cells.items() if k != (8, 12)}
    assert sorted(walked) == [(i, 0) for i in range(21)]
    assert sum(v[0] for v in walked.values()) == pytest.approx(10.5)
    assert sum(v[1] for v in walked.values()) == pytest.approx(5.0)
    grid = heat.dense()
    assert grid.origin_xy_m == (0.0, 0.0) and grid.seconds.shape == (13, 21)
    assert grid.seconds[12, 8] == 10.5 and grid.seconds.sum() == pytest.approx(21.0)
    # Hour buckets: the next hour is empty; another camera is filtered out.
    assert len(db.heatmap(T0 + HOUR, T0 + 2 * HOUR)) == 0
    assert len(db.heatmap(T0, T0 + HOUR, camera_id="other")) == 0


def test_heat_accumulates_across_calls_into_one_cell(db):
    for k in range(4):
        db.add_positions([FloorPositions("cam", at(k), [1], [[0.1, 0.1]])])
    heat = db.heatmap(T0, T0 + HOUR)
    assert heat.cell_ix.tolist() == [0] and heat.seconds.tolist() == [0.5 + 1 + 1 + 1]


# ---------------------------------------------------------------- retention


def _fill_every_kind(db, ts: datetime) -> None:
    db.add_positions([FloorPositions("cam", ts, [1], [[1.0, 1.0]])])
    db.add_visits([Visit("store", 1, ts, ts + timedelta(seconds=1), True)])
    db.add_zone_visits([ZoneVisit("fruit", "store", 1, ts, ts + timedelta(seconds=1))])
    db.add_line_crossings([LineCrossing("entrance", "cam", 1, ts, Direction.IN)])
    db.add_alerts([Alert(ts, "restricted", "stockroom", "cam", 1, "x")])
    db.add_demographics([VisitDemographics("cam", 1, ts, ts + timedelta(seconds=1), "18-29", 0.6, "female", 0.9, 5)])


def _counts(db) -> dict[DataKind, int]:
    start, end = T0 - timedelta(days=400), T0 + timedelta(days=1)
    return {
        DataKind.POSITIONS: len(db.positions(start, end)),
        DataKind.VISITS: len(db.visits(start, end)),
        DataKind.ZONE_VISITS: len(db.zone_visits(start, end)),
        DataKind.LINE_CROSSINGS: len(db.line_crossings(start, end)),
        DataKind.ALERTS: len(db.alerts(start, end)),
        DataKind.DEMOGRAPHICS: sum(c.visits for c in db.demographic_counts(start, end)),
        DataKind.AGGREGATES: len(db.occupancy(start, end)) + len(db.occupancy(start, end, "fruit")),
        DataKind.HEAT: round(db.heatmap(start, end).seconds.sum() / 0.5),  # one 0.5 s point per fill
    }


@pytest.mark.parametrize("kind", list(DataKind))
def test_purge_deletes_only_the_kind_and_only_older_data(db, kind):
    old, recent = T0 - timedelta(days=40), T0 - timedelta(days=5)
    _fill_every_kind(db, old)
    _fill_every_kind(db, recent)
    before = _counts(db)
    deleted = db.purge(T0, {kind.value: 30})
    after = _counts(db)
    assert deleted == {kind: 2 if kind == DataKind.AGGREGATES else 1}
    for other in DataKind:
        assert after[other] == before[other] - (deleted[kind] if other == kind else 0)


def test_purge_keeps_buckets_that_reach_past_the_cutoff(db):
    db.add_positions([FloorPositions("cam", T0 + timedelta(minutes=30), [1], [[1.0, 1.0]])])
    cutoff_mid_hour = T0 + timedelta(minutes=45)
    assert db.purge(cutoff_mid_hour + timedelta(days=1), {"heat": 1, "positions": 1}) == {
        DataKind.HEAT: 0,
        DataKind.POSITIONS: 1,
    }
    assert db.purge(T0 + HOUR + timedelta(days=1), {DataKind.HEAT: 1}) == {DataKind.HEAT: 1}


@pytest.mark.parametrize(
    "retention, expectation",
    [
        ({"faces": 1}, pytest.raises(ConfigError, match="unknown data kind 'faces'; valid kinds: positions")),
        ({"positions": -1}, pytest.raises(ConfigError, match=">= 0 days")),
        ({}, nullcontext()),
        ({"positions": None, "heat": None}, nullcontext()),  # None: keep forever
    ],
)
def test_purge_checks_retention(db, retention, expectation):
    with expectation:
        assert db.purge(T0, retention) == {}


def test_positions_after_failed_write_are_retried_without_loss(db, monkeypatch):
    batches = frames("cam", {1: [(0.1 * i, 0.0) for i in range(40)]}, fps=10)

    def broken(*args):
        raise OSError("No space left on device")

    monkeypatch.setattr("storelens.storage.repository.upsert_heat", broken)
    with pytest.raises(StorageError, match="40 records not written"):
        db.add_positions(batches)
    assert len(db.positions(T0, at(10))) == 0
    monkeypatch.undo()
    assert db.add_positions(batches) == 8
    assert db.add_positions(batches) == 0  # the same frames again: nothing newer, nothing stored twice
    assert len(db.positions(T0, at(10))) == 8


def test_timestamps_are_utc_whatever_zone_they_come_in(db):
    berlin = timezone(timedelta(hours=1))
    db.add_line_crossings([LineCrossing("entrance", "cam", 1, T0.astimezone(berlin), Direction.IN)])
    (crossing,) = db.line_crossings(T0, at(1))
    assert crossing.ts == T0 and crossing.ts.utcoffset() == timedelta(0)
