"""The API on PostgreSQL, and the schema-3 migration (accounts) on both engines."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from api_helpers import PASSWORDS, add_users, bearer, fill, fixed_clock, login, store_config
from fastapi.testclient import TestClient

from storelens.api.accounts import AccountStore
from storelens.api.app import create_app
from storelens.api.context import ApiSettings
from storelens.api.live import fingerprint
from storelens.storage import open_database
from storelens.storage.engine import create_storage_engine
from storelens.storage.migrations import LATEST_VERSION, current_version, upgrade


@pytest.fixture(scope="module")
def pg_store(pg_schemas):
    """A filled PostgreSQL schema with users; its URL and the users' tokens."""
    url = pg_schemas()
    with open_database(url) as db:
        fill(db, store_config())
        tokens = add_users(db.engine)
    return url, tokens


def test_api_on_postgres(pg_store):
    url, tokens = pg_store
    db = open_database(url)
    app = create_app(store_config(), db, ApiSettings(static_dir=None, max_age_s=0.0), clock=fixed_clock())
    with TestClient(app) as client:
        viewer = bearer(tokens["vic"])
        s = client.get("/api/summary", headers=viewer).json()
        assert s["visitors"]["entries"] == 3 and s["passers_by"] == 10 and s["occupancy"]["store"] == 2
        assert client.get("/api/traffic", headers=viewer).json()["totals"]["exits"] == 2
        zones = {z["name"]: z["visits"] for z in client.get("/api/zones", headers=viewer).json()["zones"]}
        assert zones == {"entrance": 1, "aisle_1": 3, "till": 1}
        assert client.get("/api/heatmap", headers=viewer).json()["total_person_s"] > 0
        assert client.get("/api/cameras", headers=viewer).json()[0]["status"] == "active"
        assert client.put("/api/siren", json={"on": True}, headers=viewer).status_code == 403
        csrf = login(client, "mia")
        assert client.put("/api/siren", json={"on": True}, headers={"X-CSRF-Token": csrf}).json()["on"] is True
        before = fingerprint(db.engine)
        (alert,) = client.get("/api/alerts", params={"state": "open"}).json()
        assert client.post(f"/api/alerts/{alert['id']}/ack", headers={"X-CSRF-Token": csrf}).status_code == 200
        assert fingerprint(db.engine) != before  # the live feed sees acknowledgements
        for _ in range(5):
            assert client.post("/api/login", json={"username": "vic", "password": "not-it-at-all"}).status_code == 401
        assert client.post("/api/login", json={"username": "vic", "password": PASSWORDS["vic"]}).status_code == 429
    db.close()


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    return request.getfixturevalue("pg_schemas")()


def test_version_2_database_gains_accounts(fresh_url):
    engine = create_storage_engine(fresh_url)
    assert upgrade(engine, heat_cell_m=0.25, target=2) == 2
    with engine.connect() as conn:
        assert not sa.inspect(conn).has_table("users")
    engine.dispose()
    with open_database(fresh_url) as db:
        with db.engine.connect() as conn:
            assert current_version(conn) == LATEST_VERSION
        accounts = AccountStore(db.engine)
        user = accounts.add_user("owner", "admin", "amber-lighthouse-9")
        _, token = accounts.create_token("owner", "script")
        assert accounts.user_for_token(token) == user
        session = accounts.open_session(user, 60)
        assert accounts.session(session.session_id).user == user
        accounts.delete_user("owner")  # tokens and sessions go with the user
        assert accounts.user_for_token(token) is None and accounts.session(session.session_id) is None
