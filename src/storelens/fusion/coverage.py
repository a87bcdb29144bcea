"""Where on the floor each camera can see a person.

A visitor reported by a single camera, standing where other cameras also look and see nobody,
is more likely that camera's mistake (a false detection, a box cut off by an obstacle, a badly
calibrated corner) than a person. Knowing each camera's floor coverage lets fusion ask for a
second camera exactly where one should be there.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from storelens.fusion.observations import pixels_per_metre
from storelens.geometry.camera import PinholeCamera
from storelens.geometry.polygons import points_in_polygon

__all__ = ["PERSON_HEIGHT_M", "cameras_covering", "floor_coverage"]

PERSON_HEIGHT_M = 1.7
MIN_PERSON_PX = 40.0
"""Detectors rarely find people shorter than this in the image."""
_GRID = 48


def floor_coverage(
    camera: PinholeCamera, width: int, height: int, min_person_px: float = MIN_PERSON_PX
) -> np.ndarray:
    """(k, 2) convex floor polygon, metres, where a standing person's feet are in the image and
    the person is at least ``min_person_px`` tall (nearer than the camera's useful range)."""
    u, v = np.meshgrid(np.linspace(0, width - 1, _GRID), np.linspace(0, height - 1, _GRID))
    xy = camera.image_to_floor(np.stack([u.ravel(), v.ravel()], axis=1))
    xy = xy[np.isfinite(xy).all(axis=1)]
    xy = xy[pixels_per_metre(camera, xy) * PERSON_HEIGHT_M >= min_person_px]
    if len(xy) < 3:
        return np.zeros((0, 2))
    return cv2.convexHull(xy.astype(np.float32)).reshape(-1, 2).astype(np.float64)


def cameras_covering(xy: np.ndarray, coverage: Sequence[np.ndarray]) -> np.ndarray:
    """(n,) int64 how many of the coverage polygons contain each floor point."""
    count = np.zeros(len(xy), np.int64)
    for polygon in coverage:
        if len(polygon) >= 3:
            count += points_in_polygon(xy, polygon)
    return count
