"""Data types exchanged between pipeline stages.

Stages pass columnar dataclasses of numpy arrays (one row per object) that check their own
shapes, so a wrong array fails where it is made rather than three stages later.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timezone

import numpy as np

__all__ = ["Frame", "Detections", "PERSON_CLASS_ID"]

PERSON_CLASS_ID = 0
"""storelens class ids follow COCO's 80-class order from 0; person is 0."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded video frame.

    Attributes:
        camera_id: Name of the camera that produced the frame.
        index: Frame index in the source (0-based; counts decoded frames, including skipped ones).
        ts: Capture time, UTC. Stream time from the start of a file, wall clock for live sources.
        image: (h, w, 3) uint8 BGR pixels.
    """

    camera_id: str
    index: int
    ts: datetime
    image: np.ndarray = field(repr=False)

    def __post_init__(self) -> None:
        img = self.image
        if img.ndim != 3 or img.shape[2] != 3 or img.dtype != np.uint8:
            raise ValueError(f"image: expected (h, w, 3) uint8, got {img.shape} {img.dtype}")

    @property
    def resolution_wh(self) -> tuple[int, int]:
        return int(self.image.shape[1]), int(self.image.shape[0])


def _check_rows(obj: object, n: int, name: str, arr: np.ndarray | None, trailing: tuple[int, ...]) -> None:
    if arr is None:
        return
    if arr.shape != (n, *trailing):
        want = ", ".join(["n", *map(str, trailing)])
        raise ValueError(f"{type(obj).__name__}.{name}: expected ({want}) with n={n}, got {arr.shape}")


@dataclass(frozen=True, slots=True)
class Detections:
    """Boxes found in one frame of one camera; after tracking, ``track_id`` is set.

    Attributes:
        camera_id: Camera the boxes come from.
        frame_index: Index of the frame in its source.
        ts: Capture time of the frame, UTC.
        xyxy_px: (n, 4) float32 box corners in image pixels (x1, y1, x2, y2).
        confidence: (n,) float32 detector score in [0, 1].
        class_id: (n,) int32 COCO class index (0 = person).
        track_id: (n,) int64 identity within the camera, or None before tracking.
        appearance: (n, d) float32 appearance descriptor, or None: set by the tracker from the
            image, or already by a detector that describes what it sees (a simulated camera).
            It lives only in this process: no output, database or message ever carries it.
    """

    camera_id: str
    frame_index: int
    ts: datetime
    xyxy_px: np.ndarray
    confidence: np.ndarray
    class_id: np.ndarray
    track_id: np.ndarray | None = None
    appearance: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "xyxy_px", np.asarray(self.xyxy_px, dtype=np.float32).reshape(-1, 4))
        object.__setattr__(self, "confidence", np.asarray(self.confidence, dtype=np.float32))
        object.__setattr__(self, "class_id", np.asarray(self.class_id, dtype=np.int32))
        if self.track_id is not None:
            object.__setattr__(self, "track_id", np.asarray(self.track_id, dtype=np.int64))
        n = len(self.xyxy_px)
        _check_rows(self, n, "confidence", self.confidence, ())
        _check_rows(self, n, "class_id", self.class_id, ())
        _check_rows(self, n, "track_id", self.track_id, ())
        if self.appearance is not None:
            object.__setattr__(self, "appearance", np.asarray(self.appearance, dtype=np.float32))
            _check_rows(self, n, "appearance", self.appearance, self.appearance.shape[1:])

    @classmethod
    def empty(cls, camera_id: str = "", frame_index: int = 0, ts: datetime | None = None) -> Detections:
        return cls(
            camera_id=camera_id,
            frame_index=frame_index,
            ts=ts or datetime.fromtimestamp(0, tz=timezone.utc),
            xyxy_px=np.zeros((0, 4), np.float32),
            confidence=np.zeros(0, np.float32),
            class_id=np.zeros(0, np.int32),
        )

    def __len__(self) -> int:
        return len(self.xyxy_px)

    def __getitem__(self, index: np.ndarray | slice) -> Detections:
        """Row selection by boolean mask, index array or slice; returns a new object."""
        columns = {
            f.name: getattr(self, f.name)[index]
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }
        return replace(self, **columns)

    def with_track_ids(self, track_id: np.ndarray) -> Detections:
        return replace(self, track_id=track_id)

    @property
    def foot_px(self) -> np.ndarray:
        """(n, 2) float32 bottom-centre of each box in pixels. With a camera model,
        `storelens.geometry.box_floor_points` finds where the person stands more exactly (a tilted
        camera sees people lean, so their feet are not under the box centre)."""
        b = self.xyxy_px
        return np.stack([(b[:, 0] + b[:, 2]) * 0.5, b[:, 3]], axis=1)
