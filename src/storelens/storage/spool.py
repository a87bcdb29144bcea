"""A durable outbox on the box's own disk between a run and its database.

A run's records go to the spool first (an SQLite file, committed and synced before the run
goes on), and a `SpoolSender` thread writes them to the database in order, one transaction per
batch, retrying with backoff while the database is down, locked or unreachable. A database that
is gone for minutes therefore delays writes and loses nothing; a crash loses nothing either,
since the next run of the store sends what the spool still holds. Batches are idempotent
(`RecordBatch`), so a batch sent twice is stored once.

The spool is bounded (``max_bytes``): beyond it, new batches keep their events (visits, counts,
alerts: small) and drop their positions, and each drop is logged with how many points went.
"""

from __future__ import annotations

import logging
import pickle
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from storelens.errors import StorageError, StorelensError, first_line
from storelens.storage.runs import RecordBatch

__all__ = ["Outage", "Spool", "SpoolSender", "SpoolStatus"]

logger = logging.getLogger(__name__)

RETRY_FIRST_S = 0.5
"""First wait after a failed write; doubled after each failure."""
RETRY_MAX_S = 30.0
"""Longest wait between attempts: a database back after an outage is written to within this."""
REPORT_EVERY_S = 60.0
"""While the database stays down, how often the log says so again."""
STATUS_EVERY_S = 5.0
"""While the database takes writes, how often `SpoolSender` reports what waits (``on_status``)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    size INTEGER NOT NULL,
    body BLOB NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class SpoolStatus:
    """What waits in the spool: batches, bytes, and points dropped because it was full."""

    batches: int
    bytes: int
    dropped_points: int


@dataclass(frozen=True, slots=True)
class Outage:
    """The database's last unavailability to the sender: since when (UTC), how long, why."""

    start: datetime
    seconds: float
    error: str


