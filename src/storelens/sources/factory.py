"""Pick the right source for what the user wrote in the config or on the command line."""

from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

from storelens.errors import SourceError
from storelens.sources.base import FrameSource
from storelens.sources.images import ImageFolderSource
from storelens.sources.live import LiveSource, ReconnectPolicy, redact_url
from storelens.sources.video import VideoFileSource

__all__ = ["SIMULATED_SCHEME", "STREAM_SCHEMES", "has_pixels", "is_live_uri", "open_source"]

STREAM_SCHEMES = frozenset({"rtsp", "rtsps", "rtmp", "http", "https"})
"""URL schemes opened as live network streams."""

SIMULATED_SCHEME = "sim"
"""``sim://<camera>``: a camera of the simulated shop (`storelens.sim`), which draws no pixels."""


def has_pixels(uri: str | int | os.PathLike[str]) -> bool:
    """Whether the source shows an image at all (a simulated camera does not)."""
    return isinstance(uri, int) or urlsplit(os.fspath(uri)).scheme.lower() != SIMULATED_SCHEME

_WEBCAM_DEVICE = re.compile(r"/dev/video(\d+)")


def is_live_uri(uri: str | int | os.PathLike[str]) -> bool:
    """Whether `open_source` would open ``uri`` as a live source (webcam or network stream)."""
    if isinstance(uri, int):
        return True
    text = os.fspath(uri)
    if text.isdigit() or _WEBCAM_DEVICE.fullmatch(text):
        return True
    return "://" in text and urlsplit(text).scheme.lower() in STREAM_SCHEMES


def open_source(
    uri: str | int | os.PathLike[str],
    camera_id: str = "cam",
    fps: float | None = None,
    analysis_fps: float | None = None,
    *,
    start_time: datetime | None = None,
    reconnect: ReconnectPolicy | None = None,
    accept_partial: bool = False,
) -> FrameSource:
    """Open a video file, image folder, network stream or webcam as a frame source.

    The kind is chosen from ``uri``: an int, a string of digits or ``/dev/videoN`` is a
    webcam; ``rtsp://``, ``rtsps://``, ``rtmp://``, ``http://`` and ``https://`` are live
    streams; an existing directory is a folder of images; any other existing path is a
    video file (mp4, avi, mkv, mov, gif, ...).

    Args:
        uri: What to open (see above).
        camera_id: Camera name stamped on every frame.
        fps: Frame rate override: used for timestamps of files (whose container value can be
            wrong) and required for image folders; reported as ``nominal_fps`` for live ones.
        analysis_fps: Yield about this many frames per second (stream time for files, wall
            clock for live sources); None yields every frame.
        start_time: UTC time of frame 0 for files and folders (tz-aware); the Unix epoch if
            None. Live sources ignore it: they stamp the wall clock.
        reconnect: Timeouts and retry behaviour of live sources; defaults if None.
        accept_partial: A truncated or corrupt file ends with a warning, an unreadable image
            of a folder is skipped with one, instead of a SourceError while iterating.

    Returns:
        An open source; use it as a context manager or call ``close()``.

    Raises:
        SourceError: The input is missing, unreadable, of an unknown URL scheme, or lacks
            a frame rate that ``fps`` must supply; while iterating, a file or an image is
            truncated or corrupt (unless ``accept_partial``).
        ConfigError: A rate is not positive, or ``start_time`` is naive.
    """
    if isinstance(uri, int):
        return LiveSource(uri, camera_id=camera_id, fps=fps, analysis_fps=analysis_fps, policy=reconnect)
    text = os.fspath(uri)
    device = _WEBCAM_DEVICE.fullmatch(text)
    if text.isdigit() or device:
        index = int(device.group(1)) if device else int(text)
        return LiveSource(index, camera_id=camera_id, fps=fps, analysis_fps=analysis_fps, policy=reconnect)
    if "://" in text:
        scheme = urlsplit(text).scheme.lower()
        if scheme == SIMULATED_SCHEME:
            raise SourceError(
                f"{text} is a simulated camera (storelens demo): it has no pixels to show; its frames exist "
                "only inside the demo's own run"
            )
        if scheme not in STREAM_SCHEMES:
            known = ", ".join(sorted(STREAM_SCHEMES))
            raise SourceError(f"{redact_url(text)}: unsupported URL scheme {scheme!r} (use {known}, or a path)")
        return LiveSource(text, camera_id=camera_id, fps=fps, analysis_fps=analysis_fps, policy=reconnect)
    path = Path(text).expanduser()
    kind = ImageFolderSource if path.is_dir() else VideoFileSource
    return kind(
        path,
        camera_id=camera_id,
        fps=fps,
        analysis_fps=analysis_fps,
        start_time=start_time,
        accept_partial=accept_partial,
    )
