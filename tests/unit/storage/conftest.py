"""Databases for storage tests: SQLite in tmp_path and PostgreSQL in a throw-away schema.

PostgreSQL tests use the local server (``STORELENS_TEST_PG_URL``, default
``postgresql+psycopg://postgres@127.0.0.1:5432/test``), each in a schema of its own that is
dropped afterwards, so nothing else in the database is touched. They skip, saying why, when
the server cannot be reached.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from storage_helpers import PG_URL

from storelens.storage import open_database, schema

ENGINES = ["sqlite", "postgres"]


@pytest.fixture(scope="session")
def pg_admin():
    """Engine on the test PostgreSQL database, or a skip when it is unreachable."""
    pytest.importorskip("psycopg", reason="psycopg not installed: pip install 'psycopg[binary]'")
    engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as err:
        engine.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_URL} ({str(err.orig).splitlines()[0]})")
    yield engine
    engine.dispose()


def _new_schema(pg_admin) -> tuple[str, str]:
    schema = f"storelens_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    with pg_admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    return schema, f"{PG_URL}?options={quote(f'-csearch_path={schema}')}"


def _drop_schema(pg_admin, schema: str) -> None:
    with pg_admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def pg_schema_url(pg_admin):
    """URL of a fresh, empty PostgreSQL schema, dropped after the test."""
    schema, url = _new_schema(pg_admin)
    yield url
    _drop_schema(pg_admin, schema)


@pytest.fixture(scope="session")
def pg_shared_url(pg_admin):
    """URL of a schema migrated once per session; :func:`db_url` empties it before each test."""
    schema, url = _new_schema(pg_admin)
    open_database(url).close()
    yield url
    _drop_schema(pg_admin, schema)


@pytest.fixture
def sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture(params=ENGINES)
def fresh_db_url(request):
    """A URL to an empty database (no tables yet) on each engine."""
    return request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "pg_schema_url")


@pytest.fixture(params=ENGINES)
def db_url(request):
    """A URL to a database at the latest schema version with no data, on each engine.

    PostgreSQL reuses one migrated schema and truncates it: a new schema per test would cost
    a tenth of a second each in DDL.
    """
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    url = request.getfixturevalue("pg_shared_url")
    data_tables = [t.name for t in schema.metadata.sorted_tables if t.name not in ("schema_version", "settings")]
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(data_tables)} RESTART IDENTITY"))
    engine.dispose()
    return url


@pytest.fixture
def db(db_url):
    with open_database(db_url) as database:
        yield database
