"""Floor heatmaps: the grid that presence (time spent) and flow (movement) are read on.

Positions are binned into cells and summed in one place, as the database stores them
(`storelens.storage.downsample.heat_increments`, on the database's fixed cell size), so every
report reads the same cells; this module lays a range of them out on a grid,
`storelens.analytics.floor_heat` keeps them to the walkable floor and scores zones, and
`storelens.render.heatmap` only draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["HeatGrid"]


@dataclass(frozen=True, slots=True)
class HeatGrid:
    """A regular grid over the floor.

    Attributes:
        origin_m: (x, y) floor position of the grid's corner (cell (0, 0)'s minimum), metres.
        shape: (rows, cols) = cells along y, cells along x.
        cell_m: Cell side, metres.
    """

    origin_m: tuple[float, float]
    shape: tuple[int, int]
    cell_m: float = 0.25

    @classmethod
    def covering(cls, points_m: np.ndarray, cell_m: float = 0.25, margin_m: float = 0.5) -> HeatGrid:
        """The grid covering (n, 2) points (e.g. a floor outline) plus a margin."""
        p = np.asarray(points_m, dtype=np.float64).reshape(-1, 2)
        lo = p.min(axis=0) - margin_m
        hi = p.max(axis=0) + margin_m
        cols, rows = np.ceil((hi - lo) / cell_m).astype(int)
        return cls((float(lo[0]), float(lo[1])), (int(rows), int(cols)), cell_m)

    @classmethod
    def on_lattice(cls, points_m: np.ndarray, cell_m: float) -> HeatGrid:
        """The grid covering (n, 2) points with cells on the database's lattice (corners at
        multiples of ``cell_m``), so stored cells land on it whole.

        >>> HeatGrid.on_lattice(np.array([[0.1, -0.3], [1.0, 0.6]]), 0.5)
        HeatGrid(origin_m=(0.0, -0.5), shape=(3, 2), cell_m=0.5)
        """
        p = np.asarray(points_m, dtype=np.float64).reshape(-1, 2)
        lo = np.floor(p.min(axis=0) / cell_m).astype(int)
        hi = np.ceil(p.max(axis=0) / cell_m).astype(int)
        cols, rows = np.maximum(hi - lo, 1)
        return cls((float(lo[0] * cell_m), float(lo[1] * cell_m)), (int(rows), int(cols)), cell_m)

    def take(self, values: np.ndarray, origin_m: tuple[float, float]) -> np.ndarray:
        """(rows, cols) of this grid from ``values``, a grid of the same lattice whose cell [0, 0]
        has its corner at ``origin_m``; cells outside ``values`` are 0, cells outside this grid
        are dropped.

        >>> g = HeatGrid((0.0, 0.0), (2, 2), 1.0)
        >>> g.take(np.array([[1.0, 2.0], [3.0, 4.0]]), (1.0, -1.0)).tolist()
        [[0.0, 3.0], [0.0, 0.0]]
        """
        out = np.zeros(self.shape)
        dc, dr = (int(round((o - mine) / self.cell_m)) for o, mine in zip(origin_m, self.origin_m))
        rows, cols = values.shape[:2]
        r0, r1 = max(dr, 0), min(dr + rows, self.shape[0])
        c0, c1 = max(dc, 0), min(dc + cols, self.shape[1])
        if r0 < r1 and c0 < c1:
            out[r0:r1, c0:c1] = values[r0 - dr : r1 - dr, c0 - dc : c1 - dc]
        return out

    def centres_m(self) -> tuple[np.ndarray, np.ndarray]:
        """(cols,) x and (rows,) y of the cell centres, metres."""
        x = self.origin_m[0] + (np.arange(self.shape[1]) + 0.5) * self.cell_m
        y = self.origin_m[1] + (np.arange(self.shape[0]) + 0.5) * self.cell_m
        return x, y

    def points_m(self) -> np.ndarray:
        """(rows * cols, 2) cell centres, row by row (the order of ``values.reshape(-1)``)."""
        x, y = self.centres_m()
        return np.stack(np.meshgrid(x, y), axis=-1).reshape(-1, 2)
