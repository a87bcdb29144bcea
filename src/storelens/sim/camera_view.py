"""What one camera sees of the simulated people: true boxes, depth and how much of each shows.

A person is four points: feet at (x, y, 0), the top of the head at ``height_m`` above them,
and the outer edges of the arms across the line of sight at shoulder height. Its image box is
the bounding box of the projected points, so the bottom centre of the box is where the person
stands and the box is as tall as the person: the conventions of the MOT ground truth the
detector model was measured against, and the one the pipeline uses to put a box on the floor.
The detector model (`storelens.sim.noise`) then decides what a real detector would make of
each box.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from storelens.sim.model import PeopleFrame, SimCamera

__all__ = [
    "BOX_WIDTH_PER_SHOULDER",
    "MIN_INSIDE_FRACTION",
    "SHOULDER_HEIGHT",
    "CameraView",
    "Projector",
    "view_people",
    "visible_fraction",
]

MIN_INSIDE_FRACTION = 0.5
"""A person whose box is mostly outside the image is not in view (nor annotated in benchmarks)."""

MIN_DEPTH_M = 0.2
"""Points closer than this in front of the lens (or behind it) take the person out of view."""

_LENS_MARGIN = 0.5
"""People whose distortion-free box lies farther than this share of the image size outside it
are dropped before the lens model is applied."""

BOX_WIDTH_PER_SHOULDER = 1.23
"""Annotated (and detected) boxes take in arms and stride: PETS09's ground-truth boxes are this
many shoulder widths (0.5 m in the simulation) wide; see docs/sim-noise-model.md."""

SHOULDER_HEIGHT = 0.82
"""Shoulder height as a share of standing height (adult anthropometry)."""

_ACROSS = np.array([0.0, 0.0, -1.0, 1.0])
_UP = np.array([0.0, 1.0, SHOULDER_HEIGHT, SHOULDER_HEIGHT])
"""The points of a person: feet, top of the head, left and right shoulder."""

_ZERO3 = np.zeros(3)


@dataclass(frozen=True, slots=True)
class CameraView:
    """The people in one camera's view at one instant, in the order of the `PeopleFrame`.

    Attributes:
        person_id: (n,) int64 identity of each person in view.
        xyxy_px: (n, 4) float64 true box, clipped to the image.
        visible: (n,) float64 share of the box not hidden by people nearer the camera.
        depth_m: (n,) float64 distance of the feet in front of the camera (along its axis).
    """

    person_id: np.ndarray
    xyxy_px: np.ndarray
    visible: np.ndarray
    depth_m: np.ndarray

    def __len__(self) -> int:
        return len(self.person_id)


class Projector:
    """Projects upright people into one camera; holds what is constant per camera.

    Args:
        camera: The simulated camera (calibration in any world unit, image size).
    """

    def __init__(self, camera: SimCamera) -> None:
        pin = camera.camera
        self.camera = camera
        self._unit = pin.world_unit_m
        self._R, self._t, self._K, self._dist = pin.R, pin.t, pin.K, pin.dist
        self._centre = -pin.R.T @ pin.t
        self._distorted = bool(pin.dist.any())
        self._size = np.array([camera.width, camera.height], dtype=np.float64)
        self._limits = np.tile(self._size, 2)

    def boxes(
        self, xy_m: np.ndarray, height_m: np.ndarray, width_m: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unclipped image boxes of upright people.

        Args:
            xy_m: (n, 2) floor positions, metres.
            height_m: (n,) standing heights, metres.
            width_m: (n,) shoulder widths, metres (boxes are ``BOX_WIDTH_PER_SHOULDER`` times wider).

        Returns:
            ``(xyxy, depth_m, usable)``: (n, 4) boxes in pixels (distorted image), (n,) depth of
            the feet along the optical axis in metres, and (n,) bool, False where a point is
            within ``MIN_DEPTH_M`` of the lens or behind it, or (with lens distortion) the person is far
            outside the image (such boxes are zeros: a lens model folds far-off points back into view).
        """
        xy = np.asarray(xy_m, dtype=np.float64).reshape(-1, 2) / self._unit
        R = self._R
        feet = xy @ R[:, :2].T + self._t  # camera coordinates
        away = xy - self._centre[:2]
        lateral = (np.stack([-away[:, 1], away[:, 0]], axis=1) @ R[:, :2].T) / np.maximum(
            np.hypot(away[:, 0], away[:, 1]), 1e-12
        )[:, None]
        half_w = np.asarray(width_m, dtype=np.float64) * (BOX_WIDTH_PER_SHOULDER / (2 * self._unit))
        top = np.asarray(height_m, dtype=np.float64) / self._unit
        points = (
            feet[:, None, :]
            + (_ACROSS[None, :, None] * half_w[:, None, None]) * lateral[:, None, :]
            + (_UP[None, :, None] * top[:, None, None]) * R[:, 2]
        )
        z = points[..., 2:]
        ahead = z * self._unit > MIN_DEPTH_M
        usable = ahead.all(axis=(1, 2))
        px = points[..., :2] / np.where(ahead, z, 1.0) @ self._K[:2, :2].T + self._K[:2, 2]
        if self._distorted:
            usable &= (px.max(axis=1) > -_LENS_MARGIN * self._size).all(axis=1)
            usable &= (px.min(axis=1) < (1 + _LENS_MARGIN) * self._size).all(axis=1)
            if usable.any():
                lensed, _ = cv2.projectPoints(points[usable].reshape(-1, 3), _ZERO3, _ZERO3, self._K, self._dist)
                px[usable] = lensed.reshape(-1, 4, 2)
        xyxy = np.concatenate([px.min(axis=1), px.max(axis=1)], axis=1)
        xyxy[~usable] = 0.0
        return xyxy, feet[:, 2] * self._unit, usable

    def view(self, people: PeopleFrame) -> CameraView:
        """The true boxes of everyone this camera sees in ``people``, with their visible share."""
        xyxy, depth, usable = self.boxes(people.xy_m, people.height_m, people.width_m)
        clipped = np.minimum(np.maximum(xyxy, 0.0), self._limits)
        wh = xyxy[:, 2:] - xyxy[:, :2]
        inside = clipped[:, 2:] - clipped[:, :2]
        area = wh[:, 0] * wh[:, 1]
        keep = usable & (area > 0) & (inside[:, 0] * inside[:, 1] >= MIN_INSIDE_FRACTION * area)
        boxes, depth = clipped[keep], depth[keep]
        return CameraView(
            person_id=np.asarray(people.person_id, dtype=np.int64)[keep],
            xyxy_px=boxes,
            visible=visible_fraction(boxes, depth),
            depth_m=depth,
        )


