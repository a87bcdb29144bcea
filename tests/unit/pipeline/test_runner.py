"""`run_store` wiring: every camera, floor mapping, analytics and storage, on a generated clip."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from factories import person_box
from room_store import write_clip, write_room

from storelens.detect.boxes import person_detections
from storelens.errors import ConfigError
from storelens.runner import open_store_database, run_store

N_FRAMES, FPS = 60, 10.0
T0 = datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc)
ALL = (datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))


class WalkerDetector:
    """One person walking left to right along image row 200 (the scripted 'detection')."""

    min_score = 0.1

    def __call__(self, frame):
        box = np.array([person_box(20 + 5 * frame.index, 200, height=80)], np.float32)
        return person_detections(frame, box, np.array([0.9]))


@pytest.fixture
def store(tmp_path):
    video = write_clip(tmp_path / "clip.avi", N_FRAMES, FPS)
    camera = {"source": str(video), "fps": FPS}
    config = write_room(tmp_path, {"door": camera, "aisle": camera})
    return config, f"sqlite:///{tmp_path / 'store.db'}"


def test_every_camera_is_tracked_and_the_fused_visitor_counted_once(store):
    config, url = store
    with open_store_database(config, url) as db:
        runs = run_store(config, db, WalkerDetector(), start_time=T0)
        crossings = db.line_crossings(*ALL)
        visits = db.zone_visits(*ALL)
        cameras = {c.camera_id for c in db.cameras()}
    assert [r.camera_id for r in runs] == ["door", "aisle", "store"] and sorted(cameras) == ["aisle", "door"]
    assert all(r.frames == N_FRAMES and r.tracks == 1 for r in runs[:2])
    assert runs[2].tracks == 1  # both cameras see the walker: one visitor
    # The walker goes from x = 0.35 m to 3.3 m along y = 0.4 m: in through the door line once,
    # through the shelf zone (1-2 m) for about 2 s, counted once for the store.
    assert [(c.camera_id, c.direction.value) for c in crossings] == [("store", "in")]
    assert [v.camera_id for v in visits] == ["store"]
    assert all(1.5 <= v.dwell_s <= 2.5 for v in visits)
    assert min(c.ts for c in crossings) >= T0


def test_each_camera_of_a_fused_store_has_its_own_heat_and_no_positions_of_its_own(store):
    """A camera's heatmap shows the store's visitors while that camera saw them; their positions are
    stored once, as the store's (the live floor plan and occupancy count each person once)."""
    config, url = store
    recent = datetime.now(timezone.utc) - timedelta(hours=1)  # within the positions' retention
    with open_store_database(config, url) as db:
        run_store(config, db, WalkerDetector(), start_time=recent)
        heat = {cam: db.heatmap(*ALL, camera_id=cam).dense().seconds.sum() for cam in ("door", "aisle", "store")}
        whole_store = db.heatmap(*ALL).dense().seconds.sum()  # no camera: the visitors, not their views too
        cameras_with_positions = set(db.positions(*ALL).camera_id.tolist())
    assert heat["store"] > 1.0 and whole_store == heat["store"]
    assert heat["door"] == pytest.approx(heat["store"], rel=0.05)
    assert heat["aisle"] == pytest.approx(heat["store"], rel=0.05)
    assert cameras_with_positions == {"store"}


def test_unknown_or_uncalibrated_cameras_are_refused_by_name(store):
    config, url = store
    with open_store_database(config, url) as db:
        with pytest.raises(ConfigError, match="unknown camera till; the config has door, aisle"):
            run_store(config, db, WalkerDetector(), cameras=["till"])
        bare = config.model_copy(
            update={"cameras": {"door": config.cameras["door"].model_copy(update={"calibration": None})}}
        )
        with pytest.raises(ConfigError, match="camera door has no calibration"):
            run_store(bare, db, WalkerDetector())


def test_each_camera_reports_its_health(store):
    config, url = store
    with open_store_database(config, url) as db:
        run_store(config, db, WalkerDetector(), start_time=T0)
        health = db.camera_health()
    assert sorted(health) == ["aisle", "door"]
    for report in health.values():
        assert report.frames == N_FRAMES and report.last_error is None and report.fps > 0
        assert report.last_frame_ts is not None and report.last_frame_ts > T0
