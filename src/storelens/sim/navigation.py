"""Where people can walk and how they get from one place to another.

The floor (sales floor plus pavement, minus shelves and walls) becomes a grid of cells with
each cell's clearance, the distance to the nearest thing in the way. Cells closer than a
body's half-width plus a margin are not walkable. Routes are shortest paths on that grid
with a cost that grows near obstacles, so people walk down the middle of an aisle instead of
brushing the shelf ends, then smoothed so they do not zig-zag along grid diagonals.

A day's shoppers walk between a few dozen fixed places (door lanes, display spots, the
queue), so each route is planned once and reused: one Dijkstra per starting place.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from storelens.geometry.polygons import points_in_polygon
from storelens.sim.layout import SimStore

__all__ = ["Navigator", "OccupancyGrid", "occupancy_grid"]

CELL_M = 0.1
"""Grid resolution: a fifth of a shoulder width, fine enough for 1.4 m aisles."""

INFLATE_M = 0.4
"""Walkable cells are this far from anything in the way: half a body plus a little room."""

CLEARANCE_COST_M = 0.5
"""Cost per metre is 1 + (this / clearance)^2: mid-aisle is cheap, hugging a shelf is not."""

SMOOTH_SIGMA_M = 0.4
"""Gaussian smoothing of routes along their length: removes the grid's 45-degree steps."""

RESAMPLE_M = 0.25
"""Spacing of the points of a smoothed route."""


