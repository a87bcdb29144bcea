"""The current database schema (version 7), as SQLAlchemy Core tables shared by both engines.

Types are chosen to behave identically on SQLite and PostgreSQL: times are BIGINT microseconds
since the epoch, UTC (see :mod:`storelens.storage.times`); measurements are 8-byte floats
(``REAL`` / ``DOUBLE PRECISION``); flags are booleans (0/1 on SQLite). Each table has exactly
the indexes its range queries and retention purge need, and no more: every extra index on
``positions`` costs ingest speed.

This module describes the latest schema for queries. Databases are *built* by the numbered
steps in :mod:`storelens.storage.migrations`, and a test checks that the two agree.
"""

from __future__ import annotations

import sqlalchemy as sa

__all__ = [
    "ID_TYPE",
    "alerts",
    "api_tokens",
    "cameras",
    "heat",
    "line_crossings",
    "login_attempts",
    "metadata",
    "minute_aggregates",
    "positions",
    "receipt_lines",
    "receipts",
    "runs",
    "schema_version",
    "sessions",
    "settings",
    "stores",
    "users",
    "visit_demographics",
    "visits",
    "zone_visits",
]

ID_TYPE = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""Surrogate keys: BIGINT on PostgreSQL; INTEGER on SQLite, where only ``INTEGER PRIMARY KEY``
is the auto-incrementing rowid."""

metadata = sa.MetaData()

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, nullable=False),
)

settings = sa.Table(
    "settings",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
"""Settings the stored data depends on (the heat grid's cell size), so a reopen cannot mix them,
and shared state of the web server's workers (the siren)."""

stores = sa.Table(
    "stores",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
)

cameras = sa.Table(
    "cameras",
    metadata,
    sa.Column("camera_id", sa.String(64), primary_key=True),
    sa.Column("store_id", sa.String(64), sa.ForeignKey("stores.store_id"), nullable=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("source", sa.Text, nullable=False),
    sa.Column("fps", sa.Double, nullable=True),
)

positions = sa.Table(
    "positions",
    metadata,
    sa.Column("camera_id", sa.String(64), nullable=False),
    sa.Column("track_id", sa.BigInteger, nullable=False),
    sa.Column("ts_us", sa.BigInteger, nullable=False),
    sa.Column("x_m", sa.Double, nullable=False),
    sa.Column("y_m", sa.Double, nullable=False),
    sa.Column("run_id", sa.BigInteger, nullable=False, server_default="0"),
    sa.Index("ix_positions_ts", "ts_us"),
)
"""Track points downsampled to <= 2 Hz per track. No primary key: it is append-only, and a key
would be a second index to maintain at 50k rows/s. ``run_id`` (every record table has one) names
the `runs` row that wrote it; 0 for records written outside a run."""

visits = sa.Table(
    "visits",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("camera_id", sa.String(64), nullable=False),
    sa.Column("track_id", sa.BigInteger, nullable=False),
    sa.Column("start_us", sa.BigInteger, nullable=False),
    sa.Column("end_us", sa.BigInteger, nullable=False),
    sa.Column("entered", sa.Boolean, nullable=False),
    sa.Column("run_id", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("role", sa.String(16), nullable=False, server_default="visitor"),
    sa.Column("unit_id", sa.BigInteger, nullable=True),
    sa.Index("ix_visits_start", "start_us"),
    sa.Index("ix_visits_end", "end_us"),
)
"""``role``: ``visitor`` or ``staff`` (`storelens.analytics.staff`). ``unit_id``: the buying unit of a
visitor who came in through an entrance (`storelens.analytics.units`), unique within its run and
camera; NULL for everyone else (staff, passers-by, fragments of a visit that began on the floor)."""

visit_demographics = sa.Table(
    "visit_demographics",
    metadata,
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
"""Age band and gender per visitor of a camera with ``demographics: true`` (see
`storelens.demographics`): labels, confidences and a count of face frames, by design no column
that could hold a face, a crop or an embedding."""

zone_visits = sa.Table(
    "zone_visits",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("zone", sa.String(64), nullable=False),
    sa.Column("camera_id", sa.String(64), nullable=False),
    sa.Column("track_id", sa.BigInteger, nullable=False),
    sa.Column("enter_us", sa.BigInteger, nullable=False),
    sa.Column("exit_us", sa.BigInteger, nullable=False),
    sa.Column("run_id", sa.BigInteger, nullable=False, server_default="0"),
    sa.Index("ix_zone_visits_enter", "enter_us"),
    sa.Index("ix_zone_visits_exit", "exit_us"),
)

line_crossings = sa.Table(
    "line_crossings",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("line", sa.String(64), nullable=False),
    sa.Column("camera_id", sa.String(64), nullable=False),
    sa.Column("track_id", sa.BigInteger, nullable=False),
    sa.Column("ts_us", sa.BigInteger, nullable=False),
    sa.Column("direction", sa.String(8), nullable=False),
    sa.Column("run_id", sa.BigInteger, nullable=False, server_default="0"),
    sa.Index("ix_line_crossings_ts", "ts_us"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("ts_us", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("zone", sa.String(64), nullable=False),
    sa.Column("camera_id", sa.String(64), nullable=False),
    sa.Column("track_id", sa.BigInteger, nullable=True),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("acknowledged", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("run_id", sa.BigInteger, nullable=False, server_default="0"),
    sa.Index("ix_alerts_ts", "ts_us"),
)

minute_aggregates = sa.Table(
    "minute_aggregates",
    metadata,
    sa.Column("camera_id", sa.String(64), primary_key=True),
    sa.Column("zone", sa.String(64), primary_key=True),
    sa.Column("minute_us", sa.BigInteger, primary_key=True),
    sa.Column("entries", sa.Integer, nullable=False),
    sa.Column("exits", sa.Integer, nullable=False),
    sa.Column("max_occupancy", sa.Integer, nullable=False),
    sa.Column("mean_occupancy", sa.Double, nullable=False),
    sa.Index("ix_minute_aggregates_minute", "minute_us"),
)
"""Per (camera or "store", zone or "" for the whole floor, minute) counts, derived from visits."""

heat = sa.Table(
    "heat",
    metadata,
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
"""Person-seconds and summed motion (metres) per floor cell, hour and run. The key starts with
the hour so a heatmap over a time range is one index range scan; upserts target the same key.
The run is part of the key so that running the same video again replaces its heat."""

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("store_id", sa.String(64), nullable=False),
    sa.Column("cameras", sa.Text, nullable=False),
    sa.Column("live", sa.Boolean, nullable=False),
    sa.Column("start_us", sa.BigInteger, nullable=False),
    sa.Column("last_us", sa.BigInteger, nullable=False),
    sa.Column("applied_seq", sa.BigInteger, nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
)
"""One row per `storelens run` (see `storelens.storage.runs`): every record carries its
``run_id``. A recorded run's id is a hash of its store, cameras and start time, so running the
same video again first removes what the earlier run stored (``start_us`` to ``last_us``, the
stream time it reached); ``applied_seq`` is the last batch written, so a batch delivered twice
(its commit's acknowledgement lost) is written once."""

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Index("ux_users_name", "name", unique=True),
)
"""People who may use the web API; ``password_hash`` is a salted scrypt hash (see storelens.api.passwords)."""

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("user_id", ID_TYPE, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("scope", sa.String(16), nullable=False, server_default="full"),
    sa.Index("ux_api_tokens_hash", "token_hash", unique=True),
)
"""Bearer tokens for scripts, stored as SHA-256 hex: a stolen database does not hand them out.
``scope`` narrows what a token may do below its user's role: ``full`` (the role's rights) or
``pos`` (post till receipts and nothing else, for a till system that should not read analytics)."""

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", ID_TYPE, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf_hash", sa.String(64), nullable=False),
    sa.Column("created_us", sa.BigInteger, nullable=False),
    sa.Column("expires_us", sa.BigInteger, nullable=False),
    sa.Index("ix_sessions_expires", "expires_us"),
)
"""Browser sessions: SHA-256 of the session cookie and of its CSRF token."""

login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("id", ID_TYPE, primary_key=True, autoincrement=True),
    sa.Column("ts_us", sa.BigInteger, nullable=False),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("client", sa.String(64), nullable=False),
    sa.Index("ix_login_attempts_username", "username", "ts_us"),
    sa.Index("ix_login_attempts_client", "client", "ts_us"),
)
"""Failed logins, per user name and client address, for throttling shared by every worker."""

receipts = sa.Table(
    "receipts",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("receipt_id", sa.String(64), primary_key=True),
    sa.Column("ts_us", sa.BigInteger, nullable=False),
    sa.Column("till", sa.String(64), nullable=False),
    sa.Column("total", sa.Double, nullable=False),
    sa.Column("content_hash", sa.String(32), nullable=False),
    sa.Column("imported_us", sa.BigInteger, nullable=False),
    sa.Index("ix_receipts_store_ts", "store_id", "ts_us"),
)
"""Till receipts from the store's POS (see `storelens.pos`), keyed by the POS's own receipt id
within the store, so importing the same export again changes nothing. ``total`` is in the
currency's units; ``content_hash`` (of time, till, total and lines) tells an unchanged receipt
from a corrected one without reading its lines back."""

receipt_lines = sa.Table(
    "receipt_lines",
    metadata,
    sa.Column("store_id", sa.String(64), primary_key=True),
    sa.Column("receipt_id", sa.String(64), primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True),
    sa.Column("category", sa.String(64), nullable=False),
    sa.Column("amount", sa.Double, nullable=False),
)
"""A receipt's lines: product category (matched to zones' ``categories``) and amount; replaced
whole when the receipt is."""
