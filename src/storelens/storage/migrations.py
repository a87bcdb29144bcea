"""Numbered schema migrations, run when a database is opened.

Every database, new or old, is built by the same steps: ``migrate_0_to_1`` creates the first
schema, ``migrate_1_to_2`` adds to it, and so on, so the upgrade path is exercised by every
test that opens a fresh database. Each step's DDL is frozen here (never edited once released)
rather than taken from :mod:`storelens.storage.schema`, which describes only the latest
version; a test checks that the migrated schema matches it. Versions are compared as integers.

History:
    1: stores, cameras, positions, visits, zone visits, line crossings, alerts, minute aggregates.
    2: the heat table (back-filled from stored positions), ``alerts.acknowledged``, and a
       settings table that pins the heat grid's cell size.
    3: the web server's users, API tokens, sessions and failed login attempts.
    4: runs: a ``runs`` table, ``run_id`` on every record table and in the heat table's key.
    5: visit demographics: age band and gender per visit of a demographics camera.
    6: POS receipts and their lines; API token scopes (``full`` for existing tokens, or ``pos``).
    7: staff and buying units: ``visits.role`` (``visitor`` for existing visits, or ``staff``) and
       ``visits.unit_id`` (the buying unit of a visitor who came in through an entrance).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storelens.analytics.records import FloorPositions
from storelens.errors import StorageError
from storelens.storage.downsample import PositionDownsampler, heat_increments
from storelens.storage.engine import IMMEDIATE_OPTION, mask_url
from storelens.storage.schema import ID_TYPE
from storelens.storage.times import HOUR_US, from_us
from storelens.storage.upsert import upsert_heat

__all__ = [
    "HEAT_CELL_SETTING",
    "LATEST_VERSION",
    "current_version",
    "migrate_0_to_1",
    "migrate_1_to_2",
    "migrate_2_to_3",
    "migrate_3_to_4",
    "migrate_4_to_5",
    "migrate_5_to_6",
    "migrate_6_to_7",
    "upgrade",
]

logger = logging.getLogger(__name__)

HEAT_CELL_SETTING = "heat_cell_m"
"""Settings key of the heat grid's cell edge (metres, as text)."""
_MIGRATION_LOCK_ID = 0x5707E1E5
"""PostgreSQL advisory lock that serialises concurrent openers of one database."""


