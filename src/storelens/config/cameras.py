"""Cameras: where each video comes from, how fast to analyse it, and how it maps to the floor.

A calibration is one of three kinds, chosen by ``kind``:

* ``homography``: four or more floor points clicked in the image. Enough for a flat floor
  seen by an ordinary lens; the quickest to set up in a shop.
* ``opencv_json``: a view of a full OpenCV calibration file (intrinsics, distortion, pose),
  for wide-angle lenses whose distortion bends a homography's straight lines.
* ``pinhole``: the same model written inline.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any, Literal, Self

import numpy as np
from pydantic import (
    BeforeValidator,
    Field,
    FiniteFloat,
    PositiveFloat,
    StringConstraints,
    field_validator,
    model_validator,
)

from storelens.config.base import FloorPoint, ImagePoint, StorelensModel
from storelens.geometry.polygons import most_points_on_a_line

__all__ = [
    "CAMERA_ID_PATTERN",
    "MIN_HOMOGRAPHY_POINTS",
    "CalibrationConfig",
    "CameraConfig",
    "CameraId",
    "HomographyCalibrationConfig",
    "OpenCvJsonCalibrationConfig",
    "PinholeCalibrationConfig",
    "PointPairConfig",
]

CAMERA_ID_PATTERN = r"^[A-Za-z0-9_-]+$"
"""Camera ids name files (``calibration_<id>.png``) and database rows, so no spaces or slashes."""

MIN_HOMOGRAPHY_POINTS = 4
"""A plane-to-plane homography has 8 unknowns; each point pair gives 2 equations."""

ROTATION_TOLERANCE = 1e-3
"""How far R^T R may be from the identity (and det R from 1) before R is not a rotation."""

DISTORTION_LENGTHS = (4, 5, 8, 12, 14)
"""Numbers of distortion coefficients OpenCV accepts."""

CameraId = Annotated[str, StringConstraints(pattern=CAMERA_ID_PATTERN)]

_Row3 = tuple[FiniteFloat, FiniteFloat, FiniteFloat]
_Matrix3 = tuple[_Row3, _Row3, _Row3]


class PointPairConfig(StorelensModel):
    """One landmark seen by a camera: where it is in the image and where it is on the floor."""

    image_px: ImagePoint = Field(title="Image pixel", description="Pixel [x, y] of the landmark in the frame")
    floor_m: FloorPoint = Field(title="Floor position", description="Position [x, y] of the landmark, metres")


def _check_points_spread(points: list[PointPairConfig]) -> None:
    """Refuse point sets that fix no homography: repeats, or all points but one on one line."""
    for name in ("image_px", "floor_m"):
        values = [getattr(p, name) for p in points]
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"{name} {list(repeated[0])} appears more than once; each pair needs its own landmark")
        in_line = most_points_on_a_line(values)
        if in_line >= len(values) - 1:
            raise ValueError(
                f"{in_line} of the {len(values)} {name} points lie on one line; a homography needs "
                "4 landmarks with no three in line, so spread them over the floor"
            )


def _check_points_field() -> Any:
    return Field(
        default_factory=list,
        title="Check points",
        description=(
            "Optional landmarks not used for fitting; `storelens calibrate` reports how far the "
            "calibration puts them from where they are (floor metres and pixels)"
        ),
    )


class HomographyCalibrationConfig(StorelensModel):
    """A floor homography fitted to point pairs: image pixel <-> floor metres."""

    kind: Literal["homography"] = Field(title="Kind", description="Calibration kind")
    points: list[PointPairConfig] = Field(
        min_length=MIN_HOMOGRAPHY_POINTS,
        title="Point pairs",
        description=(
            "Landmarks on the floor (tile corners, taped marks) with their pixel and their floor "
            "position; at least 4, spread over the area people walk in, no three on one line"
        ),
    )

    @field_validator("points")
    @classmethod
    def _check_points(cls, points: list[PointPairConfig]) -> list[PointPairConfig]:
        _check_points_spread(points)
        return points


class OpenCvJsonCalibrationConfig(StorelensModel):
    """One view of an OpenCV calibration file ``{view: {K, dist, R, t}}``."""

    kind: Literal["opencv_json"] = Field(title="Kind", description="Calibration kind")
    file: Path = Field(title="File", description="Calibration JSON file, relative to the config file")
    view: str = Field(min_length=1, title="View", description="Key of this camera's entry in the file")
    world_unit_m: PositiveFloat = Field(
        title="World unit",
        description=(
            "Metres per unit of the file's translations (0.001 for millimetres, 1 for metres); no "
            "default because both are common and a wrong guess scales every distance 1000-fold"
        ),
    )
    check_points: list[PointPairConfig] = _check_points_field()


class PinholeCalibrationConfig(StorelensModel):
    """An OpenCV pinhole camera written inline: ``x_px ~ K * distort(R * X_world + t)``."""

    kind: Literal["pinhole"] = Field(title="Kind", description="Calibration kind")
    K: _Matrix3 = Field(
        title="Intrinsics", description="3x3 intrinsic matrix in pixels, [[fx, 0, cx], [0, fy, cy], [0, 0, 1]]"
    )
    dist: list[FiniteFloat] = Field(
        default_factory=lambda: [0.0] * 5,
        title="Distortion",
        description="OpenCV distortion coefficients k1, k2, p1, p2[, k3, ...] (4, 5, 8, 12 or 14 numbers)",
    )
    R: _Matrix3 = Field(title="Rotation", description="3x3 rotation from world (floor) axes to camera axes")
    t: _Row3 = Field(title="Translation", description="World -> camera translation, world units")
    world_unit_m: PositiveFloat = Field(
        title="World unit",
        description="Metres per world unit of t (0.001 for millimetres, 1 for metres); no default, as for opencv_json",
    )
    check_points: list[PointPairConfig] = _check_points_field()

    @model_validator(mode="after")
    def _check_model(self) -> Self:
        fx, fy = self.K[0][0], self.K[1][1]
        if not (fx > 0 and fy > 0) or tuple(self.K[2]) != (0.0, 0.0, 1.0):
            raise ValueError("K must be [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] with fx, fy > 0")
        if len(self.dist) not in DISTORTION_LENGTHS:
            raise ValueError(f"dist has {len(self.dist)} coefficients; OpenCV takes {DISTORTION_LENGTHS}")
        R, t = np.array(self.R), np.array(self.t)
        orthonormal = np.allclose(R.T @ R, np.eye(3), atol=ROTATION_TOLERANCE)
        if not orthonormal or not math.isclose(np.linalg.det(R), 1.0, abs_tol=ROTATION_TOLERANCE):
            raise ValueError("R is not a rotation matrix (orthonormal with determinant +1)")
        if (-R.T @ t)[2] <= 0:
            raise ValueError("the camera centre -R^T t is not above the floor (z <= 0): check R and t")
        return self


CalibrationConfig = Annotated[
    HomographyCalibrationConfig | OpenCvJsonCalibrationConfig | PinholeCalibrationConfig,
    Field(discriminator="kind"),
]
"""Any calibration kind, picked by its ``kind`` key."""


def _check_source(value: object) -> object:
    """One clear message for a source that is neither text nor a webcam number."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        # ValueError, not TypeError: pydantic turns only ValueError into a validation error.
        raise ValueError(f"source must be a file or folder path, a URL or a webcam number, got {value!r}")  # noqa: TRY004
    if isinstance(value, int) and value < 0:
        raise ValueError(f"webcam number must be 0 or more, got {value}")
    if isinstance(value, str) and not value.strip():
        raise ValueError("source is empty")
    return value


