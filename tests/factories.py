"""Small builders for test data."""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np

from storelens.types import Detections, Frame

EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)
PG_URL = os.environ.get("STORELENS_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
"""Test PostgreSQL database; tests create and drop schemas of their own in it."""


def ts_at(index: int, fps: float) -> datetime:
    return EPOCH + timedelta(seconds=index / fps)


def make_detections(
    xyxy: list[list[float]] | np.ndarray,
    confidence: list[float] | np.ndarray | None = None,
    track_id: list[int] | np.ndarray | None = None,
    frame_index: int = 0,
    fps: float = 10.0,
    camera_id: str = "cam",
) -> Detections:
    boxes = np.asarray(xyxy, dtype=np.float32).reshape(-1, 4)
    n = len(boxes)
    return Detections(
        camera_id=camera_id,
        frame_index=frame_index,
        ts=ts_at(frame_index, fps),
        xyxy_px=boxes,
        confidence=np.full(n, 0.9) if confidence is None else confidence,
        class_id=np.zeros(n, np.int32),
        track_id=None if track_id is None else np.asarray(track_id),
    )


def person_box(x: float, y_foot: float, height: float = 80.0, aspect: float = 0.4) -> list[float]:
    """Box of a standing person whose feet are at (x, y_foot)."""
    w = height * aspect
    return [x - w / 2, y_foot - height, x + w / 2, y_foot]


def draw_people(boxes: np.ndarray, colours_bgr: list[tuple[int, int, int]], wh=(640, 480)) -> np.ndarray:
    """A grey frame with each box filled in a solid colour (torso) and dark legs."""
    img = np.full((wh[1], wh[0], 3), 128, np.uint8)
    for (x1, y1, x2, y2), c in zip(np.round(boxes).astype(int).tolist(), colours_bgr):
        mid = y1 + (y2 - y1) * 55 // 100
        img[max(y1, 0) : max(mid, 0), max(x1, 0) : max(x2, 0)] = c
        img[max(mid, 0) : max(y2, 0), max(x1, 0) : max(x2, 0)] = (40, 40, 40)
    return img


def make_frame(image: np.ndarray, index: int, fps: float = 10.0, camera_id: str = "cam") -> Frame:
    return Frame(camera_id=camera_id, index=index, ts=ts_at(index, fps), image=image)


def write_video(path: Path, images: Iterable[np.ndarray], fps: float, fourcc: str = "MJPG") -> Path:
    """Images as a video file, written by OpenCV's FFmpeg backend (what the sources read)."""
    writer = None
    for image in images:
        if writer is None:
            size_wh = (image.shape[1], image.shape[0])
            writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*fourcc), fps, size_wh)
            assert writer.isOpened()
        writer.write(image)
    assert writer is not None, "no images"
    writer.release()
    return path


def truncate(path: Path, keep: float = 0.5) -> Path:
    """Cut a file after ``keep`` of its bytes, as a copy interrupted part-way leaves it."""
    path.write_bytes(path.read_bytes()[: int(path.stat().st_size * keep)])
    return path


def zero_middle(path: Path) -> Path:
    """Overwrite the middle third of a file with zeros, as a bad disk sector or transfer does."""
    data = bytearray(path.read_bytes())
    third = len(data) // 3
    data[third : 2 * third] = bytes(third)
    path.write_bytes(bytes(data))
    return path
