"""storelens: open-source CCTV analytics for physical stores."""

import os

# FFmpeg (inside OpenCV) prints a line per broken packet of a damaged video straight to the
# terminal (1,381 for one AVI), around the one line storelens reports the problem in. OpenCV reads
# its level once, when the process first opens or writes a video, so it is set on import, before
# any can be; a level the user exported (to debug a stream) is kept. AV_LOG_QUIET is -8.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

from storelens.errors import StorelensError  # noqa: E402
from storelens.types import Detections, Frame  # noqa: E402

__all__ = ["Detections", "Frame", "StorelensError", "__version__"]
__version__ = "0.1.0"
