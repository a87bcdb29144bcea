"""Floor homography: fitting, round trips, the horizon, errors, and refusing degenerate landmarks."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np
import pytest

from storelens.errors import CalibrationError
from storelens.geometry import FloorMapper, HomographyCalibration, ReprojectionError

# A camera looking down at a floor at an angle: image (px) -> floor (m); floor y grows up the
# plan while image rows grow down, so the map mirrors, as real ones do.
TRUE_H = np.array([[0.02, 0.004, -6.0], [0.001, -0.03, 9.0], [0.0, 0.0008, 1.0]])
FLOOR_GRID_M = np.array([[x, y] for x in (-2.0, 0.0, 2.0, 4.0) for y in (1.0, 3.0, 5.0)])
NOISE_PX = 0.5
FIT_TOLERANCE = 1e-4
"""cv2.findHomography's solver is exact to about 1e-5 on noiseless points (px or m)."""


def to_image(floor_m: np.ndarray) -> np.ndarray:
    hom = np.concatenate([floor_m, np.ones((len(floor_m), 1))], axis=1) @ np.linalg.inv(TRUE_H).T
    return hom[:, :2] / hom[:, 2:]


def square_pairs() -> tuple[np.ndarray, np.ndarray]:
    floor = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
    return to_image(floor), floor


def test_fit_recovers_a_known_homography_and_round_trips() -> None:
    image = to_image(FLOOR_GRID_M)
    calib = HomographyCalibration.from_points(image, FLOOR_GRID_M)
    np.testing.assert_allclose(calib.H, TRUE_H, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(calib.image_to_floor(image), FLOOR_GRID_M, atol=FIT_TOLERANCE)
    probe_m = np.array([[0.5, 2.5], [3.3, 4.1], [-1.0, 1.5]])
    np.testing.assert_allclose(calib.image_to_floor(calib.floor_to_image(probe_m)), probe_m, atol=1e-9)
    for err in (calib.reprojection_error_m(), calib.reprojection_error_px()):
        assert err.count == len(FLOOR_GRID_M) and err.max < FIT_TOLERANCE


def test_is_a_floor_mapper() -> None:
    mapper: FloorMapper = HomographyCalibration.from_points(*square_pairs())
    assert mapper.image_to_floor(np.zeros((0, 2))).shape == (0, 2)


def test_noisy_clicks_show_in_the_reprojection_error() -> None:
    image = to_image(FLOOR_GRID_M) + np.random.default_rng(0).normal(0, NOISE_PX, (len(FLOOR_GRID_M), 2))
    calib = HomographyCalibration.from_points(image, FLOOR_GRID_M)
    err_px, err_m = calib.reprojection_error_px(), calib.reprojection_error_m()
    assert 0 < err_px.mean <= err_px.max < 4 * NOISE_PX
    assert 0 < err_m.mean <= err_m.max


def test_points_beyond_the_horizon_are_not_on_the_floor() -> None:
    calib = HomographyCalibration.from_points(to_image(FLOOR_GRID_M), FLOOR_GRID_M)
    # Image points where w = 0.0008 * y + 1 <= 0, i.e. y <= -1250 px, lie above the horizon.
    out = calib.image_to_floor(np.array([[100.0, -2000.0], [100.0, 100.0]]))
    assert np.isnan(out[0]).all() and np.isfinite(out[1]).all()


def test_reprojection_error_counts_a_missed_point_as_infinite() -> None:
    err = ReprojectionError.between(np.array([[0.0, 0.0], [np.nan, 0.0]]), np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert (err.count, err.mean, err.max) == (2, np.inf, np.inf)
    assert ReprojectionError.between(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0]])).mean == 5.0


IMAGE_4, FLOOR_4 = square_pairs()


@pytest.mark.parametrize(
    ("image_px", "floor_m", "expectation"),
    [
        (IMAGE_4, FLOOR_4, nullcontext()),
        (IMAGE_4[:3], FLOOR_4[:3], pytest.raises(CalibrationError, match="at least 4 point pairs, got 3")),
        (IMAGE_4, FLOOR_4[:3], pytest.raises(CalibrationError, match="image_px has 4 points but floor_m has 3")),
        (IMAGE_4[:, :1], FLOOR_4, pytest.raises(CalibrationError, match=r"expected shape \(n, 2\)")),
        (IMAGE_4, np.where(FLOOR_4 == 1.0, np.nan, FLOOR_4), pytest.raises(CalibrationError, match="NaN")),
        (
            np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 0.0], [0.0, 10.0]]),
            FLOOR_4,
            pytest.raises(CalibrationError, match="same point appears twice"),
        ),
        (
            np.array([[0.0, 0.0], [10.0, 10.0], [20.0, 20.0], [30.0, 30.0]]),
            FLOOR_4,
            pytest.raises(CalibrationError, match="image_px: 4 of the 4 points lie on one line"),
        ),
        (
            IMAGE_4,
            np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [1.0, 1.0]]),
            pytest.raises(CalibrationError, match="floor_m: 3 of the 4 points lie on one line"),
        ),
        (
            # Pairs scrambled so that no projective map of the floor fits them.
            IMAGE_4,
            FLOOR_4[[0, 2, 1, 3]],
            pytest.raises(CalibrationError, match="horizon|degenerate"),
        ),
    ],
    ids=["square", "three", "mismatched", "shape", "nan", "repeat", "collinear", "three-in-line", "scrambled"],
)
def test_unusable_landmarks_are_refused(
    image_px: np.ndarray, floor_m: np.ndarray, expectation: AbstractContextManager
) -> None:
    with expectation:
        HomographyCalibration.from_points(image_px, floor_m)
