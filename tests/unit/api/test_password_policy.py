"""The password policy: each rule refuses what it should with a message naming it, and lets good passwords by."""

from __future__ import annotations

import pytest
from api_helpers import bearer

from storelens.api.accounts import AccountError, AccountStore
from storelens.api.password_policy import common_passwords, password_problem
from storelens.storage import open_database


@pytest.mark.parametrize(
    ("user", "password", "rule"),
    [
        ("sam", "short", "at least 10 characters"),
        ("sam", " " * 10, "only spaces"),
        ("sam", "\t \t \t \t \t \t", "only spaces"),
        ("sam", "a" * 16, "at least 5 different characters"),
        ("sam", "ab12" * 4, "at least 5 different characters"),
        ("sam", "Sam-likes-tea-99", "must not contain the user name"),
        ("anna@example.com", "xANNA-rocks-2026", "must not contain the user name"),
        ("sam", "password123", "common one, found in breached-password lists"),
        ("sam", "QWERTYUIOP", "common one, found in breached-password lists"),
        ("sam", "Basketball2024!", "common one with digits or symbols added"),
        ("sam", "  superman!!!  ", "common one with digits or symbols added"),
        ("sam", "2024-sunshine", "common one with digits or symbols added"),
    ],
)
def test_weak_passwords_are_refused_naming_the_rule(user, password, rule):
    problem = password_problem(password, user)
    assert problem is not None and rule in problem and "\n" not in problem


@pytest.mark.parametrize(
    ("user", "password"),
    [
        ("sam", "copper kettle in the rain"),
        ("sam", "Xk9#mQ2!pL7z"),
        ("al", "hallway-lamp-27"),  # 2-letter names are not looked for: 'al' is in too many words
        ("sam", "sunshine-and-rain-42"),  # a common word inside a longer phrase is fine
    ],
)
def test_good_passwords_pass(user, password):
    assert password_problem(password, user) is None


def test_the_common_list_ships_inside_the_package():
    common = common_passwords()
    assert len(common) > 15_000 and {"password", "qwertyuiop", "basketball"} <= common
    assert all(word == word.casefold() for word in common)


def test_accounts_and_the_api_apply_the_policy(tmp_path, client, tokens):
    with open_database(f"sqlite:///{tmp_path / 'accounts.db'}") as db:
        accounts = AccountStore(db.engine)
        with pytest.raises(AccountError, match="only spaces"):
            accounts.add_user("sam", "viewer", " " * 12)
        accounts.add_user("sam", "viewer", "copper kettle in the rain")
        with pytest.raises(AccountError, match="user name"):
            accounts.set_password("sam", "sam-sam-sam-2026")
    body = {"name": "tim", "role": "viewer", "password": "password1234"}
    refused = client.post("/api/users", json=body, headers=bearer(tokens["alice"]))
    assert refused.status_code == 400 and refused.json()["detail"] == password_problem("password1234", "tim")
