"""Camera observations: validation, floor sigma, plausibility, coverage."""

from __future__ import annotations

import numpy as np
import pytest
from fusion_cases import looking_camera, ts

from storelens.fusion import (
    CameraObservations,
    apparent_height_m,
    cameras_covering,
    floor_coverage,
    floor_sigma_m,
    observations_from_tracks,
    pixels_per_metre,
)
from storelens.geometry.camera import LEAN_SHARE, PERSON_HEIGHT_M
from storelens.geometry.homography import HomographyCalibration
from storelens.types import Detections

CAM = looking_camera((0.0, 0.0, 3.0), (0.0, 6.0))


def _box(xy: tuple[float, float], height_m: float) -> list[float]:
    """Image box of a person ``height_m`` tall standing at floor point ``xy``, leaning in the
    image as upright people off the image centre do (`LEAN_SHARE`)."""
    foot = CAM.floor_to_image(np.array([xy]))[0]
    cx = foot[0] + LEAN_SHARE * (CAM.floor_to_image(np.array([xy]), PERSON_HEIGHT_M)[0, 0] - foot[0])
    h = height_m * pixels_per_metre(CAM, np.array([xy]))[0]
    return [cx - h / 6, foot[1] - h, cx + h / 6, foot[1]]


def _tracks(boxes: list[list[float]]) -> Detections:
    n = len(boxes)
    return Detections("cam", 0, ts(0), np.array(boxes), np.full(n, 0.9), np.zeros(n, np.int32), np.arange(1, n + 1))


def test_observations_validate_shapes_and_values():
    with pytest.raises(ValueError, match="positions"):
        CameraObservations("a", ts(0), np.array([1, 2]), np.zeros((1, 2)), np.ones(2))
    with pytest.raises(ValueError, match="positive"):
        CameraObservations("a", ts(0), np.array([1]), np.zeros((1, 2)), np.zeros(1))
    with pytest.raises(ValueError, match="twice"):
        CameraObservations("a", ts(0), np.array([1, 1]), np.zeros((2, 2)), np.ones(2))
    assert len(CameraObservations.empty("a", ts(0))) == 0


def test_sigma_grows_with_distance_and_pixel_error():
    feet = CAM.floor_to_image(np.array([[0.0, 3.0], [0.0, 6.0], [0.0, 12.0]]))
    sigma = floor_sigma_m(CAM, feet, 2.0)
    assert sigma[0] < sigma[1] < sigma[2]
    np.testing.assert_allclose(floor_sigma_m(CAM, feet, 4.0), 2 * sigma)
    # Any image-to-floor mapping will do: a homography gives the same answer on a flat floor.
    corners = np.array([[-2.0, 3.0], [2.0, 3.0], [3.0, 12.0], [-3.0, 12.0]])
    homography = HomographyCalibration.from_points(CAM.floor_to_image(corners), corners)
    np.testing.assert_allclose(floor_sigma_m(homography, feet, 2.0), sigma, rtol=1e-3)


def test_tracks_become_observations_and_cut_off_boxes_are_dropped():
    people = [(0.0, 4.0), (1.0, 7.0), (-1.0, 5.0)]
    boxes = [_box(people[0], 1.8), _box(people[1], 1.6), _box(people[2], 0.6)]  # the third: legs hidden
    np.testing.assert_allclose(apparent_height_m(CAM, boxes, people), [1.8, 1.6, 0.6], rtol=1e-6)
    obs = observations_from_tracks(_tracks(boxes), CAM)
    assert obs.track_id.tolist() == [1, 2]
    np.testing.assert_allclose(obs.xy_m, people[:2], atol=1e-3)
    assert (obs.sigma_m > 0).all() and obs.sigma_m[0] < obs.sigma_m[1]
    assert len(observations_from_tracks(_tracks(boxes), CAM, standing_m=None)) == 3


def test_a_box_cut_off_by_the_top_of_the_image_keeps_its_feet():
    steep = looking_camera((0.0, 0.0, 3.0), (0.0, 1.5))  # the top of its image is 3.5 m away
    person = np.array([[0.0, 3.0]])
    foot = steep.floor_to_image(person)[0]
    h = pixels_per_metre(steep, person)[0]
    cut = [foot[0] - 30, 0.0, foot[0] + 30, foot[1]]  # head above the frame
    assert apparent_height_m(steep, [cut], person)[0] < 1.0
    obs = observations_from_tracks(_tracks([cut]), steep)
    np.testing.assert_allclose(obs.xy_m, person, atol=1e-6)
    # As short but clear of the top edge: a person cut off by something in front.
    near = np.array([[0.0, 2.0]])
    foot, h = steep.floor_to_image(near)[0], pixels_per_metre(steep, near)[0]
    low = [foot[0] - 30, foot[1] - 0.6 * h, foot[0] + 30, foot[1]]
    assert low[1] > 0.15 * 0.6 * h
    assert len(observations_from_tracks(_tracks([low]), steep)) == 0


def test_coverage_is_the_floor_the_camera_sees():
    polygon = floor_coverage(CAM, 1280, 720)
    inside = np.array([[0.0, 6.0], [0.0, 3.0]])
    outside = np.array([[0.0, -2.0], [30.0, 6.0], [0.0, 200.0]])
    counts = cameras_covering(np.concatenate([inside, outside]), [polygon, polygon])
    assert counts.tolist() == [2, 2, 0, 0, 0]
