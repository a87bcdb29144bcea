"""Main routes: the busiest zone-to-zone moves, each laid along the floor people walked.

Retail "flow maps" draw a few thick lines for where the crowd goes, not an arrow per cell. The
volume and direction of each line come from stored zone visits (people who went from zone a
straight to zone b); its course is the cheapest walk between the two zones over the walkable
floor, where a step on busy floor costs less than one on floor nobody uses, so the line goes
round shelves and follows the aisle people actually took.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from storelens.analytics.floor_heat import FloorHeat
from storelens.geometry.polygons import points_in_polygon

__all__ = ["MIN_ROUTE_M", "Route", "main_routes"]

MIN_ROUTE_M = 1.5
"""Moves between zones closer than this (a display inside its aisle) have no route to draw."""
COLD_STEP_COST = 4.0
"""A step on floor nobody walks costs this many steps on the busiest floor."""
SMOOTH_CELLS = 5
"""Moving-average window over the route's cells: takes the staircase out of grid paths."""


@dataclass(frozen=True, slots=True, eq=False)
class Route:
    """A move people made from one zone straight to another, and the floor it went over.

    Attributes:
        from_zone / to_zone: Zone names.
        people: Moves counted.
        path_m: (k, 2) floor points from ``from_zone`` to ``to_zone``, metres.
    """

    from_zone: str
    to_zone: str
    people: int
    path_m: np.ndarray


def main_routes(
    heat: FloorHeat, zones: Mapping[str, np.ndarray], transitions: Mapping[tuple[str, str], int], top_n: int = 6
) -> list[Route]:
    """The ``top_n`` busiest moves between zones at least ``MIN_ROUTE_M`` apart, busiest first.

    Args:
        heat: The floor and where people spent time on it.
        zones: {name: (k, 2) polygon}; moves to or from other zones are skipped.
        transitions: {(from zone, to zone): people}.
        top_n: Routes wanted.
    """
    anchors = {name: _anchor(heat, polygon) for name, polygon in zones.items()}
    centres = heat.grid.points_m()
    picked = []
    for (a, b), people in sorted(transitions.items(), key=lambda kv: (-kv[1], kv[0])):
        if len(picked) == top_n:
            break
        ia, ib = anchors.get(a), anchors.get(b)
        if ia is None or ib is None or np.hypot(*(centres[ia] - centres[ib])) < MIN_ROUTE_M:
            continue
        picked.append((a, b, people, ia, ib))
    if not picked:
        return []
    sources = sorted({ia for *_, ia, _ in picked})
    _, predecessors = dijkstra(_walk_graph(heat), directed=False, indices=sources, return_predecessors=True)
    routes = []
    for a, b, people, ia, ib in picked:
        cells = _walk_back(predecessors[sources.index(ia)], ia, ib)
        routes.append(Route(a, b, int(people), _smooth(centres[cells])))
    return routes


def _anchor(heat: FloorHeat, polygon: np.ndarray) -> int | None:
    """Flat index of the walkable cell where the zone's time centres (its middle if no one came),
    or None when none of the zone is walkable floor."""
    centres = heat.grid.points_m()
    inside = np.flatnonzero(points_in_polygon(centres, polygon) & heat.walkable.reshape(-1))
    if not len(inside):
        return None
    weight = heat.minutes_per_m2.reshape(-1)[inside]
    middle = (weight @ centres[inside]) / weight.sum() if weight.sum() > 0 else centres[inside].mean(axis=0)
    return int(inside[np.argmin(np.hypot(*(centres[inside] - middle).T))])


def _walk_graph(heat: FloorHeat) -> coo_matrix:
    """Steps between 8-neighbouring walkable cells, weighted by length and how little used they are."""
    rows, cols = heat.grid.shape
    cost = 1.0 + (COLD_STEP_COST - 1.0) * (1.0 - heat.scale.level(heat.minutes_per_m2))
    index = np.arange(rows * cols).reshape(rows, cols)
    parts = []
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        r0, r1 = slice(0, rows - dr), slice(dr, rows)
        c0, c1 = (slice(0, cols - dc), slice(dc, cols)) if dc >= 0 else (slice(-dc, cols), slice(0, cols + dc))
        both = heat.walkable[r0, c0] & heat.walkable[r1, c1]
        step = np.hypot(dr, dc) * heat.grid.cell_m * (cost[r0, c0] + cost[r1, c1]) / 2
        parts.append((index[r0, c0][both], index[r1, c1][both], step[both]))
    i, j, w = (np.concatenate(col) for col in zip(*parts))
    return coo_matrix((w, (i, j)), shape=(rows * cols, rows * cols)).tocsr()


def _walk_back(predecessors: np.ndarray, source: int, target: int) -> list[int]:
    """Cells from ``source`` to ``target`` (just the two when the floor does not join them)."""
    if predecessors[target] < 0 and target != source:
        return [source, target]
    cells = [target]
    while cells[-1] != source:
        cells.append(int(predecessors[cells[-1]]))
    return cells[::-1]


def _smooth(points: np.ndarray) -> np.ndarray:
    """Moving average along the path, ends kept where they are."""
    if len(points) <= 2:
        return points.astype(np.float64)
    k = min(SMOOTH_CELLS, len(points) - (len(points) + 1) % 2)
    pad = np.concatenate([np.repeat(points[:1], k // 2, axis=0), points, np.repeat(points[-1:], k // 2, axis=0)])
    kernel = np.ones(k) / k
    out = np.stack([np.convolve(pad[:, d], kernel, mode="valid") for d in range(2)], axis=1)
    out[0], out[-1] = points[0], points[-1]
    return out
