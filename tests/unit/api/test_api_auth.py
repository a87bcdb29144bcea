"""Security of the API: nothing without credentials, roles, CSRF, throttling, tokens, stored hashes."""

from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from api_helpers import PASSWORDS, bearer, login

from storelens.api.context import ApiSettings
from storelens.api.throttle import ThrottlePolicy
from storelens.storage import schema

PUBLIC = {("POST", "/api/login")}
SAMPLE_PARAMS = {"alert_id": "1", "token_id": "1", "name": "vic", "camera_id": "door", "day": "2026-03-04"}


def _routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route, path parameters filled with sample values."""
    try:  # FastAPI >= 0.16x keeps included routers lazily; this flattens them
        from fastapi.routing import iter_route_contexts

        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = app.routes
    out = []
    for route in routes:
        for method in sorted(route.methods or ()):
            path = re.sub(r"{(\w+)}", lambda m: SAMPLE_PARAMS[m.group(1)], route.path)
            out.append((method, path))
    return out


def test_every_route_but_login_answers_401_without_credentials(client):
    routes = _routes(client.app)
    assert len(routes) >= 20 and PUBLIC <= set(routes)
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        response = client.request(method, path, json={})
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.headers["www-authenticate"] == "Bearer"
    # Paths no route knows are refused the same way, not answered 404 to strangers.
    assert client.get("/api/no-such-thing").status_code == 401
    assert client.get("/").status_code == 401


def test_dashboard_pages_need_a_session_but_the_login_page_and_assets_do_not(make_client, tmp_path, tokens):
    static = tmp_path / "static"
    static.mkdir()
    for name in ("index.html", "login.html", "app.js", "style.css"):
        (static / name).write_text(f"<!-- {name} -->")
    client = make_client(ApiSettings(static_dir=static), follow_redirects=False)
    assert client.get("/login.html").status_code == 200
    assert client.get("/app.js").status_code == 200 and client.get("/style.css").status_code == 200
    for page in ("/", "/index.html"):
        response = client.get(page)
        assert response.status_code == 303 and response.headers["location"] == "/login.html"
    assert client.get("/api/heatmap.png").status_code == 401  # an image, but API data
    assert client.get("/", headers=bearer(tokens["vic"])).text == "<!-- index.html -->"
    login(client, "vic")
    assert client.get("/index.html").status_code == 200


@pytest.mark.parametrize(
    ("user", "method", "path", "body", "allowed"),
    [
        ("vic", "POST", "/api/alerts/1/ack", None, False),
        ("vic", "PUT", "/api/siren", {"on": True}, False),
        ("vic", "GET", "/api/users", None, False),
        ("mia", "GET", "/api/users", None, False),
        ("mia", "POST", "/api/tokens", {"name": "x", "user": "mia"}, False),
        ("mia", "POST", "/api/alerts/1/ack", None, True),
        ("mia", "PUT", "/api/siren", {"on": True}, True),
        ("alice", "GET", "/api/users", None, True),
        ("vic", "GET", "/api/summary", None, True),
    ],
)
def test_roles(client, tokens, user, method, path, body, allowed):
    response = client.request(method, path, json=body, headers=bearer(tokens[user]))
    if allowed:
        assert response.status_code in (200, 201), response.text
    else:
        assert response.status_code == 403
        assert "role" in response.json()["detail"]


def test_cookie_sessions_need_the_csrf_token_to_change_anything(client, tokens):
    csrf = login(client, "mia")
    assert client.get("/api/me").json() == {"user": "mia", "role": "manager", "auth": "session"}
    assert client.put("/api/siren", json={"on": True}).status_code == 403
    wrong = client.put("/api/siren", json={"on": True}, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403 and "X-CSRF-Token" in wrong.json()["detail"]
    assert client.get("/api/siren").json()["on"] is False
    ok = client.put("/api/siren", json={"on": True}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200 and ok.json()["changed_by"] == "mia"
    # Bearer tokens are not sent by browsers on their own: no CSRF token needed.
    client.cookies.clear()
    assert client.put("/api/siren", json={"on": False}, headers=bearer(tokens["mia"])).status_code == 200


def test_login_cookies_are_httponly_strict_and_secure_over_https(make_client):
    client = make_client()
    response = client.post("/api/login", json={"username": "vic", "password": PASSWORDS["vic"]})
    session, csrf = response.headers.get_list("set-cookie")
    assert session.startswith("storelens_session=") and "HttpOnly" in session and "SameSite=strict" in session
    assert "HttpOnly" not in csrf and "SameSite=strict" in csrf
    assert "Secure" not in session
    secure = make_client(base_url="https://testserver")
    session = secure.post("/api/login", json={"username": "vic", "password": PASSWORDS["vic"]}).headers["set-cookie"]
    assert "Secure" in session
    flagged = make_client(ApiSettings(static_dir=None, secure_cookies=True))
    session = flagged.post("/api/login", json={"username": "vic", "password": PASSWORDS["vic"]}).headers["set-cookie"]
    assert "Secure" in session


def test_logout_ends_the_session(client):
    csrf = login(client, "vic")
    session_cookie = client.cookies["storelens_session"]
    assert client.post("/api/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    client.cookies.set("storelens_session", session_cookie)  # a copy kept by an attacker is dead too
    response = client.get("/api/summary")
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_sessions_expire(make_client, clock):
    client = make_client(ApiSettings(static_dir=None, session_ttl_s=60))
    login(client, "vic")
    assert client.get("/api/me").status_code == 200
    clock.advance(61)
    assert client.get("/api/me").status_code == 401


def test_failed_logins_are_throttled_per_client_and_user(client, clock):
    for _ in range(5):
        assert client.post("/api/login", json={"username": "vic", "password": "wrong-password"}).status_code == 401
    blocked = client.post("/api/login", json={"username": "vic", "password": PASSWORDS["vic"]})
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60
    assert client.post("/api/login", json={"username": "mia", "password": PASSWORDS["mia"]}).status_code == 200
    clock.advance(15 * 60 + 1)
    assert client.post("/api/login", json={"username": "vic", "password": PASSWORDS["vic"]}).status_code == 200


def test_failed_logins_are_throttled_per_client_address(make_client):
    client = make_client(ApiSettings(static_dir=None, throttle=ThrottlePolicy(per_user=5, per_client=3)))
    for name in ("nobody", "alice", "mia"):
        assert client.post("/api/login", json={"username": name, "password": "wrong-password"}).status_code == 401
    response = client.post("/api/login", json={"username": "vic", "password": PASSWORDS["vic"]})
    assert response.status_code == 429 and "too many failed logins" in response.json()["detail"]


def test_unknown_users_and_wrong_passwords_get_the_same_answer(client):
    unknown = client.post("/api/login", json={"username": "mallory", "password": "whatever-pass"})
    wrong = client.post("/api/login", json={"username": "vic", "password": "whatever-pass"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


def test_api_tokens(client, tokens):
    assert client.get("/api/me", headers=bearer(tokens["vic"])).json()["auth"] == "token"
    assert client.get("/api/me", headers=bearer("slt_not-a-real-token")).status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Basic dmljOnBhc3M="}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Bearer "}).status_code == 401
    admin = bearer(tokens["alice"])
    created = client.post("/api/tokens", json={"name": "export", "user": "vic"}, headers=admin)
    assert created.status_code == 201
    token, token_id = created.json()["token"], created.json()["id"]
    assert token.startswith("slt_") and client.get("/api/me", headers=bearer(token)).status_code == 200
    listed = client.get("/api/tokens", headers=admin).json()
    assert {"export"} <= {t["name"] for t in listed} and all("token" not in t for t in listed)
    assert client.delete(f"/api/tokens/{token_id}", headers=admin).status_code == 204
    assert client.get("/api/me", headers=bearer(token)).status_code == 401
    # Deleting a user revokes their tokens.
    assert client.delete("/api/users/vic", headers=admin).status_code == 204
    assert client.get("/api/me", headers=bearer(tokens["vic"])).status_code == 401
    assert client.delete("/api/users/alice", headers=admin).status_code == 409


def test_admins_add_users_who_can_then_log_in(client, tokens):
    admin = bearer(tokens["alice"])
    body = {"name": "sam", "role": "viewer", "password": "marble-orchard-88"}
    assert client.post("/api/users", json=body, headers=admin).status_code == 201
    assert client.post("/api/users", json=body, headers=admin).status_code == 409
    short = client.post("/api/users", json={**body, "name": "tim", "password": "short"}, headers=admin)
    assert short.status_code == 400 and "at least" in short.json()["detail"]
    bad_role = client.post("/api/users", json={**body, "name": "tim", "role": "root"}, headers=admin)
    assert bad_role.status_code == 422
    login_ok = client.post("/api/login", json={"username": "sam", "password": "marble-orchard-88"})
    assert login_ok.status_code == 200 and login_ok.json()["role"] == "viewer"


def test_secrets_are_stored_only_as_hashes(client, db_url, tokens):
    login(client, "vic")
    session_id = client.cookies["storelens_session"]
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        hashes = dict(conn.execute(sa.select(schema.users.c.name, schema.users.c.password_hash)).all())
        token_hashes = set(conn.execute(sa.select(schema.api_tokens.c.token_hash)).scalars())
        session_hashes = set(conn.execute(sa.select(schema.sessions.c.token_hash)).scalars())
    engine.dispose()
    for name, password in PASSWORDS.items():
        assert password not in hashes[name] and hashes[name].startswith("scrypt$16384$8$1$")
    assert len(set(hashes.values())) == len(hashes)  # salted: no two alike
    assert not set(tokens.values()) & token_hashes and len(token_hashes) == len(tokens)
    assert session_id not in session_hashes and len(session_hashes) == 1


def test_security_headers(client, tokens):
    response = client.get("/api/summary", headers=bearer(tokens["vic"]))
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert client.get("/api/summary").headers["x-frame-options"] == "DENY"  # on refusals too


def test_openapi_schema_is_served_to_users_only(client, tokens):
    assert client.get("/api/openapi.json").status_code == 401
    assert client.get("/openapi.json").status_code == 401 and client.get("/docs").status_code == 401
    schema_ = client.get("/api/openapi.json", headers=bearer(tokens["vic"])).json()
    assert {"/api/summary", "/api/live", "/api/heatmap.png", "/api/alerts/{alert_id}/ack"} <= set(schema_["paths"])
    assert set(schema_["components"]["securitySchemes"]) == {"apiToken", "session"}
    assert schema_["paths"]["/api/summary"]["get"]["security"] == [{"apiToken": []}, {"session": []}]
    assert "security" not in schema_["paths"]["/api/login"]["post"]


def test_revoking_in_one_process_locks_out_the_cached_token_in_another(make_client, tokens):
    """Servers cache verified tokens; the accounts version they poll makes revocation reach them all."""
    first, second = make_client(), make_client()
    admin = bearer(tokens["alice"])
    created = first.post("/api/tokens", json={"name": "kiosk", "user": "vic"}, headers=admin).json()
    assert second.get("/api/me", headers=bearer(created["token"])).status_code == 200  # now cached there
    assert first.delete(f"/api/tokens/{created['id']}", headers=admin).status_code == 204
    deadline = time.monotonic() + 3
    while second.get("/api/me", headers=bearer(created["token"])).status_code == 200:
        assert time.monotonic() < deadline, "the revoked token still works on the other server"
        time.sleep(0.05)
