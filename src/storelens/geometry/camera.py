"""Calibrated pinhole cameras: image pixels <-> floor metres.

A person's foot point is where they stand. With the camera's intrinsics, lens distortion and
pose, that pixel is a ray from the camera centre; where the ray meets the floor (z = 0) is the
person's floor position in metres. Distances, speeds and zones are then measured in the store's
own units, the same for a shopper near the lens and one at the back of the shop.

The foot point is not the bottom centre of the person's box. A tilted wide-angle camera sees
upright people lean away from the image centre: their head is tens of pixels to the side of
their feet, and the box's centre lies between the two. `box_floor_points` takes the lean out
(`LEAN_SHARE`); on Wildtrack's annotated boxes that cuts the floor error of the box bottom
centre from 0.07-0.12 m to 0.01-0.05 m in six of the seven views (docs/benchmarks.md).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from storelens.errors import CalibrationError

__all__ = ["LEAN_SHARE", "FloorMapper", "PinholeCamera", "box_floor_points", "load_opencv_cameras"]

LEAN_SHARE = 0.6
"""Where a standing person's box centre lies between the image of their feet (0) and of the top
of their head (1), horizontally. Measured on Wildtrack's annotated boxes against its ground
positions: 0.58-0.63 in each of the seven views."""

PERSON_HEIGHT_M = 1.7
"""Height of the person whose lean is taken out (the lean scales with it; 10 cm is ~6 %)."""

_LEAN_ITERATIONS = 2
"""Fixed-point steps of `box_floor_points`; the lean barely changes over the few centimetres the
first step moves the point, so the second leaves it within a small fraction of a pixel."""


class FloorMapper(Protocol):
    """Anything that maps image points to floor positions (a full camera model or a homography)."""

    def image_to_floor(self, points_px: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class PinholeCamera:
    """OpenCV camera model: ``x_px ~ K * distort(R * X_world + t)``.

    Attributes:
        K: (3, 3) intrinsic matrix, pixels.
        dist: (k,) OpenCV distortion coefficients (k1, k2, p1, p2[, k3...]).
        R: (3, 3) rotation world -> camera.
        t: (3,) translation world -> camera, in world units.
        world_unit_m: Metres per world unit (0.001 when the calibration is in millimetres).
    """

    K: np.ndarray
    dist: np.ndarray
    R: np.ndarray
    t: np.ndarray
    world_unit_m: float = 1.0
    _centre: np.ndarray = field(init=False, repr=False)
    _rvec: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        for name, shape in (("K", (3, 3)), ("R", (3, 3)), ("t", (3,))):
            value = np.asarray(getattr(self, name), dtype=np.float64)
            if value.shape != shape:
                raise CalibrationError(f"camera {name}: expected shape {shape}, got {value.shape}")
            object.__setattr__(self, name, value)
        object.__setattr__(self, "dist", np.asarray(self.dist, dtype=np.float64).ravel())
        object.__setattr__(self, "_centre", -self.R.T @ self.t)
        object.__setattr__(self, "_rvec", cv2.Rodrigues(self.R)[0])
        if self._centre[2] <= 0:
            raise CalibrationError("camera centre is not above the floor (z <= 0): check R and t")

    def image_to_floor(self, points_px: np.ndarray) -> np.ndarray:
        """Floor position (x, y) in metres of each image point; NaN where the ray misses the floor.

        Args:
            points_px: (n, 2) pixel coordinates (distorted, as in the video frame).

        Returns:
            (n, 2) float64 floor coordinates in metres.
        """
        pts = np.asarray(points_px, dtype=np.float64).reshape(-1, 1, 2)
        if len(pts) == 0:
            return np.zeros((0, 2))
        norm = cv2.undistortPoints(pts, self.K, self.dist).reshape(-1, 2)
        rays = np.concatenate([norm, np.ones((len(norm), 1))], axis=1) @ self.R  # = (R.T @ d).T
        with np.errstate(divide="ignore", invalid="ignore"):
            s = -self._centre[2] / rays[:, 2]
        floor = self._centre[None, :2] + s[:, None] * rays[:, :2]
        floor[~(s > 0)] = np.nan
        return floor * self.world_unit_m

    def floor_to_image(self, floor_xy_m: np.ndarray, height_m: float = 0.0) -> np.ndarray:
        """(n, 2) floor metres -> (n, 2) pixels in the distorted image of the points ``height_m``
        above them."""
        xy = np.asarray(floor_xy_m, dtype=np.float64).reshape(-1, 2)
        return self.world_to_image(np.concatenate([xy, np.full((len(xy), 1), height_m)], axis=1))

    def world_to_image(self, xyz_m: np.ndarray) -> np.ndarray:
        """(n, 3) points in metres (z up from the floor) -> (n, 2) pixels in the distorted image."""
        world = np.asarray(xyz_m, dtype=np.float64).reshape(-1, 3) / self.world_unit_m
        if len(world) == 0:
            return np.zeros((0, 2))
        px, _ = cv2.projectPoints(world, self._rvec, self.t, self.K, self.dist)
        return px.reshape(-1, 2)


def box_floor_points(mapper: FloorMapper, xyxy_px: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the person in each box stands: floor metres, and the image point of their feet.

    The feet are on the box's bottom edge, at the box centre less `LEAN_SHARE` of the person's
    image lean (head minus feet, across, for a `PERSON_HEIGHT_M` person standing there).
    Only a full camera model knows the lean; with any other mapper (a floor homography) the
    bottom centre is used.

    Args:
        mapper: The camera's image-to-floor mapping.
        xyxy_px: (n, 4) person boxes.

    Returns:
        (n, 2) floor positions (NaN where the ray misses the floor) and (n, 2) foot pixels.
    """
    b = np.asarray(xyxy_px, dtype=np.float64).reshape(-1, 4)
    centre_x = (b[:, 0] + b[:, 2]) / 2
    foot = np.stack([centre_x, b[:, 3]], axis=1)
    floor = mapper.image_to_floor(foot) if len(b) else np.zeros((0, 2))
    if not isinstance(mapper, PinholeCamera) or not len(b):
        return floor, foot
    for _ in range(_LEAN_ITERATIONS):
        ok = np.isfinite(floor).all(axis=1)
        if not ok.any():
            break
        n = int(ok.sum())
        ends = np.zeros((2 * n, 3))  # feet, then heads: one projection call
        ends[:n, :2] = ends[n:, :2] = floor[ok]
        ends[n:, 2] = PERSON_HEIGHT_M
        px = mapper.world_to_image(ends)
        foot[ok, 0] = centre_x[ok] - LEAN_SHARE * (px[n:, 0] - px[:n, 0])
        floor[ok] = mapper.image_to_floor(foot[ok])
    return floor, foot


def load_opencv_cameras(path: str | Path, world_unit_m: float = 1.0) -> dict[str, PinholeCamera]:
    """Read ``{view: {"K": 3x3, "dist": [...], "R": 3x3, "t": [3]}}`` JSON (OpenCV conventions).

    Raises:
        CalibrationError: The file is missing, not JSON, or a view lacks a field.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise CalibrationError(f"{path}: calibration file not found") from None
    except (OSError, ValueError) as err:
        raise CalibrationError(f"{path}: cannot read calibration JSON: {err}") from None
    cameras = {}
    for view, fields in data.items():
        missing = {"K", "dist", "R", "t"} - set(fields)
        if missing:
            raise CalibrationError(f"{path}: view {view!r} lacks {', '.join(sorted(missing))}")
        cameras[view] = PinholeCamera(
            K=fields["K"], dist=fields["dist"], R=fields["R"], t=fields["t"], world_unit_m=world_unit_m
        )
    return cameras
