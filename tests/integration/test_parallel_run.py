"""Cameras of a recorded store in worker processes: the same visitors as in threads, and errors
that reach the caller instead of hanging it."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from storelens.errors import SourceError, StorelensError
from storelens.fusion import STORE_CAMERA_ID
from storelens.runner import open_store_database, run_store
from storelens.sim.scenario import Scenario, make_scenario

START = datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc)  # a Wednesday's evening peak
ALL = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    return make_scenario(tmp_path_factory.mktemp("sim"), n_cameras=3, start=START, duration_s=90, seed=5)


def _records(scenario: Scenario, db_path: Path, processes: int) -> dict[str, object]:
    with open_store_database(scenario.config, f"sqlite:///{db_path}") as db:
        runs = scenario.run(db, processes=processes)
        points = db.positions(*ALL, camera_id=STORE_CAMERA_ID)
        return {
            "runs": [(r.camera_id, r.frames, r.tracks, r.first_ts, r.last_ts, r.interrupted) for r in runs],
            "crossings": db.line_crossings(*ALL),
            "zone_visits": db.zone_visits(*ALL),
            "positions": [points.camera_id, points.track_id, points.ts_us, points.floor_xy_m],
            "health": {c: (h.frames, h.last_frame_ts, h.last_error) for c, h in db.camera_health().items()},
        }


def test_processes_store_the_same_visitors_as_threads(scenario, tmp_path):
    threads = _records(scenario, tmp_path / "threads.db", processes=1)
    workers = _records(scenario, tmp_path / "processes.db", processes=2)
    assert threads["crossings"] and threads["zone_visits"]  # people came in and shopped
    for key in ("runs", "crossings", "zone_visits", "health"):
        assert workers[key] == threads[key], key
    for mine, theirs in zip(workers["positions"], threads["positions"], strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_a_camera_that_cannot_open_fails_the_run_by_name(scenario, tmp_path):
    def open_camera(camera_id, camera, start_time):
        if camera_id == "floor":
            raise SourceError("floor: cannot open /videos/floor.mp4 (no such file)")
        return scenario.open_camera(camera_id, camera, start_time)

    with open_store_database(scenario.config, f"sqlite:///{tmp_path / 'run.db'}") as db:
        with pytest.raises(SourceError, match=r"^floor: cannot open /videos/floor\.mp4 \(no such file\)$"):
            run_store(scenario.config, db, scenario.detector, open_camera=open_camera, live=False, processes=2)
        health = db.camera_health()
        stored = db.positions(*ALL, camera_id=STORE_CAMERA_ID)
    assert health["floor"].last_error.startswith("floor: cannot open")
    assert health["entrance"].last_error is None and health["entrance"].frames == scenario.log.n_frames
    assert len(stored) > 0  # the other cameras' visitors were kept


class DyingDetector:
    """The scenario's detector, whose process dies at the 20th frame of camera ``floor``."""

    def __init__(self, scenario: Scenario) -> None:
        self.detector, self.min_score = scenario.detector, scenario.detector.min_score

    def __call__(self, frame):
        if frame.camera_id == "floor" and frame.index == 20:
            os._exit(3)
        return self.detector(frame)


def test_a_worker_that_dies_is_an_error_not_a_hang(scenario, tmp_path):
    with open_store_database(scenario.config, f"sqlite:///{tmp_path / 'run.db'}") as db:
        with pytest.raises(StorelensError, match=r"camera .*floor.* ended unexpectedly \(exit code 3\)"):
            run_store(
                scenario.config,
                db,
                DyingDetector(scenario),
                open_camera=scenario.open_camera,
                live=False,
                processes=2,
            )
