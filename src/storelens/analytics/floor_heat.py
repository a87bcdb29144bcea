"""The heatmap a manager reads: time per area of the walkable floor, smoothed, on a robust scale.

Stored heat is person-seconds per 0.25 m cell, wherever a position landed: on the pavement, on
a shelf (a position off by 30 cm), behind the counter where the cashier stands all day. Read
raw, one cell holds a day's cashier time and every shopper's cell is the same faint blue. Here
heat is kept to the store's floor (inside the outline, outside the areas left out: staff-only
zones), spread over the floor people can walk on (time that landed on a shelf goes to the aisle
beside it), smoothed over about a metre, and given in visitor-minutes per square metre on a
colour scale set by a high percentile of the visited floor, so a single busy spot cannot wash
out the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter

from storelens.analytics.heatmap import HeatGrid
from storelens.geometry.polygons import points_in_polygon, polygon_area_m2

__all__ = [
    "SCALE_PERCENTILE",
    "SMOOTH_SIGMA_M",
    "FloorHeat",
    "HeatScale",
    "ZoneHeat",
    "floor_heat",
    "zone_heat",
]

SMOOTH_SIGMA_M = 0.4
"""Gaussian spread of the smoothing: about a stride, and the error of a floor position."""
SCALE_PERCENTILE = 97.0
"""The visited floor's cell at this percentile tops the colour scale; the hotter 3 % is drawn
in the top colour (the bar says "or more")."""
_MIN_WEIGHT = 1e-3
"""Walkable neighbourhood below which a cell is too cut off to average over (a sliver)."""


@dataclass(frozen=True, slots=True)
class HeatScale:
    """The colour scale: 0 to ``top`` visitor-minutes per m2.

    Attributes:
        top: Value at the top of the scale (the visited floor's ``SCALE_PERCENTILE`` cell).
        p95: The visited floor's 95th-percentile cell.
        peak: The hottest cell (above ``top``: drawn in the top colour).
    """

    top: float
    p95: float
    peak: float

    @property
    def p95_share(self) -> float:
        """Where the 95th-percentile cell sits on the scale, 0-1: low means the colours are wasted
        on a few cells."""
        return self.p95 / self.top if self.top > 0 else 0.0

    def level(self, values: np.ndarray) -> np.ndarray:
        """Values -> 0..1 along the scale (clipped at the top)."""
        return np.clip(values / self.top, 0.0, 1.0) if self.top > 0 else np.zeros_like(values)


@dataclass(frozen=True, slots=True, eq=False)
class FloorHeat:
    """Heat on the store's floor, ready to colour.

    Attributes:
        grid: Cells, aligned with the database's cell lattice, covering the floor.
        seconds: (rows, cols) person-seconds per cell kept (inside the floor, not left out).
        walkable: (rows, cols) True where people can walk: inside the outline, off fixtures,
            outside the areas left out.
        minutes_per_m2: (rows, cols) smoothed visitor-minutes per m2 (0 off the walkable floor).
        scale: The colour scale.
    """

    grid: HeatGrid
    seconds: np.ndarray
    walkable: np.ndarray
    minutes_per_m2: np.ndarray
    scale: HeatScale


@dataclass(frozen=True, slots=True)
class ZoneHeat:
    """Time spent in a zone: in all (visitor-minutes) and per square metre of its walkable floor."""

    minutes: float
    minutes_per_m2: float


def _inside_any(points: np.ndarray, polygons: Sequence[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    inside = np.zeros(len(points), bool)
    for polygon in polygons:
        inside |= points_in_polygon(points, polygon)
    return inside.reshape(shape)


def floor_heat(
    grid: HeatGrid,
    seconds: np.ndarray,
    outline: np.ndarray | None,
    fixtures: Sequence[np.ndarray] = (),
    left_out: Sequence[np.ndarray] = (),
    sigma_m: float = SMOOTH_SIGMA_M,
) -> FloorHeat:
    """Keep, spread and smooth ``seconds`` over the walkable floor and set its colour scale.

    Args:
        grid: Cells of ``seconds``.
        seconds: (rows, cols) stored person-seconds per cell.
        outline: (n, 2) store walls, or None (every cell is floor).
        fixtures: Polygons nobody walks on; their time goes to the walkable cells around them.
        left_out: Polygons whose time is dropped (staff-only zones).
        sigma_m: Smoothing spread, metres.
    """
    centres = grid.points_m()
    on_floor = np.ones(grid.shape, bool) if outline is None else _inside_any(centres, [outline], grid.shape)
    kept = on_floor & ~_inside_any(centres, left_out, grid.shape)
    walkable = kept & ~_inside_any(centres, fixtures, grid.shape)
    kept_s = np.where(kept, seconds, 0.0)
    sigma = sigma_m / grid.cell_m
    # Normalised convolution: the mean over the walkable neighbourhood, so walls and shelves
    # neither dim the cells beside them nor take a share of their time.
    weight = gaussian_filter(walkable.astype(np.float64), sigma, mode="constant")
    spread = gaussian_filter(kept_s, sigma, mode="constant")
    ok = walkable & (weight > _MIN_WEIGHT)
    per_cell = np.divide(spread, weight, out=np.zeros_like(spread), where=ok)
    minutes_per_m2 = per_cell / 60.0 / grid.cell_m**2
    return FloorHeat(grid, kept_s, walkable, minutes_per_m2, heat_scale(minutes_per_m2[walkable]))


def heat_scale(values: np.ndarray) -> HeatScale:
    """The colour scale of the visited floor (cells with any time) among ``values``."""
    visited = values[values > 0]
    if not len(visited):
        return HeatScale(0.0, 0.0, 0.0)
    top, p95 = np.percentile(visited, [SCALE_PERCENTILE, 95.0])
    return HeatScale(float(top), float(p95), float(visited.max()))


def zone_heat(heat: FloorHeat, zones: dict[str, np.ndarray]) -> dict[str, ZoneHeat]:
    """Visitor-minutes in each zone, and per m2 of its walkable floor (the zone's own area when
    none of it is walkable): a small busy display compares with a large quiet aisle.

    Args:
        heat: Heat on the floor.
        zones: {name: (k, 2) polygon, metres}.
    """
    centres = heat.grid.points_m()
    flat_s, flat_walk = heat.seconds.reshape(-1), heat.walkable.reshape(-1)
    cell_m2 = heat.grid.cell_m**2
    out = {}
    for name, polygon in zones.items():
        inside = points_in_polygon(centres, polygon)
        minutes = float(flat_s[inside].sum()) / 60.0
        area = float((inside & flat_walk).sum()) * cell_m2 or polygon_area_m2(polygon)
        out[name] = ZoneHeat(minutes, minutes / area if area else 0.0)
    return out
