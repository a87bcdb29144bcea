"""Colour-histogram appearance cue for re-finding a lost person.

No re-identification network ships with our dependencies, and a colour histogram of the
clothes is cheap and surprisingly telling in a store: it separates the shopper in a red coat
from the one in black when both reappear near where one of them vanished. The head is left
out on purpose (privacy, and hair/faces say little at CCTV resolution).
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["torso_histograms", "appearance_distance", "BODY_PARTS", "APPEARANCE_DIM"]

BODY_PARTS = ((0.18, 0.55), (0.55, 0.95))
"""Vertical spans of a person box (fractions of its height) described separately: upper body,
legs. Two parts keep "red top, blue jeans" apart from "blue top, red trousers"."""

_HUE_BINS, _SAT_BINS = 12, 4
APPEARANCE_DIM = len(BODY_PARTS) * _HUE_BINS * _SAT_BINS
"""Length of one descriptor from `torso_histograms`."""
_CENTRE_WIDTH = 0.6  # central fraction of the box width; the sides are mostly background
_MIN_PART_PX = 2


def torso_histograms(image: np.ndarray, xyxy_px: np.ndarray) -> np.ndarray:
    """Hue-saturation histograms of the body parts of each box.

    Args:
        image: (h, w, 3) uint8 BGR frame.
        xyxy_px: (n, 4) boxes in pixels.

    Returns:
        (n, len(BODY_PARTS) * 12 * 4) float32, each part L1-normalised (all zero if the part
        is too small or outside the image).
    """
    n = len(xyxy_px)
    per_part = _HUE_BINS * _SAT_BINS
    out = np.zeros((n, APPEARANCE_DIM), np.float32)
    if n == 0:
        return out
    img_h, img_w = image.shape[:2]
    b = np.asarray(xyxy_px, dtype=np.float64)
    cx, w, h = (b[:, 0] + b[:, 2]) / 2, (b[:, 2] - b[:, 0]) * _CENTRE_WIDTH, b[:, 3] - b[:, 1]
    x1 = np.clip(cx - w / 2, 0, img_w).astype(int)
    x2 = np.clip(cx + w / 2, 0, img_w).astype(int)
    for p, (top, bottom) in enumerate(BODY_PARTS):
        y1 = np.clip(b[:, 1] + top * h, 0, img_h).astype(int)
        y2 = np.clip(b[:, 1] + bottom * h, 0, img_h).astype(int)
        for i in range(n):
            if x2[i] - x1[i] < _MIN_PART_PX or y2[i] - y1[i] < _MIN_PART_PX:
                continue
            hsv = cv2.cvtColor(image[y1[i] : y2[i], x1[i] : x2[i]], cv2.COLOR_BGR2HSV)
            hist = cv2.calcHist([hsv], [0, 1], None, [_HUE_BINS, _SAT_BINS], [0, 180, 0, 256]).ravel()
            out[i, p * per_part : (p + 1) * per_part] = hist / max(hist.sum(), 1.0)
    return out


def appearance_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hellinger distance between histogram sets, averaged over body parts.

    Args:
        a: (n, d) histograms from `torso_histograms`.
        b: (m, d) histograms.

    Returns:
        (n, m) float in [0, 1]; 0 = identical colours. A pair where either side has no
        histogram for a part scores 0.5 for it (unknown, neither match nor mismatch).
    """
    parts = len(BODY_PARTS)
    a3 = np.sqrt(np.maximum(a, 0)).reshape(len(a), parts, -1)
    b3 = np.sqrt(np.maximum(b, 0)).reshape(len(b), parts, -1)
    bc = np.einsum("ipk,jpk->ijp", a3, b3)  # Bhattacharyya coefficient per part
    known = (a3.sum(2)[:, None, :] > 0) & (b3.sum(2)[None, :, :] > 0)
    dist = np.where(known, np.sqrt(np.clip(1.0 - bc, 0.0, 1.0)), 0.5)
    return dist.mean(axis=2)
