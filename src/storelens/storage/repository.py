"""StoreDatabase: everything storelens keeps, on SQLite (default) or PostgreSQL, one set of queries.

All methods are synchronous and each write is one transaction: it is stored whole or, on any
failure, not at all and a :class:`~storelens.errors.StorageError` says how many records were
not written, so the caller can retry the same call (nothing is spooled to disk). In particular
a PostgreSQL server that is down at write time raises at once; the next call reconnects.

Ranges are half-open ``[start, end)`` on aware datetimes. Raw records (positions, crossings,
visits, alerts) are selected by their own time; pre-aggregated tables (minute aggregates, hourly
heat) by their bucket's start, so align ``start`` and ``end`` to the bucket for exact ranges.
"""

from __future__ import annotations

import json
import logging
import math
import zoneinfo
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Self

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storelens.analytics.records import Alert, Direction, FloorPositions, LineCrossing, Visit, ZoneVisit
from storelens.analytics.staff import STAFF_CAMERA_SUFFIX, staff_camera_id
from storelens.demographics.records import VisitDemographics
from storelens.errors import ConfigError, StorageError
from storelens.storage import schema
from storelens.storage.aggregates import minute_counts
from storelens.storage.downsample import MAX_RATE_HZ, KeptPoints, PositionDownsampler, heat_increments
from storelens.storage.engine import IMMEDIATE_OPTION, OPEN_HINTS, create_storage_engine, mask_url, storage_errors
from storelens.storage.migrations import HEAT_CELL_SETTING, upgrade
from storelens.storage.models import (
    CameraHealth,
    CameraInfo,
    DataKind,
    DemographicCount,
    Heatmap,
    HourlyLineCount,
    OccupancySeries,
    SpoolHealth,
    StoredAlert,
    StoreInfo,
    TrackPoints,
    ZoneStats,
)
from storelens.storage.runs import RecordBatch, RunInfo
from storelens.storage.times import DAY_US, HOUR_US, MINUTE_US, SECOND_US, floor_to, from_us, to_us
from storelens.storage.upsert import dialect_insert, executemany, upsert_heat

CAMERA_HEALTH_PREFIX = "camera_health:"
"""Settings key prefix of each camera's health report."""
SPOOL_HEALTH_PREFIX = "spool_health:"
"""Settings key prefix of each store's write report (`SpoolHealth`)."""

__all__ = ["DEFAULT_HEAT_CELL_M", "STORE_CAMERA_ID", "WHOLE_FLOOR", "StoreDatabase", "open_database"]

logger = logging.getLogger(__name__)

DEFAULT_HEAT_CELL_M = 0.25
"""Heat grid cell edge: about one standing person, fine enough to tell shelf fronts apart."""
STORE_CAMERA_ID = "store"
"""camera_id of fused, store-wide records (visitors tracked across cameras)."""
WHOLE_FLOOR = ""
"""zone of minute aggregates about the whole floor rather than one zone."""
DWELL_PERCENTILE = 90.0
"""The "long dwell" statistic of zone_stats (p90): robust to the odd person who stays all day."""

_RETENTION_TIME = {
    DataKind.POSITIONS: (schema.positions.c.ts_us, 0),
    DataKind.VISITS: (schema.visits.c.end_us, 0),
    DataKind.ZONE_VISITS: (schema.zone_visits.c.exit_us, 0),
    DataKind.LINE_CROSSINGS: (schema.line_crossings.c.ts_us, 0),
    DataKind.ALERTS: (schema.alerts.c.ts_us, 0),
    DataKind.DEMOGRAPHICS: (schema.visit_demographics.c.end_us, 0),
    DataKind.AGGREGATES: (schema.minute_aggregates.c.minute_us, MINUTE_US),
    DataKind.HEAT: (schema.heat.c.hour_us, HOUR_US),
}
"""Per kind: the time column retention compares, and the bucket length when rows are buckets
(0 for records); a bucket is old once its end is, so no newer data goes with it."""


def open_database(url: str, *, heat_cell_m: float | None = None, max_rate_hz: float = MAX_RATE_HZ) -> StoreDatabase:
    """Open (creating or migrating as needed) the database at ``url``.

    Args:
        url: ``sqlite:///path/to/store.db`` (the directory must exist) or
            ``postgresql+psycopg://user@host:5432/dbname``. To keep storelens in its own
            PostgreSQL schema, create the schema and add ``?options=-csearch_path%3Dmyschema``.
        heat_cell_m: Heat grid cell edge, metres. A database keeps the cell size it was created
            with; None uses it (0.25 m for a new database), another value raises.
        max_rate_hz: Stored points per track per second, at most (see
            :class:`~storelens.storage.downsample.PositionDownsampler`).

    Raises:
        StorageError: bad URL, database unreachable or unwritable, newer schema, or a cell size
            that differs from the database's.
    """
    if heat_cell_m is not None and not heat_cell_m > 0:
        raise ConfigError(f"heat_cell_m must be > 0 metres, got {heat_cell_m}")
    try:
        downsampler = PositionDownsampler(max_rate_hz)
    except ValueError as err:
        raise ConfigError(f"max_rate_hz: {err}") from err
    engine = create_storage_engine(url)
    try:
        hint = OPEN_HINTS[engine.url.get_backend_name()]
        with storage_errors(engine.url, "open the database", hint=hint):
            upgrade(engine, heat_cell_m or DEFAULT_HEAT_CELL_M)
            with engine.connect() as conn:
                stored = conn.execute(
                    sa.select(schema.settings.c.value).where(schema.settings.c.key == HEAT_CELL_SETTING)
                ).scalar_one()
        stored_cell_m = float(stored)
        if heat_cell_m is not None and not math.isclose(heat_cell_m, stored_cell_m):
            raise StorageError(
                f"database {mask_url(engine.url)} has a {stored_cell_m} m heat grid, not {heat_cell_m} m: "
                "open it without heat_cell_m, or use a new database"
            )
    except Exception:
        engine.dispose()
        raise
    return StoreDatabase(engine, stored_cell_m, downsampler)


