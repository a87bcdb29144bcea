"""Box post-processing shared by the detectors: clipping, non-maximum suppression, packaging."""

from __future__ import annotations

import cv2
import numpy as np

from storelens.types import PERSON_CLASS_ID, Detections, Frame

__all__ = ["clip_xyxy", "nms_xyxy", "person_detections"]


def clip_xyxy(boxes: np.ndarray, width: int, height: int) -> np.ndarray:
    """Clip (n, 4) float (x1, y1, x2, y2) pixel boxes to a width x height image, in place.

    Returns:
        The same array, for chaining.
    """
    np.clip(boxes[:, 0::2], 0, width, out=boxes[:, 0::2])
    np.clip(boxes[:, 1::2], 0, height, out=boxes[:, 1::2])
    return boxes


def nms_xyxy(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float, max_keep: int) -> np.ndarray:
    """Greedy non-maximum suppression (OpenCV's C++ implementation).

    Args:
        boxes: (n, 4) float (x1, y1, x2, y2).
        scores: (n,) float; callers filter by their score threshold first.
        iou_threshold: A box is dropped if it overlaps a higher-scored kept box by more than this.
        max_keep: At most this many boxes are kept.

    Returns:
        (k,) int64 indices of kept boxes, highest score first.
    """
    if len(boxes) == 0:
        return np.zeros(0, np.int64)
    xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1).astype(np.float64)
    # score_threshold must be >= 0 for OpenCV and is strict; scores were filtered already.
    keep = cv2.dnn.NMSBoxes(xywh, scores.astype(np.float32), 0.0, iou_threshold, top_k=max_keep)
    return np.asarray(keep, dtype=np.int64).reshape(-1)


def person_detections(frame: Frame, xyxy_px: np.ndarray, confidence: np.ndarray) -> Detections:
    """Package (n, 4) pixel boxes and (n,) scores found in ``frame`` as person detections."""
    return Detections(
        camera_id=frame.camera_id,
        frame_index=frame.index,
        ts=frame.ts,
        xyxy_px=xyxy_px,
        confidence=confidence,
        class_id=np.full(len(xyxy_px), PERSON_CLASS_ID, np.int32),
    )
