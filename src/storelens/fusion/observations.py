"""What each camera hands the store fusion: its tracked people on the floor, with how sure it is.

A camera's floor position of a person is only as good as its foot point: one pixel near the
lens is a centimetre on the floor, one pixel at the back of the shop can be half a metre. Each
observation therefore carries ``sigma_m``, the floor distance its likely foot-point error maps
to, so that fusion weighs a close camera over a distant one and gates matches by what each
camera can actually tell apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from storelens.geometry.camera import FloorMapper, PinholeCamera, box_floor_points
from storelens.types import Detections

__all__ = [
    "CameraObservations",
    "apparent_height_m",
    "floor_sigma_m",
    "foot_error_px",
    "observations_from_tracks",
    "pixels_per_metre",
]

FOOT_ERROR_SHARE = 0.04
"""Typical foot-point error as a share of the box height: boxes wobble with the legs and the
detector's idea of where the shoes end."""

MIN_FOOT_ERROR_PX = 2.0
"""Floor under the foot-point error, pixels: box edges are never exact."""

STANDING_HEIGHT_M = (1.0, 2.3)
"""Heights a box may show for its bottom to be taken as feet on the floor: shorter boxes are
mostly people cut off by something in front of them (their "foot point" is their waist) or
false detections, and land metres from where anyone stands."""

TOP_CUT_SHARE = 0.15
"""A box whose top edge is this close to the image's top edge (share of the box's height) may be
a person whose head is cut off by the frame: its bottom edge is still their feet, and its height
only a lower bound, so only the upper limit of ``standing_m`` applies to it. (Tracked boxes are
smoothed, so a cut box's top wanders a few pixels either side of the edge.)"""

_STEP_PX = 0.5
"""Half-step of the finite differences that measure metres per pixel."""


@dataclass(frozen=True, slots=True)
class CameraObservations:
    """One camera's tracked people at one analysed frame (columnar, one row per person).

    Attributes:
        camera_id: The camera.
        ts: Capture time, UTC.
        track_id: (n,) int64 identity within the camera (its tracker's id).
        xy_m: (n, 2) float64 floor position, metres.
        sigma_m: (n,) float64 standard error of that position, metres (see `floor_sigma_m`).
        appearance: (n, d) float32 appearance descriptor, or None. Only a tie-breaker.
    """

    camera_id: str
    ts: datetime
    track_id: np.ndarray
    xy_m: np.ndarray
    sigma_m: np.ndarray
    appearance: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "track_id", np.asarray(self.track_id, dtype=np.int64).reshape(-1))
        object.__setattr__(self, "xy_m", np.asarray(self.xy_m, dtype=np.float64).reshape(-1, 2))
        object.__setattr__(self, "sigma_m", np.asarray(self.sigma_m, dtype=np.float64).reshape(-1))
        n = len(self.track_id)
        if len(self.xy_m) != n or len(self.sigma_m) != n:
            raise ValueError(
                f"CameraObservations: {n} track ids, {len(self.xy_m)} positions, {len(self.sigma_m)} sigmas"
            )
        if not (np.isfinite(self.xy_m).all() and (self.sigma_m > 0).all()):
            raise ValueError("CameraObservations: positions must be finite and sigmas positive")
        if len(np.unique(self.track_id)) != n:
            raise ValueError("CameraObservations: a track id occurs twice in one frame")
        if self.appearance is not None:
            app = np.asarray(self.appearance, dtype=np.float32)
            if app.ndim != 2 or len(app) != n:
                raise ValueError(f"CameraObservations.appearance: expected ({n}, d), got {app.shape}")
            object.__setattr__(self, "appearance", app)

    def __len__(self) -> int:
        return len(self.track_id)

    @classmethod
    def empty(cls, camera_id: str, ts: datetime) -> CameraObservations:
        """A frame in which the camera saw nobody (still worth pushing: it moves the camera's clock)."""
        return cls(camera_id, ts, np.zeros(0, np.int64), np.zeros((0, 2)), np.zeros(0))


def foot_error_px(
    xyxy_px: np.ndarray, share: float = FOOT_ERROR_SHARE, min_px: float = MIN_FOOT_ERROR_PX
) -> np.ndarray:
    """(n,) likely foot-point error of each box, pixels: a share of its height, at least ``min_px``."""
    b = np.asarray(xyxy_px, dtype=np.float64).reshape(-1, 4)
    return np.maximum(share * (b[:, 3] - b[:, 1]), min_px)


