"""Databases for storage tests: SQLite in tmp_path and PostgreSQL in a throw-away schema.

PostgreSQL tests use the local server through the ``pg_schemas`` fixture of tests/conftest.py
(``STORELENS_TEST_PG_URL``), in schemas of their own that are dropped afterwards, so nothing else
in the database is touched. They skip, saying why, when the server cannot be reached.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from storelens.storage import open_database, schema

ENGINES = ["sqlite", "postgres"]


@pytest.fixture
def pg_schema_url(pg_schemas):
    """URL of a fresh, empty PostgreSQL schema (see ``pg_schemas`` in tests/conftest.py)."""
    return pg_schemas()


@pytest.fixture(scope="session")
def pg_shared_url(pg_schemas):
    """URL of a schema migrated once per session; :func:`db_url` empties it before each test."""
    url = pg_schemas()
    open_database(url).close()
    return url


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
