"""Floor homography: image pixels <-> floor metres from four or more clicked landmarks.

A flat floor seen through a lens without strong distortion is a plane-to-plane projective
map of the image, fixed by 8 numbers. Four landmarks whose pixel and floor position are both
known (tile corners, taped marks) determine it; more landmarks average out clicking errors,
and how far the fit then misses each landmark (the reprojection error) says how much to
trust floor positions. Wide-angle lenses bend straight floor lines; use a full camera model
(:class:`~storelens.geometry.PinholeCamera`) for those.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import cv2
import numpy as np

from storelens.errors import CalibrationError

__all__ = ["MIN_POINTS", "HomographyCalibration", "ReprojectionError"]

logger = logging.getLogger(__name__)

MIN_POINTS = 4
"""A homography has 8 degrees of freedom; each point pair fixes 2."""

COLLINEAR_SPREAD_RATIO = 1e-3
"""A point this close to a line, as a share of the points' RMS spread, lies on it."""

MIN_CONDITION_RATIO = 1e-9
"""Smallest/largest singular value of the normalised homography below which it is degenerate."""

HORIZON_EPSILON = 1e-12
"""|w| below this (homogeneous scale, normalised matrix) is treated as on the horizon."""


@dataclass(frozen=True, slots=True)
class ReprojectionError:
    """How far a calibration puts known points from where they are.

    Attributes:
        mean: Mean distance over the points (metres or pixels, as the producer says).
        max: Largest distance: one badly clicked landmark shows here first.
        count: Number of points compared (NaN predictions count as misses and make both
            numbers infinite).
    """

    mean: float
    max: float
    count: int

    @classmethod
    def between(cls, predicted: np.ndarray, actual: np.ndarray) -> ReprojectionError:
        """Errors of (n, 2) ``predicted`` points against (n, 2) ``actual`` ones, same units."""
        dist = np.linalg.norm(np.asarray(predicted, np.float64) - np.asarray(actual, np.float64), axis=1)
        dist = np.where(np.isfinite(dist), dist, np.inf)
        if len(dist) == 0:
            return cls(mean=0.0, max=0.0, count=0)
        return cls(mean=float(dist.mean()), max=float(dist.max()), count=len(dist))