def floor_sigma_m(mapper: FloorMapper, foot_px: np.ndarray, error_px: np.ndarray | float) -> np.ndarray:
    """(n,) floor error, metres, of foot points known to ``error_px`` pixels.

    The image-to-floor Jacobian at each foot point (central differences, so any `FloorMapper`
    works: full camera model or homography) gives metres per pixel. The error ellipse is long
    along the line of sight and narrow across it; the sigma returned is the isotropic one with
    the same mean squared error (the RMS of the Jacobian's singular values). NaN where the point
    is off the floor.
    """
    p = np.asarray(foot_px, dtype=np.float64).reshape(-1, 2)
    n = len(p)
    if n == 0:
        return np.zeros(0)
    steps = np.array([[_STEP_PX, 0.0], [-_STEP_PX, 0.0], [0.0, _STEP_PX], [0.0, -_STEP_PX]])
    floor = mapper.image_to_floor((p[None, :, :] + steps[:, None, :]).reshape(-1, 2)).reshape(4, n, 2)
    jx = (floor[0] - floor[1]) / (2 * _STEP_PX)  # d floor / d u, (n, 2)
    jy = (floor[2] - floor[3]) / (2 * _STEP_PX)  # d floor / d v
    rms = np.sqrt(((jx**2).sum(axis=1) + (jy**2).sum(axis=1)) / 2)
    return rms * np.asarray(error_px, dtype=np.float64)


def pixels_per_metre(camera: PinholeCamera, floor_xy_m: np.ndarray) -> np.ndarray:
    """(n,) image length, pixels, of a one-metre upright pole standing at each floor point."""
    xy = np.asarray(floor_xy_m, dtype=np.float64).reshape(-1, 2)
    if len(xy) == 0:
        return np.zeros(0)
    pole = np.concatenate([np.repeat(xy, 2, axis=0), np.tile([[0.0], [1.0]], (len(xy), 1))], axis=1)
    px = camera.world_to_image(pole).reshape(-1, 2, 2)
    return np.hypot(px[:, 0, 0] - px[:, 1, 0], px[:, 0, 1] - px[:, 1, 1])


def apparent_height_m(camera: PinholeCamera, xyxy_px: np.ndarray, floor_xy_m: np.ndarray) -> np.ndarray:
    """(n,) height in metres of a person standing at ``floor_xy_m`` whose box is ``xyxy_px``."""
    b = np.asarray(xyxy_px, dtype=np.float64).reshape(-1, 4)
    return (b[:, 3] - b[:, 1]) / pixels_per_metre(camera, floor_xy_m) if len(b) else np.zeros(0)


def observations_from_tracks(
    tracks: Detections,
    mapper: FloorMapper,
    share: float = FOOT_ERROR_SHARE,
    min_px: float = MIN_FOOT_ERROR_PX,
    standing_m: tuple[float, float] | None = STANDING_HEIGHT_M,
) -> CameraObservations:
    """One frame of a camera's final tracks as fusion input.

    Dropped: people off the floor, and (with a full camera model) boxes whose height does not
    fit a person standing where their bottom edge lands (`apparent_height_m` outside
    ``standing_m``): their floor position would be wrong by metres. A box reaching the top of the
    image (`TOP_CUT_SHARE`) is only held to the upper limit: the frame, not an obstacle, may cut
    that person off, and their feet are still at its bottom.

    Args:
        tracks: Tracked boxes of one frame (``track_id`` set).
        mapper: The camera's image-to-floor mapping.
        share, min_px: Foot-point error model, see `foot_error_px`.
        standing_m: Accepted apparent heights; None keeps every box.
    """
    assert tracks.track_id is not None, "observations_from_tracks needs tracked detections"
    if len(tracks) == 0:
        return CameraObservations.empty(tracks.camera_id, tracks.ts)
    xy, foot = box_floor_points(mapper, tracks.xyxy_px)
    sigma = floor_sigma_m(mapper, foot, foot_error_px(tracks.xyxy_px, share, min_px))
    ok = np.isfinite(xy).all(axis=1) & np.isfinite(sigma) & (sigma > 0)
    if standing_m is not None and isinstance(mapper, PinholeCamera) and ok.any():
        height = np.full(len(ok), np.nan)
        height[ok] = apparent_height_m(mapper, tracks.xyxy_px[ok], xy[ok])
        b = tracks.xyxy_px.astype(np.float64)
        top_cut = b[:, 1] <= TOP_CUT_SHARE * (b[:, 3] - b[:, 1])
        ok &= ((height >= standing_m[0]) | top_cut) & (height <= standing_m[1])
    app = None if tracks.appearance is None or tracks.appearance.shape[1] == 0 else tracks.appearance[ok]
    return CameraObservations(tracks.camera_id, tracks.ts, tracks.track_id[ok], xy[ok], sigma[ok], app)
