"""The ``reports`` section: schedule, archive and e-mail settings, each mistake one line naming its key."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import time
from pathlib import Path

import pytest
import yaml
from store_factories import base_config, patched

from storelens.config import load_config
from storelens.errors import ConfigError

MAIL = {"smtp_host": "mail.example.com", "from": "Test shop <shop@example.com>", "to": ["boss@example.com"]}


def error(message: str) -> AbstractContextManager:
    return pytest.raises(ConfigError, match=f"(?m)^.*store.yaml: {message}")


def load(tmp_path: Path, reports: dict):
    path = tmp_path / "store.yaml"
    path.write_text(yaml.safe_dump(patched(base_config(), "reports", reports)))
    return load_config(path)


@pytest.mark.parametrize(
    ("reports", "expectation"),
    [
        ({}, nullcontext()),
        ({"daily_at": "07:00", "email": MAIL}, nullcontext()),
        ({"daily_at": "23:59", "keep_days": None}, nullcontext()),
        ({"daily_at": "7:00"}, error(r"reports\.daily_at: '7:00' is not a time of day 'HH:MM'")),
        ({"daily_at": "24:00"}, error(r"reports\.daily_at: '24:00' is not a time of day")),
        ({"keep_days": 0}, error(r"reports\.keep_days: input should be greater than 0")),
        ({"email": {**MAIL, "to": []}}, error(r"reports\.email\.to: need at least 1 recipients, got 0$")),
        ({"email": {**MAIL, "to": ["boss"]}}, error(r"reports\.email\.to: 'boss' is not an e-mail address")),
        ({"email": {**MAIL, "from": "shop@"}}, error(r"reports\.email\.from: 'shop@' is not an e-mail address")),
        (
            {"email": {k: v for k, v in MAIL.items() if k != "from"}},
            error(r"reports\.email\.from: required key missing$"),
        ),
        (
            {"email": {**MAIL, "sender": "x@example.com"}},
            error(r"reports\.email\.sender: unknown key; valid keys: from, password_env, security, smtp_host"),
        ),
        ({"email": {**MAIL, "frm": "x"}}, error(r"reports\.email\.frm: unknown key \(did you mean 'from'\?\)")),
        ({"email": {**MAIL, "username": "shop"}}, error(r"reports\.email: username and password_env go together")),
        (
            {"email": {**MAIL, "username": "shop", "password_env": "SMTP PASSWORD"}},
            error(r"reports\.email\.password_env: 'SMTP PASSWORD' is not an environment variable name"),
        ),
        (
            {"email": {**MAIL, "security": "none", "username": "shop", "password_env": "SMTP_PASSWORD"}},
            error(r"reports\.email: security none would send the password unencrypted"),
        ),
        ({"email": {**MAIL, "security": "tls"}}, error(r"reports\.email\.security: input should be 'starttls', 'ssl'")),
        ({"email": {**MAIL, "smtp_port": 0}}, error(r"reports\.email\.smtp_port: input should be greater than")),
    ],
)
def test_reports_section(tmp_path, reports, expectation):
    with expectation:
        load(tmp_path, reports)


def test_defaults_and_resolved_archive(tmp_path):
    config = load(tmp_path, {"daily_at": "06:30", "archive": "out/reports", "email": MAIL})
    assert config.reports.daily_time == time(6, 30)
    assert config.reports.archive == tmp_path / "out" / "reports"  # beside the config, wherever storelens runs
    assert config.reports.email.port == 587 and config.reports.email.sender == MAIL["from"]
    ssl = load(tmp_path, {"email": {**MAIL, "security": "ssl"}}).reports.email
    assert ssl.port == 465
    assert load(tmp_path, {}).reports.daily_time == time(7, 0)  # made every morning unless turned off
    assert load(tmp_path, {"daily_at": None}).reports.daily_time is None
