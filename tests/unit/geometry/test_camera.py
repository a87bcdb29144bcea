from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import pytest

from storelens.errors import CalibrationError
from storelens.geometry import PinholeCamera, load_opencv_cameras


def _camera(height_m: float = 3.0, tilt_deg: float = 30.0) -> PinholeCamera:
    """A camera at (0, 0, height) looking along +y, tilted down; world in metres."""
    a = np.deg2rad(tilt_deg)
    # camera axes in world: x right, y down, z forward
    forward = np.array([0.0, np.cos(a), -np.sin(a)])
    right = np.array([1.0, 0.0, 0.0])
    down = np.cross(forward, right)
    R = np.stack([right, down, forward])
    centre = np.array([0.0, 0.0, height_m])
    K = np.array([[800.0, 0, 640], [0, 800.0, 360], [0, 0, 1]])
    return PinholeCamera(K=K, dist=np.array([-0.1, 0.01, 0, 0, 0]), R=R, t=-R @ centre)


def test_floor_to_image_and_back_round_trips():
    cam = _camera()
    floor = np.array([[0.0, 5.0], [-2.0, 8.0], [1.5, 3.0]])
    np.testing.assert_allclose(cam.image_to_floor(cam.floor_to_image(floor)), floor, atol=1e-6)


def test_points_above_the_horizon_are_not_on_the_floor():
    cam = _camera(tilt_deg=5.0)
    assert np.isnan(cam.image_to_floor(np.array([[640.0, 0.0]]))).all()


@pytest.mark.parametrize(
    ("t", "expectation"),
    [
        ([0.0, 0.0, 3.0], pytest.raises(CalibrationError, match="above the floor")),
        ([0.0, 0.0], pytest.raises(CalibrationError, match="t: expected shape")),
        ([0.0, 3.0, 0.0], nullcontext()),
    ],
)
def test_bad_pose_is_refused(t, expectation):
    with expectation:
        PinholeCamera(K=np.eye(3), dist=np.zeros(5), R=np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]]), t=t)


def test_missing_calibration_file_names_the_path(tmp_path):
    with pytest.raises(CalibrationError, match="nope.json"):
        load_opencv_cameras(tmp_path / "nope.json")


def test_pets09_feet_land_on_the_ground_truth_floor_positions(shared_data):
    """Ground-truth boxes' foot points, mapped through View_001, vs the annotated world positions."""
    seq = shared_data / "PETS09-S2L1"
    cam = load_opencv_cameras(seq / "calibration.json", world_unit_m=0.001)["View_001"]
    gt = np.loadtxt(seq / "gt/gt.txt", delimiter=",")
    feet = np.stack([gt[:, 2] + gt[:, 4] / 2, gt[:, 3] + gt[:, 5]], axis=1)
    err = np.linalg.norm(cam.image_to_floor(feet) - gt[:, 7:9], axis=1)
    assert np.median(err) <= 0.25
