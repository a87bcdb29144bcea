"""What every frame source offers, and the pieces the concrete sources share.

A source turns some video input into :class:`~storelens.types.Frame` objects with a frame
index and a UTC timestamp, thinned to the rate the analysis needs. Thinning is decided
*before* a frame is decoded, so frames the pipeline will not look at cost as little as the
input allows.
"""

from __future__ import annotations

import math
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from types import TracebackType
from typing import ClassVar, Protocol, Self, runtime_checkable

import cv2
import numpy as np

from storelens.errors import ConfigError
from storelens.types import Frame

__all__ = [
    "EPOCH",
    "FrameSource",
    "SourceBase",
    "SourceStats",
    "StreamTimeRate",
    "WallClockRate",
    "check_rate",
    "check_start_time",
]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
"""Default start of stream time for files whose real start is not known yet."""

_RATE_EPSILON = 1e-9
"""Slack for float error when deciding whether frame i crosses an analysis tick."""

_LIVE_JITTER_FRACTION = 0.25
"""Share of the analysis period a live frame may arrive early and still count as on time."""


@dataclass(slots=True)
class SourceStats:
    """Counters a source keeps while it runs, for logs and health checks.

    Attributes:
        frames_read: Frames decoded and yielded.
        frames_skipped: Frames grabbed but dropped by the analysis rate (never decoded fully).
        drops: Times a live stream failed or ended and had to be reopened.
        reconnects: Reconnection attempts made (successful or not).
        last_error: One-line description of the most recent problem, or None.
    """

    frames_read: int = 0
    frames_skipped: int = 0
    drops: int = 0
    reconnects: int = 0
    last_error: str | None = None


@runtime_checkable
class FrameSource(Protocol):
    """An iterable of frames from one camera, to be closed when done.

    Iterate once; frames come in source order with increasing ``index``. ``close()`` may be
    called from another thread to stop a live source; iteration then ends quietly.
    """

    @property
    def camera_id(self) -> str: ...

    @property
    def nominal_fps(self) -> float | None:
        """Frames per second of the input (override, else container); None if unknown (live)."""
        ...

    @property
    def resolution_wh(self) -> tuple[int, int]:
        """(width, height) in pixels of the frames; (0, 0) if a live source has not said yet."""
        ...

    @property
    def is_live(self) -> bool:
        """True when timestamps are wall-clock capture times rather than stream times."""
        ...

    @property
    def stats(self) -> SourceStats: ...

    def __iter__(self) -> Iterator[Frame]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def check_rate(name: str, value: float | None) -> float | None:
    """Validate an optional frame rate from the user's config.

    Args:
        name: Parameter name, quoted in the error.
        value: Frames per second, or None for "not given".

    Returns:
        The rate as a float, or None.

    Raises:
        ConfigError: The rate is not a positive finite number.
    """
    if value is None:
        return None
    rate = float(value)
    if not math.isfinite(rate) or rate <= 0:
        raise ConfigError(f"{name} must be a positive number of frames per second, got {value!r}")
    return rate


def check_start_time(start_time: datetime | None) -> datetime:
    """Return the UTC start of stream time, defaulting to the Unix epoch.

    Naive datetimes are refused: guessing their zone would shift every event in the store's
    reports by hours without anyone noticing.

    Raises:
        ConfigError: ``start_time`` has no time zone.
    """
    if start_time is None:
        return EPOCH
    if start_time.tzinfo is None or start_time.utcoffset() is None:
        raise ConfigError(f"start_time {start_time.isoformat()} has no time zone; give one (e.g. +00:00)")
    return start_time.astimezone(timezone.utc)


def _quiet_opencv_log() -> None:
    """Keep OpenCV's own warnings (a file it cannot open, a stream it drops) out of the user's
    terminal, where storelens reports the problem in one line; FFmpeg's are quieted when
    storelens is imported. ``OPENCV_LOG_LEVEL``, if the user exported it, is kept."""
    if "OPENCV_LOG_LEVEL" not in os.environ:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


_quiet_opencv_log()


