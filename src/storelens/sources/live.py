"""Live cameras: RTSP/HTTP streams and local webcams, kept running through network drops.

A store camera runs for weeks; streams drop when a switch reboots or Wi-Fi hiccups. Rather
than ending, the source logs one warning, reopens the stream with exponential backoff and
carries on; frame timestamps are the wall clock at capture, so the gap simply shows up as
missing time.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlsplit, urlunsplit

import cv2
import numpy as np

from storelens.errors import ConfigError, SourceError
from storelens.sources.base import SourceBase, WallClockRate, check_rate
from storelens.sources.video import usable_fps
from storelens.types import Frame

__all__ = ["LiveSource", "ReconnectPolicy", "redact_url"]

logger = logging.getLogger(__name__)

_MS_PER_S = 1000


@dataclass(frozen=True, slots=True)
class ReconnectPolicy:
    """How a live source opens streams and retries after a drop.

    Attributes:
        initial_delay_s: Wait before the first reconnection attempt, seconds.
        max_delay_s: Cap of the doubling wait between attempts, seconds.
        max_reconnects: Give up (SourceError) after this many failed attempts in a row;
            None retries until ``close()``; 0 raises at the first drop, for a caller that
            reopens the source itself and says so (`storelens.sources.supervised`).
        open_timeout_s: How long opening a network stream may take, seconds.
        read_timeout_s: How long a network stream may stay silent before it counts as
            dropped, seconds.
    """

    initial_delay_s: float = 0.5
    max_delay_s: float = 30.0
    max_reconnects: int | None = None
    open_timeout_s: float = 10.0
    read_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if not 0 < self.initial_delay_s <= self.max_delay_s:
            raise ConfigError(
                f"reconnect delays must satisfy 0 < initial_delay_s <= max_delay_s, "
                f"got {self.initial_delay_s} and {self.max_delay_s}"
            )
        if self.max_reconnects is not None and self.max_reconnects < 0:
            raise ConfigError(f"max_reconnects must be >= 0 or None, got {self.max_reconnects}")
        if self.open_timeout_s <= 0 or self.read_timeout_s <= 0:
            raise ConfigError("open_timeout_s and read_timeout_s must be positive")

    def delay_s(self, attempt: int) -> float:
        """Wait before reconnection attempt ``attempt`` (0-based): the initial delay, doubled
        each attempt up to the cap.

        >>> [ReconnectPolicy(initial_delay_s=1, max_delay_s=30).delay_s(i) for i in range(7)]
        [1, 2, 4, 8, 16, 30, 30]
        """
        if attempt >= math.log2(self.max_delay_s / self.initial_delay_s):
            return self.max_delay_s
        return self.initial_delay_s * 2**attempt


def redact_url(url: str) -> str:
    """Hide the password of ``scheme://user:password@host/...`` so it never reaches a log.

    >>> redact_url("rtsp://admin:secret@10.0.0.5:554/stream1")
    'rtsp://admin:***@10.0.0.5:554/stream1'
    """
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


class LiveSource(SourceBase):
    """Frames from a network stream or webcam, timestamped with the wall clock at capture.

    Args:
        target: Stream URL (``rtsp://``, ``http(s)://``, ...) or webcam index.
        camera_id: Camera name stamped on every frame.
        fps: Frame rate to report as ``nominal_fps`` instead of what the stream claims.
        analysis_fps: Yield about this many frames per wall-clock second; other frames are
            grabbed (to keep the stream's buffer from lagging) but not decoded to pixels.
        policy: Timeouts and reconnection behaviour.

    ``close()`` from another thread waits for a read in progress, at most
    ``policy.read_timeout_s`` for network streams.

    Raises:
        SourceError: The first connection fails (a wrong URL should fail at start, not retry
            forever), or later, ``policy.max_reconnects`` attempts in a row fail.
    """

    _live = True

    def __init__(
        self,
        target: str | int,
        *,
        camera_id: str = "cam",
        fps: float | None = None,
        analysis_fps: float | None = None,
        policy: ReconnectPolicy | None = None,
    ) -> None:
        super().__init__(camera_id)
        self._target = target
        self._label = redact_url(target) if isinstance(target, str) else f"webcam {target}"
        self._fps_override = check_rate("fps", fps)
        self._rate = WallClockRate(check_rate("analysis_fps", analysis_fps))
        self._policy = policy or ReconnectPolicy()
        self._cap: cv2.VideoCapture | None = None
        self._attempts_since_frame = 0
        problem = self._connect()
        if problem is not None:
            raise SourceError(f"{self._label}: {problem}")

    @property
    def policy(self) -> ReconnectPolicy:
        return self._policy

    def _open_capture(self) -> cv2.VideoCapture:
        if isinstance(self._target, int):
            # Timeout parameters are FFmpeg options; webcam backends reject unknown ones.
            return cv2.VideoCapture(self._target, cv2.CAP_ANY)
        params = [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
            int(self._policy.open_timeout_s * _MS_PER_S),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC,
            int(self._policy.read_timeout_s * _MS_PER_S),
        ]
        return cv2.VideoCapture(self._target, cv2.CAP_FFMPEG, params)

    def _connect(self) -> str | None:
        """Open the stream; return None on success or a one-line problem description."""
        try:
            cap = self._open_capture()
        except cv2.error as err:
            return f"cannot open stream: {str(err).splitlines()[0]}"
        if not cap.isOpened():
            cap.release()
            return "cannot open (unreachable, refused, busy, or not a video)"
        with self._lock:
            if self._closed.is_set():
                cap.release()
                return None
            self._cap = cap
        self._fps = self._fps_override or usable_fps(cap.get(cv2.CAP_PROP_FPS))
        width, height = int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)), int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        if width > 0 and height > 0:
            self._resolution_wh = (width, height)
        return None

    def _release(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

    def _read(self) -> tuple[bool, np.ndarray | None, datetime]:
        """Grab the next frame; decode it only if the analysis rate keeps it.

        Returns:
            (grabbed, image, ts): ``image`` is (h, w, 3) uint8 BGR, or None when skipped;
            ``ts`` is the UTC wall clock right after the grab.
        """
        with self._lock:
            grabbed = self._cap is not None and self._cap.grab()
            ts = datetime.now(timezone.utc)
            if not grabbed or not self._rate.keep(time.monotonic()):
                return grabbed, None, ts
            ok, image = self._cap.retrieve()
            if not ok or image is None:
                return False, None, ts
            return True, image, ts

    def _frames(self) -> Iterator[Frame]:
        index = 0
        while not self._closed.is_set():
            try:
                grabbed, image, ts = self._read()
                problem = f"stream read failed at frame {index}"
            except cv2.error as err:
                grabbed, image, ts = False, None, datetime.now(timezone.utc)
                problem = f"decoder error at frame {index}: {str(err).splitlines()[0]}"
            if not grabbed:
                if self._closed.is_set():
                    return
                self._drop(problem)
                self._reconnect()
                continue
            self._attempts_since_frame = 0
            if image is None:
                self._stats.frames_skipped += 1
            else:
                if self._resolution_wh == (0, 0):
                    self._resolution_wh = (int(image.shape[1]), int(image.shape[0]))
                yield self._frame(index, ts, image)
            index += 1

    def _drop(self, problem: str) -> None:
        """Record a failed read, free the broken capture, and warn once that it reconnects (or,
        with ``max_reconnects=0``, raise: whoever reopens it says so).

        Raises:
            SourceError: ``policy.max_reconnects`` is 0.
        """
        self._stats.drops += 1
        self._stats.last_error = problem
        with self._lock:
            self._release()
        if self._policy.max_reconnects == 0:
            raise SourceError(f"{self._label}: {problem}")
        logger.warning("camera %s: %s: %s; reconnecting", self.camera_id, self._label, problem)

    def _reconnect(self) -> None:
        """Reopen the stream after doubling waits, until it opens or ``close()`` is called.

        The wait and the attempt count reset only once a frame is actually read, so a stream
        that opens but never delivers still backs off and still hits the limit.

        Raises:
            SourceError: ``policy.max_reconnects`` attempts since the last good frame failed.
        """
        limit = self._policy.max_reconnects
        while True:
            if limit is not None and self._attempts_since_frame >= limit:
                raise SourceError(
                    f"{self._label}: gave up after {self._attempts_since_frame} reconnect attempts: "
                    f"{self._stats.last_error}"
                )
            if self._closed.wait(self._policy.delay_s(self._attempts_since_frame)):
                return
            self._attempts_since_frame += 1
            self._stats.reconnects += 1
            problem = self._connect()
            if problem is None:
                logger.info(
                    "camera %s: %s: reopened (attempt %d)", self.camera_id, self._label, self._attempts_since_frame
                )
                return
            self._stats.last_error = problem
            logger.debug(
                "camera %s: %s: attempt %d failed: %s", self.camera_id, self._label, self._attempts_since_frame, problem
            )
