"""Builders of storage test data (times around T0, frames of track positions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from factories import PG_URL  # noqa: F401 - re-exported for the storage tests

from storelens.analytics.records import FloorPositions

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """T0 + seconds."""
    return T0 + timedelta(seconds=seconds)


def frames(camera_id: str, tracks: dict[int, list[tuple[float, float]]], fps: float, t0: float = 0.0):
    """One FloorPositions per frame; ``tracks[id][i]`` is the position at frame i (None: absent)."""
    n = max(len(p) for p in tracks.values())
    out = []
    for i in range(n):
        ids = [tid for tid, path in tracks.items() if i < len(path) and path[i] is not None]
        xy = [tracks[tid][i] for tid in ids]
        out.append(FloorPositions(camera_id, at(t0 + i / fps), np.array(ids), np.array(xy).reshape(-1, 2)))
    return out
