"""Annotated video for people to check the tracker: boxes, ids and paths, on anonymised frames.

:class:`TrackAnnotator` draws on frames that are anonymised already
(:class:`~storelens.render.Anonymiser`, which finds people the tracker has not and looks at
neighbouring frames); :func:`storelens.outputs.write_annotated_video` does both in that order.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import cv2
import numpy as np

from storelens.errors import StorageError
from storelens.types import Detections, Frame

__all__ = ["TrackAnnotator", "VideoWriterSink", "track_colors"]

logger = logging.getLogger(__name__)

_GOLDEN_RATIO_FRACTION = 0.6180339887498949
"""Hue step between consecutive track ids: spreads any run of ids far apart on the wheel."""

_OPENCV_HUE_RANGE = 180
_TRACK_SATURATION = 200
_TRACK_VALUE = 255
UNTRACKED_COLOR_BGR = (160, 160, 160)
"""Colour of boxes that have no track id yet."""

LABEL_TEXT_BGR = (0, 0, 0)
_FONT = cv2.FONT_HERSHEY_SIMPLEX
_LABEL_PAD_PX = 2
_LABEL_TEXT_THICKNESS = 1


def track_colors(track_ids: np.ndarray) -> np.ndarray:
    """Stable, well-separated colours for track ids.

    Args:
        track_ids: (n,) integer track ids.

    Returns:
        (n, 3) uint8 BGR colours; the same id always gets the same colour.
    """
    ids = np.asarray(track_ids, dtype=np.int64).reshape(-1)
    if len(ids) == 0:
        return np.zeros((0, 3), np.uint8)
    hue = np.mod(ids * _GOLDEN_RATIO_FRACTION, 1.0) * _OPENCV_HUE_RANGE
    hsv = np.empty((len(ids), 1, 3), np.uint8)
    hsv[:, 0, 0] = np.minimum(hue, _OPENCV_HUE_RANGE - 1).astype(np.uint8)
    hsv[:, 0, 1] = _TRACK_SATURATION
    hsv[:, 0, 2] = _TRACK_VALUE
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR).reshape(-1, 3)


@dataclass(slots=True)
class _Trail:
    """Recent foot points (x, y) in pixels of one track, and the draw call that last saw it."""

    last_drawn: int
    points: deque[tuple[int, int]]


class TrackAnnotator:
    """Draws tracked people on frames, remembering each track's recent foot points.

    State is per instance (one per camera) and bounded: a track's trail is dropped once the
    track has been absent for ``max_unseen_frames`` calls of :meth:`draw`, so memory stays
    proportional to the people recently in view however long the video runs.

    Args:
        trail_length: Foot points (bottom-centre of the box) kept and drawn per track.
        max_unseen_frames: Drawn frames a track may be missing before its trail is dropped.
        line_thickness_px: Thickness of boxes and trails.
        font_scale: OpenCV font scale of the id labels.
    """

    def __init__(
        self,
        *,
        trail_length: int = 30,
        max_unseen_frames: int = 30,
        line_thickness_px: int = 2,
        font_scale: float = 0.5,
    ) -> None:
        if trail_length < 1 or max_unseen_frames < 0:
            raise ValueError("trail_length must be >= 1 and max_unseen_frames >= 0")
        self._trail_length = trail_length
        self._max_unseen = max_unseen_frames
        self._thickness = line_thickness_px
        self._font_scale = font_scale
        # Ordered by last update, oldest first, so eviction stops at the first fresh trail.
        self._trails: OrderedDict[int, _Trail] = OrderedDict()
        self._frames_drawn = 0

    @property
    def n_trails(self) -> int:
        """Tracks whose trails are currently held in memory."""
        return len(self._trails)

    def trail_px(self, track_id: int) -> np.ndarray:
        """(k, 2) int32 recent foot points (x, y) of a track, oldest first; (0, 2) if none held."""
        trail = self._trails.get(track_id)
        if trail is None:
            return np.zeros((0, 2), np.int32)
        return np.array(trail.points, np.int32).reshape(-1, 2)

    def draw(self, frame: Frame, dets: Detections) -> np.ndarray:
        """Return a copy of the (anonymised) frame with the tracks drawn.

        Args:
            frame: The frame the detections belong to.
            dets: Boxes in ``frame``'s pixels; ``track_id`` may be None (drawn grey, no
                label or trail).

        Returns:
            (h, w, 3) uint8 BGR annotated image; ``frame.image`` is not modified.
        """
        image = frame.image.copy()
        self._frames_drawn += 1
        boxes = np.round(dets.xyxy_px).astype(np.int32)
        if dets.track_id is None:
            for x1, y1, x2, y2 in boxes.tolist():
                cv2.rectangle(image, (x1, y1), (x2, y2), UNTRACKED_COLOR_BGR, self._thickness)
            self._evict()
            return image
        feet = np.round(dets.foot_px).astype(np.int32)
        track_ids = dets.track_id.tolist()
        colors = track_colors(dets.track_id).tolist()
        for track_id, foot in zip(track_ids, feet.tolist(), strict=True):
            self._remember(track_id, (foot[0], foot[1]))
        self._evict()
        for track_id, color in zip(track_ids, colors, strict=True):
            points = self._trails[track_id].points
            if len(points) > 1:
                cv2.polylines(image, [np.array(points, np.int32)], False, color, self._thickness, cv2.LINE_AA)
        for (x1, y1, x2, y2), track_id, color in zip(boxes.tolist(), track_ids, colors, strict=True):
            cv2.rectangle(image, (x1, y1), (x2, y2), color, self._thickness)
            self._label(image, str(track_id), (x1, y1), color)
        return image

    def _remember(self, track_id: int, foot: tuple[int, int]) -> None:
        trail = self._trails.get(track_id)
        if trail is None:
            trail = _Trail(self._frames_drawn, deque(maxlen=self._trail_length))
            self._trails[track_id] = trail
        else:
            trail.last_drawn = self._frames_drawn
            self._trails.move_to_end(track_id)
        trail.points.append(foot)

    def _evict(self) -> None:
        oldest_kept = self._frames_drawn - self._max_unseen
        while self._trails:
            track_id, trail = next(iter(self._trails.items()))
            if trail.last_drawn >= oldest_kept:
                return
            del self._trails[track_id]

    def _label(self, image: np.ndarray, text: str, top_left: tuple[int, int], color: list[int]) -> None:
        """Write ``text`` on a filled tag in the track's colour above the box corner."""
        (text_w, text_h), baseline = cv2.getTextSize(text, _FONT, self._font_scale, _LABEL_TEXT_THICKNESS)
        tag_w = text_w + 2 * _LABEL_PAD_PX
        tag_h = text_h + baseline + 2 * _LABEL_PAD_PX
        x, y = top_left
        y = max(y, tag_h)  # keep the tag inside the image for boxes touching the top edge
        cv2.rectangle(image, (x, y - tag_h), (x + tag_w, y), color, cv2.FILLED)
        origin = (x + _LABEL_PAD_PX, y - baseline - _LABEL_PAD_PX)
        cv2.putText(
            image, text, origin, _FONT, self._font_scale, LABEL_TEXT_BGR, _LABEL_TEXT_THICKNESS, cv2.LINE_AA
        )


