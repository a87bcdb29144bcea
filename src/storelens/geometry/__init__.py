"""Camera geometry: image pixels <-> floor metres."""

from storelens.geometry.camera import FloorMapper, PinholeCamera, load_opencv_cameras

__all__ = ["FloorMapper", "PinholeCamera", "load_opencv_cameras"]
