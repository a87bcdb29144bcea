"""Detections read from a MOT file instead of computed, to score a tracker on its own."""

from __future__ import annotations

import numpy as np

from storelens.detect.boxes import person_detections
from storelens.eval.motio import MotTable
from storelens.types import Detections, Frame

__all__ = ["ReplayDetector"]


class ReplayDetector:
    """Serves the boxes a MOT detection file lists for each frame.

    Frame ``k`` of the file (1-based, MOTChallenge convention) is source frame index ``k - 1``.

    Args:
        table: Detections as read by `storelens.eval.read_mot`.
        min_score: Rows below this score are never served.
    """

    def __init__(self, table: MotTable, min_score: float = 0.0) -> None:
        self.min_score = min_score
        table = table.select(table.conf >= min_score)
        order = np.argsort(table.frame, kind="stable")
        self._table = table.select(order)
        self._frames = self._table.frame

    def __call__(self, frame: Frame) -> Detections:
        lo, hi = np.searchsorted(self._frames, [frame.index + 1, frame.index + 2])
        rows = self._table.select(slice(int(lo), int(hi)))
        return person_detections(frame, rows.xyxy, rows.conf)