def view_people(people: PeopleFrame, camera: SimCamera) -> CameraView:
    """The true boxes of everyone ``camera`` sees in ``people`` (see `Projector.view`)."""
    return Projector(camera).view(people)


def visible_fraction(xyxy: np.ndarray, depth: np.ndarray) -> np.ndarray:
    """Share of each box that boxes nearer the camera leave uncovered.

    Each nearer box leaves ``1 - overlap / area`` of it; several occluders multiply, as if
    they overlapped each other at random. That is exact for one occluder and costs a handful
    of (n, n) operations, which matters more here than the odd crowd of three deep.

    Args:
        xyxy: (n, 4) boxes.
        depth: (n,) distance from the camera; smaller is nearer.

    Returns:
        (n,) float64 in [0, 1].

    >>> visible_fraction(np.array([[0, 0, 10, 20], [5, 0, 15, 20]]), np.array([1.0, 2.0])).round(2)
    array([1. , 0.5])
    """
    b = np.asarray(xyxy, dtype=np.float64).reshape(-1, 4)
    d = np.asarray(depth, dtype=np.float64)
    iw = np.minimum(b[:, None, 2], b[None, :, 2]) - np.maximum(b[:, None, 0], b[None, :, 0])
    ih = np.minimum(b[:, None, 3], b[None, :, 3]) - np.maximum(b[:, None, 1], b[None, :, 1])
    area = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    covered = np.maximum(iw, 0.0) * np.maximum(ih, 0.0) / np.maximum(area, 1e-12)[:, None]
    return np.prod(1.0 - covered * (d[None, :] < d[:, None]), axis=1)
