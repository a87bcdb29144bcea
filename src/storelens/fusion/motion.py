"""Constant-velocity Kalman filter for many visitors on the floor at once.

Floor observations have one sigma each (no preferred direction once fused) and walking noise is
the same along x and y, so both axes share one 2x2 covariance. A track is then its state
``(x, y, vx, vy)`` and three covariance numbers ``(pp, pv, vv)`` per axis, and predict and update
are a handful of array operations for all tracks together.
"""

from __future__ import annotations

import numpy as np

__all__ = ["init_tracks", "predict", "update"]


def init_tracks(xy: np.ndarray, var: np.ndarray, speed_var: float) -> tuple[np.ndarray, np.ndarray]:
    """States (n, 4) standing at ``xy`` and covariances (n, 3) for new tracks.

    Args:
        xy: (n, 2) first position, metres.
        var: (n,) its variance per axis, m^2.
        speed_var: Prior variance of the unknown speed per axis, (m/s)^2.
    """
    n = len(xy)
    state = np.concatenate([np.asarray(xy, dtype=np.float64).reshape(n, 2), np.zeros((n, 2))], axis=1)
    cov = np.stack([np.asarray(var, dtype=np.float64), np.zeros(n), np.full(n, speed_var)], axis=1)
    return state, cov


def predict(state: np.ndarray, cov: np.ndarray, dt: float, accel_var: float) -> tuple[np.ndarray, np.ndarray]:
    """Move every track ``dt`` seconds ahead (white-acceleration noise of variance ``accel_var``)."""
    state = state.copy()
    state[:, :2] += dt * state[:, 2:]
    pp, pv, vv = cov[:, 0], cov[:, 1], cov[:, 2]
    out = np.empty_like(cov)
    out[:, 0] = pp + dt * (2 * pv + dt * vv) + accel_var * dt**4 / 4
    out[:, 1] = pv + dt * vv + accel_var * dt**3 / 2
    out[:, 2] = vv + accel_var * dt**2
    return state, out


def update(state: np.ndarray, cov: np.ndarray, z: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Correct tracks with position measurements ``z`` (n, 2) of variance ``r`` (n,) per axis."""
    pp, pv, vv = cov[:, 0], cov[:, 1], cov[:, 2]
    s = pp + r
    gain = np.empty((len(s), 2))
    gain[:, 0], gain[:, 1] = pp / s, pv / s
    innovation = z - state[:, :2]
    out_state = np.empty_like(state)
    out_state[:, :2] = state[:, :2] + gain[:, 0:1] * innovation
    out_state[:, 2:] = state[:, 2:] + gain[:, 1:2] * innovation
    out_cov = np.empty_like(cov)
    out_cov[:, 0] = pp * r / s
    out_cov[:, 1] = pv * r / s
    out_cov[:, 2] = vv - pv * gain[:, 1]
    return out_state, out_cov
