"""`run_store` keeps live cameras that are down: retried, reported down, and nothing lost or stalled."""

from __future__ import annotations

import _thread
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone

import numpy as np
from factories import person_box
from mjpeg_server import MjpegServer, free_port
from room_store import write_room

from storelens.detect.boxes import person_detections
from storelens.errors import SourceError
from storelens.runner import open_store_database, run_store
from storelens.sources import ReconnectPolicy
from storelens.sources.base import SourceBase
from storelens.types import Frame

N_FRAMES, FPS = 60, 10.0
T0 = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=1)  # within every retention
ALL = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
FAST = ReconnectPolicy(initial_delay_s=0.02, max_delay_s=0.1, open_timeout_s=2, read_timeout_s=1)
IMAGE = np.zeros((240, 320, 3), np.uint8)
WAIT_S = 30.0


class WalkerDetector:
    """One person walking left to right along image row 200; counts the frames it is given."""

    min_score = 0.1

    def __init__(self) -> None:
        self.indices: list[int] = []

    def __call__(self, frame):
        self.indices.append(frame.index)
        box = np.array([person_box(20 + 5 * frame.index, 200, height=80)], np.float32)
        return person_detections(frame, box, np.array([0.9]))


class RecordedLive(SourceBase):
    """A live camera replaying ``n`` frames of stream time from T0, so runs can be compared."""

    _live = True

    def __init__(self, camera_id: str, n: int = N_FRAMES) -> None:
        super().__init__(camera_id)
        self.n = n
        self.done = threading.Event()

    def _frames(self) -> Iterator[Frame]:
        for i in range(self.n):
            if self._closed.is_set():
                return
            yield self._frame(i, T0 + timedelta(seconds=i / FPS), IMAGE)
        self.done.set()

    def _release(self) -> None:
        pass


def write_store(tmp_path, sources: dict[str, str]):
    return write_room(tmp_path, {cid: {"source": src} for cid, src in sources.items()}, name="Live shop")


def records(db) -> dict:
    """Everything a run stored, without the run's id."""
    points = db.positions(*ALL)
    return {
        "positions": sorted(zip(points.camera_id.tolist(), points.track_id.tolist(), points.ts_us.tolist())),
        "crossings": sorted(db.line_crossings(*ALL), key=repr),
        "zone_visits": sorted(db.zone_visits(*ALL), key=repr),
        "visits": sorted(db.visits(*ALL), key=repr),
    }


def health_log(db) -> list[tuple[str, str | None]]:
    """Every health report the run sends to ``db`` from now on, in order: (camera, last_error)."""
    sent = []
    write = db.set_camera_health

    def spy(health):
        sent.append((health.camera_id, health.last_error))
        write(health)

    db.set_camera_health = spy
    return sent


def unreachable(camera) -> SourceError:
    return SourceError(f"{camera.source}: cannot open (unreachable, refused, busy, or not a video)")


def supervision_log(caplog) -> list[str]:
    """What the supervisor said, with the seconds of "back after N s" left out."""
    said = [r.getMessage() for r in caplog.records if r.name == "storelens.sources.supervised"]
    return [re.sub(r"back after \d+ s$", "back after N s", message) for message in said]


def stop_run_when(ready: Callable[[], bool]) -> list[str]:
    """Ctrl-C the run (as a user or SIGTERM would) once ``ready()``; after a timeout, stop it
    anyway and say so in the returned list, for the test to fail on after the run."""
    problems: list[str] = []

    def watch() -> None:
        deadline = time.monotonic() + WAIT_S
        while not ready():
            if time.monotonic() > deadline:
                problems.append("timed out waiting for the run")
                break
            time.sleep(0.02)
        _thread.interrupt_main()

    threading.Thread(target=watch, daemon=True).start()
    return problems


def test_a_camera_down_at_start_stores_what_a_fault_free_run_stores(tmp_path, caplog):
    config = write_store(tmp_path, {"door": "rtsp://door.invalid/stream1"})
    stored = {}
    for failures in (0, 3):
        attempts = []

        def open_camera(camera_id, camera, start_time):
            attempts.append(camera_id)
            if len(attempts) <= failures:
                raise unreachable(camera)
            return RecordedLive(camera_id)

        with open_store_database(config, f"sqlite:///{tmp_path / f'{failures}.db'}") as db:
            sent = health_log(db)
            with caplog.at_level(logging.INFO):
                run_store(config, db, WalkerDetector(), open_camera=open_camera, reconnect=FAST)
            stored[failures] = records(db)
            final = db.camera_health()["door"]
    assert stored[3] == stored[0] and stored[0]["visits"] and stored[0]["crossings"]
    down = "down: rtsp://door.invalid/stream1: cannot open (unreachable, refused, busy, or not a video); retrying in"
    errors = [error for _, error in sent]
    assert [f"{down} {s:g} s" for s in (0.02, 0.04, 0.08)] == errors[:3] and None in errors[3:]
    assert final.last_error is None and final.frames == N_FRAMES
    assert supervision_log(caplog) == [f"camera door {down} 0.02 s", "camera door back after N s"]


