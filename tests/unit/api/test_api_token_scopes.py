"""API token scopes: a ``pos`` token posts receipts and can do nothing else; full tokens are as before."""

from __future__ import annotations

import pytest
from api_helpers import bearer

from storelens.api.accounts import AccountError, AccountStore, TokenScope
from storelens.storage import open_database

RECEIPT = {"receipt_id": "R1", "time": "2026-03-04T14:00:00+00:00", "till": "t1", "total": 2.0,
           "lines": [{"category": "snacks", "amount": 2.0}]}


@pytest.fixture
def pos_token(db_url) -> str:
    with open_database(db_url) as db:
        return AccountStore(db.engine).create_token("mia", "till-1", TokenScope.POS)[1]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/summary"),
        ("GET", "/api/traffic"),
        ("GET", "/api/me"),
        ("GET", "/api/conversion"),
        ("GET", "/api/openapi.json"),
        ("POST", "/api/alerts/1/ack"),
        ("GET", "/api/pos/receipts"),
        ("GET", "/"),
    ],
)
def test_a_pos_token_is_refused_everywhere_but_posting_receipts(client, pos_token, method, path):
    response = client.request(method, path, headers=bearer(pos_token))
    assert response.status_code == 403
    assert response.json() == {"detail": "this API token's scope is 'pos': it may only call POST /api/pos/receipts"}


def test_a_pos_token_posts_receipts(client, pos_token):
    response = client.post("/api/pos/receipts", json={"receipts": [RECEIPT]}, headers=bearer(pos_token))
    assert response.status_code == 200, response.text
    assert response.json()["new"] == 1


def test_full_tokens_keep_their_roles_reach(client, tokens):
    assert client.get("/api/summary", headers=bearer(tokens["vic"])).status_code == 200
    # Posting receipts changes data: a viewer's full token may not; a manager's may.
    batch = {"receipts": [RECEIPT]}
    assert client.post("/api/pos/receipts", json=batch, headers=bearer(tokens["vic"])).status_code == 403
    response = client.post("/api/pos/receipts", json=batch, headers=bearer(tokens["mia"]))
    assert response.status_code == 200 and response.json()["new"] == 1


def test_a_pos_token_is_only_made_for_a_role_that_may_post_receipts(db_url):
    with open_database(db_url) as db:
        accounts = AccountStore(db.engine)
        with pytest.raises(AccountError, match="'vic' is a viewer, who may not post receipts"):
            accounts.create_token("vic", "till", "pos")
        with pytest.raises(AccountError, match="unknown token scope 'write'; use one of full, pos"):
            accounts.create_token("mia", "till", "write")
        record, token = accounts.create_token("mia", "till", "pos")
        assert record.scope is TokenScope.POS and accounts.grant_for_token(token).scope is TokenScope.POS
        assert [t.scope for t in accounts.tokens()][-1] is TokenScope.POS


def test_admins_create_and_list_scoped_tokens_over_the_api(client, tokens):
    body = {"name": "till", "user": "mia", "scope": "pos"}
    response = client.post("/api/tokens", json=body, headers=bearer(tokens["alice"]))
    assert response.status_code == 201 and response.json()["scope"] == "pos"
    listed = client.get("/api/tokens", headers=bearer(tokens["alice"])).json()
    assert {t["name"]: t["scope"] for t in listed}["till"] == "pos"
    assert {t["name"]: t["scope"] for t in listed}["alice-script"] == "full"
    pos = response.json()["token"]
    assert client.get("/api/tokens", headers=bearer(pos)).status_code == 403
