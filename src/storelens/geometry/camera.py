"""Calibrated pinhole cameras: image pixels <-> floor metres.

A person's foot point (bottom centre of their box) is where they stand. With the camera's
intrinsics, lens distortion and pose, that pixel is a ray from the camera centre; where the ray
meets the floor (z = 0) is the person's floor position in metres. Distances, speeds and zones
are then measured in the store's own units, the same for a shopper near the lens and one at the
back of the shop.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from storelens.errors import CalibrationError

__all__ = ["FloorMapper", "PinholeCamera", "load_opencv_cameras"]


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

    def __post_init__(self) -> None:
        for name, shape in (("K", (3, 3)), ("R", (3, 3)), ("t", (3,))):
            value = np.asarray(getattr(self, name), dtype=np.float64)
            if value.shape != shape:
                raise CalibrationError(f"camera {name}: expected shape {shape}, got {value.shape}")
            object.__setattr__(self, name, value)
        object.__setattr__(self, "dist", np.asarray(self.dist, dtype=np.float64).ravel())
        object.__setattr__(self, "_centre", -self.R.T @ self.t)
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

    def floor_to_image(self, floor_xy_m: np.ndarray) -> np.ndarray:
        """(n, 2) floor metres -> (n, 2) pixels in the distorted image."""
        xy = np.asarray(floor_xy_m, dtype=np.float64).reshape(-1, 2) / self.world_unit_m
        if len(xy) == 0:
            return np.zeros((0, 2))
        world = np.concatenate([xy, np.zeros((len(xy), 1))], axis=1)
        rvec, _ = cv2.Rodrigues(self.R)
        px, _ = cv2.projectPoints(world, rvec, self.t, self.K, self.dist)
        return px.reshape(-1, 2)


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
