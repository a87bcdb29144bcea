"""Fixtures for API tests: a filled SQLite store database (built once, copied per test) and clients.

Users and their scrypt hashes cost ~70 ms each, so the template database is made once per
session; each test gets its own copy, free to change.
"""

from __future__ import annotations

import shutil

import pytest
from api_helpers import add_users, fill, fixed_clock, store_config
from fastapi.testclient import TestClient

from storelens.api.app import create_app
from storelens.api.context import ApiSettings
from storelens.storage import open_database


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """Path of a filled database with users, and the users' API tokens."""
    path = tmp_path_factory.mktemp("api") / "template.db"
    with open_database(f"sqlite:///{path}") as db:
        fill(db, store_config())
        tokens = add_users(db.engine)
    return path, tokens


@pytest.fixture
def db_url(template_db, tmp_path):
    path = tmp_path / "store.db"
    shutil.copy(template_db[0], path)
    return f"sqlite:///{path}"


@pytest.fixture
def tokens(template_db) -> dict[str, str]:
    return template_db[1]


@pytest.fixture
def clock():
    return fixed_clock()


@pytest.fixture
def make_client(db_url, clock):
    """Build a TestClient (lifespan running) on this test's database; settings and config may be overridden."""
    opened = []

    def make(settings: ApiSettings | None = None, config=None, **client_args) -> TestClient:
        db = open_database(db_url)
        settings = settings or ApiSettings(static_dir=None, max_age_s=0.0)
        app = create_app(config or store_config(), db, settings, clock=clock)
        client = TestClient(app, **client_args)
        client.__enter__()
        opened.append((client, db))
        return client

    yield make
    for client, db in opened:
        client.__exit__(None, None, None)
        db.close()


@pytest.fixture
def client(make_client) -> TestClient:
    return make_client()


@pytest.fixture(scope="module")
def shared_client(template_db, tmp_path_factory):
    """One client for a module's tests that change nothing (cheaper than a database each)."""
    path = tmp_path_factory.mktemp("shared") / "store.db"
    shutil.copy(template_db[0], path)
    with open_database(f"sqlite:///{path}") as db:
        app = create_app(store_config(), db, ApiSettings(static_dir=None, max_age_s=0.0), clock=fixed_clock())
        with TestClient(app) as client:
            yield client
