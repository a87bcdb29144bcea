"""`storelens serve` makes yesterday's report on schedule, archives and mails it, and stops cleanly.

A real server process on a store with a few visitors yesterday (the store's yesterday, by the real
clock) and ``daily_at: "00:00"``, long past: the report is due the moment the server starts. The
mail goes to a real SMTP server (aiosmtpd) started here.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from email import message_from_bytes, policy

import yaml
from smtp_server import free_port, smtp_server

from storelens.analytics.records import Direction, LineCrossing
from storelens.api.accounts import AccountStore
from storelens.config import load_config
from storelens.reports.archive import ReportArchive
from storelens.storage import open_database


def store(tmp_path, smtp_port: int):
    path = tmp_path / "store.yaml"
    path.write_text(yaml.safe_dump({
        "name": "Corner shop",
        "timezone": "Europe/London",
        "floor_plan": {"outline": [[0, 0], [20, 0], [20, 10], [0, 10]]},
        "cameras": {"door": {"source": "door.mp4"}},
        "lines": [
            {"name": "door", "kind": "entrance", "a": [0, 2], "b": [0, 5], "in_side": "right"},
            {"name": "pavement", "kind": "passerby", "a": [-2, 0], "b": [-2, 10]},
        ],
        "reports": {
            "daily_at": "00:00",
            "archive": "archive",
            "email": {"smtp_host": "127.0.0.1", "smtp_port": smtp_port, "security": "none",
                      "from": "shop@example.com", "to": ["boss@example.com"], "timeout_s": 5},
        },
    }))
    config = load_config(path)
    yesterday = datetime.now(config.tz).date() - timedelta(days=1)
    noon = datetime.combine(yesterday, datetime.min.time(), config.tz) + timedelta(hours=12)
    with open_database(config.storage.url) as db:
        AccountStore(db.engine).add_user("alice", "admin", "copper-kettle-41")
        db.add_line_crossings(
            [LineCrossing("door", "door", k, noon + timedelta(minutes=7 * k), Direction.IN) for k in range(12)]
            + [LineCrossing("pavement", "door", 100 + k, noon + timedelta(minutes=3 * k), Direction.IN)
               for k in range(40)]
        )
    return path, config, yesterday


def test_serve_makes_mails_and_archives_yesterdays_report(tmp_path):
    smtp_port = free_port()
    path, config, yesterday = store(tmp_path, smtp_port)
    with smtp_server(smtp_port) as inbox:
        server = subprocess.Popen(
            [sys.executable, "-m", "storelens.cli", "serve", str(path), "--port", str(free_port())],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        try:
            serving, schedule = server.stdout.readline(), server.stdout.readline()
            assert "serving 'Corner shop'" in serving, (serving, server.stderr.read() if server.poll() else "")
            archive_dir = tmp_path / "archive"
            assert schedule.strip() == (
                f"storelens: daily report at 00:00 (Europe/London) into {archive_dir}, mailed to boss@example.com"
            )
            deadline = time.monotonic() + 120
            while not inbox.messages:
                assert server.poll() is None, server.stderr.read()
                assert time.monotonic() < deadline, "no report mailed within two minutes"
                time.sleep(0.2)
        finally:
            server.send_signal(signal.SIGINT)
            code = server.wait(timeout=60)
    assert code in (0, 130)
    assert "Traceback" not in server.stderr.read()
    (rcpt, raw), = inbox.messages
    msg = message_from_bytes(raw, policy=policy.default)
    assert msg["Subject"] == f"Corner shop: {yesterday:%A} {yesterday.day} {yesterday:%b %Y}, 12 visitors"
    entry = ReportArchive(archive_dir, "corner-shop").get(yesterday)
    assert entry is not None and entry.mailed_at is not None and entry.figures["visitors"] == 12
