"""A run's records through the spool: old video kept after its run, a full disk loses nothing."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from storelens.analytics import AnalyticsEvents, FloorPositions
from storelens.analytics.records import Visit
from storelens.config.storage import StorageConfig
from storelens.errors import StorageError
from storelens.recording import CameraRun, recording
from storelens.storage import open_database
from storelens.storage.runs import RunInfo, recorded_run_id
from storelens.storage.spool import Spool

OLD = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(days=17)
ALL = (OLD - timedelta(days=1), datetime.now(timezone.utc) + timedelta(days=1))


def _storage(tmp_path) -> StorageConfig:
    return StorageConfig(url=f"sqlite:///{tmp_path / 'store.db'}", retention_days={"positions": 7})


def _walk(writer, t0: datetime, seconds: int) -> None:
    for s in range(seconds):
        last = s == seconds - 1
        events = AnalyticsEvents(visits=[Visit("cam", 1, t0, t0 + timedelta(seconds=s), True)] if last else [])
        writer.add(FloorPositions("cam", t0 + timedelta(seconds=s), [1], [(0.1 * s, 1.0)]), events)


def test_a_backfill_older_than_retention_is_kept_after_its_run_and_said_so(tmp_path, caplog):
    storage = _storage(tmp_path)
    info = RunInfo(recorded_run_id("shop", ["cam"], OLD), "shop", ("cam",), False, OLD)
    with open_database(storage.url) as db:
        with recording(db, info, storage, threading.Lock(), CameraRun("cam"), 1.0, purge=True) as writer:
            _walk(writer, OLD, 20)
            writer.flush()
        assert len(db.positions(*ALL).track_id) == 20
        assert "older than the retention of positions" in caplog.text
        later = RunInfo(recorded_run_id("shop", ["cam"], OLD + timedelta(days=16)), "shop", ("cam",), False, OLD)
        with recording(db, later, storage, threading.Lock(), CameraRun("cam"), 1.0, purge=True) as writer:
            writer.flush()
        assert len(db.positions(*ALL).track_id) == 0  # the next run's purge deletes them
        assert len(db.visits(*ALL)) == 1


def test_a_batch_the_spool_cannot_take_goes_with_the_next(tmp_path, monkeypatch, caplog):
    storage = _storage(tmp_path)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    info = RunInfo(recorded_run_id("shop", ["cam"], now), "shop", ("cam",), False, now)
    put, full = Spool.put, [True]

    def disk_full_once(self, batch):
        if full[0] and batch.positions:
            full[0] = False
            raise StorageError("cannot keep a batch in the spool: database or disk is full")
        return put(self, batch)

    monkeypatch.setattr(Spool, "put", disk_full_once)
    run = CameraRun("cam")
    with open_database(storage.url) as db:
        with recording(db, info, storage, threading.Lock(), run, 5.0, purge=False) as writer:
            _walk(writer, now, 20)
            writer.flush()
        assert len(db.positions(*ALL).track_id) == 20 and run.positions == 20
        assert len(db.visits(*ALL)) == 1
    assert "disk is full; the records are kept in memory" in caplog.text
