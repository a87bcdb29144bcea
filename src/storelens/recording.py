"""A run's records on their way from the analytics to the database, through the spool.

`recording` opens a run (`StoreDatabase.begin_run`: a recorded run begun again replaces what it
stored before), gives a `RecordWriter` that batches the analytics' records into the spool, and
runs the `SpoolSender` that writes them to the database, retrying while it is unavailable, and
deletes records past their retention on schedule. At the end it waits a while for what the spool
still holds; what a database that stayed down did not take waits in the spool for the next run.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from storelens.analytics import AnalyticsEvents, FloorPositions
from storelens.config.storage import StorageConfig
from storelens.demographics import VisitDemographics
from storelens.errors import StorageError
from storelens.storage import SpoolHealth, StoreDatabase
from storelens.storage.runs import RecordBatch, RunInfo
from storelens.storage.spool import Outage, Spool, SpoolSender, SpoolStatus

__all__ = ["CameraRun", "RecordWriter", "recording", "spool_path"]

logger = logging.getLogger(__name__)


@dataclass(slots=True)
class CameraRun:
    """What one camera's run produced (counts of records written)."""

    camera_id: str
    frames: int = 0
    fps: float = 0.0
    tracks: int = 0
    positions: int = 0
    crossings: int = 0
    zone_visits: int = 0
    visits: int = 0
    alerts: int = 0
    demographics: int = 0
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    interrupted: bool = False

    def summary(self) -> str:
        span = f"{self.first_ts:%Y-%m-%d %H:%M:%S} to {self.last_ts:%H:%M:%S} UTC" if self.first_ts else "no frames"
        return (
            f"{self.camera_id}: {self.frames} frames ({self.fps:.1f} frames/s), {self.tracks} tracks, "
            f"{self.crossings} line crossings, {self.zone_visits} zone visits, {self.visits} visits, "
            f"{self.alerts} alerts, {self.positions} positions stored{self._demographics()}; {span}"
        )

    def _demographics(self) -> str:
        return f", {self.demographics} visits with demographics" if self.demographics else ""


@dataclass(slots=True)
class RecordWriter:
    """Collects a run's records and hands them to the spool every ``every_s`` of stream time (a
    second: live results reach the dashboard at once; a backfill of past days writes in bigger
    batches). The spool's sender thread writes them to the database.

    A batch the spool cannot take (its disk is full) stays here and goes with the next one.
    """

    spool: Spool
    sender: SpoolSender
    run_id: int
    run: CameraRun
    positions: list[FloorPositions] = field(default_factory=list)
    events: AnalyticsEvents = field(default_factory=AnalyticsEvents)
    every_s: float = 1.0
    due: datetime | None = None
    camera_heat: list[FloorPositions] = field(default_factory=list)
    """The cameras' views of a fused store's visitors: heat per camera, no positions of their own."""
    demographics: list[VisitDemographics] = field(default_factory=list)
    seq: int = 0
    begin: Callable[[], None] | None = None
    """Called before the first batch goes to the spool (`recording` begins the run there, so a
    run that fails before writing anything leaves an earlier run's records alone)."""

    def add(
        self,
        positions: FloorPositions,
        events: AnalyticsEvents,
        camera_views: Sequence[FloorPositions] = (),
        staff: FloorPositions | None = None,
    ) -> None:
        """One instant's records; ``staff`` are the positions of the people taken for staff, stored
        under their own camera id (`staff_camera_id`) so that the visitors' heat leaves them out."""
        self.positions.append(positions)
        if staff is not None and len(staff):
            self.positions.append(staff)
        self.events.extend(events)
        self.camera_heat += camera_views
        if self.due is None or positions.ts >= self.due:
            self.flush()
            self.due = positions.ts + timedelta(seconds=self.every_s)

    def add_demographics(self, records: Sequence[VisitDemographics]) -> None:
        """Visits decided by a demographics camera; they go with the next batch."""
        self.demographics += records

    def flush(self) -> None:
        if self.begin is not None:
            self.begin()
            self.begin = None
        e = self.events
        batch = RecordBatch(
            self.run_id,
            self.seq + 1,
            self.positions,
            self.camera_heat,
            e.crossings,
            e.zone_visits,
            e.visits,
            e.alerts,
            self.demographics,
        )
        try:
            self.spool.put(batch)
        except StorageError as err:
            logger.error("%s; the records are kept in memory and tried again with the next batch", err)
            return
        self.seq += 1
        self.sender.notify()
        r = self.run
        r.crossings += len(e.crossings)
        r.zone_visits += len(e.zone_visits)
        r.visits += len(e.visits)
        r.alerts += len(e.alerts)
        r.demographics += len(self.demographics)
        self.positions, self.events, self.camera_heat, self.demographics = [], AnalyticsEvents(), [], []



