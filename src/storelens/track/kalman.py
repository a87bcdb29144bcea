"""Batched constant-velocity Kalman filter over image boxes.

All live tracks of a camera are filtered together as stacked arrays, so a frame with 30
people costs a handful of numpy calls instead of 30 small-matrix round trips.

State per track: ``[cx, cy, w, h, vcx, vcy, vw, vh]`` in pixels and pixels per second.
Noise scales with box height (as in SORT/ByteTrack): a person far from the camera moves fewer
pixels, so one absolute noise level would be too loose for them and too tight near the lens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["BoxKalman", "xyxy_to_cxcywh", "cxcywh_to_xyxy"]

_NDIM = 4
_EYE = np.eye(_NDIM)
_EYE.flags.writeable = False
# Diagonals of an (8, 8) matrix flattened to 64 values, as slices: the position block, the
# velocity block, and the position -> velocity coupling (row i, column i + 4).
_POS_DIAG, _VEL_DIAG, _POS_VEL = slice(0, 36, 9), slice(36, 64, 9), slice(4, 32, 9)


def xyxy_to_cxcywh(xyxy: np.ndarray) -> np.ndarray:
    """(n, 4) corners -> (n, 4) centre x, centre y, width, height."""
    wh = xyxy[:, 2:] - xyxy[:, :2]
    return np.concatenate([xyxy[:, :2] + wh * 0.5, wh], axis=1)


def cxcywh_to_xyxy(b: np.ndarray) -> np.ndarray:
    """(n, 4) centre x, centre y, width, height -> (n, 4) corners."""
    half = b[:, 2:4] * 0.5
    return np.concatenate([b[:, :2] - half, b[:, :2] + half], axis=1)


@dataclass(frozen=True, slots=True)
class BoxKalman:
    """Noise levels of the filter, relative to box height.

    Attributes:
        std_position: Measurement / position process noise, as a fraction of box height.
        std_velocity_per_s: Velocity process noise per second, fraction of box height. Larger
            follows sudden turns faster but lets jittery detections pull the prediction around.
    """

    std_position: float = 1.0 / 20.0
    std_velocity_per_s: float = 1.0 / 20.0

    def initiate(self, xyxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """New tracks from (n, 4) boxes: means (n, 8) and covariances (n, 8, 8), velocity 0."""
        z = xyxy_to_cxcywh(xyxy.astype(np.float64))
        n = len(z)
        mean = np.concatenate([z, np.zeros((n, _NDIM))], axis=1)
        h = z[:, 3:4]
        std = np.concatenate(
            [2 * self.std_position * h.repeat(4, 1), 10 * self.std_velocity_per_s * h.repeat(4, 1)], axis=1
        )
        cov = np.zeros((n, 8, 8))
        idx = np.arange(8)
        cov[:, idx, idx] = std**2
        return mean, cov

    def predict(self, mean: np.ndarray, cov: np.ndarray, dt_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Advance (n, 8) means and (n, 8, 8) covariances by (n,) seconds each."""
        n = len(mean)
        if n == 0:
            return mean, cov
        dt = np.asarray(dt_s, dtype=np.float64).reshape(n)
        F = np.zeros((n, 64))
        F[:, _POS_DIAG] = F[:, _VEL_DIAG] = 1.0
        F[:, _POS_VEL] = dt[:, None]
        F = F.reshape(n, 8, 8)
        h = mean[:, 3]
        q_pos = (self.std_position * h) ** 2 * dt
        q_vel = (self.std_velocity_per_s * h) ** 2 * dt
        Q = np.zeros((n, 64))
        Q[:, _POS_DIAG] = q_pos[:, None]
        Q[:, _VEL_DIAG] = q_vel[:, None]
        mean = np.einsum("nij,nj->ni", F, mean)
        cov = F @ cov @ F.transpose(0, 2, 1) + Q.reshape(n, 8, 8)
        return mean, cov

    def update(self, mean: np.ndarray, cov: np.ndarray, xyxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Correct (n, 8) means / (n, 8, 8) covariances with (n, 4) measured boxes."""
        if len(mean) == 0:
            return mean, cov
        z = xyxy_to_cxcywh(xyxy.astype(np.float64))
        r = (self.std_position * mean[:, 3]) ** 2
        S = cov[:, :4, :4] + r[:, None, None] * _EYE
        PHt = cov[:, :, :4]
        K = np.linalg.solve(S, PHt.transpose(0, 2, 1)).transpose(0, 2, 1)
        innovation = z - mean[:, :4]
        mean = mean + np.einsum("nij,nj->ni", K, innovation)
        cov = cov - K @ cov[:, :4, :]
        return mean, cov
