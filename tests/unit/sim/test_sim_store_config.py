"""The simulated store's config: storelens loads it, and it says what the simulation is."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from storelens.config import PinholeCalibrationConfig, load_config
from storelens.sim import build_store, write_store_config


@pytest.mark.parametrize("n_cameras", [2, 4, 8])
def test_written_config_loads_and_round_trips(tmp_path: Path, n_cameras: int):
    store = build_store(n_cameras)
    path = write_store_config(store, tmp_path / "sim")
    config = load_config(path)
    assert config.name == store.name and config.timezone == store.timezone
    assert [z.name for z in config.zones] == [z.name for z in store.zones]
    assert [str(z.kind) for z in config.zones] == [z.kind for z in store.zones]
    assert [line.name for line in config.lines] == [line.name for line in store.lines]
    assert {line.name: line.in_side for line in config.lines} == {line.name: line.in_side for line in store.lines}
    promo = next(z for z in config.zones if z.name == "promo")
    assert promo.categories and promo.min_dwell_s == 5.0
    np.testing.assert_allclose(config.floor_plan.outline, store.outline)
    fixtures = {f.name for f in config.floor_plan.fixtures}
    assert {"gondola_1", "counter", "promo_table", "back_room_wall_west"} <= fixtures
    assert not fixtures & {"front_wall_left", "front_wall_right"}  # outside the outline, which draws them
    assert config.opening_hours is not None and config.opening_hours.minutes(0) == [(9 * 60, 21 * 60)]
    assert set(config.cameras) == set(store.cameras)
    for cid, camera in config.cameras.items():
        assert camera.source == f"sim://{cid}" and camera.fps == 5
        calib = camera.calibration
        assert isinstance(calib, PinholeCalibrationConfig) and calib.world_unit_m == 1
        exact = store.cameras[cid].camera
        for name in ("K", "R", "t", "dist"):
            np.testing.assert_allclose(np.array(getattr(calib, name)), getattr(exact, name), atol=1e-8)


def test_floor_plan_image_is_to_scale(tmp_path: Path):
    store = build_store(4)
    config = load_config(write_store_config(store, tmp_path, source_for=lambda cid: f"videos/{cid}.mp4"))
    plan = config.floor_plan
    image = cv2.imread(str(plan.image))
    assert image is not None
    # The store's far corner (20, 14) lands inside the picture where the scale puts it.
    u = plan.origin_px[0] + 20.0 / plan.metres_per_pixel
    v = plan.origin_px[1] - 14.0 / plan.metres_per_pixel
    assert 0 <= u < image.shape[1] and 0 <= v < image.shape[0]
    assert image[int(v) + 1, int(u) - 1].tolist() == [0, 0, 0]  # the outline's black wall
    assert config.cameras["entrance"].source == str(tmp_path / "videos" / "entrance.mp4")