class StoreDatabase:
    """Repository of store metadata, track points, visits, counts, alerts and heat.

    Create it with :func:`open_database`; use it as a context manager or call :meth:`close`.
    One instance is meant for one writer (it remembers each track's last stored point to
    downsample); any number of readers can use their own instances, on SQLite too (WAL).

    Args:
        engine: Engine of a database already at the latest schema version.
        heat_cell_m: The database's heat grid cell edge, metres.
        downsampler: Downsampling state for :meth:`add_positions`.
    """

    def __init__(self, engine: Engine, heat_cell_m: float, downsampler: PositionDownsampler) -> None:
        self._engine = engine
        self._url = engine.url
        self.heat_cell_m = heat_cell_m
        self._downsampler = downsampler

    @property
    def url(self) -> str:
        """The database URL with its password masked."""
        return mask_url(self._url)

    @property
    def engine(self) -> Engine:
        """The SQLAlchemy engine, for ad-hoc read queries (e.g. exports)."""
        return self._engine

    def close(self) -> None:
        """Close all pooled connections."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"StoreDatabase({self.url!r})"

    # ------------------------------------------------------------------ metadata

    def upsert_store(self, store: StoreInfo) -> None:
        """Create or update the store's name and timezone.

        Raises:
            ConfigError: the timezone is not an IANA zone name.
        """
        try:
            zoneinfo.ZoneInfo(store.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as err:
            raise ConfigError(
                f"store {store.store_id!r}: unknown timezone {store.timezone!r}; use an IANA name like 'Europe/Berlin'"
            ) from err
        row = {"store_id": store.store_id, "name": store.name, "timezone": store.timezone}
        self._upsert(schema.stores, ["store_id"], row, f"save store {store.store_id!r}")

    def upsert_camera(self, camera: CameraInfo) -> None:
        """Create or update a camera; its ``store_id``, if any, must have been upserted first."""
        if camera.fps is not None and not camera.fps > 0:
            raise ConfigError(f"camera {camera.camera_id!r}: fps must be > 0 or None, got {camera.fps}")
        row = {
            "camera_id": camera.camera_id,
            "store_id": camera.store_id,
            "name": camera.name,
            "source": camera.source,
            "fps": camera.fps,
        }
        self._upsert(schema.cameras, ["camera_id"], row, f"save camera {camera.camera_id!r}")

    def stores(self) -> list[StoreInfo]:
        """All stores, by id."""
        table = schema.stores
        rows = self._read(sa.select(table).order_by(table.c.store_id), "read stores")
        return [StoreInfo(r.store_id, r.name, r.timezone) for r in rows]

    def cameras(self) -> list[CameraInfo]:
        """All cameras, by id."""
        table = schema.cameras
        rows = self._read(sa.select(table).order_by(table.c.camera_id), "read cameras")
        return [CameraInfo(r.camera_id, r.name, r.source, r.fps, r.store_id) for r in rows]

    def set_camera_health(self, health: CameraHealth) -> None:
        """Record a camera's latest health report (kept in the settings table, one row per camera)."""
        value = json.dumps(
            {
                "reported_at": health.reported_at.isoformat(),
                "last_frame_ts": None if health.last_frame_ts is None else health.last_frame_ts.isoformat(),
                "frames": health.frames,
                "fps": health.fps,
                "last_error": health.last_error,
                "last_person_ts": None if health.last_person_ts is None else health.last_person_ts.isoformat(),
            }
        )
        row = {"key": f"{CAMERA_HEALTH_PREFIX}{health.camera_id}", "value": value}
        self._upsert(schema.settings, ["key"], row, f"save camera {health.camera_id!r} health")

    def camera_health(self) -> dict[str, CameraHealth]:
        """Every camera's latest health report, by camera id."""
        table = schema.settings
        rows = self._read(
            sa.select(table.c.key, table.c.value).where(table.c.key.startswith(CAMERA_HEALTH_PREFIX)),
            "read camera health",
        )
        out = {}
        for key, value in rows:
            data, camera_id = json.loads(value), key[len(CAMERA_HEALTH_PREFIX) :]
            last, person = data["last_frame_ts"], data.get("last_person_ts")  # absent in older reports
            out[camera_id] = CameraHealth(
                camera_id,
                datetime.fromisoformat(data["reported_at"]),
                None if last is None else datetime.fromisoformat(last),
                int(data["frames"]),
                float(data["fps"]),
                data["last_error"],
                None if person is None else datetime.fromisoformat(person),
            )
        return out

    def set_spool_health(self, health: SpoolHealth) -> None:
        """Record how a store's writes are going (one settings row per store)."""
        value = json.dumps(
            {
                "reported_at": health.reported_at.isoformat(),
                "waiting_batches": health.waiting_batches,
                "waiting_bytes": health.waiting_bytes,
                "dropped_points": health.dropped_points,
                "last_outage_start": None if health.last_outage_start is None else health.last_outage_start.isoformat(),
                "last_outage_s": health.last_outage_s,
                "last_outage_error": health.last_outage_error,
            }
        )
        row = {"key": f"{SPOOL_HEALTH_PREFIX}{health.store_id}", "value": value}
        self._upsert(schema.settings, ["key"], row, f"save store {health.store_id!r} write health")

    def spool_health(self, store_id: str) -> SpoolHealth | None:
        """A store's latest write report, or None if no run reported one."""
        table = schema.settings
        rows = self._read(
            sa.select(table.c.value).where(table.c.key == f"{SPOOL_HEALTH_PREFIX}{store_id}"), "read write health"
        )
        if not rows:
            return None
        data = json.loads(rows[0][0])
        start = data["last_outage_start"]
        return SpoolHealth(
            store_id,
            datetime.fromisoformat(data["reported_at"]),
            int(data["waiting_batches"]),
            int(data["waiting_bytes"]),
            int(data["dropped_points"]),
            None if start is None else datetime.fromisoformat(start),
            data["last_outage_s"],
            data["last_outage_error"],
        )

    # ------------------------------------------------------------------ writes

    def add_positions(self, batches: Sequence[FloorPositions], heat_only: bool = False) -> int:
        """Store track positions downsampled to <= ``max_rate_hz`` per track, and add them to the heat grid.

        Pass many instants per call (a second or more of frames): each call is one transaction,
        and heat is summed per call before it is written. Records written this way belong to no
        run (``run_id`` 0); a run writes through `write_batch`.

        Args:
            batches: Positions per camera and instant; each track's points in time order.
            heat_only: Add the points to their camera's heat without storing them as positions
                (the cameras' views of a fused store: their people are the store's visitors,
                whose positions are stored once, under ``"store"``).

        Returns:
            How many points were stored (or, with ``heat_only``, added to the heat).

        Raises:
            StorageError: nothing was stored (the message gives the count); the downsampling
                state is unchanged, so retrying the same batches stores the same points.
        """
        batches = list(batches)
        kept, pending = self._downsampler.plan(batches)
        n_points = sum(len(b) for b in batches)
        with storage_errors(self._url, f"write {n_points} track points", pending=n_points), self._write() as conn:
            self._store_points(conn, kept, 0, positions=not heat_only)
        self._downsampler.commit(pending)
        return sum(len(points) for points in kept)

    def add_line_crossings(self, crossings: Sequence[LineCrossing]) -> None:
        """Store counted line crossings."""
        self._write_records(_crossing_rows(crossings, 0), self._store_crossings, "line crossings")

    def add_zone_visits(self, visits: Sequence[ZoneVisit]) -> None:
        """Store zone visits, and recompute their (camera, zone) minute aggregates over the minutes they span.

        Raises:
            ValueError: a visit ends before it starts.
            StorageError: nothing was stored (the message gives the count).
        """
        self._write_records(_zone_visit_rows(visits, 0), self._store_zone_visits, "zone visits")

    def add_visits(self, visits: Sequence[Visit]) -> None:
        """Store visits, and recompute the whole-floor (zone ``""``) minute aggregates of their cameras.

        Only visits that ``entered`` (came into the store, `Visit.entered`) count as entries, exits
        and occupancy: passers-by seen through the door are kept but not counted.

        Raises:
            ValueError: a visit ends before it starts.
            StorageError: nothing was stored (the message gives the count).
        """
        self._write_records(_visit_rows(visits, 0), self._store_visits, "visits")

    def add_demographics(self, records: Sequence[VisitDemographics]) -> None:
        """Store visit demographics (outside a run; a run writes them with its batches)."""
        self._write_records(_demographics_rows(records, 0), _store_demographics, "visit demographics")

    def add_alerts(self, alerts: Sequence[Alert]) -> list[int]:
        """Store alerts (not acknowledged) and return their ids, in the order given."""
        rows = _alert_rows(alerts, 0)
        if not rows:
            return []
        table = schema.alerts
        statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        with storage_errors(self._url, f"write {len(rows)} alerts", pending=len(rows)), self._write() as conn:
            return [int(alert_id) for alert_id in conn.execute(statement, rows).scalars()]

    def begin_run(self, run: RunInfo) -> int:
        """Register a run before its first batch; a recorded run that was stored before is removed first.

        Returns:
            How many records of the earlier run with the same id were removed (0 for a new run):
            running the same video again replaces its records instead of adding them twice.

        Raises:
            StorageError: nothing was changed.
        """
        table = schema.runs
        with storage_errors(self._url, f"begin run {run.run_id}"), self._write() as conn:
            old = conn.execute(sa.select(table.c.start_us, table.c.last_us).where(table.c.run_id == run.run_id)).first()
            removed = 0 if old is None else self._remove_run(conn, run.run_id, old.start_us, old.last_us)
            conn.execute(table.delete().where(table.c.run_id == run.run_id))
            start_us = to_us(run.start)
            conn.execute(
                table.insert(),
                {
                    "run_id": run.run_id,
                    "store_id": run.store_id,
                    "cameras": ",".join(run.cameras),
                    "live": run.live,
                    "start_us": start_us,
                    "last_us": start_us,
                    "applied_seq": 0,
                    "created_us": to_us(datetime.now(timezone.utc)),
                },
            )
        self._downsampler.forget([*run.cameras, STORE_CAMERA_ID])
        if removed:
            logger.info("run %d was stored before: replaced its %d records", run.run_id, removed)
        return removed

    def recorded(self, start: datetime, end: datetime) -> bool:
        """Whether anything was counted in ``[start, end)``: a run covered part of it, or (records
        older than runs) a line crossing lies in it. Tells "0 visitors" from "no data"."""
        runs, crossings = schema.runs, schema.line_crossings
        start_us, end_us = to_us(start), to_us(end)
        covered = sa.select(runs.c.run_id).where(runs.c.start_us < end_us, runs.c.last_us >= start_us).limit(1)
        crossed = sa.select(crossings.c.ts_us).where(*_in_range(crossings.c.ts_us, start, end)).limit(1)
        return bool(self._read(covered, "read runs") or self._read(crossed, "read line crossings"))

    def run_reached(self, run_id: int) -> datetime | None:
        """The newest stream time a run has stored, or None if it never began: whether an earlier
        run of the same video (or simulated day) got to its end."""
        table = schema.runs
        rows = self._read(sa.select(table.c.last_us).where(table.c.run_id == run_id), "read a run")
        return from_us(rows[0][0]) if rows else None

    def write_batch(self, batch: RecordBatch) -> int | None:
        """Store one batch of a run in one transaction, unless it was stored already.

        Returns:
            How many positions were stored (after downsampling); None when the run had applied
            this batch (or a later one) before, and nothing was written.

        Raises:
            StorageError: nothing was stored; retrying the same batch is safe.
        """
        kept, pending = self._downsampler.plan(batch.positions)
        heat, heat_pending = self._downsampler.plan(batch.camera_heat)
        runs = schema.runs
        action = f"write batch {batch.seq} of run {batch.run_id}"
        with storage_errors(self._url, action, pending=len(batch)), self._write() as conn:
            # FOR UPDATE: two senders sharing a spool (the demo's history and live feed) may both
            # try a batch; the second waits here and then sees it applied (SQLite locks at BEGIN)
            applied = conn.execute(
                sa.select(runs.c.applied_seq).where(runs.c.run_id == batch.run_id).with_for_update()
            ).scalar()
            if applied is None:
                raise StorageError(f"cannot {action} in {self.url}: the run was never begun (begin_run)")
            fresh = batch.seq > applied
            if fresh:
                self._store_points(conn, kept, batch.run_id, positions=True)
                self._store_points(conn, heat, batch.run_id, positions=False)
                self._store_crossings(conn, _crossing_rows(batch.crossings, batch.run_id))
                self._store_zone_visits(conn, _zone_visit_rows(batch.zone_visits, batch.run_id))
                self._store_visits(conn, _visit_rows(batch.visits, batch.run_id))
                alerts = _alert_rows(batch.alerts, batch.run_id)
                if alerts:
                    conn.execute(schema.alerts.insert(), alerts)
                _store_demographics(conn, _demographics_rows(batch.demographics, batch.run_id))
                last = batch.last_ts
                last_us = runs.c.last_us if last is None else sa.func.greatest(runs.c.last_us, to_us(last))
                if conn.dialect.name == "sqlite" and last is not None:  # SQLite's two-argument max()
                    last_us = sa.func.max(runs.c.last_us, to_us(last))
                conn.execute(
                    runs.update().where(runs.c.run_id == batch.run_id).values(applied_seq=batch.seq, last_us=last_us)
                )
        self._downsampler.commit(pending)
        self._downsampler.commit(heat_pending)
        return sum(len(points) for points in kept) if fresh else None

    def acknowledge_alert(self, alert_id: int, acknowledged: bool = True) -> None:
        """Mark an alert as seen (or, with ``acknowledged=False``, as not seen again).

        Raises:
            StorageError: no alert has this id.
        """
        table = schema.alerts
        statement = table.update().where(table.c.id == alert_id).values(acknowledged=acknowledged)
        with storage_errors(self._url, f"acknowledge alert {alert_id}"), self._write() as conn:
            updated = conn.execute(statement).rowcount
        if not updated:
            raise StorageError(f"no alert with id {alert_id} in {self.url}; ids come from add_alerts() or alerts()")

    def purge(
        self, now: datetime, retention: Mapping[DataKind | str, float | None], keep_run: int | None = None
    ) -> dict[DataKind, int]:
        """Delete each kind of data older than its retention; kinds not listed (or None) are kept forever.

        A record is older than the cutoff ``now - days`` when it ended before it (visits and zone
        visits by their end, points, crossings and alerts by their time) and a bucket
        (aggregate minute, heat hour) when all of it lies before it.

        Args:
            now: Current time, UTC.
            retention: Days to keep per kind, e.g. ``{"positions": 30, "aggregates": 730}``;
                None keeps the kind forever.
            keep_run: A run whose records are kept whatever their age (minute aggregates, which
                belong to no run, excepted): a backfill of old video is not deleted the moment
                it is stored.

        Returns:
            Rows deleted per kind purged.

        Raises:
            ConfigError: an unknown kind or a negative number of days.
        """
        cutoffs = {kind: to_us(now) - round(days * DAY_US) for kind, days in _check_retention(retention).items()}
        deleted = {}
        with storage_errors(self._url, "purge old data"), self._write() as conn:
            for kind, cutoff in cutoffs.items():
                column, bucket_us = _RETENTION_TIME[kind]
                older = column < cutoff if bucket_us == 0 else column <= cutoff - bucket_us
                if keep_run is not None and "run_id" in column.table.c:
                    older = sa.and_(older, column.table.c.run_id != keep_run)
                deleted[kind] = conn.execute(column.table.delete().where(older)).rowcount
        logger.info("purged from %s: %s", self.url, {k.value: n for k, n in deleted.items()})
        return deleted

    # ------------------------------------------------------------------ queries

    def line_counts_by_hour(self, start: datetime, end: datetime, line: str | None = None) -> list[HourlyLineCount]:
        """Crossings per UTC hour, line and direction in ``[start, end)``; hours without any are absent."""
        table = schema.line_crossings
        hour = (table.c.ts_us // HOUR_US).label("hour")
        query = (
            sa.select(hour, table.c.line, table.c.direction, sa.func.count().label("n"))
            .where(*_in_range(table.c.ts_us, start, end))
            .group_by(hour, table.c.line, table.c.direction)
            .order_by(hour, table.c.line, table.c.direction)
        )
        if line is not None:
            query = query.where(table.c.line == line)
        rows = self._read(query, "count line crossings")
        return [HourlyLineCount(from_us(r.hour * HOUR_US), r.line, Direction(r.direction), int(r.n)) for r in rows]

    def demographic_counts(self, start: datetime, end: datetime, step_us: int = HOUR_US) -> list[DemographicCount]:
        """Visits per age band and gender that began in ``[start, end)``, per UTC bucket of
        ``step_us`` (a divisor of an hour: the API places quarter hours in local hours)."""
        table = schema.visit_demographics
        bucket = (table.c.start_us // step_us).label("bucket")
        query = (
            sa.select(bucket, table.c.age_band, table.c.gender, sa.func.count().label("n"))
            .where(*_in_range(table.c.start_us, start, end))
            .group_by(bucket, table.c.age_band, table.c.gender)
            .order_by(bucket, table.c.age_band, table.c.gender)
        )
        rows = self._read(query, "count visit demographics")
        return [DemographicCount(from_us(r.bucket * step_us), r.age_band, r.gender, int(r.n)) for r in rows]

    def zone_stats(self, start: datetime, end: datetime, camera_id: str | None = None) -> dict[str, ZoneStats]:
        """Visits and dwell per zone, for zone visits that began in ``[start, end)``; by zone name."""
        table = schema.zone_visits
        query = sa.select(table.c.zone, table.c.enter_us, table.c.exit_us).where(
            *_in_range(table.c.enter_us, start, end)
        )
        if camera_id is not None:
            query = query.where(table.c.camera_id == camera_id)
        dwell_by_zone: dict[str, list[int]] = defaultdict(list)
        for zone, enter_us, exit_us in self._read(query, "read zone visits"):
            dwell_by_zone[zone].append(exit_us - enter_us)
        stats = {}
        for zone in sorted(dwell_by_zone):
            dwell_s = np.array(dwell_by_zone[zone], dtype=np.int64) / SECOND_US
            stats[zone] = ZoneStats(
                zone,
                len(dwell_s),
                float(dwell_s.mean()),
                float(np.median(dwell_s)),
                float(np.percentile(dwell_s, DWELL_PERCENTILE)),
            )
        return stats

    def occupancy(
        self, start: datetime, end: datetime, zone: str = WHOLE_FLOOR, camera_id: str = STORE_CAMERA_ID
    ) -> OccupancySeries:
        """Per-minute entries, exits and occupancy of a zone (or the whole floor) for minutes starting in the range.

        Args:
            start / end: Range, UTC.
            zone: Zone name, or ``""`` for the whole floor (visits that entered the store).
            camera_id: Camera whose visits count, ``"store"`` for fused visitors.
        """
        table = schema.minute_aggregates
        query = (
            sa.select(table.c.minute_us, table.c.entries, table.c.exits, table.c.max_occupancy, table.c.mean_occupancy)
            .where(table.c.camera_id == camera_id, table.c.zone == zone, *_in_range(table.c.minute_us, start, end))
            .order_by(table.c.minute_us)
        )
        rows = self._read(query, "read occupancy")
        columns = list(zip(*rows)) or [()] * 5
        ints = [np.array(c, dtype=np.int64) for c in columns[:4]]
        return OccupancySeries(*ints, np.array(columns[4], dtype=np.float64))

    def heatmap(self, start: datetime, end: datetime, camera_id: str | None = None, staff: bool = False) -> Heatmap:
        """Person-seconds and flow per floor cell, summed over the hours that overlap ``[start, end)``.

        Args:
            start / end: Range, UTC; heat is kept per hour, so hour-aligned bounds are exact and
                others take whole hours (ten minutes of video inside one hour still has its heat).
            camera_id: One camera, or None for the store's visitors: the fused ``"store"`` heat
                where the range has any (each camera's view of the same visitors is kept too, and
                must not be added to it), else every camera's summed (floor coordinates are shared).
            staff: Add the heat of the people taken for staff (`staff_camera_id`), left out by default.
        """
        table = schema.heat
        start = from_us(floor_to(to_us(start), HOUR_US))
        if camera_id is None:
            in_range = _in_range(table.c.hour_us, start, end)
            fused = sa.select(table.c.camera_id).where(table.c.camera_id == STORE_CAMERA_ID, *in_range).limit(1)
            if self._read(fused, "read the heatmap"):
                camera_id = STORE_CAMERA_ID
        query = (
            sa.select(
                table.c.cell_ix,
                table.c.cell_iy,
                sa.func.sum(table.c.seconds),
                sa.func.sum(table.c.flow_dx),
                sa.func.sum(table.c.flow_dy),
            )
            .where(*_in_range(table.c.hour_us, start, end))
            .group_by(table.c.cell_ix, table.c.cell_iy)
            .order_by(table.c.cell_ix, table.c.cell_iy)
        )
        if camera_id is not None:
            query = query.where(table.c.camera_id.in_([camera_id, staff_camera_id(camera_id)][: 1 + staff]))
        elif not staff:
            query = query.where(table.c.camera_id.not_like(f"%{STAFF_CAMERA_SUFFIX}"))
        rows = self._read(query, "read the heatmap")
        columns = list(zip(*rows)) or [()] * 5
        return Heatmap(
            self.heat_cell_m,
            np.array(columns[0], dtype=np.int64),
            np.array(columns[1], dtype=np.int64),
            *(np.array(c, dtype=np.float64) for c in columns[2:]),
        )

    def positions(self, start: datetime, end: datetime, camera_id: str | None = None) -> TrackPoints:
        """Stored track points in ``[start, end)``, ordered by time, camera and track."""
        table = schema.positions
        query = (
            sa.select(table.c.camera_id, table.c.track_id, table.c.ts_us, table.c.x_m, table.c.y_m)
            .where(*_in_range(table.c.ts_us, start, end))
            .order_by(table.c.ts_us, table.c.camera_id, table.c.track_id)
        )
        if camera_id is not None:
            query = query.where(table.c.camera_id == camera_id)
        rows = self._read(query, "read track points")
        columns = list(zip(*rows)) or [()] * 5
        return TrackPoints(
            np.array(columns[0], dtype=object),
            np.array(columns[1], dtype=np.int64),
            np.array(columns[2], dtype=np.int64),
            np.array(columns[3:], dtype=np.float64).reshape(2, -1).T.copy(),
        )

    def line_crossings(self, start: datetime, end: datetime) -> list[LineCrossing]:
        """Crossings in ``[start, end)``, in time order."""
        table = schema.line_crossings
        query = sa.select(table).where(*_in_range(table.c.ts_us, start, end)).order_by(table.c.ts_us, table.c.id)
        return [
            LineCrossing(r.line, r.camera_id, r.track_id, from_us(r.ts_us), Direction(r.direction))
            for r in self._read(query, "read line crossings")
        ]

    def zone_visits(self, start: datetime, end: datetime) -> list[ZoneVisit]:
        """Zone visits that began in ``[start, end)``, in time order."""
        table = schema.zone_visits
        query = sa.select(table).where(*_in_range(table.c.enter_us, start, end)).order_by(table.c.enter_us, table.c.id)
        return [
            ZoneVisit(r.zone, r.camera_id, r.track_id, from_us(r.enter_us), from_us(r.exit_us))
            for r in self._read(query, "read zone visits")
        ]

    def visits(self, start: datetime, end: datetime) -> list[Visit]:
        """Visits that began in ``[start, end)``, in time order."""
        table = schema.visits
        query = sa.select(table).where(*_in_range(table.c.start_us, start, end)).order_by(table.c.start_us, table.c.id)
        return [
            Visit(r.camera_id, r.track_id, from_us(r.start_us), from_us(r.end_us), bool(r.entered), r.role, r.unit_id)
            for r in self._read(query, "read visits")
        ]

    def alerts(self, start: datetime, end: datetime) -> list[StoredAlert]:
        """Alerts raised in ``[start, end)``, in time order, with their ids and acknowledgement."""
        table = schema.alerts
        query = sa.select(table).where(*_in_range(table.c.ts_us, start, end)).order_by(table.c.ts_us, table.c.id)
        return [_stored_alert(r) for r in self._read(query, "read alerts")]

    def alert(self, alert_id: int) -> StoredAlert | None:
        """The alert with this id, or None."""
        table = schema.alerts
        rows = self._read(sa.select(table).where(table.c.id == alert_id), f"read alert {alert_id}")
        return _stored_alert(rows[0]) if rows else None

    def open_alerts(self, limit: int | None = None) -> list[StoredAlert]:
        """Alerts not acknowledged yet, newest first; at most ``limit`` of them."""
        table = schema.alerts
        query = (
            sa.select(table)
            .where(table.c.acknowledged.is_(False))
            .order_by(table.c.ts_us.desc(), table.c.id.desc())
            .limit(limit)
        )
        return [_stored_alert(r) for r in self._read(query, "read open alerts")]

    def count_open_alerts(self) -> int:
        """How many alerts are not acknowledged yet."""
        table = schema.alerts
        query = sa.select(sa.func.count()).select_from(table).where(table.c.acknowledged.is_(False))
        return int(self._read(query, "count open alerts")[0][0])

    # ------------------------------------------------------------------ internals

    @contextmanager
    def _write(self) -> Iterator[sa.Connection]:
        """A write transaction; on SQLite it takes the write lock at BEGIN (it may read first)."""
        with self._engine.connect() as conn:
            conn.execution_options(**{IMMEDIATE_OPTION: True})
            with conn.begin():
                yield conn

    def _read(self, query: sa.Select, action: str) -> list[sa.Row]:
        with storage_errors(self._url, action), self._engine.connect() as conn:
            return list(conn.execute(query))

    def _write_records(self, rows: list[dict], store: Callable[[sa.Connection, list[dict]], None], what: str) -> None:
        if not rows:
            return
        with storage_errors(self._url, f"write {len(rows)} {what}", pending=len(rows)), self._write() as conn:
            store(conn, rows)

    def _store_points(self, conn: sa.Connection, kept: list[KeptPoints], run_id: int, positions: bool) -> None:
        """Kept points as positions (unless only heat) and as heat of their camera and run."""
        for points in kept:
            if positions:
                self._insert_points(conn, points, run_id)
            upsert_heat(conn, schema.heat, heat_increments(points, self.heat_cell_m), run_id)

    @staticmethod
    def _store_crossings(conn: sa.Connection, rows: list[dict]) -> None:
        if rows:
            conn.execute(schema.line_crossings.insert(), rows)

    def _store_zone_visits(self, conn: sa.Connection, rows: list[dict]) -> None:
        if not rows:
            return
        table = schema.zone_visits
        conn.execute(table.insert(), rows)
        for (camera_id, zone), group in _group(rows, ("camera_id", "zone")).items():
            selects = [table.c.camera_id == camera_id, table.c.zone == zone]
            self._refresh_minutes(conn, camera_id, zone, group, table.c.enter_us, table.c.exit_us, selects)

    def _store_visits(self, conn: sa.Connection, rows: list[dict]) -> None:
        if not rows:
            return
        table = schema.visits
        conn.execute(table.insert(), rows)
        self._refresh_floor_minutes(conn, [r for r in rows if r["entered"]])

    def _refresh_floor_minutes(self, conn: sa.Connection, entered: list[dict]) -> None:
        """Whole-floor minute aggregates of the cameras of these visits, over the minutes they span."""
        table = schema.visits
        for (camera_id,), group in _group(entered, ("camera_id",)).items():
            selects = [table.c.camera_id == camera_id, table.c.entered.is_(True)]
            self._refresh_minutes(conn, camera_id, WHOLE_FLOOR, group, table.c.start_us, table.c.end_us, selects)

    def _remove_run(self, conn: sa.Connection, run_id: int, start_us: int, last_us: int) -> int:
        """Delete every record of a run (stored between its start and the stream time it reached)
        and recompute the minute aggregates its visits were part of; how many records went."""
        removed = 0
        zone_visits, visits = schema.zone_visits, schema.visits
        old_stays = conn.execute(
            sa.select(zone_visits.c.camera_id, zone_visits.c.zone, zone_visits.c.enter_us, zone_visits.c.exit_us).where(
                zone_visits.c.run_id == run_id, zone_visits.c.exit_us >= start_us, zone_visits.c.exit_us <= last_us
            )
        ).all()
        old_visits = conn.execute(
            sa.select(visits.c.camera_id, visits.c.start_us, visits.c.end_us, visits.c.entered).where(
                visits.c.run_id == run_id, visits.c.end_us >= start_us, visits.c.end_us <= last_us
            )
        ).all()
        for column, _bucket in _RETENTION_TIME.values():
            table = column.table
            if table is schema.minute_aggregates:
                continue
            since = floor_to(start_us, HOUR_US) if table is schema.heat else start_us
            deleted = conn.execute(
                table.delete().where(table.c.run_id == run_id, column >= since, column <= last_us)
            ).rowcount
            removed += deleted if table is not schema.heat else 0
        for (camera_id, zone), group in _group([r._asdict() for r in old_stays], ("camera_id", "zone")).items():
            selects = [zone_visits.c.camera_id == camera_id, zone_visits.c.zone == zone]
            self._refresh_minutes(conn, camera_id, zone, group, zone_visits.c.enter_us, zone_visits.c.exit_us, selects)
        self._refresh_floor_minutes(conn, [r._asdict() for r in old_visits if r.entered])
        return removed

    def _upsert(self, table: sa.Table, key: list[str], row: dict, action: str) -> None:
        insert = dialect_insert(self._engine, table)
        statement = insert.on_conflict_do_update(
            index_elements=key, set_={name: insert.excluded[name] for name in row if name not in key}
        )
        with storage_errors(self._url, action), self._write() as conn:
            conn.execute(statement, row)

    def _insert_points(self, conn: sa.Connection, points: KeptPoints, run_id: int) -> None:
        """Bulk-insert kept points: COPY on PostgreSQL (about 5x faster than INSERT), executemany on SQLite."""
        columns = {
            "camera_id": [points.camera_id] * len(points),
            "track_id": points.track_id.tolist(),
            "ts_us": points.ts_us.tolist(),
            "x_m": points.x_m.tolist(),
            "y_m": points.y_m.tolist(),
            "run_id": [int(run_id)] * len(points),
        }
        table = schema.positions
        if conn.dialect.name != "postgresql":
            executemany(conn, table.insert(), columns)
            return
        # COPY's text format, built here in one string: psycopg's per-row write_row costs
        # more than the server's work. str() of a float is its shortest exact repr.
        name = conn.dialect.identifier_preparer.format_table(table)
        camera = _copy_text_escape(points.camera_id)
        text = "".join(
            f"{camera}\t{t}\t{s}\t{x}\t{y}\t{run_id}\n"
            for t, s, x, y in zip(columns["track_id"], columns["ts_us"], columns["x_m"], columns["y_m"])
        )
        copy_sql = f"COPY {name} ({', '.join(columns)}) FROM STDIN"
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(copy_sql) as copy:
            copy.write(text)

    def _refresh_minutes(
        self,
        conn: sa.Connection,
        camera_id: str,
        zone: str,
        new_rows: list[dict],
        enter_col: sa.Column,
        exit_col: sa.Column,
        selects: list,
    ) -> None:
        """Recompute the minute aggregates of one (camera, zone) over the minutes the new stays span
        (or the removed ones spanned).

        Every stored stay that overlaps those minutes is read back (the new ones are already
        inserted, in this transaction), so late or out-of-order records give the same result
        as records in order.
        """
        first = floor_to(min(r[enter_col.name] for r in new_rows), MINUTE_US)
        last = floor_to(max(r[exit_col.name] for r in new_rows), MINUTE_US)
        n_minutes = (last - first) // MINUTE_US + 1
        stays = conn.execute(
            sa.select(enter_col, exit_col).where(*selects, exit_col >= first, enter_col < last + MINUTE_US)
        ).all()
        enter_us, exit_us = (np.array(c, dtype=np.int64) for c in (list(zip(*stays)) or [(), ()]))
        counts = minute_counts(enter_us, exit_us, first, n_minutes)
        table = schema.minute_aggregates
        conn.execute(
            table.delete().where(
                table.c.camera_id == camera_id,
                table.c.zone == zone,
                table.c.minute_us >= first,
                table.c.minute_us <= last,
            )
        )
        busy = (counts.entries > 0) | (counts.exits > 0) | (counts.max_occupancy > 0)
        rows = [
            {
                "camera_id": camera_id,
                "zone": zone,
                "minute_us": m,
                "entries": e,
                "exits": x,
                "max_occupancy": peak,
                "mean_occupancy": mean,
            }
            for m, e, x, peak, mean in zip(
                counts.minute_us[busy].tolist(),
                counts.entries[busy].tolist(),
                counts.exits[busy].tolist(),
                counts.max_occupancy[busy].tolist(),
                counts.mean_occupancy[busy].tolist(),
            )
        ]
        if rows:
            conn.execute(table.insert(), rows)


def _crossing_rows(crossings: Sequence[LineCrossing], run_id: int) -> list[dict]:
    return [
        {
            "line": c.line,
            "camera_id": c.camera_id,
            "track_id": int(c.track_id),
            "ts_us": to_us(c.ts),
            "direction": Direction(c.direction).value,
            "run_id": run_id,
        }
        for c in crossings
    ]


def _zone_visit_rows(visits: Sequence[ZoneVisit], run_id: int) -> list[dict]:
    rows = [
        {
            "zone": v.zone,
            "camera_id": v.camera_id,
            "track_id": int(v.track_id),
            "enter_us": to_us(v.enter_ts),
            "exit_us": to_us(v.exit_ts),
            "run_id": run_id,
        }
        for v in visits
    ]
    _check_intervals(rows, "enter_us", "exit_us", "zone visit")
    return rows


def _visit_rows(visits: Sequence[Visit], run_id: int) -> list[dict]:
    rows = [
        {
            "camera_id": v.camera_id,
            "track_id": int(v.track_id),
            "start_us": to_us(v.start_ts),
            "end_us": to_us(v.end_ts),
            "entered": bool(v.entered),
            "run_id": run_id,
            # a spool written before visits had a role and unit unpickles without them
            "role": getattr(v, "role", "visitor"),
            "unit_id": None if getattr(v, "unit_id", None) is None else int(v.unit_id),
        }
        for v in visits
    ]
    _check_intervals(rows, "start_us", "end_us", "visit")
    return rows


def _store_demographics(conn: sa.Connection, rows: list[dict]) -> None:
    if rows:
        conn.execute(schema.visit_demographics.insert(), rows)


def _demographics_rows(records: Sequence[VisitDemographics], run_id: int) -> list[dict]:
    rows = [
        {
            "camera_id": d.camera_id,
            "track_id": int(d.track_id),
            "start_us": to_us(d.start_ts),
            "end_us": to_us(d.end_ts),
            "age_band": d.age_band,
            "age_confidence": float(d.age_confidence),
            "gender": d.gender,
            "gender_confidence": float(d.gender_confidence),
            "faces": int(d.faces),
            "run_id": run_id,
        }
        for d in records
    ]
    _check_intervals(rows, "start_us", "end_us", "visit demographics")
    return rows


def _alert_rows(alerts: Sequence[Alert], run_id: int) -> list[dict]:
    return [
        {
            "ts_us": to_us(a.ts),
            "kind": a.kind,
            "zone": a.zone,
            "camera_id": a.camera_id,
            "track_id": None if a.track_id is None else int(a.track_id),
            "message": a.message,
            "acknowledged": False,
            "run_id": run_id,
        }
        for a in alerts
    ]


def _stored_alert(r: sa.Row) -> StoredAlert:
    alert = Alert(from_us(r.ts_us), r.kind, r.zone, r.camera_id, r.track_id, r.message)
    return StoredAlert(int(r.id), alert, bool(r.acknowledged))


def _copy_text_escape(value: str) -> str:
    r"""Escape a string for PostgreSQL's COPY text format (backslash, tab, newline, return)."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _in_range(column: sa.Column, start: datetime, end: datetime) -> tuple:
    return column >= to_us(start), column < to_us(end)


def _group(rows: list[dict], keys: tuple[str, ...]) -> dict[tuple, list[dict]]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[tuple(row[k] for k in keys)].append(row)
    return groups


def _check_intervals(rows: list[dict], start_key: str, end_key: str, what: str) -> None:
    for row in rows:
        if row[end_key] < row[start_key]:
            raise ValueError(
                f"{what} of track {row['track_id']} on camera {row['camera_id']!r} ends before it starts "
                f"({from_us(row[end_key]).isoformat()} < {from_us(row[start_key]).isoformat()})"
            )


def _check_retention(retention: Mapping[DataKind | str, float | None]) -> dict[DataKind, float]:
    valid = ", ".join(k.value for k in DataKind)
    checked = {}
    for kind, days in retention.items():
        try:
            data_kind = DataKind(kind)
        except ValueError as err:
            raise ConfigError(f"retention names unknown data kind {kind!r}; valid kinds: {valid}") from err
        if days is None:
            continue
        if not days >= 0:
            raise ConfigError(f"retention of {data_kind.value} must be >= 0 days, got {days}")
        checked[data_kind] = float(days)
    return checked
