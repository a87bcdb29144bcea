"""Floor heatmaps: the grid that presence (time spent) and flow (movement) are read on.

Positions are binned into cells and summed in one place, as the database stores them
(`storelens.storage.downsample.heat_increments`, on the database's fixed cell size), so every
report reads the same cells; this module lays a range of them out as a dense grid and scores
zones on it, and `storelens.render.heatmap` only draws it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from storelens.geometry.polygons import points_in_polygon

__all__ = ["HeatGrid", "zone_presence"]


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

    def centres_m(self) -> tuple[np.ndarray, np.ndarray]:
        """(cols,) x and (rows,) y of the cell centres, metres."""
        x = self.origin_m[0] + (np.arange(self.shape[1]) + 0.5) * self.cell_m
        y = self.origin_m[1] + (np.arange(self.shape[0]) + 0.5) * self.cell_m
        return x, y


def zone_presence(grid: HeatGrid, presence_s: np.ndarray, zones: dict[str, np.ndarray]) -> dict[str, float]:
    """Person-seconds per square metre in each zone: which areas are hot and which are cold.

    Normalising by area makes a small busy display comparable with a large quiet aisle.

    Args:
        grid: Cells of ``presence_s``.
        presence_s: (rows, cols) seconds per cell.
        zones: {name: (k, 2) polygon, metres}.
    """
    x, y = grid.centres_m()
    centres = np.stack(np.meshgrid(x, y), axis=-1).reshape(-1, 2)
    flat = presence_s.reshape(-1)
    out = {}
    for name, polygon in zones.items():
        inside = points_in_polygon(centres, polygon)
        area = inside.sum() * grid.cell_m**2
        out[name] = float(flat[inside].sum() / area) if area else 0.0
    return out
