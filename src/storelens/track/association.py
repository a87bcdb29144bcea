"""Pairwise box affinities and gated one-to-one assignment."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["iou_matrix", "assign"]


def iou_matrix(a_xyxy: np.ndarray, b_xyxy: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in ``a`` (n, 4) with every box in ``b`` (m, 4).

    Returns:
        (n, m) float64 in [0, 1].

    >>> iou_matrix(np.array([[0, 0, 2, 2]]), np.array([[1, 0, 3, 2], [5, 5, 6, 6]])).round(3)
    array([[0.333, 0.   ]])
    """
    a = np.asarray(a_xyxy, dtype=np.float64)[:, None, :]
    b = np.asarray(b_xyxy, dtype=np.float64)[None, :, :]
    iw = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    ih = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = iw * ih
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    union = area_a + area_b - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def assign(cost: np.ndarray, max_cost: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Minimum-cost matching that refuses pairs costing more than ``max_cost``.

    Args:
        cost: (n, m) cost of pairing row i with column j; ``inf`` forbids a pair.
        max_cost: Gate; pairs above it stay unmatched.

    Returns:
        (k, 2) int matched (row, col) pairs, (n - k,) unmatched rows, (m - k,) unmatched cols.

    >>> m, r, c = assign(np.array([[0.1, 0.9], [0.2, 0.95]]), max_cost=0.5)
    >>> m.tolist(), r.tolist(), c.tolist()
    ([[0, 0]], [1], [1])
    """
    n, m = cost.shape
    if n == 0 or m == 0:
        return np.zeros((0, 2), int), np.arange(n), np.arange(m)
    allowed = np.isfinite(cost) & (cost <= max_cost)
    big = (np.abs(cost[allowed]).max() + 1.0) * (n + m) if allowed.any() else 1.0
    gated = np.where(allowed, cost, big)
    rows, cols = linear_sum_assignment(gated)
    ok = allowed[rows, cols]
    matches = np.stack([rows[ok], cols[ok]], axis=1)
    free_rows = np.ones(n, bool)
    free_rows[matches[:, 0]] = False
    free_cols = np.ones(m, bool)
    free_cols[matches[:, 1]] = False
    return matches, np.flatnonzero(free_rows), np.flatnonzero(free_cols)
