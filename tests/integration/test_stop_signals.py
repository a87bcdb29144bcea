"""`storelens run` stopped by SIGTERM, as systemd stops it: it flushes and closes like Ctrl-C."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from storelens.config import load_config
from storelens.detect import make_detector
from storelens.runner import open_store_database, run_store
from storelens.sources import open_source
from storelens.sources.base import SourceBase

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/one-by-one/store.yaml"
CLIP_FRAMES, FPS = 1394, 10.0
# Standing at the table (frames, from tests/integration/test_store_run.py): in the room, so a visit
# and a zone visit are open.
TABLE_TRUTH = [(83, 182), (243, 432), (523, 679), (766, 847), (942, 1177), (1256, 1340)]
T0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)  # within every retention
ALL = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
WAIT_S = 120


def start_run(config: Path, db_path: Path, *args: str, health_every_s: float | None = None) -> subprocess.Popen:
    """`storelens run` in its own process group, as a service (systemd signals the whole group);
    ``health_every_s`` makes its cameras report more often, for a test that picks its moment."""
    setup = "" if health_every_s is None else f"import storelens.runner as r; r.HEALTH_EVERY_S = {health_every_s}; "
    command = [sys.executable, "-c", f"import sys; {setup}from storelens.cli import main; sys.exit(main())", "run"]
    return subprocess.Popen(
        [*command, str(config), "--db", f"sqlite:///{db_path}", "--start", T0.isoformat(), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )


def health(db_path: Path, camera_id: str) -> dict:
    """The camera's last health report ({} before there is one), read without opening the
    database as storelens would (that could race the run creating it)."""
    if not db_path.exists():
        return {}
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1) as con:
            row = con.execute("SELECT value FROM settings WHERE key = ?", (f"camera_health:{camera_id}",)).fetchone()
    except sqlite3.OperationalError:  # not created yet, or being written
        return {}
    return {} if row is None else json.loads(row[0])


def stop_when(run: subprocess.Popen, ready, group: bool = True) -> tuple[str, str]:
    """SIGTERM to the run's process group (or its main process) once ``ready()``; its output
    once it has exited."""
    deadline = time.monotonic() + WAIT_S
    while not ready():
        assert run.poll() is None, f"the run ended before it was stopped: {run.communicate()}"
        assert time.monotonic() < deadline, "no records within the time allowed"
        time.sleep(0.02)
    if group:
        os.killpg(run.pid, signal.SIGTERM)
    else:
        os.kill(run.pid, signal.SIGTERM)
    return run.communicate(timeout=WAIT_S)


def at_the_table(report: dict) -> bool:
    """The newest frame analysed is one where someone stands at the table, not near either end."""
    if not report.get("last_frame_ts"):
        return False
    frame = (datetime.fromisoformat(report["last_frame_ts"]) - T0).total_seconds() * FPS
    return any(first + 10 <= frame <= last - 30 for first, last in TABLE_TRUTH)


class FirstFrames(SourceBase):
    """The first ``n`` frames of a camera: what a run stopped after ``n`` frames had seen."""

    def __init__(self, source, n: int) -> None:
        super().__init__(source.camera_id)
        self.source, self.n = source, n
        self._fps, self._resolution_wh = source.nominal_fps, source.resolution_wh

    def _frames(self):
        for i, frame in enumerate(self.source):
            if i == self.n:
                return
            yield frame

    def _release(self) -> None:
        self.source.close()


def records(db) -> dict:
    points = db.positions(*ALL)
    return {
        "positions": sorted(zip(points.camera_id.tolist(), points.track_id.tolist(), points.ts_us.tolist())),
        "crossings": sorted(db.line_crossings(*ALL), key=repr),
        "zone_visits": sorted(db.zone_visits(*ALL), key=repr),
        "visits": sorted(db.visits(*ALL), key=repr),
    }


def test_sigterm_stores_what_a_run_of_the_frames_it_saw_stores(shared_data, tmp_path):
    db_path = tmp_path / "stopped.db"
    run = start_run(EXAMPLE, db_path, health_every_s=0.2)
    out, err = stop_when(run, lambda: at_the_table(health(db_path, "room")))
    assert run.returncode == 0, err
    assert "Traceback" not in err and "interrupted: stopping 1 cameras and saving what they tracked" in err
    summary, stored_in = out.strip().splitlines()
    frames = int(re.match(r"room: (\d+) frames", summary).group(1))
    assert 1 < frames < CLIP_FRAMES and stored_in == f"stored in sqlite:///{db_path}"

    config = load_config(EXAMPLE)

    def first_frames(camera_id, camera, start_time):
        return FirstFrames(open_source(camera.source, camera_id, camera.fps, start_time=start_time), frames)

    with open_store_database(config, f"sqlite:///{tmp_path / 'uninterrupted.db'}") as db:
        run_store(config, db, make_detector(threads=2), start_time=T0, open_camera=first_frames)
        expected = records(db)
    with open_store_database(config, f"sqlite:///{db_path}") as db:
        got = records(db)
    assert got == expected and got["positions"]
    closed_by_the_stop = T0 + timedelta(seconds=(frames - 1) / FPS - 1)
    assert [v.zone for v in got["zone_visits"] if v.exit_ts >= closed_by_the_stop] == ["table"]
    assert len([v for v in got["visits"] if v.end_ts >= closed_by_the_stop]) == 1


@pytest.mark.parametrize("group", [True, False], ids=["every process", "main process"])
def test_sigterm_stops_worker_processes_and_keeps_what_they_tracked(shared_data, tmp_path, group):
    """Two cameras in two worker processes, signalled as systemd does (every process of the
    service) or as ``kill PID`` does (the main one, which tells the workers)."""
    store = yaml.safe_load(EXAMPLE.read_text())
    room = store["cameras"].pop("room")
    room.update(source=str(shared_data / "one-by-one/one-by-one-person-detection.mp4"), analysis_fps=5)
    store["cameras"] = {"left": room, "right": room}
    config = tmp_path / "store.yaml"
    config.write_text(yaml.safe_dump(store))
    db_path = tmp_path / "store.db"
    run = start_run(config, db_path, "--processes", "2", "--threads", "1")
    out, err = stop_when(run, lambda: min(health(db_path, c).get("frames", 0) for c in ("left", "right")) > 1, group)
    assert run.returncode == 0, err
    assert "Traceback" not in err
    lines = out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["left", "right", "store", "stored in sqlite"]
    frames = {line.split(":")[0]: int(re.search(r": (\d+) frames", line).group(1)) for line in lines[:3]}
    assert 0 < frames["left"] < CLIP_FRAMES / 2 and 0 < frames["right"] < CLIP_FRAMES / 2
    with open_store_database(load_config(config), f"sqlite:///{db_path}") as db:
        got = records(db)
    assert got["positions"] and {p[0] for p in got["positions"]} == {"store"}
    visits = re.search(r"(\d+) visits", lines[2]).group(1)
    assert len(got["visits"]) == int(visits) > 0  # the ones open at the stop included
