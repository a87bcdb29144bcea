"""Runs and batches: a batch written twice is stored once, a recorded run begun again replaces itself."""

from __future__ import annotations

import pytest
from storage_helpers import T0, at, frames

from storelens.analytics.records import Alert, LineCrossing, Visit, ZoneVisit
from storelens.errors import StorageError
from storelens.storage import SpoolHealth, open_database
from storelens.storage.runs import RecordBatch, RunInfo, live_run_id, recorded_run_id

ALL = (at(-3600), at(3 * 3600))


def _run(cameras=("cam",), start=T0) -> RunInfo:
    return RunInfo(recorded_run_id("shop", cameras, start), "shop", cameras, False, start)


def _batch(run: RunInfo, seq: int, t0: float) -> RecordBatch:
    """Ten seconds of two people from ``t0``: positions, a crossing, a zone stay, a visit, an alert."""
    walk = {1: [(0.1 * i, 1.0) for i in range(50)], 2: [(2.0, 0.1 * i) for i in range(50)]}
    return RecordBatch(
        run.run_id,
        seq,
        positions=frames("cam", walk, fps=5, t0=t0),
        crossings=[LineCrossing("door", "cam", 1, at(t0 + 2), "in")],
        zone_visits=[ZoneVisit("shelf", "cam", 2, at(t0 + 1), at(t0 + 9))],
        visits=[Visit("cam", 1, at(t0), at(t0 + 9.8), True)],
        alerts=[Alert(at(t0 + 3), "restricted_entry", "lab", "cam", 2, "in lab")],
    )


def _contents(db) -> tuple:
    """Everything a report reads, without the surrogate ids."""
    heat = db.heatmap(*ALL)
    return (
        len(db.positions(*ALL).track_id),
        sorted((c.line, c.track_id, c.ts, c.direction) for c in db.line_crossings(*ALL)),
        sorted((v.zone, v.track_id, v.enter_ts, v.exit_ts) for v in db.zone_visits(*ALL)),
        sorted((v.track_id, v.start_ts, v.end_ts) for v in db.visits(*ALL)),
        sorted((a.alert.ts, a.alert.message) for a in db.alerts(*ALL)),
        round(float(heat.seconds.sum()), 6),
        db.occupancy(*ALL, camera_id="cam").entries.tolist(),
        db.occupancy(*ALL, zone="shelf", camera_id="cam").max_occupancy.tolist(),
    )


def test_a_batch_written_twice_is_stored_once(db_url):
    run = _run()
    with open_database(db_url) as db:
        db.begin_run(run)
        first = db.write_batch(_batch(run, 1, 0))
        once = _contents(db)
        assert first and first > 0
        assert db.write_batch(_batch(run, 1, 0)) is None  # acknowledgement lost, sent again
        assert _contents(db) == once
        assert db.write_batch(_batch(run, 2, 10)) is not None
        assert len(db.visits(*ALL)) == 2


def test_a_recorded_run_begun_again_replaces_what_it_stored(db_url):
    run, other = _run(), _run(cameras=("cam2",))
    with open_database(db_url) as db:
        db.begin_run(other)  # another camera's run at the same time is left alone
        db.write_batch(RecordBatch(other.run_id, 1, visits=[Visit("cam2", 9, at(1), at(2), True)]))
        db.begin_run(run)
        for seq in (1, 2, 3):
            db.write_batch(_batch(run, seq, 10 * (seq - 1)))
        reference = _contents(db)
        assert db.begin_run(run) > 0  # run again on purpose
        db.write_batch(_batch(run, 1, 0))  # ... and killed after its first batch
        db.begin_run(run)
        for seq in (1, 2, 3):
            db.write_batch(_batch(run, seq, 10 * (seq - 1)))
        assert _contents(db) == reference
        assert sum(1 for v in db.visits(*ALL) if v.camera_id == "cam2") == 1


def test_minute_aggregates_follow_a_replaced_run(db_url):
    run = _run()
    with open_database(db_url) as db:
        db.begin_run(run)
        db.write_batch(_batch(run, 1, 0))
        db.write_batch(_batch(run, 2, 120))
        assert db.occupancy(*ALL, camera_id="cam").entries.sum() == 2
        db.begin_run(run)
        db.write_batch(_batch(run, 1, 0))
        assert db.occupancy(*ALL, camera_id="cam").entries.sum() == 1
        assert db.zone_stats(*ALL)["shelf"].visits == 1


def test_a_batch_of_a_run_never_begun_is_refused(db_url):
    with open_database(db_url) as db, pytest.raises(StorageError, match="never begun"):
        db.write_batch(_batch(_run(), 1, 0))


def test_purge_keeps_the_run_it_is_told_to_keep(db_url):
    old, kept = _run(start=at(-86400 * 30)), _run(start=T0)
    with open_database(db_url) as db:
        for run, t in ((old, -86400 * 30), (kept, -86400 * 29)):
            db.begin_run(run)
            db.write_batch(_batch(run, 1, t))
        db.purge(at(0), {"positions": 7, "visits": 7}, keep_run=kept.run_id)
        assert [v.start_ts for v in db.visits(at(-86400 * 31), at(0))] == [at(-86400 * 29)]
        assert len(db.positions(at(-86400 * 31), at(0)).track_id) > 0


def test_run_ids_name_the_store_cameras_and_start():
    assert recorded_run_id("s", ["a", "b"], T0) == recorded_run_id("s", ["b", "a"], T0)
    assert recorded_run_id("s", ["a"], T0) != recorded_run_id("s", ["a"], at(1))
    assert recorded_run_id("s", ["a"], T0) != recorded_run_id("t", ["a"], T0)
    assert live_run_id() != live_run_id()
    assert 0 < recorded_run_id("s", ["a"], T0) < 2**62


def test_write_health_is_kept_per_store(db_url):
    health = SpoolHealth("shop", at(60), 3, 4096, 12, at(0), 42.5, "cannot write: connection refused")
    with open_database(db_url) as db:
        assert db.spool_health("shop") is None
        db.set_spool_health(health)
        db.set_spool_health(SpoolHealth("other", at(61), 0, 0))
        assert db.spool_health("shop") == health
        assert db.spool_health("other").last_outage_start is None
