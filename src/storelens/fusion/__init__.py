"""Store-wide visitors from many cameras: one identity and one floor position per person.

Each camera's tracks arrive as `CameraObservations`; `StoreFusion` buckets them into ticks,
decides which camera tracks are the same person and emits `FusedFrame`s, whose
``to_floor_positions()`` feeds `storelens.analytics.StoreAnalytics` unchanged (camera ``"store"``).
"""

from storelens.fusion.coverage import cameras_covering, floor_coverage
from storelens.fusion.fused import STORE_CAMERA_ID, FusedFrame, TrackLinks
from storelens.fusion.fuser import FusionConfig, StoreFusion
from storelens.fusion.observations import (
    CameraObservations,
    apparent_height_m,
    floor_sigma_m,
    foot_error_px,
    observations_from_tracks,
    pixels_per_metre,
)

__all__ = [
    "STORE_CAMERA_ID",
    "CameraObservations",
    "FusedFrame",
    "FusionConfig",
    "StoreFusion",
    "TrackLinks",
    "apparent_height_m",
    "cameras_covering",
    "floor_coverage",
    "floor_sigma_m",
    "foot_error_px",
    "observations_from_tracks",
    "pixels_per_metre",
]