class StreamTimeRate:
    """Picks frames by stream time: frame i is kept when it is the first at or after a tick.

    Ticks are at multiples of ``1 / analysis_fps`` seconds and frame i sits at
    ``i / source_fps`` seconds, so 25 fps thinned to 5 keeps 0, 5, 10, ... and 7 fps thinned
    to 5 keeps 5 frames out of every 7 as evenly as whole frames allow.

    >>> rate = StreamTimeRate(source_fps=25.0, analysis_fps=5.0)
    >>> [i for i in range(16) if rate.keep(i)]
    [0, 5, 10, 15]
    """

    def __init__(self, source_fps: float, analysis_fps: float | None) -> None:
        self._ratio = 1.0 if analysis_fps is None else min(1.0, analysis_fps / source_fps)

    def keep(self, index: int) -> bool:
        """Whether frame ``index`` (0-based) should be decoded and yielded."""
        if index == 0 or self._ratio >= 1.0:
            return True
        tick = math.floor(index * self._ratio + _RATE_EPSILON)
        previous_tick = math.floor((index - 1) * self._ratio + _RATE_EPSILON)
        return tick != previous_tick


class WallClockRate:
    """Picks live frames by arrival time on a fixed schedule of ``analysis_fps`` ticks.

    The schedule is anchored (next tick = previous tick + period) so network jitter does not
    make the rate drift; after a long gap (a reconnect) it restarts from the next frame.
    """

    def __init__(self, analysis_fps: float | None) -> None:
        self._period_s = None if analysis_fps is None else 1.0 / analysis_fps
        self._next_due_s: float | None = None

    def keep(self, monotonic_s: float) -> bool:
        """Whether a frame that arrived at ``monotonic_s`` (time.monotonic seconds) is kept."""
        if self._period_s is None:
            return True
        if self._next_due_s is None or monotonic_s - self._next_due_s > self._period_s:
            self._next_due_s = monotonic_s + self._period_s
            return True
        if monotonic_s >= self._next_due_s - _LIVE_JITTER_FRACTION * self._period_s:
            self._next_due_s += self._period_s
            return True
        return False


class SourceBase(ABC):
    """Shared bookkeeping: identity, rate, size, stats, one-pass iteration and close-from-any-thread.

    Subclasses implement :meth:`_frames` (the generator) and :meth:`_release` (free the
    decoder), set ``_fps`` and ``_resolution_wh`` once they know them, and yield frames made
    by :meth:`_frame`. ``_lock`` guards the decoder so ``close()`` from another thread never
    frees it while the iterating thread is inside a read.
    """

    _live: ClassVar[bool] = False
    """Whether timestamps are the wall clock at capture (see :attr:`is_live`)."""

    def __init__(self, camera_id: str) -> None:
        self._camera_id = camera_id
        self._fps: float | None = None
        self._resolution_wh = (0, 0)
        self._stats = SourceStats()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._iterated = False

    @property
    def camera_id(self) -> str:
        return self._camera_id

    @property
    def nominal_fps(self) -> float | None:
        """Frames per second of the input (override, else container); None if unknown (live)."""
        return self._fps

    @property
    def resolution_wh(self) -> tuple[int, int]:
        """(width, height) in pixels of the frames; (0, 0) if a live source has not said yet."""
        return self._resolution_wh

    @property
    def is_live(self) -> bool:
        """True when timestamps are wall-clock capture times rather than stream times."""
        return self._live

    @property
    def stats(self) -> SourceStats:
        return self._stats

    def __iter__(self) -> Iterator[Frame]:
        if self._iterated:
            raise RuntimeError(f"camera {self._camera_id}: a source can be iterated only once; open it again")
        self._iterated = True
        return self._guarded_frames()

    def _guarded_frames(self) -> Iterator[Frame]:
        try:
            yield from self._frames()
        finally:
            self.close()

    @abstractmethod
    def _frames(self) -> Iterator[Frame]:
        """Yield frames until the input ends or ``_closed`` is set."""

    @abstractmethod
    def _release(self) -> None:
        """Free the decoder; called with ``_lock`` held, possibly more than once."""

    def _frame(self, index: int, ts: datetime, image: np.ndarray) -> Frame:
        """A decoded image as this camera's frame, counted as read."""
        self._stats.frames_read += 1
        return Frame(camera_id=self._camera_id, index=index, ts=ts, image=image)

    def close(self) -> None:
        """Stop iteration and free the decoder; safe to call twice or from another thread."""
        self._closed.set()
        with self._lock:
            self._release()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
