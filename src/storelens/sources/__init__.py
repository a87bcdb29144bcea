"""Video in, timestamped frames out: files, image folders, network streams and webcams.

Use :func:`open_source`; it picks the concrete source from the URI and returns a
:class:`FrameSource`.
"""

from storelens.sources.base import EPOCH, FrameSource, SourceStats
from storelens.sources.factory import SIMULATED_SCHEME, STREAM_SCHEMES, has_pixels, is_live_uri, open_source
from storelens.sources.images import IMAGE_SUFFIXES, ImageFolderSource
from storelens.sources.live import LiveSource, ReconnectPolicy
from storelens.sources.video import VideoFileSource

__all__ = [
    "EPOCH",
    "IMAGE_SUFFIXES",
    "SIMULATED_SCHEME",
    "STREAM_SCHEMES",
    "FrameSource",
    "ImageFolderSource",
    "LiveSource",
    "ReconnectPolicy",
    "SourceStats",
    "VideoFileSource",
    "has_pixels",
    "is_live_uri",
    "open_source",
]
