"""A live camera kept for the whole run: opened again, after doubling waits, whenever it fails.

After a power cut the box boots before the cameras, so every camera is down for the first minute;
later a stream drops when a switch reboots. Instead of ending the camera (a thread that ends is
never restarted: the other cameras keep the process alive), `SupervisedSource` reopens it until it
works or the run stops, and says each change of state once: a log line, and a health report that
the dashboard's Cameras page shows. The frames of every reopening continue one numbering, so the
tracker sees one stream with a gap.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from storelens.errors import SourceError, first_line
from storelens.sources.base import FrameSource, SourceBase
from storelens.sources.live import ReconnectPolicy
from storelens.types import Frame

__all__ = ["LIVE_CAMERA_RETRY", "SupervisedSource"]

logger = logging.getLogger(__name__)

LIVE_CAMERA_RETRY = ReconnectPolicy(initial_delay_s=1.0, max_delay_s=30.0)
"""How a store's live cameras are retried: 1 s doubling to 30 s, until the run stops."""


class SupervisedSource(SourceBase):
    """Frames of a live camera that is reopened with ``policy``'s doubling waits whenever opening
    or reading it raises `SourceError`; ``close()`` (from any thread) ends a wait at once.

    Open the camera with ``max_reconnects=0`` (`LiveSource` then raises at a drop instead of
    reconnecting by itself, unseen), so that this one loop retries and reports both cases. A
    source that ends by itself has ended: a live stream never does.

    Args:
        open_camera: Opens the camera's source; called again for every attempt.
        camera_id: Camera name, in logs and on the frames.
        policy: Waits between attempts; ``max_reconnects`` failed reopenings in a row (since
            the last frame) end it with `SourceError`, None retries until ``close()``.
        report: Told each attempt that fails (one line: why, and the next attempt) and, with
            None, when frames flow again: the camera's health record.
    """

    _live = True

    def __init__(
        self,
        open_camera: Callable[[], FrameSource],
        camera_id: str,
        policy: ReconnectPolicy,
        report: Callable[[str | None], None],
    ) -> None:
        super().__init__(camera_id)
        self._open_camera = open_camera
        self._policy = policy
        self._report = report
        self._source: FrameSource | None = None

    def _frames(self) -> Iterator[Frame]:
        next_index, failures, down_since = 0, 0, 0.0
        while not self._closed.is_set():
            try:
                source = self._open()
                if source is None:
                    return
                offset = next_index
                for frame in source:
                    if failures:  # at the level of the warning it ends, so whoever saw one sees both
                        logger.warning("camera %s back after %.0f s", self.camera_id, time.monotonic() - down_since)
                        self._report(None)
                        failures = 0
                    next_index = offset + frame.index + 1
                    yield self._frame(offset + frame.index, frame.ts, frame.image)
                return
            except SourceError as err:
                if self._closed.is_set():
                    return
                reason = first_line(err)
                self._stats.last_error = reason
                limit = self._policy.max_reconnects
                if limit is not None and failures >= limit:
                    raise SourceError(f"{reason}; gave up after {failures} reconnect attempts") from None
                delay_s = self._policy.delay_s(failures)
                if not failures:
                    down_since = time.monotonic()
                    self._stats.drops += 1
                    logger.warning("camera %s down: %s; retrying in %g s", self.camera_id, reason, delay_s)
                else:
                    logger.debug("camera %s still down: %s; retrying in %g s", self.camera_id, reason, delay_s)
                self._report(f"down: {reason}; retrying in {delay_s:g} s")
                failures += 1
                if self._closed.wait(delay_s):
                    return
                self._stats.reconnects += 1

    def _open(self) -> FrameSource | None:
        """The camera's source, now current (None if ``close()`` came first)."""
        source = self._open_camera()
        with self._lock:
            if self._closed.is_set():
                source.close()
                return None
            self._source = source
        self._fps, self._resolution_wh = source.nominal_fps, source.resolution_wh
        return source

    def _release(self) -> None:
        if self._source is not None:
            self._source.close()
