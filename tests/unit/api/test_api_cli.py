"""`storelens user`, `storelens token` and `storelens serve`'s refusal to start without users."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys

import httpx
import pytest
import yaml

from storelens.api.accounts import AccountStore
from storelens.api.server import serve
from storelens.cli import main
from storelens.config import load_config
from storelens.errors import ConfigError
from storelens.storage import open_database


@pytest.fixture
def config_path(tmp_path):
    path = tmp_path / "store.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "Corner shop",
                "timezone": "Europe/London",
                "floor_plan": {"outline": [[0, 0], [9, 0], [9, 9]]},
                "cameras": {"door": {"source": "door.mp4"}},
            }
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


@pytest.fixture
def served_config(monkeypatch, config_path):
    """The store config, with an admin in its database so `serve` starts."""
    command = ["user", "add", "alice", "--role", "admin", "--password-stdin", "-c", str(config_path)]
    assert run(monkeypatch, command, "copper-kettle-41\n") == 0
    return config_path


@pytest.mark.parametrize("port", ["99999", "65536"])
def test_serve_refuses_a_port_out_of_range(monkeypatch, served_config, capsys, port):
    assert run(monkeypatch, ["serve", str(served_config), "--port", port]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("storelens: error:") and "--port" in line and port in line
    with pytest.raises(ConfigError, match=f"--port must be 0 to 65535 \\(0: any free port\\), got {port}"):
        serve(load_config(served_config), served_config, port=int(port))


def test_serve_reports_a_taken_port_in_one_line(monkeypatch, served_config, capsys):
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        assert run(monkeypatch, ["serve", str(served_config), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err == f"storelens: error: cannot listen on 127.0.0.1:{port}: Address already in use\n"


@pytest.mark.parametrize("workers", ["1", "2"])
def test_serve_listens_where_it_says_ignores_forwarded_addresses_and_leaves_no_temporary_files(
    served_config, tmp_path, workers
):
    """A real `storelens serve` (and its worker processes): the address it prints is the one it serves on."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = str(probe.getsockname()[1])  # free a moment ago, and most likely still
    server = subprocess.Popen(
        [sys.executable, "-m", "storelens.cli", "serve", str(served_config), "--port", port, "--workers", workers],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    try:
        line = server.stdout.readline()
        url = re.search(rf"on (http://127\.0\.0\.1:{port}/) ", line)
        assert url, (line, server.stderr.read() if server.poll() is not None else "")
        with httpx.Client(base_url=url.group(1), timeout=10) as http:
            assert http.get("/api/me").status_code == 401
            statuses = [
                http.post(
                    "/api/login",
                    json={"username": "alice", "password": "wrong-password"},
                    headers={"X-Forwarded-For": f"192.0.2.{i}"},
                ).status_code
                for i in range(6)
            ]
        assert statuses == [401] * 5 + [429]  # one client (loopback), whatever the header claims
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=15) in (0, 130)  # 130: "interrupted", as after any Ctrl-C
    assert "Traceback" not in server.stderr.read()
    assert not list(scratch.glob("storelens-*"))