class VideoWriterSink:
    """Writes annotated frames to a video file (MPEG-4 Part 2 in mp4 by default).

    The file is only playable after :meth:`close` (the mp4 index is written last), so use it
    as a context manager.

    Args:
        path: Output file; its folder is created if missing.
        fps: Frame rate written in the container (usually the analysis rate).
        resolution_wh: (width, height) of the video; frames of another size are resized
            (with one warning) rather than silently dropped by OpenCV.
        fourcc: Four-character codec code understood by OpenCV's FFmpeg backend.

    Raises:
        StorageError: The file cannot be created or the codec is unavailable.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        fps: float,
        resolution_wh: tuple[int, int],
        fourcc: str = "mp4v",
    ) -> None:
        self._path = Path(path)
        self._size_wh = (int(resolution_wh[0]), int(resolution_wh[1]))
        if fps <= 0 or min(self._size_wh) <= 0:
            raise ValueError(f"fps and resolution must be positive, got {fps} and {resolution_wh}")
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise StorageError(f"{self._path}: cannot create folder: {err.strerror}") from err
        codec = cv2.VideoWriter_fourcc(*fourcc)
        writer = cv2.VideoWriter(str(self._path), cv2.CAP_FFMPEG, codec, fps, self._size_wh)
        if not writer.isOpened():
            writer.release()
            width, height = self._size_wh
            raise StorageError(f"{self._path}: cannot open video writer (codec {fourcc!r}, {width}x{height})")
        self._writer: cv2.VideoWriter | None = writer
        self._frames_written = 0
        self._warned_resize = False

    @property
    def path(self) -> Path:
        return self._path

    @property
    def frames_written(self) -> int:
        return self._frames_written

    def write(self, image: np.ndarray) -> None:
        """Append one (h, w, 3) uint8 BGR image.

        Raises:
            ValueError: The image is not 3-channel uint8.
            RuntimeError: The sink is closed.
        """
        if self._writer is None:
            raise RuntimeError(f"{self._path}: video writer is closed")
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f"image: expected (h, w, 3) uint8, got {image.shape} {image.dtype}")
        if (image.shape[1], image.shape[0]) != self._size_wh:
            if not self._warned_resize:
                logger.warning(
                    "%s: frame size %dx%d differs from video size %dx%d; resizing",
                    self._path, image.shape[1], image.shape[0], *self._size_wh,
                )
                self._warned_resize = True
            image = cv2.resize(image, self._size_wh, interpolation=cv2.INTER_AREA)
        self._writer.write(image)
        self._frames_written += 1

    def close(self) -> None:
        """Finish the file; safe to call twice."""
        if self._writer is not None:
            self._writer.release()
            self._writer = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