def _as_points(name: str, points: np.ndarray) -> np.ndarray:
    arr = np.asarray(points, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise CalibrationError(f"{name}: expected shape (n, 2), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise CalibrationError(f"{name}: contains NaN or infinite values")
    return arr


def _check_spread(name: str, points: np.ndarray) -> None:
    """Refuse point sets that fix no homography: repeats, or all but one point on one line.

    A homography needs four points with no three in line; such four exist unless a single
    line holds all the points but one.
    """
    unique = np.unique(points, axis=0)
    if len(unique) < len(points):
        raise CalibrationError(f"{name}: the same point appears twice; each pair needs its own landmark")
    n = len(points)
    centred = points - points.mean(axis=0)
    tolerance = COLLINEAR_SPREAD_RATIO * float(np.sqrt((centred**2).sum(axis=1).mean()))
    for i in range(n):
        direction = points[i + 1 :] - points[i]
        normals = np.stack([-direction[:, 1], direction[:, 0]], axis=1)
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        distances = np.abs((points - points[i]) @ normals.T)  # (n, pairs)
        on_line = (distances <= tolerance).sum(axis=0)
        if on_line.max(initial=0) >= n - 1:
            raise CalibrationError(
                f"{name}: {int(on_line.max())} of the {n} points lie on one line; a homography needs "
                "4 landmarks with no three in line, so spread them over the floor"
            )


def _apply(H: np.ndarray, points: np.ndarray, sign: float) -> np.ndarray:
    """Map (n, 2) points through H; NaN where the point lies beyond the horizon.

    ``sign`` is the sign the homogeneous scale w has for the calibration points: a point
    whose w has the other sign is on the far side of the horizon line (in the sky, or
    behind the camera), where the algebra still gives a number but no floor position exists.
    """
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    hom = np.concatenate([pts, np.ones((len(pts), 1))], axis=1) @ H.T
    w = hom[:, 2] * sign
    with np.errstate(divide="ignore", invalid="ignore"):
        out = hom[:, :2] / hom[:, 2:3]
    out[~(w > HORIZON_EPSILON)] = np.nan
    return out


@dataclass(frozen=True)
class HomographyCalibration:
    """A fitted floor homography, usable wherever a :class:`~storelens.geometry.FloorMapper` is.

    Build it with :meth:`from_points`.

    Attributes:
        H: (3, 3) float64 matrix mapping homogeneous image pixels to homogeneous floor metres,
            scaled so that ``H[2, 2] == 1`` when possible.
        image_px: (n, 2) float64 landmark pixels it was fitted to.
        floor_m: (n, 2) float64 landmark floor positions, metres.
    """

    H: np.ndarray
    image_px: np.ndarray = field(repr=False)
    floor_m: np.ndarray = field(repr=False)
    _H_inv: np.ndarray = field(init=False, repr=False)
    _sign: float = field(init=False, repr=False)
    _inv_sign: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        H = np.asarray(self.H, dtype=np.float64)
        if H.shape != (3, 3) or not np.isfinite(H).all():
            raise CalibrationError(f"homography: expected a finite (3, 3) matrix, got shape {H.shape}")
        singular = np.linalg.svd(H / np.linalg.norm(H), compute_uv=False)
        if singular[-1] / singular[0] < MIN_CONDITION_RATIO:
            raise CalibrationError("homography is degenerate (rank-deficient): the landmarks do not span the floor")
        object.__setattr__(self, "H", H)
        object.__setattr__(self, "_H_inv", np.linalg.inv(H))
        image_px = _as_points("image_px", self.image_px)
        floor_m = _as_points("floor_m", self.floor_m)
        object.__setattr__(self, "image_px", image_px)
        object.__setattr__(self, "floor_m", floor_m)
        object.__setattr__(self, "_sign", self._side("image_px", H, image_px))
        object.__setattr__(self, "_inv_sign", self._side("floor_m", self._H_inv, floor_m))

    @staticmethod
    def _side(name: str, H: np.ndarray, points: np.ndarray) -> float:
        """Sign of w for the landmarks, which must all be on one side of the horizon."""
        w = np.concatenate([points, np.ones((len(points), 1))], axis=1) @ H[2]
        if not ((w > 0).all() or (w < 0).all()):
            raise CalibrationError(
                f"{name}: landmarks lie on both sides of the horizon; some pairs are wrong "
                "(swapped x and y, or pixel and floor positions mixed up)"
            )
        return float(np.sign(w[0]))

    @classmethod
    def from_points(cls, image_px: np.ndarray, floor_m: np.ndarray) -> HomographyCalibration:
        """Fit the homography to landmark pairs by least squares over all of them.

        All points are used (no RANSAC): landmarks are few and placed by hand, so an outlier
        is a mistake the user should see in :meth:`reprojection_error_m`, not one to drop
        silently.

        Args:
            image_px: (n, 2) pixels of the landmarks in the (distorted) frame, n >= 4.
            floor_m: (n, 2) floor positions of the same landmarks, metres.

        Raises:
            CalibrationError: Wrong shapes, fewer than 4 pairs, repeated or collinear points,
                or a degenerate fit.
        """
        image = _as_points("image_px", image_px)
        floor = _as_points("floor_m", floor_m)
        if len(image) != len(floor):
            raise CalibrationError(f"image_px has {len(image)} points but floor_m has {len(floor)}")
        if len(image) < MIN_POINTS:
            raise CalibrationError(f"need at least {MIN_POINTS} point pairs, got {len(image)}")
        _check_spread("image_px", image)
        _check_spread("floor_m", floor)
        H, _ = cv2.findHomography(image, floor, 0)
        if H is None:
            raise CalibrationError("no homography fits these point pairs: three or more of them may lie on one line")
        if abs(H[2, 2]) > HORIZON_EPSILON:
            H = H / H[2, 2]
        calibration = cls(H=H, image_px=image, floor_m=floor)
        err = calibration.reprojection_error_m()
        logger.debug("homography from %d pairs: mean error %.3f m, max %.3f m", len(image), err.mean, err.max)
        return calibration

    def image_to_floor(self, points_px: np.ndarray) -> np.ndarray:
        """Floor position of each image point.

        Args:
            points_px: (n, 2) pixel coordinates.

        Returns:
            (n, 2) float64 floor coordinates in metres; NaN for points at or beyond the
            horizon (they are not on the floor).
        """
        return _apply(self.H, points_px, self._sign)

    def floor_to_image(self, floor_xy_m: np.ndarray) -> np.ndarray:
        """Pixel of each floor point: (n, 2) metres -> (n, 2) pixels; NaN behind the camera."""
        return _apply(self._H_inv, floor_xy_m, self._inv_sign)

    def reprojection_error_m(self) -> ReprojectionError:
        """How far the fit puts the landmark pixels from their floor positions, in metres."""
        return ReprojectionError.between(self.image_to_floor(self.image_px), self.floor_m)

    def reprojection_error_px(self) -> ReprojectionError:
        """How far the fit puts the landmark floor positions from their pixels, in pixels."""
        return ReprojectionError.between(self.floor_to_image(self.floor_m), self.image_px)
