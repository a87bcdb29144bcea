"""A folder of still images played as a video (MOT-style ``img1/000001.jpg`` sequences).

Files are ordered naturally (``frame2`` before ``frame10``) because benchmark folders and
camera exports rarely zero-pad consistently. Frames the analysis rate skips are never read
from disk.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import cv2

from storelens.errors import SourceError
from storelens.sources.base import SourceBase, StreamTimeRate, check_rate, check_start_time
from storelens.types import Frame

__all__ = ["IMAGE_SUFFIXES", "ImageFolderSource", "natural_key"]

logger = logging.getLogger(__name__)

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"})
"""File name endings (lower case) taken as frames; other files in the folder are ignored."""

_DIGITS = re.compile(r"(\d+)")


def natural_key(name: str) -> list[str | int]:
    """Sort key that compares runs of digits as numbers.

    >>> sorted(["f10.png", "f2.png", "F1.png"], key=natural_key)
    ['F1.png', 'f2.png', 'f10.png']
    """
    return [int(part) if i % 2 else part.lower() for i, part in enumerate(_DIGITS.split(name))]


class ImageFolderSource(SourceBase):
    """Frames read from the image files of one folder (not its subfolders).

    ``resolution_wh`` is the first image's; later images are not checked against it.

    Args:
        folder: Directory holding the frames.
        fps: Frame rate the images were captured at; images carry none, so it is required.
        camera_id: Camera name stamped on every frame.
        analysis_fps: Yield about this many frames per second of stream time.
        start_time: UTC time of the first image (tz-aware); the Unix epoch if None.
        accept_partial: Skip an image that cannot be read, with a warning, instead of raising.

    Raises:
        SourceError: The folder is missing, holds no images, its first image cannot be read,
            or ``fps`` is None; while iterating, an image cannot be read (unless
            ``accept_partial``).
        ConfigError: ``fps``/``analysis_fps`` are not positive, or ``start_time`` is naive.
    """

    def __init__(
        self,
        folder: str | Path,
        *,
        fps: float | None,
        camera_id: str = "cam",
        analysis_fps: float | None = None,
        start_time: datetime | None = None,
        accept_partial: bool = False,
    ) -> None:
        super().__init__(camera_id)
        self._folder = Path(folder)
        self._accept_partial = accept_partial
        chosen_fps = check_rate("fps", fps)
        analysis_rate = check_rate("analysis_fps", analysis_fps)
        self._start_time = check_start_time(start_time)
        if not self._folder.is_dir():
            raise SourceError(f"{self._folder}: no such image folder")
        if chosen_fps is None:
            raise SourceError(f"{self._folder}: images carry no frame rate; pass fps")
        self._fps = chosen_fps
        self._rate = StreamTimeRate(chosen_fps, analysis_rate)
        self._files: list[Path] | None = sorted(
            (p for p in self._folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()),
            key=lambda p: natural_key(p.name),
        )
        if not self._files:
            suffixes = ", ".join(sorted(IMAGE_SUFFIXES))
            raise SourceError(f"{self._folder}: no image files ({suffixes}) in folder")
        first = cv2.imread(str(self._files[0]), cv2.IMREAD_COLOR)
        if first is None:
            raise SourceError(f"{self._files[0]}: cannot read image")
        self._resolution_wh = (int(first.shape[1]), int(first.shape[0]))

    @property
    def frame_count(self) -> int:
        """Number of image files found (0 once closed)."""
        return len(self._files or ())

    def _release(self) -> None:
        self._files = None

    def _frames(self) -> Iterator[Frame]:
        for index, path in enumerate(self._files or ()):
            if self._closed.is_set():
                return
            if not self._rate.keep(index):
                self._stats.frames_skipped += 1
                continue
            image = cv2.imread(str(path), cv2.IMREAD_COLOR)
            if image is None:
                problem = f"{path}: cannot read image (frame {index})"
                if not self._accept_partial:
                    raise SourceError(f"{problem}; pass --accept-partial to skip unreadable images")
                # Its slot stays empty, so later timestamps are unchanged.
                self._stats.last_error = problem
                logger.warning("camera %s: %s; skipped", self.camera_id, problem)
                continue
            yield self._frame(index, self._start_time + timedelta(seconds=index / self._fps), image)
