"""Login throttling: exact under concurrency, per client and user, and blind to forwarded headers unless told."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from api_helpers import PASSWORDS, add_users, store_config
from web_server import serving_app

import storelens.api.accounts
from storelens.api.app import create_app
from storelens.api.context import ApiSettings
from storelens.api.throttle import ThrottlePolicy
from storelens.storage import open_database

STRANGER, OWNER = ("203.0.113.9", 40000), ("198.51.100.7", 40000)


@pytest.fixture
def verifications(monkeypatch) -> list[str]:
    """The passwords checked against a hash (scrypt runs), in order."""
    checked: list[str] = []
    real = storelens.api.accounts.verify_password

    def counting(password: str, stored: str | None) -> bool:
        checked.append(password)
        return real(password, stored)

    monkeypatch.setattr(storelens.api.accounts, "verify_password", counting)
    return checked


def _login(client, password: str, user: str = "vic", **kwargs) -> int:
    return client.post("/api/login", json={"username": user, "password": password}, **kwargs).status_code


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request, db_url) -> str:
    """The test's SQLite database, or a PostgreSQL schema with the same users."""
    if request.param == "sqlite":
        return db_url
    url = request.getfixturevalue("pg_schemas")()
    with open_database(url) as db:
        add_users(db.engine)
    return url


def test_40_concurrent_wrong_guesses_on_two_servers_check_at_most_5(any_db_url, clock, verifications):
    """Two server processes' worth of apps (own engines, one database), 40 guesses fired at once."""
    dbs = [open_database(any_db_url) for _ in range(2)]
    apps = [create_app(store_config(), db, ApiSettings(static_dir=None), clock=clock) for db in dbs]
    start = threading.Barrier(40)

    def guess(i: int, base_url: str) -> int:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            start.wait()
            return _login(http, f"wrong-guess-{i}")

    try:
        with serving_app(apps[0]) as first, serving_app(apps[1]) as second, ThreadPoolExecutor(40) as pool:
            statuses = Counter(pool.map(guess, range(40), [first, second] * 20))
    finally:
        for db in dbs:
            db.close()
    assert len(verifications) <= 5
    assert statuses == {401: len(verifications), 429: 40 - len(verifications)}
    assert len(verifications) == 5  # and the limit is not undershot either


def test_a_strangers_wrong_guesses_do_not_lock_the_user_out(make_client, verifications):
    stranger, owner = make_client(client=STRANGER), make_client(client=OWNER)
    for _ in range(5):
        assert _login(stranger, "wrong-password") == 401
    assert _login(stranger, PASSWORDS["vic"]) == 429  # even the right password, from the guesser
    assert len(verifications) == 5
    assert _login(owner, PASSWORDS["vic"]) == 200
    # The owner's success does not reset the stranger's count.
    assert _login(stranger, PASSWORDS["vic"]) == 429


def test_guesses_spread_over_many_addresses_meet_the_slower_per_user_limit(make_client, clock):
    settings = ApiSettings(static_dir=None, throttle=ThrottlePolicy(per_client_user=2, per_user=6, per_client=20))
    for i in range(3):
        guesser = make_client(settings, client=(f"203.0.113.{i}", 1))
        assert [_login(guesser, "wrong-password") for _ in range(3)] == [401, 401, 429]
    owner = make_client(settings, client=OWNER)
    blocked = owner.post("/api/login", json={"username": "vic", "password": PASSWORDS["vic"]})
    assert blocked.status_code == 429 and 0 < int(blocked.headers["retry-after"]) <= 15 * 60
    assert _login(owner, PASSWORDS["mia"], user="mia") == 200  # other users are untouched
    clock.advance(15 * 60 + 1)
    assert _login(owner, PASSWORDS["vic"]) == 200


def test_a_success_clears_only_that_clients_failures_for_that_user(make_client):
    client = make_client(client=OWNER)
    for _ in range(4):
        assert _login(client, "wrong-password") == 401
    assert _login(client, PASSWORDS["vic"]) == 200
    assert [_login(client, "wrong-password") for _ in range(6)] == [401] * 5 + [429]


def _spoofing_guesses(client) -> list[int]:
    """Six wrong guesses, each claiming another address in X-Forwarded-For."""
    return [_login(client, "wrong-password", headers={"X-Forwarded-For": f"192.0.2.{i}"}) for i in range(6)]


def test_forwarded_addresses_are_ignored_unless_the_proxy_is_trusted(make_client):
    loopback = ("127.0.0.1", 40000)
    assert _spoofing_guesses(make_client(client=loopback)) == [401] * 5 + [429]
    behind_proxy = store_config(api={"trusted_proxies": ["127.0.0.0/8"]})
    proxied = make_client(config=behind_proxy, client=loopback)
    assert _spoofing_guesses(proxied) == [401] * 6  # six clients, one guess each
    # A client that is not the proxy cannot pose as others by sending the header itself.
    direct = make_client(config=behind_proxy, client=STRANGER)
    assert _spoofing_guesses(direct) == [401] * 5 + [429]
