"""Frames of a simulated camera: timestamps and a blank picture, for `SimDetector` to fill.

The pipeline pulls frames from a source and hands them to the detector; a simulated camera has
no pixels worth decoding, so its frames carry a zero-copy black image of the right size and the
detector reads the people from the simulation instead.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import numpy as np

from storelens.sim.model import SimCamera
from storelens.sources.base import SourceBase, check_rate, check_start_time
from storelens.types import Frame

__all__ = ["SimSource"]

_BLACK_PIXEL = np.zeros((1, 1, 3), np.uint8)


class SimSource(SourceBase):
    """Frames 0, 1, 2, ... of a simulated camera at ``start + k / fps``.

    Args:
        camera: The simulated camera (id and image size).
        n_frames: Frames to yield; None never ends (stop it with ``close()``).
        start: UTC time of frame 0 (tz-aware).
        fps: Frame rate; the camera's if None.
        live: Pace frames to the wall clock (frame k is yielded no earlier than ``k / fps``
            seconds after iteration starts), as a live camera would deliver them.

    Raises:
        ConfigError: ``fps`` is not positive or ``start`` is naive.
    """

    def __init__(
        self,
        camera: SimCamera,
        n_frames: int | None,
        start: datetime,
        fps: float | None = None,
        live: bool = False,
    ) -> None:
        super().__init__(camera.camera_id)
        self._fps = float(check_rate("fps", camera.fps if fps is None else fps))
        self._start = check_start_time(start)
        self._n_frames = n_frames
        self._live = live
        self._image = np.broadcast_to(_BLACK_PIXEL, (camera.height, camera.width, 3))

    @property
    def nominal_fps(self) -> float:
        return self._fps

    @property
    def resolution_wh(self) -> tuple[int, int]:
        return int(self._image.shape[1]), int(self._image.shape[0])

    @property
    def is_live(self) -> bool:
        return self._live

    def _release(self) -> None:
        """Nothing to free: the frames are views of one black pixel."""

    def _frames(self) -> Iterator[Frame]:
        began = time.monotonic()
        k = 0
        while self._n_frames is None or k < self._n_frames:
            if self._live:
                self._closed.wait(max(0.0, began + k / self._fps - time.monotonic()))
            if self._closed.is_set():
                return
            self._stats.frames_read += 1
            yield Frame(self.camera_id, k, self._start + timedelta(seconds=k / self._fps), self._image)
            k += 1
