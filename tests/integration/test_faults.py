"""`storelens run` through faults: killed and run again, PostgreSQL down, SQLite locked.

Each test runs the real CLI in a subprocess on PETS09 (analysed at 2 frames/s: 227 frames, about
ten seconds) and compares every stored row with a run that met no fault. PostgreSQL is an
instance of its own that the test starts, stops and starts again (the shared server is left
alone).
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from mjpeg_server import free_port

from storelens.storage import schema

pytestmark = pytest.mark.integration

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
START = "2026-11-20T10:00:00+00:00"
STORELENS = str(Path(sys.executable).with_name("storelens"))
SURROGATE = {"id"}
"""Columns that number rows in insertion order, not part of what a row says."""


@pytest.fixture(scope="module")
def config(shared_data, tmp_path_factory) -> Path:
    """PETS09's store config, analysed at 2 frames/s, with absolute paths."""
    text = (EXAMPLES / "pets09/store.yaml").read_text()
    text = text.replace("analysis_fps: 7 ", "analysis_fps: 2 ").replace("../../../shared/data", str(shared_data))
    path = tmp_path_factory.mktemp("faults") / "store.yaml"
    path.write_text(text)
    return path


def _run(config: Path, url: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [STORELENS, "run", str(config), "--db", url, "--start", START],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def _finish(proc: subprocess.Popen, timeout: float = 300) -> tuple[str, str]:
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    return out, err


def _rows(url: str) -> dict[str, list[tuple]]:
    """Every stored row of every record table, sorted, without surrogate ids (floats to 1e-9)."""
    engine = sa.create_engine(url)
    tables = ["positions", "visits", "zone_visits", "line_crossings", "alerts", "minute_aggregates", "heat", "runs"]
    out = {}
    with engine.connect() as conn:
        for name in tables:
            table = schema.metadata.tables[name]
            columns = [c for c in table.columns if c.name not in SURROGATE | {"created_us"}]
            rows = conn.execute(sa.select(*columns)).all()
            out[name] = sorted(tuple(round(v, 9) if isinstance(v, float) else v for v in r) for r in rows)
    engine.dispose()
    return out


def _applied(url: str) -> int:
    """Batches the run has stored so far (0 before it began)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT coalesce(max(applied_seq), 0) FROM runs")).scalar())
    except sa.exc.DBAPIError:
        return 0
    finally:
        engine.dispose()


def _wait_for_batches(url: str, n: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while _applied(url) < n:
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, f"no batch {n} after {timeout} s"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def reference(config, tmp_path_factory) -> dict[str, list[tuple]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'ref.db'}"
    _finish(_run(config, url))
    rows = _rows(url)
    assert len(rows["visits"]) > 20 and len(rows["line_crossings"]) > 20 and len(rows["positions"]) > 500
    return rows


def test_killed_mid_run_then_run_again_stores_exactly_one_run(config, reference, tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    proc = _run(config, url)
    _wait_for_batches(url, 2, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert _rows(url) != reference  # half a run was stored ...
    _finish(_run(config, url))
    assert _rows(url) == reference  # ... and replaced, not added to
    _finish(_run(config, url))  # a plain second run changes nothing either
    assert _rows(url) == reference


def test_sqlite_locked_for_30_s_mid_run_delays_writes_and_loses_nothing(config, reference, tmp_path):
    path = tmp_path / "store.db"
    url = f"sqlite:///{path}"
    proc = _run(config, url)
    _wait_for_batches(url, 1, proc)
    locker = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    locker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    released = threading.Timer(30, locker.execute, ("ROLLBACK",))
    released.start()
    out, err = _finish(proc)
    released.join()
    locker.close()
    assert "database unavailable" in err and "database back after" in err
    assert _rows(url) == reference


class _Postgres:
    """A PostgreSQL server of the test's own, in a temporary folder (as user postgres under root)."""

    def __init__(self) -> None:
        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not found:
            pytest.skip("no PostgreSQL server binaries (/usr/lib/postgresql/*/bin)")
        self.bin = Path(found[-1]).parent
        self.dir = Path(tempfile.mkdtemp(prefix="storelens-pg-"))
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.dir, "postgres")
        self._cmd("initdb", "-D", str(self.dir / "data"), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _cmd(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_user, str(self.bin / tool), *args], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._cmd("pg_ctl", "-D", str(self.dir / "data"), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        self._cmd("pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def postgres():
    server = _Postgres()
    yield server
    server.remove()


def test_postgres_down_for_60_s_mid_run_delays_writes_and_loses_nothing(config, reference, postgres):
    proc = _run(config, postgres.url)
    _wait_for_batches(postgres.url, 1, proc)
    postgres.stop()
    time.sleep(60)
    postgres.start()
    out, err = _finish(proc)
    assert "database unavailable" in err and "database back after" in err
    assert _rows(postgres.url) == reference
