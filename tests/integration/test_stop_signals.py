"""`storelens run` stopped by SIGTERM, as systemd stops it: it flushes and closes like Ctrl-C, on
recorded video and on a live camera (one that was down for the run's first minute, as after a power
cut)."""

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
from mjpeg_server import Clip, MjpegServer, free_port

from storelens.config import load_config
from storelens.detect import make_detector
from storelens.runner import open_store_database, run_store
from storelens.sources import open_source
from storelens.sources.base import SourceBase

pytestmark = pytest.mark.integration

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/one-by-one/store.yaml"
CLIP = "one-by-one/one-by-one-person-detection.mp4"
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
    summary, stored_in, counts = out.strip().splitlines()
    assert counts.startswith("counts: ") and " stats " in counts  # the command that shows what was stored
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
    room.update(source=str(shared_data / CLIP), analysis_fps=5)
    store["cameras"] = {"left": room, "right": room}
    config = tmp_path / "store.yaml"
    config.write_text(yaml.safe_dump(store))
    db_path = tmp_path / "store.db"
    run = start_run(config, db_path, "--processes", "2", "--threads", "1")
    out, err = stop_when(run, lambda: min(health(db_path, c).get("frames", 0) for c in ("left", "right")) > 1, group)
    assert run.returncode == 0, err
    assert "Traceback" not in err
    lines = out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["left", "right", "store", "stored in sqlite", "counts"]
    frames = {line.split(":")[0]: int(re.search(r": (\d+) frames", line).group(1)) for line in lines[:3]}
    assert 0 < frames["left"] < CLIP_FRAMES / 2 and 0 < frames["right"] < CLIP_FRAMES / 2
    with open_store_database(load_config(config), f"sqlite:///{db_path}") as db:
        got = records(db)
    assert got["positions"] and {p[0] for p in got["positions"]} == {"store"}
    visits = re.search(r"(\d+) visits", lines[2]).group(1)
    assert len(got["visits"]) == int(visits) > 0  # the ones open at the stop included


DOWN_S = 60.0
"""The live camera boots this long after the run starts: a power cut, the box up first."""
RETRY_S = (1, 2, 4, 8, 16, 30)
"""The run's waits between attempts to open a camera that is down (`LIVE_CAMERA_RETRY`)."""


def test_sigterm_on_a_live_camera_that_was_down_for_the_first_minute(shared_data, tmp_path):
    """The one-by-one clip as a 10 fps MJPEG camera that starts streaming a minute into the run:
    reported down meanwhile (the real waits, 1 s doubling to 30 s), back once frames flow, then
    stopped by SIGTERM while someone stands at the table: that open visit is closed and stored.
    Frames are analysed at 5 a second so that the run keeps up with the stream on a busy machine,
    and the newest frame analysed is the one the camera shows."""
    clip, port = Clip.load(shared_data / CLIP), free_port()
    url = f"http://127.0.0.1:{port}/stream.mjpg"
    store = yaml.safe_load(EXAMPLE.read_text())
    store["cameras"]["room"].update(source=url, analysis_fps=5)
    config = tmp_path / "store.yaml"
    config.write_text(yaml.safe_dump(store))
    db_path = tmp_path / "live.db"
    run = start_run(config, db_path, health_every_s=0.2)
    down_since, said_down = time.monotonic(), []
    while time.monotonic() - down_since < DOWN_S:
        assert run.poll() is None, f"the run ended while its camera was down: {run.communicate()}"
        error = health(db_path, "room").get("last_error")
        if error and error not in said_down:
            said_down.append(error)
        time.sleep(0.2)
    camera, stops = MjpegServer(port, clip), []

    def someone_at_the_table() -> bool:
        """Frames flow, positions are stored, and the newest frame analysed shows someone at the
        table (not near either end of their stay); notes the time, as SIGTERM follows at once."""
        report = health(db_path, "room")
        if report.get("last_error") is not None or not report.get("last_frame_ts") or not stored_positions():
            return False
        frame = camera.clip_frame(datetime.fromisoformat(report["last_frame_ts"]))
        if frame is None or not any(first + 20 <= frame <= last - 30 for first, last in TABLE_TRUTH):
            return False
        stops.append(datetime.now(timezone.utc))
        return True

    def stored_positions() -> int:
        try:
            with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=1) as con:
                return con.execute("SELECT count(*) FROM positions").fetchone()[0]
        except sqlite3.OperationalError:  # being written
            return 0

    try:
        out, err = stop_when(run, someone_at_the_table)
    finally:
        camera.stop()
    [stopped_at] = stops

    assert run.returncode == 0, err
    retrying = [re.fullmatch(rf"down: {url}: cannot open \(.*\); retrying in (\d+) s", e) for e in said_down]
    assert all(retrying), said_down
    waits = [int(m.group(1)) for m in retrying]  # each seen for seconds, but a poll may miss the short ones
    assert waits == sorted(waits) and {8, 16, 30} <= set(waits) <= set(RETRY_S), said_down
    assert "Traceback" not in err and "interrupted: stopping 1 cameras and saving what they tracked" in err
    down = f"camera room down: {url}: cannot open (unreachable, refused, busy, or not a video); retrying in 1 s"
    changes = [line for line in err.splitlines() if line.split(": ", 1)[-1].startswith("camera room ")]
    assert len(changes) == 2 and changes[0].endswith(down), err
    back_after_s = int(re.search(r"camera room back after (\d+) s$", changes[1]).group(1))
    assert DOWN_S / 2 < back_after_s < DOWN_S + max(RETRY_S) + 10, err  # 61 s unless the run starts slowly
    summary, *rest = out.strip().splitlines()
    assert f"stored in sqlite:///{db_path}" in rest
    frames, visits = re.fullmatch(r"room: (\d+) frames .* (\d+) visits, .*", summary).groups()

    final = health(db_path, "room")
    assert final["last_error"] is None and final["frames"] == int(frames) > 0
    with open_store_database(load_config(config), f"sqlite:///{db_path}") as db:
        got = records(db)
    assert got["positions"] and len(got["visits"]) == int(visits) > 0
    seen = [datetime.fromtimestamp(ts_us / 1e6, timezone.utc) for _, _, ts_us in got["positions"]]
    assert camera.started_at <= min(seen) and max(seen) <= stopped_at
    assert all(v.end_ts <= stopped_at for v in got["visits"])
    closed_by_the_stop = stopped_at - timedelta(seconds=3)
    assert len([v for v in got["visits"] if v.end_ts >= closed_by_the_stop]) == 1
    assert [v.zone for v in got["zone_visits"] if v.exit_ts >= closed_by_the_stop] == ["table"]
