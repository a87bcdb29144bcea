from __future__ import annotations

import numpy as np
import pytest

from storelens.eval import read_mot
from storelens.geometry import PinholeCamera, load_opencv_cameras
from storelens.sim.camera_view import BOX_WIDTH_PER_SHOULDER, SHOULDER_HEIGHT, Projector, view_people, visible_fraction
from storelens.sim.model import PeopleFrame, SimCamera

F, CX, CY = 800.0, 640.0, 360.0
HEIGHT_M, TILT_DEG = 3.0, 30.0


def _camera(dist: tuple[float, ...] = (0.0,) * 5) -> SimCamera:
    """1280x720 camera at (0, 0, 3 m) looking along +y, tilted 30 degrees down, no roll."""
    a = np.deg2rad(TILT_DEG)
    forward = np.array([0.0, np.cos(a), -np.sin(a)])
    right = np.array([1.0, 0.0, 0.0])
    R = np.stack([right, np.cross(forward, right), forward])
    K = np.array([[F, 0, CX], [0, F, CY], [0, 0, 1]])
    pinhole = PinholeCamera(K=K, dist=np.array(dist), R=R, t=-R @ [0.0, 0.0, HEIGHT_M])
    return SimCamera("cam", pinhole, 1280, 720, 10.0)


def _people(xy, height=1.7, width=0.5, ids=None) -> PeopleFrame:
    xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    n = len(xy)
    return PeopleFrame(
        index=0,
        t_s=0.0,
        person_id=np.arange(n) if ids is None else np.asarray(ids),
        xy_m=xy,
        height_m=np.full(n, height),
        width_m=np.full(n, width),
    )


def _pixel(point: np.ndarray) -> np.ndarray:
    """Hand-made pinhole projection of a world point (metres) through `_camera`."""
    cam = _camera().camera
    x, y, z = cam.R @ point + cam.t
    return np.array([F * x / z + CX, F * y / z + CY])


def test_person_straight_ahead_is_boxed_from_feet_to_head():
    view = view_people(_people([[0.0, 6.0]], width=0.5), _camera())
    feet, head = _pixel(np.array([0.0, 6.0, 0.0])), _pixel(np.array([0.0, 6.0, 1.7]))
    arm = 0.25 * BOX_WIDTH_PER_SHOULDER
    left, right = (
        _pixel(np.array([-arm, 6.0, 1.7 * SHOULDER_HEIGHT])),
        _pixel(np.array([arm, 6.0, 1.7 * SHOULDER_HEIGHT])),
    )
    np.testing.assert_allclose(view.xyxy_px[0], [left[0], head[1], right[0], feet[1]], rtol=1e-9)
    assert (left[0] + right[0]) / 2 == pytest.approx(CX)
    # the bottom centre is where the person stands, the pipeline's floor convention
    np.testing.assert_allclose(_camera().camera.image_to_floor([[CX, feet[1]]]), [[0.0, 6.0]], atol=1e-9)
    np.testing.assert_allclose(view.visible, [1.0])
    assert view.depth_m[0] == pytest.approx(6.0 * np.cos(np.deg2rad(TILT_DEG)) + 3.0 * np.sin(np.deg2rad(TILT_DEG)))


def test_lens_distortion_moves_boxes_like_the_calibration_does():
    cam = _camera(dist=(-0.2, 0.05, 0.0, 0.0, 0.0))
    view = view_people(_people([[2.0, 5.0]]), cam)
    foot = cam.camera.floor_to_image([[2.0, 5.0]])[0]
    assert view.xyxy_px[0, 3] == pytest.approx(foot[1], abs=1e-6)
    assert view.xyxy_px[0, 0] < foot[0] < view.xyxy_px[0, 2]


def test_people_behind_the_camera_or_out_of_the_picture_are_not_in_view():
    xy = [[0.0, 6.0], [0.0, -4.0], [30.0, 6.0], [0.0, 0.1]]
    view = view_people(_people(xy, ids=[10, 11, 12, 13]), _camera())
    assert view.person_id.tolist() == [10]


def test_people_crossing_the_image_edge_are_clipped_or_dropped():
    cam = _camera()
    xs = np.linspace(3.0, 8.0, 26)  # walking out of the right edge at 6 m
    people = _people(np.stack([xs, np.full_like(xs, 6.0)], axis=1))
    boxes, _, _ = Projector(cam).boxes(people.xy_m, people.height_m, people.width_m)
    inside = (np.minimum(boxes[:, 2], cam.width) - boxes[:, 0]) / (boxes[:, 2] - boxes[:, 0])
    view = view_people(people, cam)
    assert view.person_id.tolist() == np.nonzero(inside >= 0.5)[0].tolist()
    assert 0 < len(view) < len(xs)
    assert view.xyxy_px[:, 2].max() == cam.width


def test_a_person_behind_another_is_hidden():
    view = view_people(_people([[0.0, 4.0], [0.05, 6.0], [3.0, 6.0]], ids=[1, 2, 3]), _camera())
    by_id = dict(zip(view.person_id.tolist(), view.visible))
    assert by_id[1] == 1.0 and by_id[3] == 1.0
    assert by_id[2] < 0.5


def test_visible_fraction_multiplies_what_each_occluder_leaves():
    boxes = np.array([[0, 0, 10, 20], [0, 0, 10, 20], [0, 0, 20, 20], [30, 0, 40, 20]], dtype=float)
    visible = visible_fraction(boxes, np.array([1.0, 1.5, 2.0, 0.5]))
    # box 2 has the same half hidden twice; the product treats the two as independent: 1/2 * 1/2
    np.testing.assert_allclose(visible, [1.0, 0.0, 0.25, 1.0])


def test_pets09_ground_truth_positions_land_on_the_ground_truth_boxes(shared_data):
    """Real calibration: feet projected with our convention hit the annotated box bottoms."""
    seq = shared_data / "PETS09-S2L1"
    pinhole = load_opencv_cameras(seq / "calibration.json", world_unit_m=0.001)["View_001"]
    gt = read_mot(seq / "gt" / "gt.txt")
    boxes, _, usable = Projector(SimCamera("View_001", pinhole, 768, 576, 7.0)).boxes(
        gt.world_xy, np.full(len(gt), 1.75), np.full(len(gt), 0.5)
    )
    foot = np.stack([(boxes[:, 0] + boxes[:, 2]) / 2, boxes[:, 3]], axis=1)
    gt_foot = np.stack([gt.xywh[:, 0] + gt.xywh[:, 2] / 2, gt.xywh[:, 1] + gt.xywh[:, 3]], axis=1)
    assert usable.all()
    assert np.median(np.linalg.norm(foot - gt_foot, axis=1)) < 4.0
    height_ratio = (boxes[:, 3] - boxes[:, 1]) / gt.xywh[:, 3]
    assert 0.85 < np.median(height_ratio) < 1.15
