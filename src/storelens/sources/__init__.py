"""Video in, timestamped frames out: files, image folders, network streams and webcams.

Use :func:`open_source`; it picks the concrete source from the URI and returns a
:class:`FrameSource`.
"""

from storelens.sources.base import EPOCH, FrameSource, SourceStats
from storelens.sources.factory import STREAM_SCHEMES, is_live_uri, open_source
from storelens.sources.images import IMAGE_SUFFIXES, ImageFolderSource
from storelens.sources.live import LiveSource, ReconnectPolicy
from storelens.sources.video import VideoFileSource

__all__ = [
    "EPOCH",
    "IMAGE_SUFFIXES",
    "STREAM_SCHEMES",
    "FrameSource",
    "ImageFolderSource",
    "LiveSource",
    "ReconnectPolicy",
    "SourceStats",
    "VideoFileSource",
    "is_live_uri",
    "open_source",
]