def migrate_0_to_1(conn: sa.Connection, heat_cell_m: float) -> None:
    """Create the version-1 schema in an empty database."""
    v1 = sa.MetaData()
    sa.Table("schema_version", v1, sa.Column("version", sa.Integer, nullable=False))
    sa.Table(
        "stores",
        v1,
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
    )
    sa.Table(
        "cameras",
        v1,
        sa.Column("camera_id", sa.String(64), primary_key=True),
        sa.Column("store_id", sa.String(64), sa.ForeignKey("stores.store_id"), nullable=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("fps", sa.Double, nullable=True),
    )
    sa.Table(
        "positions",
        v1,
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("track_id", sa.BigInteger, nullable=False),
        sa.Column("ts_us", sa.BigInteger, nullable=False),
        sa.Column("x_m", sa.Double, nullable=False),
        sa.Column("y_m", sa.Double, nullable=False),
        sa.Index("ix_positions_ts", "ts_us"),
    )
    sa.Table(
        "visits",
        v1,
        sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("track_id", sa.BigInteger, nullable=False),
        sa.Column("start_us", sa.BigInteger, nullable=False),
        sa.Column("end_us", sa.BigInteger, nullable=False),
        sa.Column("entered", sa.Boolean, nullable=False),
        sa.Index("ix_visits_start", "start_us"),
        sa.Index("ix_visits_end", "end_us"),
    )
    sa.Table(
        "zone_visits",
        v1,
        sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("track_id", sa.BigInteger, nullable=False),
        sa.Column("enter_us", sa.BigInteger, nullable=False),
        sa.Column("exit_us", sa.BigInteger, nullable=False),
        sa.Index("ix_zone_visits_enter", "enter_us"),
        sa.Index("ix_zone_visits_exit", "exit_us"),
    )
    sa.Table(
        "line_crossings",
        v1,
        sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        sa.Column("line", sa.String(64), nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("track_id", sa.BigInteger, nullable=False),
        sa.Column("ts_us", sa.BigInteger, nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Index("ix_line_crossings_ts", "ts_us"),
    )
    sa.Table(
        "alerts",
        v1,
        sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        sa.Column("ts_us", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("zone", sa.String(64), nullable=False),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("track_id", sa.BigInteger, nullable=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Index("ix_alerts_ts", "ts_us"),
    )
    sa.Table(
        "minute_aggregates",
        v1,
        sa.Column("camera_id", sa.String(64), primary_key=True),
        sa.Column("zone", sa.String(64), primary_key=True),
        sa.Column("minute_us", sa.BigInteger, primary_key=True),
        sa.Column("entries", sa.Integer, nullable=False),
        sa.Column("exits", sa.Integer, nullable=False),
        sa.Column("max_occupancy", sa.Integer, nullable=False),
        sa.Column("mean_occupancy", sa.Double, nullable=False),
        sa.Index("ix_minute_aggregates_minute", "minute_us"),
    )
    v1.create_all(conn)
    conn.execute(v1.tables["schema_version"].insert(), {"version": 0})


def migrate_1_to_2(conn: sa.Connection, heat_cell_m: float) -> None:
    """Add the heat table (back-filled from stored positions), alert acknowledgement and settings."""
    v2 = sa.MetaData()
    settings = sa.Table(
        "settings",
        v2,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    heat = sa.Table(
        "heat",
        v2,
        sa.Column("hour_us", sa.BigInteger, primary_key=True),
        sa.Column("camera_id", sa.String(64), primary_key=True),
        sa.Column("cell_ix", sa.Integer, primary_key=True),
        sa.Column("cell_iy", sa.Integer, primary_key=True),
        sa.Column("seconds", sa.Double, nullable=False),
        sa.Column("flow_dx", sa.Double, nullable=False),
        sa.Column("flow_dy", sa.Double, nullable=False),
        sqlite_with_rowid=False,
    )
    v2.create_all(conn)
    conn.execute(settings.insert(), {"key": HEAT_CELL_SETTING, "value": repr(float(heat_cell_m))})
    # FALSE is spelled 0 on SQLite and false on PostgreSQL; the dialect renders it.
    default_false = sa.false().compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE alerts ADD COLUMN acknowledged BOOLEAN NOT NULL DEFAULT {default_false}")
    _backfill_heat(conn, heat, heat_cell_m)


def _backfill_heat(conn: sa.Connection, heat: sa.Table, heat_cell_m: float) -> None:
    """Replay stored positions hour by hour through the ingest path's heat accounting."""
    positions = sa.table("positions", *(sa.column(n) for n in ("camera_id", "track_id", "ts_us", "x_m", "y_m")))
    first, last = conn.execute(sa.select(sa.func.min(positions.c.ts_us), sa.func.max(positions.c.ts_us))).one()
    if first is None:
        return
    downsampler = PositionDownsampler()
    total = 0
    for hour in range(first // HOUR_US * HOUR_US, last + 1, HOUR_US):
        rows = conn.execute(
            sa.select(positions)
            .where(positions.c.ts_us >= hour, positions.c.ts_us < hour + HOUR_US)
            .order_by(positions.c.ts_us, positions.c.camera_id, positions.c.track_id)
        ).all()
        frames = [
            FloorPositions(camera_id, from_us(ts_us), [r.track_id for r in group], [(r.x_m, r.y_m) for r in group])
            for (ts_us, camera_id), group in (
                (key, list(group)) for key, group in itertools.groupby(rows, key=lambda r: (r.ts_us, r.camera_id))
            )
        ]
        kept, pending = downsampler.plan(frames)
        for points in kept:
            upsert_heat(conn, heat, heat_increments(points, heat_cell_m))
        downsampler.commit(pending)
        total += len(rows)
    logger.info("heat table back-filled from %d stored track points", total)


def migrate_2_to_3(conn: sa.Connection, heat_cell_m: float) -> None:
    """Add the web server's accounts: users, API tokens, sessions and failed login attempts."""
    v3 = sa.MetaData()
    sa.Table(
        "users",
        v3,
        sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Index("ux_users_name", "name", unique=True),
    )
    sa.Table(
        "api_tokens",
        v3,
        sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        sa.Column("user_id", ID_TYPE, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Index("ux_api_tokens_hash", "token_hash", unique=True),
    )
    sa.Table(
        "sessions",
        v3,
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("user_id", ID_TYPE, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_hash", sa.String(64), nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
        sa.Column("expires_us", sa.BigInteger, nullable=False),
        sa.Index("ix_sessions_expires", "expires_us"),
    )
    sa.Table(
        "login_attempts",
        v3,
        sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        sa.Column("ts_us", sa.BigInteger, nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Index("ix_login_attempts_username", "username", "ts_us"),
        sa.Index("ix_login_attempts_client", "client", "ts_us"),
    )
    v3.create_all(conn)


_RECORD_TABLES_V4 = ("positions", "visits", "zone_visits", "line_crossings", "alerts")


def migrate_3_to_4(conn: sa.Connection, heat_cell_m: float) -> None:
    """Add runs: the ``runs`` table, ``run_id`` (0 for older records) on every record table and
    in the heat table's key (the table is rebuilt: neither engine can change a primary key)."""
    v4 = sa.MetaData()
    sa.Table(
        "runs",
        v4,
        sa.Column("run_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("store_id", sa.String(64), nullable=False),
        sa.Column("cameras", sa.Text, nullable=False),
        sa.Column("live", sa.Boolean, nullable=False),
        sa.Column("start_us", sa.BigInteger, nullable=False),
        sa.Column("last_us", sa.BigInteger, nullable=False),
        sa.Column("applied_seq", sa.BigInteger, nullable=False),
        sa.Column("created_us", sa.BigInteger, nullable=False),
    )
    sa.Table(
        "heat",
        v4,
        sa.Column("hour_us", sa.BigInteger, primary_key=True),
        sa.Column("camera_id", sa.String(64), primary_key=True),
        sa.Column("cell_ix", sa.Integer, primary_key=True),
        sa.Column("cell_iy", sa.Integer, primary_key=True),
        sa.Column("seconds", sa.Double, nullable=False),
        sa.Column("flow_dx", sa.Double, nullable=False),
        sa.Column("flow_dy", sa.Double, nullable=False),
        sa.Column("run_id", sa.BigInteger, primary_key=True),
        sqlite_with_rowid=False,
    )
    for table in _RECORD_TABLES_V4:
        conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN run_id BIGINT NOT NULL DEFAULT 0")
    conn.exec_driver_sql("ALTER TABLE heat RENAME TO heat_v3")
    if conn.dialect.name == "postgresql":  # the key's index keeps its name through a rename
        conn.exec_driver_sql("ALTER INDEX heat_pkey RENAME TO heat_v3_pkey")
    v4.create_all(conn)
    columns = "hour_us, camera_id, cell_ix, cell_iy, seconds, flow_dx, flow_dy"
    conn.exec_driver_sql(f"INSERT INTO heat ({columns}, run_id) SELECT {columns}, 0 FROM heat_v3")
    conn.exec_driver_sql("DROP TABLE heat_v3")


def migrate_4_to_5(conn: sa.Connection, heat_cell_m: float) -> None:
    """Add visit demographics (age band and gender per visit; no face data)."""
    v5 = sa.MetaData()
    sa.Table(
        "visit_demographics",
        v5,
        sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
        sa.Column("camera_id", sa.String(64), nullable=False),
        sa.Column("track_id", sa.BigInteger, nullable=False),
        sa.Column("start_us", sa.BigInteger, nullable=False),
        sa.Column("end_us", sa.BigInteger, nullable=False),
        sa.Column("age_band", sa.String(8), nullable=False),
        sa.Column("age_confidence", sa.Double, nullable=False),
        sa.Column("gender", sa.String(8), nullable=False),
        sa.Column("gender_confidence", sa.Double, nullable=False),
        sa.Column("faces", sa.Integer, nullable=False),
        sa.Column("run_id", sa.BigInteger, nullable=False, server_default="0"),
        sa.Index("ix_visit_demographics_start", "start_us"),
        sa.Index("ix_visit_demographics_end", "end_us"),
    )
    v5.create_all(conn)


def migrate_5_to_6(conn: sa.Connection, heat_cell_m: float) -> None:
    """Add POS receipts and their lines, and a scope on API tokens (existing tokens keep full access)."""
    v6 = sa.MetaData()
    sa.Table(
        "receipts",
        v6,
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("receipt_id", sa.String(64), primary_key=True),
        sa.Column("ts_us", sa.BigInteger, nullable=False),
        sa.Column("till", sa.String(64), nullable=False),
        sa.Column("total", sa.Double, nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("imported_us", sa.BigInteger, nullable=False),
        sa.Index("ix_receipts_store_ts", "store_id", "ts_us"),
    )
    sa.Table(
        "receipt_lines",
        v6,
        sa.Column("store_id", sa.String(64), primary_key=True),
        sa.Column("receipt_id", sa.String(64), primary_key=True),
        sa.Column("line_no", sa.Integer, primary_key=True),
        sa.Column("category", sa.String(64), nullable=False),
        sa.Column("amount", sa.Double, nullable=False),
    )
    v6.create_all(conn)
    conn.exec_driver_sql("ALTER TABLE api_tokens ADD COLUMN scope VARCHAR(16) NOT NULL DEFAULT 'full'")


def migrate_6_to_7(conn: sa.Connection, heat_cell_m: float) -> None:
    """Add each visit's role (existing visits are visitors) and buying unit (unknown for existing ones)."""
    conn.exec_driver_sql("ALTER TABLE visits ADD COLUMN role VARCHAR(16) NOT NULL DEFAULT 'visitor'")
    conn.exec_driver_sql("ALTER TABLE visits ADD COLUMN unit_id BIGINT")


MIGRATIONS: dict[int, Callable[[sa.Connection, float], None]] = {
    0: migrate_0_to_1,
    1: migrate_1_to_2,
    2: migrate_2_to_3,
    3: migrate_3_to_4,
    4: migrate_4_to_5,
    5: migrate_5_to_6,
    6: migrate_6_to_7,
}
"""Step from version ``v`` to ``v + 1``, keyed by ``v``."""
LATEST_VERSION = max(MIGRATIONS) + 1


def current_version(conn: sa.Connection) -> int:
    """Schema version of the database; 0 when it has no storelens tables yet."""
    if not sa.inspect(conn).has_table("schema_version"):
        return 0
    version = conn.execute(sa.text("SELECT max(version) FROM schema_version")).scalar()
    return int(version or 0)


def upgrade(engine: Engine, heat_cell_m: float, target: int = LATEST_VERSION) -> int:
    """Bring the database to ``target``, one committed step at a time; return the version reached.

    Each step runs in its own transaction that first takes the database's write lock (SQLite
    ``BEGIN IMMEDIATE``, a PostgreSQL advisory lock) and re-reads the version, so two
    processes opening a new database at once do not both create it.

    Args:
        engine: Database to upgrade.
        heat_cell_m: Heat grid cell edge (metres) recorded by, and back-filled in, version 2.
        target: Version to stop at (older targets exist for tests of the upgrade path).

    Raises:
        StorageError: The database is newer than this storelens.
    """
    while True:
        with engine.connect().execution_options(**{IMMEDIATE_OPTION: True}) as conn, conn.begin():
            if conn.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK_ID)))
            version = current_version(conn)
            if version > LATEST_VERSION:
                raise StorageError(
                    f"database {mask_url(engine.url)} has schema version {version}, newer than this storelens "
                    f"supports ({LATEST_VERSION}): upgrade storelens"
                )
            if version >= target:
                return version
            logger.info("migrating %s from schema version %d to %d", mask_url(engine.url), version, version + 1)
            MIGRATIONS[version](conn, heat_cell_m)
            conn.execute(sa.text("UPDATE schema_version SET version = :v"), {"v": version + 1})
