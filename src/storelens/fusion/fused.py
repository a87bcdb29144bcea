"""What the store fusion produces per tick: one row per visitor, and which camera tracks they are."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from storelens.analytics.records import FloorPositions

__all__ = ["STORE_CAMERA_ID", "FusedFrame", "TrackLinks"]

STORE_CAMERA_ID = "store"
"""``camera_id`` of fused positions: visitor ids are unique within the store."""


@dataclass(frozen=True, slots=True)
class TrackLinks:
    """Which camera track is which visitor at one tick (one row per camera track used).

    Attributes:
        camera_id: (m,) str camera of each track.
        track_id: (m,) int64 the camera's track id.
        global_id: (m,) int64 the visitor it is bound to.
    """

    camera_id: np.ndarray
    track_id: np.ndarray
    global_id: np.ndarray

    def of_camera(self, camera_id: str) -> dict[int, int]:
        """{camera track id: visitor id} of one camera at this tick."""
        rows = self.camera_id == camera_id
        return dict(zip(self.track_id[rows].tolist(), self.global_id[rows].tolist(), strict=True))

    def __len__(self) -> int:
        return len(self.track_id)


@dataclass(frozen=True, slots=True)
class FusedFrame:
    """The store's visitors at one tick (columnar, one row per visitor seen by some camera, or held).

    Attributes:
        ts: Tick time, UTC; every frame of the tick was captured at most one tick before it.
        global_id: (n,) int64 visitor id, unique in the store and never reused.
        xy_m: (n, 2) float64 floor position, metres: the inverse-variance weighted mean of the
            cameras that see the visitor (with ``FusionConfig.hold_lost_s``, visitors hidden for
            a moment are rows too: where they were last seen, ``camera_count`` 0).
        sigma_m: (n,) float64 standard error of that position, metres.
        camera_count: (n,) int64 how many cameras contributed.
        links: Camera tracks behind the rows.
        appearance: (n, d) float32 each visitor's colour descriptor so far (a running mean of its
            cameras' descriptors, unit length; zeros when unknown), or None when the cameras give
            none. Staff recognition reads the uniform from it.
    """

    ts: datetime
    global_id: np.ndarray
    xy_m: np.ndarray
    sigma_m: np.ndarray
    camera_count: np.ndarray
    links: TrackLinks
    appearance: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.global_id)

    def to_floor_positions(self) -> FloorPositions:
        """The visitors as positions of the virtual camera ``"store"``, for `StoreAnalytics`."""
        return FloorPositions(STORE_CAMERA_ID, self.ts, self.global_id, self.xy_m)

    def camera_views(self) -> list[FloorPositions]:
        """Per camera with a linked track, the visitors it sees (at their fused positions): what one
        camera contributed, e.g. for a per-camera heatmap of a several-camera store."""
        views = []
        for camera_id in np.unique(self.links.camera_id).tolist():
            seen = np.isin(self.global_id, self.links.global_id[self.links.camera_id == camera_id])
            if seen.any():
                views.append(FloorPositions(camera_id, self.ts, self.global_id[seen], self.xy_m[seen]))
        return views
