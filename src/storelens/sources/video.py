"""Video files (mp4, avi, mkv, mov, gif, ...) decoded with OpenCV's FFmpeg backend.

Timestamps are stream time, ``start_time + index / fps``, so results for a recorded clip are
reproducible and can later be placed on the store's clock by setting ``start_time``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np

from storelens.errors import SourceError
from storelens.sources.base import SourceBase, StreamTimeRate, check_rate, check_start_time
from storelens.types import Frame

__all__ = ["VideoFileSource", "usable_fps"]

logger = logging.getLogger(__name__)

MAX_PLAUSIBLE_FPS = 500.0
"""Containers without a frame rate often report 0, 1000 or 90000 (a time base); above this
value the number is treated as unknown rather than trusted."""

_EARLY_END_SLACK_FRAMES = 2
"""Frame counts from container headers can be estimates off by a frame or two; ending this
close to the announced count is not reported as a failure."""


def usable_fps(value: float) -> float | None:
    """Return a container's reported frame rate if it is plausible, else None."""
    if math.isfinite(value) and 0 < value <= MAX_PLAUSIBLE_FPS:
        return float(value)
    return None


class VideoFileSource(SourceBase):
    """Frames of a video file with stream-time timestamps.

    Args:
        path: The video file.
        camera_id: Camera name stamped on every frame.
        fps: Frame rate to use for timestamps instead of the container's (which can be wrong:
            PETS09-S2L1 claims 10 fps but was shot at 7).
        analysis_fps: Yield about this many frames per second of stream time; skipped frames
            are grabbed but not converted to pixels. None yields every frame.
        start_time: UTC time of frame 0 (tz-aware); the Unix epoch if None.
        accept_partial: A file that fails to decode part-way, or ends before the frame count
            its header announces, ends iteration with a warning instead of a SourceError.

    Raises:
        SourceError: The file is missing, cannot be decoded, or has no usable frame rate and
            ``fps`` was not given; while iterating, the file is truncated or corrupt (unless
            ``accept_partial``) or gave no frame at all.
        ConfigError: ``fps``/``analysis_fps`` are not positive, or ``start_time`` is naive.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        camera_id: str = "cam",
        fps: float | None = None,
        analysis_fps: float | None = None,
        start_time: datetime | None = None,
        accept_partial: bool = False,
    ) -> None:
        super().__init__(camera_id)
        self._path = Path(path)
        self._accept_partial = accept_partial
        fps_override = check_rate("fps", fps)
        analysis_rate = check_rate("analysis_fps", analysis_fps)
        self._start_time = check_start_time(start_time)
        if not self._path.is_file():
            raise SourceError(f"{self._path}: no such file or directory")
        if self._path.stat().st_size == 0:
            raise SourceError(f"{self._path}: empty file, not a video")
        cap = cv2.VideoCapture(str(self._path), cv2.CAP_FFMPEG)
        if not cap.isOpened():
            cap.release()
            raise SourceError(f"{self._path}: cannot decode as video (unsupported format or corrupt file)")
        self._cap: cv2.VideoCapture | None = cap
        container_fps = usable_fps(cap.get(cv2.CAP_PROP_FPS))
        chosen_fps = fps_override or container_fps
        if chosen_fps is None:
            cap.release()
            raise SourceError(f"{self._path}: the file has no usable frame rate; pass fps")
        self._fps = chosen_fps
        self._rate = StreamTimeRate(chosen_fps, analysis_rate)
        self._resolution_wh = (int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self._announced_frames = max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT)))

    @property
    def path(self) -> Path:
        return self._path

    def _release(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def _read(self, decode: bool) -> tuple[bool, np.ndarray | None]:
        """Grab the next frame and, if ``decode``, convert it to pixels.

        Returns:
            (grabbed, image): ``grabbed`` is False at the end of the input; ``image`` is the
            (h, w, 3) uint8 BGR array, or None when not decoded or decoding failed.
        """
        with self._lock:
            if self._cap is None or not self._cap.grab():
                return False, None
            if not decode:
                return True, None
            ok, image = self._cap.retrieve()
            return True, image if ok else None

    def _frames(self) -> Iterator[Frame]:
        index = 0
        while not self._closed.is_set():
            wanted = self._rate.keep(index)
            try:
                grabbed, image = self._read(decode=wanted)
            except cv2.error as err:  # a decoder failure, as a frame that does not decode
                logger.debug("camera %s: %s: decoder error: %s", self.camera_id, self._path, err)
                self._partial(index)
                return
            if not grabbed:
                if not self._closed.is_set():
                    self._check_complete(index)
                return
            if not wanted:
                self._stats.frames_skipped += 1
            elif image is None:
                self._partial(index)
                return
            else:
                yield self._frame(index, self._start_time + timedelta(seconds=index / self._fps), image)
            index += 1

    def _check_complete(self, frames_seen: int) -> None:
        """Refuse a file that gave no frame, or ended well before the count its header announced."""
        if frames_seen == 0:
            raise SourceError(f"{self._path}: no frame could be decoded (empty, truncated or corrupt file)")
        if self._announced_frames and frames_seen < self._announced_frames - _EARLY_END_SLACK_FRAMES:
            self._partial(frames_seen)

    def _partial(self, index: int) -> None:
        """Frame ``index`` is where decoding stopped: an error, or a warning with ``accept_partial``."""
        of = f" of {self._announced_frames}" if self._announced_frames > index else ""
        problem = f"{self._path}: decoding failed at frame {index}{of} (truncated or corrupt?)"
        if index == 0:
            raise SourceError(problem)
        if not self._accept_partial:
            raise SourceError(f"{problem}; pass --accept-partial to keep what was read")
        self._stats.last_error = problem
        logger.warning("camera %s: %s; keeping the %d frames before it", self.camera_id, problem, index)