class Spool:
    """Batches waiting for the database, oldest first, in an SQLite file (thread-safe).

    Args:
        path: The spool file (created with its folder).
        max_bytes: Bound on what waits; see the module docstring.

    Raises:
        StorageError: The file cannot be created or opened.
    """

    def __init__(self, path: str | Path, max_bytes: int) -> None:
        self.path = Path(path)
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._dropped = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")  # a put survives a power cut
            self._conn.execute(_SCHEMA)
            self._bytes = self._conn.execute("SELECT coalesce(sum(size), 0) FROM batches").fetchone()[0]
        except (OSError, sqlite3.Error) as err:
            raise StorageError(f"cannot open the spool {self.path}: {first_line(err)}") from err

    def put(self, batch: RecordBatch) -> None:
        """Keep a batch until it is sent.

        Raises:
            StorageError: it could not be written (disk full, file gone); nothing was kept, so
                the caller keeps the batch and tries again later.
        """
        body = pickle.dumps(batch, protocol=pickle.HIGHEST_PROTOCOL)
        with self._lock:
            if self._bytes + len(body) > self.max_bytes and (batch.positions or batch.camera_heat):
                points = sum(len(p) for p in batch.positions)
                self._dropped += points
                logger.error(
                    "spool %s is full (%d MB waiting for the database): %d positions of run %d dropped, "
                    "its counts and visits kept",
                    self.path,
                    self._bytes >> 20,
                    points,
                    batch.run_id,
                )
                body = pickle.dumps(replace(batch, positions=[], camera_heat=[]), protocol=pickle.HIGHEST_PROTOCOL)
            try:
                self._conn.execute(
                    "INSERT INTO batches (run_id, seq, size, body) VALUES (?, ?, ?, ?)",
                    (batch.run_id, batch.seq, len(body), body),
                )
            except sqlite3.Error as err:
                raise StorageError(f"cannot keep a batch in the spool {self.path}: {first_line(err)}") from err
            self._bytes += len(body)

    def oldest(self) -> tuple[int, RecordBatch] | None:
        """The oldest waiting batch and its spool id, or None."""
        with self._lock:
            row = self._conn.execute("SELECT id, body FROM batches ORDER BY id LIMIT 1").fetchone()
        return None if row is None else (row[0], pickle.loads(row[1]))

    def remove(self, spool_id: int) -> None:
        """Forget a batch that was sent."""
        with self._lock:
            size = self._conn.execute("SELECT size FROM batches WHERE id = ?", (spool_id,)).fetchone()
            self._conn.execute("DELETE FROM batches WHERE id = ?", (spool_id,))
            self._bytes -= size[0] if size else 0

    def drop_run(self, run_id: int) -> int:
        """Forget every batch of a run that starts over (it replaces them); how many went."""
        with self._lock:
            removed = self._conn.execute("DELETE FROM batches WHERE run_id = ?", (run_id,)).rowcount
            self._bytes = self._conn.execute("SELECT coalesce(sum(size), 0) FROM batches").fetchone()[0]
        return removed

    def status(self) -> SpoolStatus:
        with self._lock:
            n = self._conn.execute("SELECT count(*) FROM batches").fetchone()[0]
            return SpoolStatus(n, self._bytes, self._dropped)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class SpoolSender:
    """A thread that writes the spool's batches to the database, in order, until closed.

    Args:
        spool: Where the batches wait.
        write: Stores one batch (`StoreDatabase.write_batch`, under the run's database lock).
        after_write: Called with each batch stored (the retention schedule).
        on_status: Called after a write with what waits and the last outage: after the first
            write, at the end of an outage, and every `STATUS_EVERY_S` (the Cameras page).
        Storage errors of the last two are logged, not fatal.
    """

    def __init__(
        self,
        spool: Spool,
        write: Callable[[RecordBatch], object],
        after_write: Callable[[RecordBatch], None] | None = None,
        on_status: Callable[[SpoolStatus, Outage | None], None] | None = None,
    ) -> None:
        self.spool = spool
        self._write = write
        self._after_write = after_write
        self._on_status = on_status
        self.outage: Outage | None = None
        self._wake = threading.Event()
        self._closing = threading.Event()
        self._abort = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="spool-sender", daemon=True)
        self._thread.start()

    def notify(self) -> None:
        """A batch was put: send it now."""
        self._wake.set()

    def close(self, timeout_s: float) -> SpoolStatus:
        """Send what waits, for at most ``timeout_s`` while the database is down; what is left stays
        in the spool for the next run. Returns what is left."""
        self._closing.set()
        self._wake.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            self._abort.set()
            self._wake.set()
            self._thread.join()
        if self.error is not None:
            raise self.error
        return self.spool.status()

    def _run(self) -> None:
        try:
            self._send_all()
        except BaseException as err:  # a bug, not a database fault: handed to close()
            logger.error("spool sender stopped: %s", first_line(err))
            self.error = err

    def _send_all(self) -> None:
        wait_s, down_since, reported, status_due = RETRY_FIRST_S, None, 0.0, 0.0
        down_error = ""
        while not self._abort.is_set():
            item = self.spool.oldest()
            if item is None:
                if self._closing.is_set():
                    return
                self._wake.wait(0.5)
                self._wake.clear()
                continue
            spool_id, batch = item
            try:
                self._write(batch)
            except StorageError as err:
                now = time.monotonic()
                if down_since is None or now - reported >= REPORT_EVERY_S:
                    status = self.spool.status()
                    logger.error(
                        "database unavailable (%s); %d batches (%.1f MB) wait in the spool %s, retrying",
                        first_line(err),
                        status.batches,
                        status.bytes / 2**20,
                        self.spool.path,
                    )
                    reported = now
                down_since = down_since if down_since is not None else now
                down_error = first_line(err)
                self._abort.wait(wait_s)
                wait_s = min(2 * wait_s, RETRY_MAX_S)
                continue
            self.spool.remove(spool_id)
            now = time.monotonic()
            if down_since is not None:
                seconds = now - down_since
                logger.warning("database back after %.0f s; the spool is being sent", seconds)
                start = datetime.now(timezone.utc) - timedelta(seconds=seconds)
                self.outage = Outage(start, seconds, down_error)
                down_since, wait_s, status_due = None, RETRY_FIRST_S, 0.0
            try:
                if self._after_write is not None:
                    self._after_write(batch)
                if self._on_status is not None and now >= status_due:
                    status_due = now + STATUS_EVERY_S
                    self._on_status(self.spool.status(), self.outage)
            except StorelensError as err:
                logger.error("after writing batch %d: %s", batch.seq, first_line(err))
