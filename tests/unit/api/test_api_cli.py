"""`storelens user`, `storelens token` and `storelens serve`'s refusal to start without users."""

from __future__ import annotations

import io

import pytest
import yaml

from storelens.api.accounts import AccountStore
from storelens.cli import main
from storelens.storage import open_database


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "store.yaml"
    path.write_text(
        yaml.safe_dump(
            {"name": "Corner shop", "timezone": "Europe/London", "floor_plan": {"outline": [[0, 0], [9, 0], [9, 9]]}}
        )
    )
    return path


def run(monkeypatch, args: list[str], stdin: str = "") -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main(args)


def test_serve_refuses_to_start_without_users(monkeypatch, config_path, capsys):
    assert run(monkeypatch, ["serve", str(config_path)]) == 2
    err = capsys.readouterr().err
    assert "has no users" in err and "storelens user add" in err and len(err.strip().splitlines()) == 1


def test_users_and_tokens(monkeypatch, config_path, capsys, tmp_path):
    conf = ["--config", str(config_path)]
    assert (
        run(monkeypatch, ["user", "add", "alice", "--role", "admin", "--password-stdin", *conf], "copper-kettle-41\n")
        == 0
    )
    assert run(monkeypatch, ["user", "list", *conf]) == 0
    assert "alice\tadmin" in capsys.readouterr().out
    assert run(monkeypatch, ["token", "create", "export", "--user", "alice", *conf]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    with open_database(f"sqlite:///{tmp_path / 'storelens.db'}") as db:
        accounts = AccountStore(db.engine)
        assert accounts.user_for_token(token).name == "alice"
        assert accounts.check_password("alice", "copper-kettle-41") is not None
    # Mistakes print one line and exit 2.
    assert (
        run(monkeypatch, ["user", "add", "alice", "--role", "viewer", "--password-stdin", *conf], "another-pass\n") == 2
    )
    assert "already exists" in capsys.readouterr().err
    assert run(monkeypatch, ["user", "add", "bob", "--role", "viewer", "--password-stdin", *conf], "short\n") == 2
    assert "at least 10 characters" in capsys.readouterr().err
    assert run(monkeypatch, ["user", "add", "bob", "--role", "viewer", "--password-stdin", *conf], " " * 12 + "\n") == 2
    assert "storelens: error: the password must not be only spaces" in capsys.readouterr().err
    assert run(monkeypatch, ["user", "add", "bob", "--role", "viewer", *conf]) == 2  # stdin is no terminal
    assert "--password-stdin" in capsys.readouterr().err
    assert run(monkeypatch, ["token", "revoke", "1", *conf]) == 0
    assert run(monkeypatch, ["token", "revoke", "1", *conf]) == 2


def test_worker_processes_build_the_app_from_the_environment(monkeypatch, config_path, tmp_path):
    """`serve --workers N` hands the config and database to uvicorn's worker processes this way."""
    from storelens.api.server import app_from_environment

    monkeypatch.setenv("STORELENS_SERVE_CONFIG", str(config_path))
    monkeypatch.setenv("STORELENS_SERVE_DB", f"sqlite:///{tmp_path / 'other.db'}")
    monkeypatch.setenv("STORELENS_SERVE_SECURE_COOKIES", "1")
    app = app_from_environment()
    context = app.state.context
    assert context.config.name == "Corner shop" and context.settings.secure_cookies
    assert context.db.url.endswith("other.db")
    context.db.close()


def test_serve_refuses_zero_workers(monkeypatch, config_path, capsys):
    assert (
        run(
            monkeypatch,
            ["user", "add", "alice", "--role", "admin", "--password-stdin", "-c", str(config_path)],
            "copper-kettle-41\n",
        )
        == 0
    )
    assert run(monkeypatch, ["serve", str(config_path), "--workers", "0"]) == 2
    assert "--workers must be 1 or more" in capsys.readouterr().err
