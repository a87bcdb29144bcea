from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import pytest

from storelens.errors import CalibrationError
from storelens.geometry import PinholeCamera, box_floor_points, load_opencv_cameras
from storelens.geometry.camera import LEAN_SHARE


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


def _leaning_box(cam: PinholeCamera, xy: np.ndarray, lean_share: float) -> np.ndarray:
    """A box whose bottom is at the feet and whose centre is ``lean_share`` of the way from the
    feet's image to the head's (a 1.7 m person), 60 px wide."""
    feet = cam.floor_to_image(xy)
    head = cam.floor_to_image(xy, height_m=1.7)
    cx = feet[:, 0] + lean_share * (head[:, 0] - feet[:, 0])
    return np.stack([cx - 30, head[:, 1], cx + 30, feet[:, 1]], axis=1)


def test_box_floor_points_take_out_the_lean_of_people_off_centre():
    cam = _camera(tilt_deg=40.0)
    xy = np.array([[-3.0, 4.0], [2.5, 3.5], [0.0, 6.0], [4.0, 8.0]])
    box = _leaning_box(cam, xy, LEAN_SHARE)
    floor, foot = box_floor_points(cam, box)
    np.testing.assert_allclose(floor, xy, atol=0.01)
    np.testing.assert_allclose(foot, cam.floor_to_image(xy), atol=2.0)  # pixels
    bottom_centre = cam.image_to_floor(np.stack([(box[:, 0] + box[:, 2]) / 2, box[:, 3]], axis=1))
    assert np.hypot(*(bottom_centre - xy)[[0, 1, 3]].T).min() > 0.1  # what the lean costs uncorrected


def test_box_floor_points_use_the_bottom_centre_without_a_camera_model():
    class Flat:
        def image_to_floor(self, points_px: np.ndarray) -> np.ndarray:
            return np.asarray(points_px, dtype=np.float64) / 100.0

    floor, foot = box_floor_points(Flat(), np.array([[100.0, 50.0, 140.0, 250.0]]))
    np.testing.assert_allclose(foot, [[120.0, 250.0]])
    np.testing.assert_allclose(floor, [[1.2, 2.5]])
    assert box_floor_points(Flat(), np.zeros((0, 4)))[0].shape == (0, 2)
