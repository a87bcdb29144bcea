"""Plain floor geometry for validating a config: simple polygons, containment, points in line.

Configs hold a handful of vertices, so these work on Python tuples one pair of edges at a
time; the vectorised versions the analytics need per frame live with the analytics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "most_points_on_a_line",
    "polygon_area_m2",
    "polygon_problem",
    "polygon_within",
    "segment_meets_polygon",
]

Point = tuple[float, float]

COLLINEAR_TOLERANCE_RATIO = 1e-3
"""A point this close to a line, as a share of the points' RMS spread, lies on it."""


def _cross(o: Point, a: Point, b: Point) -> float:
    """z of (a - o) x (b - o): > 0 when o -> a -> b turns left."""
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _on_segment(p: Point, a: Point, b: Point, tol: float) -> bool:
    return _point_segment_distance(p, a, b) <= tol


def _point_segment_distance(p: Point, a: Point, b: Point) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / length2))
    return math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy))


def _segments_meet(a: Point, b: Point, c: Point, d: Point, tol: float = 0.0) -> bool:
    """Whether segments a-b and c-d cross or touch (within ``tol``)."""
    d1, d2 = _cross(c, d, a), _cross(c, d, b)
    d3, d4 = _cross(a, b, c), _cross(a, b, d)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return any(_on_segment(p, s, e, tol) for p, s, e in ((a, c, d), (b, c, d), (c, a, b), (d, a, b)))


def _edges(polygon: Sequence[Point]) -> list[tuple[Point, Point]]:
    return [(polygon[i], polygon[(i + 1) % len(polygon)]) for i in range(len(polygon))]


def polygon_area_m2(polygon: Sequence[Point]) -> float:
    """Unsigned area of a simple polygon (shoelace formula), square metres."""
    return abs(sum(_cross((0.0, 0.0), a, b) for a, b in _edges(polygon))) / 2


def polygon_problem(polygon: Sequence[Point], min_area_m2: float) -> str | None:
    """Why ``polygon`` is not a usable simple polygon, or None if it is.

    Zone membership is an even-odd test; on a self-intersecting ring ("bow tie") that test
    leaves holes the person drawing it did not mean, so such rings are refused.
    """
    edges = _edges(polygon)
    for i, (a, b) in enumerate(edges):
        if a == b:
            return f"vertices {i} and {(i + 1) % len(polygon)} are the same point {list(a)}"
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
            if _segments_meet(a, b, c, d):
                return f"edges {i} and {j} cross; the polygon must not intersect itself"
    if polygon_area_m2(polygon) < min_area_m2:
        return f"encloses {polygon_area_m2(polygon):.3g} m^2, less than {min_area_m2} m^2"
    return None


def _inside(p: Point, polygon: Sequence[Point]) -> bool:
    """Even-odd test (points exactly on an edge may fall either way)."""
    inside = False
    for (x1, y1), (x2, y2) in _edges(polygon):
        if (y1 > p[1]) != (y2 > p[1]) and p[0] < x1 + (p[1] - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _near_boundary(p: Point, polygon: Sequence[Point], tol: float) -> bool:
    return any(_point_segment_distance(p, a, b) <= tol for a, b in _edges(polygon))


def polygon_within(inner: Sequence[Point], outer: Sequence[Point], tol: float) -> bool:
    """Whether simple polygon ``inner`` lies inside ``outer``, touching its edges allowed.

    Every vertex must be inside (or within ``tol`` of the boundary) and no edge of ``inner``
    may cross an edge of ``outer`` (which catches a zone cutting across a concave corner).
    """
    if not all(_inside(p, outer) or _near_boundary(p, outer, tol) for p in inner):
        return False
    for a, b in _edges(inner):
        for c, d in _edges(outer):
            if _segments_meet(a, b, c, d) and not any(
                _on_segment(p, s, e, tol) for p, s, e in ((a, c, d), (b, c, d), (c, a, b), (d, a, b))
            ):
                return False
    return True


def segment_meets_polygon(a: Point, b: Point, polygon: Sequence[Point], tol: float) -> bool:
    """Whether segment a-b has any point inside ``polygon`` or within ``tol`` of its boundary."""
    if _inside(a, polygon) or _inside(b, polygon):
        return True
    return any(_segments_meet(a, b, c, d, tol) for c, d in _edges(polygon))


def most_points_on_a_line(points: Sequence[Point]) -> int:
    """The largest number of the points that lie (nearly) on one straight line.

    A point counts as on a line when it is within ``COLLINEAR_TOLERANCE_RATIO`` of the
    points' RMS spread from it, so the test does not depend on units or origin.
    """
    n = len(points)
    mx, my = sum(p[0] for p in points) / n, sum(p[1] for p in points) / n
    tol = COLLINEAR_TOLERANCE_RATIO * math.sqrt(sum((p[0] - mx) ** 2 + (p[1] - my) ** 2 for p in points) / n)
    best = min(n, 2)
    for i in range(n):
        for j in range(i + 1, n):
            if points[i] == points[j]:
                continue
            best = max(best, sum(_line_distance(p, points[i], points[j]) <= tol for p in points))
    return best


def _line_distance(p: Point, a: Point, b: Point) -> float:
    """Distance from p to the infinite line through a and b (a != b)."""
    return abs(_cross(a, b, p)) / math.dist(a, b)
