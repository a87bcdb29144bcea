"""Read the Wildtrack multi-camera dataset: per-view boxes of people with one id across views.

Wildtrack (EPFL CVLab) films one square from seven overlapping cameras. Every 5th video frame
(2 fps) is annotated: each person has a ``personID`` shared by all views, a ground position (a
cell of a 2.5 cm grid) and a box in every view that sees them. There are no images in the shared
copy, so the boxes stand in for a detector's, which makes it a test of multi-camera association
and fusion alone. Calibrations are OpenCV XML files, extrinsics in centimetres.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from storelens.errors import EvalError
from storelens.geometry.camera import PinholeCamera

__all__ = ["VIEWS", "FPS", "WildtrackAnnotations", "load_wildtrack", "read_wildtrack_camera"]

VIEWS = ("CVLab1", "CVLab2", "CVLab3", "CVLab4", "IDIAP1", "IDIAP2", "IDIAP3")
"""Camera names in ``viewNum`` order."""

FPS = 2.0
"""Annotated instants per second."""

_GRID_ORIGIN_M = (-3.0, -9.0)
_GRID_STEP_M = 0.025
_GRID_WIDTH = 480
_CM = 0.01


@dataclass(frozen=True, slots=True)
class WildtrackAnnotations:
    """All annotated boxes, one row per person and instant.

    Attributes:
        frame: (n,) int64 video frame number of the instant (file name; steps of 5).
        person_id: (n,) int64 identity, the same in every view.
        xy_m: (n, 2) float64 ground position, metres, in the calibrations' world frame.
        boxes: (n, 7, 4) float64 box x1, y1, x2, y2 per view in undistorted pixels; NaN where the
            view does not see the person.
        cameras: Calibration per view name, in `VIEWS` order (use with undistorted boxes).
    """

    frame: np.ndarray
    person_id: np.ndarray
    xy_m: np.ndarray
    boxes: np.ndarray
    cameras: dict[str, PinholeCamera]

    def __len__(self) -> int:
        return len(self.frame)


def read_wildtrack_camera(intrinsic_xml: Path, extrinsic_xml: Path) -> PinholeCamera:
    """A view's camera from its OpenCV XML intrinsics and ``rvec``/``tvec`` (centimetres) extrinsics."""
    try:
        intr = ET.parse(intrinsic_xml).getroot()
        extr = ET.parse(extrinsic_xml).getroot()
        K = _numbers(intr, "camera_matrix/data").reshape(3, 3)
        dist = _numbers(intr, "distortion_coefficients/data")
        rvec, tvec = _numbers(extr, "rvec"), _numbers(extr, "tvec")
    except (OSError, ET.ParseError, ValueError) as err:
        names = f"{intrinsic_xml.name}/{extrinsic_xml.name}"
        raise EvalError(f"{names}: cannot read Wildtrack calibration: {err}") from None
    R, _ = cv2.Rodrigues(rvec)
    return PinholeCamera(K=K, dist=dist, R=R, t=tvec, world_unit_m=_CM)


def load_wildtrack(root: str | Path) -> WildtrackAnnotations:
    """Every annotated instant of a Wildtrack folder (``annotations_positions/``, ``calibrations/``).

    Raises:
        EvalError: A file is missing or malformed.
    """
    root = Path(root)
    cal = root / "calibrations"
    cameras = {
        v: read_wildtrack_camera(cal / "intrinsic_zero" / f"intr_{v}.xml", cal / "extrinsic" / f"extr_{v}.xml")
        for v in VIEWS
    }
    files = sorted((root / "annotations_positions").glob("*.json"))
    if not files:
        raise EvalError(f"{root}: no annotations_positions/*.json")
    frame, pid, pos, boxes = [], [], [], []
    for path in files:
        try:
            people = json.loads(path.read_text())
            for p in people:
                box = np.full((len(VIEWS), 4), np.nan)
                for view in p["views"]:
                    if view["xmin"] >= 0:
                        box[view["viewNum"]] = (view["xmin"], view["ymin"], view["xmax"], view["ymax"])
                frame.append(int(path.stem))
                pid.append(p["personID"])
                pos.append(p["positionID"])
                boxes.append(box)
        except (OSError, ValueError, KeyError, TypeError, IndexError) as err:
            raise EvalError(f"{path}: not a Wildtrack annotation file: {err!r}") from None
    cell = np.asarray(pos, dtype=np.int64)
    xy = np.stack([cell % _GRID_WIDTH, cell // _GRID_WIDTH], axis=1) * _GRID_STEP_M + np.asarray(_GRID_ORIGIN_M)
    return WildtrackAnnotations(
        frame=np.asarray(frame, dtype=np.int64),
        person_id=np.asarray(pid, dtype=np.int64),
        xy_m=xy,
        boxes=np.asarray(boxes, dtype=np.float64).reshape(-1, len(VIEWS), 4),
        cameras=cameras,
    )


def _numbers(node: ET.Element, path: str) -> np.ndarray:
    found = node.find(path)
    if found is None or found.text is None:
        raise ValueError(f"no <{path}>")
    return np.array(found.text.split(), dtype=np.float64)
