"""The detector interface every backend implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from storelens.types import Detections, Frame

__all__ = ["Detector"]


@runtime_checkable
class Detector(Protocol):
    """Finds people in a frame.

    Implementations return boxes of the person class only, in the frame's pixel coordinates,
    with every box whose score reaches the detector's ``min_score``; choosing which scores are
    "confident" is the tracker's job (it uses low-score boxes in a second association stage).
    """

    min_score: float

    def __call__(self, frame: Frame) -> Detections: ...