class CameraConfig(StorelensModel):
    """One camera: its video source, frame rates and floor calibration."""

    source: Annotated[str | int, BeforeValidator(_check_source)] = Field(
        title="Source",
        description=(
            "Video file or image folder (relative to the config file), rtsp:// / http(s):// URL, "
            "or webcam number (0, /dev/video0)"
        ),
    )
    fps: PositiveFloat | None = Field(
        None,
        title="True frame rate",
        description="Frames per second the camera really records, when the file's container is wrong",
    )
    analysis_fps: PositiveFloat | None = Field(
        None,
        title="Analysis rate",
        description=(
            "Analyse only this many frames per second: fewer saves CPU for more cameras, but a "
            "person walking fast moves further between looks and is harder to follow"
        ),
    )
    calibration: CalibrationConfig | None = Field(
        None,
        title="Calibration",
        description=(
            "How image pixels map to floor metres; without it the camera is tracked in pixels "
            "only and adds nothing to floor analytics"
        ),
    )
    demographics: bool = Field(
        False,
        title="Demographics",
        description=(
            "Estimate each visitor's age band and gender from their face (for a door camera that "
            "sees people walk in); faces stay in memory and only counts per visit are stored. "
            "Off: no face model is loaded"
        ),
    )
    privacy: Literal["heads", "silhouette"] = Field(
        "heads",
        title="Privacy",
        description=(
            "What every image storelens shows of this camera hides (`calibrate`'s check image, the "
            "dashboard's check.png): `heads` pixelates each person's head; `silhouette` fills each "
            "whole person, for sites where clothes and build must not be seen either"
        ),
    )

    @model_validator(mode="after")
    def _check_rates(self) -> Self:
        if self.fps is not None and self.analysis_fps is not None and self.analysis_fps > self.fps:
            raise ValueError(
                f"analysis_fps {self.analysis_fps:g} is above fps {self.fps:g}: a camera cannot "
                "give more frames than it records"
            )
        return self
