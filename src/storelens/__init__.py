"""storelens: open-source CCTV analytics for physical stores."""

from storelens.errors import StorelensError
from storelens.types import Detections, Frame

__all__ = ["Detections", "Frame", "StorelensError", "__version__"]
__version__ = "0.1.0"
