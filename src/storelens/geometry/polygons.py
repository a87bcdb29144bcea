"""Floor geometry of polygons and lines, metres: one home for config validation and analytics.

The analytics test many points per frame, so those functions are vectorised over points.
Validating a config walks its handful of vertices pair by pair, calling the same primitives,
so a zone means the same area when it is checked as when people are counted in it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "distance_to_boundary",
    "most_points_on_a_line",
    "points_in_polygon",
    "polygon_area_m2",
    "polygon_problem",
    "polygon_within",
    "segment_meets_polygon",
    "segments_cross",
    "side_of_line",
]

Point = tuple[float, float]

COLLINEAR_TOLERANCE_RATIO = 1e-3
"""A point this close to a line, as a share of the points' RMS spread, lies on it."""


# ---------------------------------------------------------------- vectorised, per frame


def points_in_polygon(points_m: np.ndarray, polygon_m: np.ndarray | Sequence[Point]) -> np.ndarray:
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
    w = np.concatenate([v[1:], v[:1]])  # each vertex's successor
    x1, y1, x2, y2 = v[None, :, 0], v[None, :, 1], w[None, :, 0], w[None, :, 1]
    straddles = (y1 > y) != (y2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_cross = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
    return np.count_nonzero(straddles & (x < x_cross), axis=1) % 2 == 1


def distance_to_boundary(points_m: np.ndarray, polygon_m: np.ndarray | Sequence[Point]) -> np.ndarray:
    """Distance (metres) of each point to the nearest edge of a polygon, inside or outside.

    >>> square = np.array([[0, 0], [2, 0], [2, 2], [0, 2]])
    >>> distance_to_boundary(np.array([[1, 1], [5, 2], [3, 3]]), square).round(3).tolist()
    [1.0, 3.0, 1.414]
    """
    return _segment_distances(points_m, *_ring(polygon_m)).min(axis=1)


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


def _segment_distances(points_m: np.ndarray | Sequence[Point], a_m: np.ndarray, b_m: np.ndarray) -> np.ndarray:
    """(n, m) distance of each of n points to each of m segments a-b ((m, 2) ends each)."""
    p = np.asarray(points_m, dtype=np.float64).reshape(-1, 1, 2)
    a = np.asarray(a_m, dtype=np.float64).reshape(1, -1, 2)
    d = np.asarray(b_m, dtype=np.float64).reshape(1, -1, 2) - a
    length2 = (d * d).sum(axis=-1)
    along = ((p - a) * d).sum(axis=-1)
    t = np.clip(np.divide(along, length2, out=np.zeros_like(along), where=length2 > 0), 0.0, 1.0)
    gap = p - (a + t[..., None] * d)
    return np.hypot(gap[..., 0], gap[..., 1])


# ---------------------------------------------------------------- config validation


def _cross(o: ArrayLike, a: ArrayLike, b: ArrayLike) -> np.ndarray:
    """z of (a - o) x (b - o) for (..., 2) points: > 0 where o -> a -> b turns left."""
    o, a, b = (np.asarray(x, dtype=np.float64) for x in (o, a, b))
    return (a[..., 0] - o[..., 0]) * (b[..., 1] - o[..., 1]) - (a[..., 1] - o[..., 1]) * (b[..., 0] - o[..., 0])


def _edge_contacts(
    a1: np.ndarray, b1: np.ndarray, a2: np.ndarray, b2: np.ndarray, tol: float
) -> tuple[np.ndarray, np.ndarray]:
    """How n segments a1-b1 meet m segments a2-b2 ((n, 2) and (m, 2) ends), all pairs at once.

    Returns:
        (n, m) bool ``crosses``: the two cross at a point inside both; and (n, m) bool
        ``touches``: an end of one lies within ``tol`` of the other.
    """
    a1, b1, a2, b2 = (np.asarray(x, dtype=np.float64).reshape(-1, 2) for x in (a1, b1, a2, b2))
    d1, d2 = _cross(a2, b2, a1[:, None]), _cross(a2, b2, b1[:, None])
    d3, d4 = _cross(a1[:, None], b1[:, None], a2), _cross(a1[:, None], b1[:, None], b2)
    crosses = (((d1 > 0) & (d2 < 0)) | ((d1 < 0) & (d2 > 0))) & (((d3 > 0) & (d4 < 0)) | ((d3 < 0) & (d4 > 0)))
    ends1_to_2 = np.minimum(_segment_distances(a1, a2, b2), _segment_distances(b1, a2, b2))
    ends2_to_1 = np.minimum(_segment_distances(a2, a1, b1), _segment_distances(b2, a1, b1))
    return crosses, np.minimum(ends1_to_2, ends2_to_1.T) <= tol


def _ring(polygon: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """(k, 2) starts and ends of a polygon's edges."""
    v = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    return v, np.roll(v, -1, axis=0)


def _edges(polygon: Sequence[Point]) -> list[tuple[Point, Point]]:
    return [(polygon[i], polygon[(i + 1) % len(polygon)]) for i in range(len(polygon))]


def polygon_area_m2(polygon: Sequence[Point]) -> float:
    """Unsigned area of a simple polygon (shoelace formula), square metres."""
    return abs(float(_cross((0.0, 0.0), *_ring(polygon)).sum())) / 2


def polygon_problem(polygon: Sequence[Point], min_area_m2: float) -> str | None:
    """Why ``polygon`` is not a usable simple polygon, or None if it is.

    Zone membership is an even-odd test; on a self-intersecting ring ("bow tie") that test
    leaves holes the person drawing it did not mean, so such rings are refused.
    """
    edges = _edges(polygon)
    for i, (a, b) in enumerate(edges):
        if a == b:
            return f"vertices {i} and {(i + 1) % len(polygon)} are the same point {list(a)}"
    crosses, touches = _edge_contacts(*_ring(polygon), *_ring(polygon), tol=0.0)
    for i, (a, b) in enumerate(edges):
        for j in range(i + 1, len(edges)):
            adjacent = j == i + 1 or (i == 0 and j == len(edges) - 1)
            c, d = edges[j]
            if adjacent:
                # Neighbours share a vertex; they are only wrong if they fold back onto each other.
                shared, far = (b, d) if j == i + 1 else (a, c)
                other = a if j == i + 1 else b
                turns_back = (other[0] - shared[0]) * (far[0] - shared[0]) + (other[1] - shared[1]) * (
                    far[1] - shared[1]
                ) > 0
                if _cross(shared, other, far) == 0 and turns_back:
                    return f"edges {i} and {j} fold back onto each other"
                continue
            if crosses[i, j] or touches[i, j]:
                return f"edges {i} and {j} cross; the polygon must not intersect itself"
    if polygon_area_m2(polygon) < min_area_m2:
        return f"encloses {polygon_area_m2(polygon):.3g} m^2, less than {min_area_m2} m^2"
    return None


def polygon_within(inner: Sequence[Point], outer: Sequence[Point], tol: float) -> bool:
    """Whether simple polygon ``inner`` lies inside ``outer``, touching its edges allowed.

    Every vertex must be inside (or within ``tol`` of the boundary) and no edge of ``inner``
    may cross an edge of ``outer`` (which catches a zone cutting across a concave corner).
    """
    if not (points_in_polygon(inner, outer) | (distance_to_boundary(inner, outer) <= tol)).all():
        return False
    crosses, touches = _edge_contacts(*_ring(inner), *_ring(outer), tol)
    return not (crosses & ~touches).any()


def segment_meets_polygon(a: Point, b: Point, polygon: Sequence[Point], tol: float) -> bool:
    """Whether segment a-b has any point inside ``polygon`` or within ``tol`` of its boundary."""
    if points_in_polygon((a, b), polygon).any():
        return True
    crosses, touches = _edge_contacts(np.array([a]), np.array([b]), *_ring(polygon), tol)
    return bool((crosses | touches).any())


def most_points_on_a_line(points: Sequence[Point]) -> int:
    """The largest number of the points that lie (nearly) on one straight line.

    A point counts as on a line when it is within ``COLLINEAR_TOLERANCE_RATIO`` of the
    points' RMS spread from it, so the test does not depend on units or origin.
    """
    n = len(points)
    xy = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    tol = COLLINEAR_TOLERANCE_RATIO * math.sqrt(((xy - xy.mean(axis=0)) ** 2).sum(axis=1).mean())
    best = min(n, 2)
    for i in range(n):
        for j in range(i + 1, n):
            if points[i] == points[j]:
                continue
            best = max(best, int(np.count_nonzero(np.abs(side_of_line(xy, xy[i], xy[j])) <= tol)))
    return best
