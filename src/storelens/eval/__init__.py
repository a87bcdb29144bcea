"""Scoring storelens against ground truth: MOT file I/O and tracking metrics (CLEAR-MOT, IDF1)."""

from storelens.eval.mot_metrics import (
    MotScore,
    PairCost,
    iou_xywh,
    score_boxes,
    score_positions,
    score_tracks,
)
from storelens.eval.motio import MotTable, format_mot, read_mot, tracks_to_mot, write_mot

__all__ = [
    "MotScore",
    "MotTable",
    "PairCost",
    "format_mot",
    "iou_xywh",
    "read_mot",
    "score_boxes",
    "score_positions",
    "score_tracks",
    "tracks_to_mot",
    "write_mot",
]
