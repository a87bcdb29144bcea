"""Camera geometry: image pixels <-> floor metres."""

from storelens.geometry.camera import FloorMapper, PinholeCamera, load_opencv_cameras
from storelens.geometry.homography import HomographyCalibration, ReprojectionError

__all__ = ["FloorMapper", "HomographyCalibration", "PinholeCamera", "ReprojectionError", "load_opencv_cameras"]
