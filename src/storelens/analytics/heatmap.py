"""Floor heatmaps: where people spend time (presence) and which way they move (flow).

The accumulator lives here; `storelens.render.heatmap` only draws it. Each sighting of a track
adds the time since that track's previous sighting (capped, so a track seen again after a gap
does not pour a minute into one cell) to the cell it stands in, and its movement to that cell's
flow vector.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from storelens.analytics.polygons import points_in_polygon
from storelens.analytics.records import FloorPositions

__all__ = ["HeatGrid", "HeatmapAccumulator", "zone_presence"]


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

    def cells(self, points_m: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, col) of each point and a mask of points on the grid."""
        p = np.asarray(points_m, dtype=np.float64).reshape(-1, 2)
        col = np.floor((p[:, 0] - self.origin_m[0]) / self.cell_m).astype(np.int64)
        row = np.floor((p[:, 1] - self.origin_m[1]) / self.cell_m).astype(np.int64)
        ok = (row >= 0) & (row < self.shape[0]) & (col >= 0) & (col < self.shape[1])
        return row, col, ok

    def centres_m(self) -> tuple[np.ndarray, np.ndarray]:
        """(cols,) x and (rows,) y of the cell centres, metres."""
        x = self.origin_m[0] + (np.arange(self.shape[1]) + 0.5) * self.cell_m
        y = self.origin_m[1] + (np.arange(self.shape[0]) + 0.5) * self.cell_m
        return x, y


class HeatmapAccumulator:
    """Presence seconds and summed movement per floor cell.

    Args:
        grid: The cells.
        max_step_s: Longest time one sighting may stand for (tracks sampled at 5 fps add 0.2 s).
    """

    def __init__(self, grid: HeatGrid, max_step_s: float = 1.0) -> None:
        self.grid = grid
        self.max_step_s = max_step_s
        self.presence_s = np.zeros(grid.shape)
        self.flow_m = np.zeros((*grid.shape, 2))
        self._last: dict[int, tuple[datetime, np.ndarray]] = {}

    def update(self, positions: FloorPositions) -> None:
        n = len(positions)
        if n == 0:
            return
        dt = np.zeros(n)
        step = np.zeros((n, 2))
        for i, (tid, pos) in enumerate(zip(positions.track_id.tolist(), positions.floor_xy_m)):
            last = self._last.get(tid)
            if last is not None:
                dt[i] = min((positions.ts - last[0]).total_seconds(), self.max_step_s)
                step[i] = pos - last[1]
            self._last[tid] = (positions.ts, pos)
        row, col, ok = self.grid.cells(positions.floor_xy_m)
        np.add.at(self.presence_s, (row[ok], col[ok]), dt[ok])
        np.add.at(self.flow_m, (row[ok], col[ok]), step[ok])

    def end_tracks(self, track_ids: list[int]) -> None:
        for tid in track_ids:
            self._last.pop(tid, None)


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