def spool_path(storage: StorageConfig, db: StoreDatabase, store_id: str) -> str:
    """Where the store's spool lives: the configured file, else beside an SQLite database, else
    under ``$XDG_STATE_HOME/storelens``; an in-memory database gets an in-memory spool."""
    if storage.spool is not None:
        return storage.spool
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        return f"{url.database}.spool" if url.database not in (None, "", ":memory:") else ":memory:"
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return str(Path(state) / "storelens" / f"{store_id}.spool")


@contextmanager
def recording(
    db: StoreDatabase,
    info: RunInfo,
    storage: StorageConfig,
    lock: threading.Lock,
    run: CameraRun,
    every_s: float,
    purge: bool,
) -> Iterator[RecordWriter]:
    """A run's writer, from `StoreDatabase.begin_run` to its last batch stored (see the module).

    Args:
        db: Where records go.
        info: The run.
        storage: The store's storage settings (spool, retention, purge period).
        lock: Serialises this run's database writes with its health reports.
        run: Counts of what was written, updated as batches are stored.
        every_s: Stream time between batches.
        purge: Delete records past their retention every ``storage.purge_every_minutes`` of
            stream time, and after the run (a recorded run's own records excepted, however old).

    Raises:
        StorageError: The run cannot begin, or the database stayed unavailable past
            ``storage.spool_wait_s`` after the run: its last batches wait in the spool.
    """
    spool = Spool(spool_path(storage, db, info.store_id), storage.spool_max_mb << 20)
    try:

        def begin() -> None:
            dropped = spool.drop_run(info.run_id)
            if dropped:
                logger.info("run %d starts over: %d of its batches in the spool are replaced", info.run_id, dropped)
            with lock:
                db.begin_run(info)

        retention = storage.retention_days.model_dump()
        keep_run = None if info.live else info.run_id
        clock = _PurgeClock(timedelta(minutes=storage.purge_every_minutes))

        def write(batch: RecordBatch) -> None:
            with lock:
                stored = db.write_batch(batch)
            if batch.run_id == info.run_id:  # the spool may hold an earlier run's leftovers too
                run.positions += stored or 0

        def after_write(batch: RecordBatch) -> None:
            last = batch.last_ts
            if last is not None and clock.due(last) and purge:
                with lock:
                    _log_purged(db.purge(last, retention, keep_run=keep_run))

        def on_status(status: SpoolStatus, outage: Outage | None) -> None:
            health = SpoolHealth(
                info.store_id,
                datetime.now(timezone.utc),
                status.batches,
                status.bytes,
                status.dropped_points,
                None if outage is None else outage.start,
                None if outage is None else outage.seconds,
                None if outage is None else outage.error,
            )
            with lock:
                db.set_spool_health(health)

        sender = SpoolSender(spool, write, after_write, on_status)
        writer = RecordWriter(spool, sender, info.run_id, run, every_s=every_s, begin=begin)
        failed = True
        try:
            yield writer
            failed = False
        finally:
            left = sender.close(storage.spool_wait_s)
            if left.batches:
                message = (
                    f"the database {db.url} stayed unavailable: {left.batches} batches of records "
                    f"({left.bytes / 2**20:.1f} MB) wait in the spool {spool.path}; "
                    "the next run of this store writes them"
                )
                if not failed:
                    raise StorageError(message)
                logger.error("%s", message)
        if purge:
            now = clock.newest if info.live and clock.newest else datetime.now(timezone.utc)
            with lock:
                _log_purged(db.purge(now, retention, keep_run=keep_run))
            _warn_kept(info, retention)
    finally:
        spool.close()


@dataclass(slots=True)
class _PurgeClock:
    """Stream time a run has written, and when its next retention purge is due (a live run's
    clock is its stream; a backfill's purges follow the video's time)."""

    every: timedelta
    newest: datetime | None = None
    next_purge: datetime | None = None

    def due(self, ts: datetime) -> bool:
        """Note a batch written up to ``ts``; whether a purge is due now (the first batch only starts the clock)."""
        self.newest = ts if self.newest is None else max(self.newest, ts)
        if self.next_purge is None:
            self.next_purge = ts + self.every
            return False
        if ts < self.next_purge:
            return False
        self.next_purge = ts + self.every
        return True


def _log_purged(purged: dict) -> None:
    if any(purged.values()):
        logger.info("retention: removed %s", ", ".join(f"{n} {kind.value}" for kind, n in purged.items() if n))


def _warn_kept(info: RunInfo, retention: dict[str, float | None]) -> None:
    """A recorded run older than a retention: its records are kept for now, and said so."""
    if info.live:
        return
    age_days = (datetime.now(timezone.utc) - info.start).total_seconds() / 86400
    expired = [kind for kind, days in retention.items() if days is not None and age_days > days]
    if expired:
        logger.warning(
            "the video starts %.1f days ago, older than the retention of %s: its records are kept for now "
            "and deleted by the next run's purge",
            age_days,
            ", ".join(expired),
        )
