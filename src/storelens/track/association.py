"""Pairwise box affinities and gated one-to-one assignment."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["iou_matrix", "assign", "match"]


def iou_matrix(a_xyxy: np.ndarray, b_xyxy: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in ``a`` (n, 4) with every box in ``b`` (m, 4).

    Returns:
        (n, m) float64 in [0, 1].

    >>> iou_matrix(np.array([[0, 0, 2, 2]]), np.array([[1, 0, 3, 2], [5, 5, 6, 6]])).round(3)
    array([[0.333, 0.   ]])
    """
    a = np.asarray(a_xyxy, dtype=np.float64)
    b = np.asarray(b_xyxy, dtype=np.float64)
    size_a, size_b = a[:, 2:] - a[:, :2], b[:, 2:] - b[:, :2]
    area_a = (size_a[:, 0] * size_a[:, 1])[:, None]
    area_b = (size_b[:, 0] * size_b[:, 1])[None, :]
    # (n, m, 2) width and height of each pairwise intersection, 0 when disjoint.
    overlap = np.minimum(a[:, None, 2:], b[None, :, 2:]) - np.maximum(a[:, None, :2], b[None, :, :2])
    np.maximum(overlap, 0.0, out=overlap)
    inter = overlap[..., 0] * overlap[..., 1]
    union = area_a + area_b - inter
    return np.where(union > 0, inter / np.maximum(union, 1e-12), 0.0)


def match(cost: np.ndarray, max_cost: float) -> np.ndarray:
    """The matched (row, col) pairs of `assign`, without the unmatched rows and columns.

    Returns:
        (k, 2) int pairs, in increasing row order.
    """
    n, m = cost.shape
    if n == 0 or m == 0:
        return np.zeros((0, 2), int)
    allowed = np.isfinite(cost) & (cost <= max_cost)
    if not allowed.any():
        return np.zeros((0, 2), int)
    if n == 1 and m == 1:
        return np.zeros((1, 2), int)
    if allowed.sum(axis=0).max() == 1 and allowed.sum(axis=1).max() == 1:
        # No two allowed pairs share a row or a column (people apart from each other): the
        # matching is all of them.
        return np.argwhere(allowed)
    # Forbidden pairs cost more than any set of allowed ones, so the solver first maximises
    # the number of allowed pairs and then minimises their cost.
    big = (np.abs(cost[allowed]).max() + 1.0) * (n + m)
    rows, cols = linear_sum_assignment(np.where(allowed, cost, big))
    ok = allowed[rows, cols]
    return np.stack([rows[ok], cols[ok]], axis=1)


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
    matches = match(cost, max_cost)
    free_rows = np.ones(n, bool)
    free_rows[matches[:, 0]] = False
    free_cols = np.ones(m, bool)
    free_cols[matches[:, 1]] = False
    return matches, np.flatnonzero(free_rows), np.flatnonzero(free_cols)
