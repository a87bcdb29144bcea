"""Builders for fusion tests: cameras looking at a floor, and camera frames of people on it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from storelens.fusion import CameraObservations, FusedFrame, StoreFusion
from storelens.geometry.camera import PinholeCamera

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
FPS = 5.0
EXIT = ((-50.0, -50.0), (-40.0, -50.0), (-40.0, -40.0), (-50.0, -40.0))
"""An exit far from every scene: people lost elsewhere cannot have left, nor new ones appear."""


def run(fusion: StoreFusion, frames) -> list[FusedFrame]:
    """Push camera frames in order; every fused tick, the held ones flushed at the end."""
    out = []
    for f in frames:
        fusion.push(f)
        out += fusion.pop_ready()
    return out + fusion.flush()


def ts(k: int, offset_s: float = 0.0) -> datetime:
    """Time of frame ``k`` at `FPS`, plus an offset (cameras that do not tick together)."""
    return T0 + timedelta(seconds=k / FPS + offset_s)


def frame(
    camera: str,
    k: int,
    tracks: dict[int, tuple[float, float]],
    sigma: float = 0.1,
    offset_s: float = 0.0,
    appearance: dict[int, list[float]] | None = None,
) -> CameraObservations:
    """One camera frame: {track id: floor position}."""
    ids = list(tracks)
    xy = np.array([tracks[i] for i in ids], dtype=np.float64).reshape(-1, 2)
    app = None if appearance is None else np.array([appearance[i] for i in ids], np.float32)
    return CameraObservations(camera, ts(k, offset_s), np.array(ids, np.int64), xy, np.full(len(ids), sigma), app)


def looking_camera(
    eye: tuple[float, float, float],
    target: tuple[float, float],
    f_px: float = 800.0,
    size: tuple[int, int] = (1280, 720),
) -> PinholeCamera:
    """A distortion-free camera at ``eye`` (metres) looking at floor point ``target``."""
    K = np.array([[f_px, 0, size[0] / 2], [0, f_px, size[1] / 2], [0, 0, 1]])
    eye_v = np.array(eye, dtype=np.float64)
    forward = np.array([*target, 0.0]) - eye_v
    forward /= np.linalg.norm(forward)
    right = np.cross(forward, [0.0, 0.0, 1.0])
    right /= np.linalg.norm(right)
    R = np.stack([right, np.cross(forward, right), forward])
    return PinholeCamera(K=K, dist=np.zeros(5), R=R, t=-R @ eye_v)
