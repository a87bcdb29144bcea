"""Floor geometry: image pixels <-> floor metres, and polygons and lines on the floor."""

from storelens.geometry.camera import FloorMapper, PinholeCamera, box_floor_points, load_opencv_cameras
from storelens.geometry.homography import HomographyCalibration, ReprojectionError
from storelens.geometry.polygons import (
    distance_to_boundary,
    points_in_polygon,
    polygon_area_m2,
    polygon_problem,
    segments_cross,
    side_of_line,
)

__all__ = [
    "FloorMapper",
    "HomographyCalibration",
    "PinholeCamera",
    "ReprojectionError",
    "box_floor_points",
    "distance_to_boundary",
    "load_opencv_cameras",
    "points_in_polygon",
    "polygon_area_m2",
    "polygon_problem",
    "segments_cross",
    "side_of_line",
]
