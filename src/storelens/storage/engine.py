"""Engines for the two supported databases, and turning driver errors into StorageError.

SQLite is the embedded default: one file, WAL journal (readers never block the writer, so the
dashboard can query while the pipeline ingests), ``synchronous=NORMAL`` (in WAL mode a power
cut can lose the last commits but never corrupts the file; FULL would fsync every commit) and
foreign keys on. Python's sqlite3 module would otherwise auto-commit DDL and open transactions
behind SQLAlchemy's back, so the driver is put in autocommit mode and SQLAlchemy emits BEGIN
itself: migrations then run in real transactions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Engine, make_url

from storelens.errors import StorageError, first_line

__all__ = [
    "IMMEDIATE_OPTION",
    "OPEN_HINTS",
    "SUPPORTED_BACKENDS",
    "create_storage_engine",
    "mask_url",
    "storage_errors",
]

logger = logging.getLogger(__name__)

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
IMMEDIATE_OPTION = "storelens_immediate"
"""Connection execution option: on SQLite, begin transactions with BEGIN IMMEDIATE."""
SQLITE_BUSY_TIMEOUT_S = 5.0
"""How long a writer waits for another process's write lock before failing."""
OPEN_HINTS = {
    "sqlite": "its directory must exist and be writable, with free space",
    "postgresql": "check that the server is running and the host, port, user and database are right",
}
"""Most likely fix when opening a database of each backend fails."""
PG_CONNECT_TIMEOUT_S = 5
"""Fail fast when the PostgreSQL host does not answer at all (firewall), instead of minutes."""

_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@]*@")


def mask_url(url: str | URL) -> str:
    """The URL with its password replaced by ``***``, for messages and logs.

    Works on strings SQLAlchemy cannot parse, since those are the ones error messages show.

    >>> mask_url("postgresql+psycopg://shop:s3cret@db:5432/store")
    'postgresql+psycopg://shop:***@db:5432/store'
    """
    if isinstance(url, URL):
        return url.render_as_string(hide_password=True)
    return _PASSWORD_IN_URL.sub(r"\1***@", url)


def create_storage_engine(url: str) -> Engine:
    """An engine for ``sqlite:///path`` or ``postgresql+psycopg://...``, not yet connected.

    Raises:
        StorageError: the URL is malformed, names another database, or its driver is missing.
    """
    try:
        parsed = make_url(url)
    except exc.ArgumentError as err:
        raise StorageError(
            f"bad database URL {mask_url(url)!r}: expected sqlite:///path/to/store.db "
            "or postgresql+psycopg://user@host:5432/dbname"
        ) from err
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_BACKENDS:
        raise StorageError(
            f"unsupported database {backend!r} in {mask_url(parsed)}: use one of {', '.join(SUPPORTED_BACKENDS)}"
        )
    if backend == "postgresql":
        return _postgres_engine(parsed)
    return _sqlite_engine(parsed)


def _sqlite_engine(url: URL) -> Engine:
    engine = sa.create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _set_pragmas(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # driver autocommit: SQLAlchemy's BEGIN below is the only one
        cursor = dbapi_conn.cursor()
        mode = cursor.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal" and url.database not in (None, "", ":memory:"):
            logger.warning("SQLite %s stays in journal mode %r, not WAL: readers will block writes", url, mode)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        # IMMEDIATE takes the write lock up front, for transactions that read before they write
        # (a deferred one would fail with SQLITE_BUSY if another writer committed in between).
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(IMMEDIATE_OPTION) else "BEGIN")

    return engine


def _postgres_engine(url: URL) -> Engine:
    if url.get_driver_name() != "psycopg":
        raise StorageError(
            f"unsupported PostgreSQL driver {url.get_driver_name()!r} in {mask_url(url)}: "
            "use postgresql+psycopg:// (psycopg 3)"
        )
    try:
        import psycopg  # noqa: F401  (imported to fail here with a useful message, not deep in SQLAlchemy)
    except ImportError as err:
        raise StorageError(
            f"{mask_url(url)} needs psycopg 3: pip install 'storelens[postgres]' (or 'psycopg[binary]')"
        ) from err
    connect_args = {} if "connect_timeout" in url.query else {"connect_timeout": PG_CONNECT_TIMEOUT_S}
    # pre_ping: after a server restart the pool's dead connections are replaced, not handed out.
    return sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)


@contextmanager
def storage_errors(url: URL, action: str, pending: int = 0, hint: str = "") -> Iterator[None]:
    """Re-raise driver and OS errors as one-line StorageErrors naming the (masked) URL.

    Args:
        url: Database URL, shown with its password masked.
        action: What was being done, e.g. ``"write 3000 track points"``.
        pending: Records the failed call did not store; said in the message so a caller knows
            what to retry (the call's transaction was rolled back, so nothing half-written).
        hint: The likely fix, appended to the message.
    """
    try:
        yield
    except (exc.SQLAlchemyError, OSError) as err:
        reason = first_line(getattr(err, "orig", None) or err)
        lost = f"; {pending} records not written (transaction rolled back, retry the call)" if pending else ""
        fix = f" ({hint})" if hint else ""
        raise StorageError(f"cannot {action} in {mask_url(url)}: {reason}{lost}{fix}") from err