@dataclass(frozen=True, eq=False)
class OccupancyGrid:
    """Walkable floor as a raster.

    Attributes:
        origin: (2,) floor position of the lower-left corner of cell (0, 0).
        cell_m: Cell side, metres.
        clearance_m: (ny, nx) distance from each cell centre to the nearest cell that is not
            floor (outside the outline and pavement, or under an obstacle).
        inflate_m: Clearance a cell needs to be walkable.
    """

    origin: np.ndarray
    cell_m: float
    clearance_m: np.ndarray
    inflate_m: float

    @property
    def walkable(self) -> np.ndarray:
        """(ny, nx) bool."""
        return self.clearance_m >= self.inflate_m

    def cell_index(self, xy_m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of the cell holding each point, clipped to the grid."""
        xy = np.asarray(xy_m, dtype=np.float64).reshape(-1, 2)
        ij = np.floor((xy - self.origin) / self.cell_m).astype(np.int64)
        ny, nx = self.clearance_m.shape
        return np.clip(ij[:, 1], 0, ny - 1), np.clip(ij[:, 0], 0, nx - 1)

    def clearance_at(self, xy_m: np.ndarray) -> np.ndarray:
        """(n,) clearance of the cell under each point; 0 off the grid."""
        xy = np.asarray(xy_m, dtype=np.float64).reshape(-1, 2)
        rows, cols = self.cell_index(xy)
        ny, nx = self.clearance_m.shape
        upper = self.origin + self.cell_m * np.array([nx, ny])
        on_grid = np.all((xy >= self.origin) & (xy < upper), axis=1)
        return np.where(on_grid, self.clearance_m[rows, cols], 0.0)

    def centres(self) -> np.ndarray:
        """(ny, nx, 2) floor positions of the cell centres."""
        ny, nx = self.clearance_m.shape
        xs = self.origin[0] + (np.arange(nx) + 0.5) * self.cell_m
        ys = self.origin[1] + (np.arange(ny) + 0.5) * self.cell_m
        return np.stack(np.meshgrid(xs, ys), axis=-1)


def occupancy_grid(store: SimStore, cell_m: float = CELL_M, inflate_m: float = INFLATE_M) -> OccupancyGrid:
    """The walkable-floor raster of a store: outline, pavement and the staff's yard, minus obstacles."""
    corners = np.concatenate([store.outline, store.street.polygon])
    origin = np.floor(corners.min(axis=0))
    size = np.ceil((corners.max(axis=0) - origin) / cell_m).astype(int)
    grid = OccupancyGrid(origin, cell_m, np.zeros((size[1], size[0])), inflate_m)
    centres = grid.centres().reshape(-1, 2)
    floor = points_in_polygon(centres, store.outline) | points_in_polygon(centres, store.street.polygon)
    floor |= points_in_polygon(centres, store.staff_door.yard)
    for obstacle in store.obstacles:
        floor &= ~points_in_polygon(centres, obstacle.polygon)
    floor = floor.reshape(size[1], size[0])
    # Distance from a cell centre to the nearest blocked cell's centre, less half a cell: the
    # distance to that cell's edge, which is where the shelf or wall face is.
    clearance = ndimage.distance_transform_edt(floor) * cell_m - cell_m / 2
    return OccupancyGrid(origin, cell_m, np.maximum(clearance, 0.0), inflate_m)


_STEPS = ((0, 1), (1, 0), (1, 1), (1, -1))
"""Half of the 8 neighbour offsets (row, column); the graph is symmetric."""


class Navigator:
    """Smoothed walking routes on an occupancy grid, cached per (start, end) pair."""

    def __init__(self, grid: OccupancyGrid) -> None:
        self.grid = grid
        walk = grid.walkable
        self._node = np.full(walk.shape, -1, dtype=np.int64)
        self._node[walk] = np.arange(int(walk.sum()))
        rows, cols = np.nonzero(walk)
        self._xy = grid.centres()[rows, cols]
        cost = 1.0 + (CLEARANCE_COST_M / np.maximum(grid.clearance_m, grid.cell_m)) ** 2
        src, dst, weight = [], [], []
        for dr, dc in _STEPS:
            r2, c2 = rows + dr, cols + dc
            ok = (r2 >= 0) & (r2 < walk.shape[0]) & (c2 >= 0) & (c2 < walk.shape[1])
            ok[ok] = walk[r2[ok], c2[ok]]
            step = grid.cell_m * np.hypot(dr, dc)
            a, b = self._node[rows[ok], cols[ok]], self._node[r2[ok], c2[ok]]
            w = step * (cost[rows[ok], cols[ok]] + cost[r2[ok], c2[ok]]) / 2
            src += [a, b]
            dst += [b, a]
            weight += [w, w]
        n = len(self._xy)
        self._graph = coo_matrix((np.concatenate(weight), (np.concatenate(src), np.concatenate(dst))), (n, n)).tocsr()
        self._trees: dict[int, np.ndarray] = {}
        self._routes: dict[tuple[tuple[float, float], tuple[float, float]], np.ndarray] = {}

    def route(self, start_xy: np.ndarray, end_xy: np.ndarray) -> np.ndarray:
        """(k, 2) smoothed route from ``start_xy`` to ``end_xy`` (both ends exact).

        Raises:
            ValueError: An end is not on walkable floor.
        """
        key = (tuple(np.round(start_xy, 3)), tuple(np.round(end_xy, 3)))
        route = self._routes.get(key)
        if route is None:
            back = self._routes.get((key[1], key[0]))
            route = back[::-1] if back is not None else self._plan(np.asarray(start_xy), np.asarray(end_xy))
            self._routes[key] = route
        return route

    def length(self, start_xy: np.ndarray, end_xy: np.ndarray) -> float:
        """Walking distance of the route, metres."""
        return float(_arc_length(self.route(start_xy, end_xy))[-1])

    def _node_at(self, xy: np.ndarray) -> int:
        rows, cols = self.grid.cell_index(xy)
        node = int(self._node[rows[0], cols[0]])
        if node < 0:
            raise ValueError(f"{np.round(xy, 2).tolist()} is not on walkable floor")
        return node

    def _plan(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        a, b = self._node_at(start), self._node_at(end)
        tree = self._trees.get(a)
        if tree is None:
            _, tree = dijkstra(self._graph, indices=a, return_predecessors=True)
            self._trees[a] = tree
        nodes = [b]
        while nodes[-1] != a:
            if tree[nodes[-1]] < 0:
                raise ValueError(f"no walkable route from {start.tolist()} to {end.tolist()}")
            nodes.append(int(tree[nodes[-1]]))
        raw = np.concatenate([start[None], self._xy[nodes[::-1]][1:-1], end[None]])
        return _smooth(raw)


def _arc_length(path: np.ndarray) -> np.ndarray:
    return np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(path, axis=0).T))])


def _resample(path: np.ndarray, spacing: float) -> np.ndarray:
    s = _arc_length(path)
    n = max(int(np.ceil(s[-1] / spacing)), 1)
    at = np.linspace(0.0, s[-1], n + 1)
    return np.column_stack([np.interp(at, s, path[:, 0]), np.interp(at, s, path[:, 1])])


def _smooth(raw: np.ndarray) -> np.ndarray:
    """Grid path -> smooth route with the same ends, points ``RESAMPLE_M`` apart.

    Smoothing pulls the route towards the inside of bends by much less than the inflation
    margin, so it stays clear of the shelves the grid path avoided.
    """
    if len(raw) <= 2:
        return _resample(raw, RESAMPLE_M)
    fine = _resample(raw, CELL_M)
    sigma = SMOOTH_SIGMA_M / CELL_M
    smooth = np.column_stack([ndimage.gaussian_filter1d(fine[:, i], sigma, mode="nearest") for i in range(2)])
    # Blend back to the exact ends over one sigma, so the route starts and stops where asked.
    s = _arc_length(fine)
    pin = np.clip(np.minimum(s, s[-1] - s) / SMOOTH_SIGMA_M, 0.0, 1.0)[:, None]
    return _resample(fine + pin * (smooth - fine), RESAMPLE_M)
