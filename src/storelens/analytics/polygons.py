"""Pure floor geometry: points in polygons, segments crossing lines."""

from __future__ import annotations

import numpy as np

__all__ = ["points_in_polygon", "side_of_line", "segments_cross"]


def points_in_polygon(points_m: np.ndarray, polygon_m: np.ndarray) -> np.ndarray:
    """Even-odd test of many points against one simple polygon.

    Args:
        points_m: (n, 2) floor points, metres.
        polygon_m: (k, 2) vertices in order (open ring: the last vertex joins the first).

    Returns:
        (n,) bool, True inside. Points exactly on an edge may fall either way.

    >>> square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]])
    >>> points_in_polygon(np.array([[1, 1], [3, 1], [1, -0.5]]), square).tolist()
    [True, False, False]
    """
    p = np.asarray(points_m, dtype=np.float64).reshape(-1, 2)
    v = np.asarray(polygon_m, dtype=np.float64)
    x, y = p[:, 0:1], p[:, 1:2]
    x1, y1 = v[:, 0][None, :], v[:, 1][None, :]
    x2, y2 = np.roll(v[:, 0], -1)[None, :], np.roll(v[:, 1], -1)[None, :]
    straddles = (y1 > y) != (y2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
    return np.count_nonzero(straddles & (x < x_cross), axis=1) % 2 == 1


def side_of_line(points_m: np.ndarray, a_m: np.ndarray, b_m: np.ndarray) -> np.ndarray:
    """Signed distance (metres) of points from the infinite line a->b; > 0 is the left side.

    >>> side_of_line(np.array([[0, 1], [0, -2]]), np.array([-1, 0]), np.array([1, 0])).tolist()
    [1.0, -2.0]
    """
    p = np.asarray(points_m, dtype=np.float64).reshape(-1, 2)
    a, b = np.asarray(a_m, dtype=np.float64), np.asarray(b_m, dtype=np.float64)
    d = b - a
    return (d[0] * (p[:, 1] - a[1]) - d[1] * (p[:, 0] - a[0])) / np.hypot(*d)


def segments_cross(p0_m: np.ndarray, p1_m: np.ndarray, a_m: np.ndarray, b_m: np.ndarray) -> np.ndarray:
    """Whether each movement p0 -> p1 passes through the finite segment a-b.

    Args:
        p0_m: (n, 2) start points.
        p1_m: (n, 2) end points.
        a_m, b_m: (2,) ends of the counting line.

    Returns:
        (n,) bool.

    >>> segments_cross(np.array([[0, -1], [5, -1]]), np.array([[0, 1], [5, 1]]),
    ...                np.array([-1, 0]), np.array([1, 0])).tolist()
    [True, False]
    """
    p0 = np.asarray(p0_m, dtype=np.float64).reshape(-1, 2)
    p1 = np.asarray(p1_m, dtype=np.float64).reshape(-1, 2)
    s0, s1 = side_of_line(p0, a_m, b_m), side_of_line(p1, a_m, b_m)
    a = np.asarray(a_m, dtype=np.float64)[None, :]
    b = np.asarray(b_m, dtype=np.float64)[None, :]
    d = p1 - p0
    norm = np.maximum(np.hypot(d[:, 0], d[:, 1]), 1e-12)
    # Sides of a and b relative to the movement p0 -> p1.
    ta = (d[:, 0] * (a[:, 1] - p0[:, 1]) - d[:, 1] * (a[:, 0] - p0[:, 0])) / norm
    tb = (d[:, 0] * (b[:, 1] - p0[:, 1]) - d[:, 1] * (b[:, 0] - p0[:, 0])) / norm
    return (np.sign(s0) != np.sign(s1)) & (s0 != 0) & (np.sign(ta) != np.sign(tb))