def test_a_store_goes_on_while_one_camera_is_down(tmp_path):
    """The door camera's visitor is fused, analysed and written while the aisle camera cannot be
    opened; stopped, the store holds what it would with an aisle camera that saw nothing."""
    config = write_store(tmp_path, {"door": "rtsp://door.invalid/s", "aisle": "rtsp://aisle.invalid/s"})
    with open_store_database(config, f"sqlite:///{tmp_path / 'blind-aisle.db'}") as db:

        def blind_aisle(camera_id, camera, start_time):
            return RecordedLive(camera_id, N_FRAMES if camera_id == "door" else 0)

        fault_free = run_store(config, db, WalkerDetector(), open_camera=blind_aisle, reconnect=FAST)
        expected = records(db)
    door = RecordedLive("door")

    def aisle_down(camera_id, camera, start_time):
        if camera_id == "aisle":
            raise unreachable(camera)
        return door

    with open_store_database(config, f"sqlite:///{tmp_path / 'aisle-down.db'}") as db:
        sent = health_log(db)
        problems = stop_run_when(lambda: door.done.is_set() and len(db.positions(*ALL)) > 0)
        runs = run_store(config, db, WalkerDetector(), open_camera=aisle_down, reconnect=FAST)
        got = records(db)
    assert not problems
    assert got == expected and expected["visits"]
    assert [(r.camera_id, r.frames) for r in runs] == [(r.camera_id, r.frames) for r in fault_free]
    assert [r.frames for r in runs[:2]] == [N_FRAMES, 0]
    aisle = [error for camera, error in sent if camera == "aisle"]
    assert len(aisle) >= 3 and all(e.startswith("down: rtsp://aisle.invalid/s: cannot open") for e in aisle[:-1])


def test_a_real_stream_down_at_start_then_dropped_is_retried_and_reported(tmp_path, caplog):
    """Against a local MJPEG camera: not listening at start, plugged in, then rebooted mid-run."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/stream.mjpg"
    config = write_store(tmp_path, {"till": url})
    detector = WalkerDetector()
    servers: list[MjpegServer] = []

    def dropped_after_frames(errors: list[str | None]) -> bool:
        return None in errors and any(e is not None for e in errors[errors.index(None) :])

    with open_store_database(config, f"sqlite:///{tmp_path / 'till.db'}") as db:
        sent = health_log(db)
        errors = lambda: [e for _, e in sent]  # noqa: E731
        steps = [  # (when, then what)
            (lambda: len(sent) >= 2, lambda: servers.append(MjpegServer(port))),  # down twice: plug it in
            (lambda: len(detector.indices) >= 10, lambda: servers[-1].stop()),  # frames flow: reboot it
            (lambda: dropped_after_frames(errors()), lambda: servers.append(MjpegServer(port))),
            (lambda: len(detector.indices) >= 30 and errors()[-1] is None, None),  # back: stop the run
        ]

        def ready() -> bool:
            when, then = steps[0]
            if when() and then is not None:
                then()
                steps.pop(0)
                return False
            return when() and then is None

        problems = stop_run_when(ready)
        with caplog.at_level(logging.WARNING):
            [run] = run_store(config, db, detector, reconnect=FAST)
    for server in servers:
        if not server.stopping.is_set():
            server.stop()
    assert not problems
    assert run.frames == len(detector.indices) >= 30 and run.interrupted
    assert detector.indices == sorted(set(detector.indices))  # one numbering across reopenings
    first, drop = errors()[0], next(e for e in errors()[errors().index(None) :] if e is not None)
    assert first.startswith(f"down: {url}: cannot open") and first.endswith("retrying in 0.02 s")
    assert drop.startswith(f"down: {url}: stream read failed at frame") and drop.endswith("retrying in 0.02 s")
    said = [message.split(":")[0] for message in supervision_log(caplog)]
    assert said == ["camera till down", "camera till back after N s"] * 2
    assert not [r for r in caplog.records if r.name == "storelens.sources.live"]  # said once, by the supervisor
