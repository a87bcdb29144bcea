"""Drawing floor heatmaps: presence as colour, flow as arrows, on the store's floor plan."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from storelens.analytics.heatmap import HeatGrid

__all__ = ["FloorCanvas", "render_heatmap"]

_PLAIN_PX_PER_M = 40.0
_MARGIN_M = 0.5
_ALPHA = 0.6
_OUTLINE_BGR = (60, 60, 60)
_ZONE_BGR = (200, 120, 0)
_ARROW_BGR = (40, 40, 40)
_MIN_ARROW_PX = 4.0


@dataclass(frozen=True, slots=True)
class FloorCanvas:
    """Where floor metres land on the picture drawn.

    Attributes:
        image: (h, w, 3) uint8 BGR background (the floor plan image, or a blank page).
        origin_px: (u, v) pixel of floor point (0, 0).
        px_per_m: Scale.
        flip_y: True when floor y grows upwards on the picture (image rows grow downwards).
    """

    image: np.ndarray
    origin_px: tuple[float, float]
    px_per_m: float
    flip_y: bool = True

    @classmethod
    def blank(cls, outline_m: np.ndarray, px_per_m: float = _PLAIN_PX_PER_M) -> FloorCanvas:
        """A white page just large enough for the (n, 2) outline, y up."""
        p = np.asarray(outline_m, dtype=np.float64).reshape(-1, 2)
        lo, hi = p.min(axis=0) - _MARGIN_M, p.max(axis=0) + _MARGIN_M
        w, h = np.ceil((hi - lo) * px_per_m).astype(int)
        image = np.full((h, w, 3), 255, np.uint8)
        return cls(image, (-lo[0] * px_per_m, hi[1] * px_per_m), px_per_m, flip_y=True)

    def to_px(self, points_m: np.ndarray) -> np.ndarray:
        """(n, 2) floor metres -> (n, 2) float pixel coordinates."""
        p = np.asarray(points_m, dtype=np.float64).reshape(-1, 2)
        u = self.origin_px[0] + p[:, 0] * self.px_per_m
        v = self.origin_px[1] + (-p[:, 1] if self.flip_y else p[:, 1]) * self.px_per_m
        return np.stack([u, v], axis=1)


def render_heatmap(
    canvas: FloorCanvas,
    grid: HeatGrid,
    presence_s: np.ndarray,
    flow_m: np.ndarray | None = None,
    outline_m: np.ndarray | None = None,
    zones: dict[str, np.ndarray] | None = None,
) -> np.ndarray:
    """Presence (and optionally flow) drawn over the floor plan.

    Args:
        canvas: Floor plan and its scale.
        grid: Cells of ``presence_s``.
        presence_s: (rows, cols) seconds spent per cell.
        flow_m: (rows, cols, 2) summed movement per cell, or None for presence only.
        outline_m: (n, 2) store outline to draw, or None.
        zones: {name: (k, 2) polygon} to outline and label, or None.

    Returns:
        (h, w, 3) uint8 BGR picture. Colours use a square-root scale, so a few very busy cells
        (the till) do not wash out the rest; the legend in the corner gives the peak.
    """
    out = canvas.image.copy()
    h = out.shape[0]
    peak = float(presence_s.max()) if presence_s.size else 0.0
    if peak > 0:
        level = np.sqrt(presence_s / peak)
        colour = cv2.applyColorMap((level * 255).astype(np.uint8), cv2.COLORMAP_JET)
        # Paint each cell as the quadrilateral its corners map to.
        xs = grid.origin_m[0] + np.arange(grid.shape[1] + 1) * grid.cell_m
        ys = grid.origin_m[1] + np.arange(grid.shape[0] + 1) * grid.cell_m
        overlay = out.copy()
        for r, c in zip(*np.nonzero(presence_s > 0)):
            corners = np.array([[xs[c], ys[r]], [xs[c + 1], ys[r]], [xs[c + 1], ys[r + 1]], [xs[c], ys[r + 1]]])
            poly = np.round(canvas.to_px(corners)).astype(np.int32)
            cv2.fillConvexPoly(overlay, poly, tuple(int(v) for v in colour[r, c]))
        out = cv2.addWeighted(overlay, _ALPHA, out, 1 - _ALPHA, 0)
    if outline_m is not None:
        cv2.polylines(out, [np.round(canvas.to_px(outline_m)).astype(np.int32)], True, _OUTLINE_BGR, 2)
    for name, poly in (zones or {}).items():
        px = np.round(canvas.to_px(poly)).astype(np.int32)
        cv2.polylines(out, [px], True, _ZONE_BGR, 1, cv2.LINE_AA)
        cv2.putText(out, name, tuple(px.min(axis=0) + [3, 14]), cv2.FONT_HERSHEY_SIMPLEX, 0.45, _ZONE_BGR, 1)
    if flow_m is not None and peak > 0:
        _draw_flow(out, canvas, grid, flow_m)
    cv2.putText(out, f"peak {peak:.0f} s per cell", (8, h - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1)
    return out


def _draw_flow(out: np.ndarray, canvas: FloorCanvas, grid: HeatGrid, flow_m: np.ndarray) -> None:
    """One arrow per block of cells, length by the share of movement through the block."""
    block = max(1, int(round(1.0 / grid.cell_m)))  # about one arrow per square metre
    rows, cols = grid.shape
    r_blocks, c_blocks = -(-rows // block), -(-cols // block)
    padded = np.zeros((r_blocks * block, c_blocks * block, 2))
    padded[:rows, :cols] = flow_m
    summed = padded.reshape(r_blocks, block, c_blocks, block, 2).sum(axis=(1, 3))
    length = np.hypot(summed[..., 0], summed[..., 1])
    top = length.max()
    if top <= 0:
        return
    x0, y0 = grid.origin_m
    size_m = block * grid.cell_m
    for r, c in zip(*np.nonzero(length > 0)):
        centre = np.array([x0 + (c + 0.5) * size_m, y0 + (r + 0.5) * size_m])
        tip = centre + summed[r, c] / length[r, c] * size_m * 0.45 * np.sqrt(length[r, c] / top)
        a, b = canvas.to_px(np.stack([centre, tip]))
        if np.hypot(*(b - a)) >= _MIN_ARROW_PX:
            cv2.arrowedLine(out, tuple(np.round(a).astype(int)), tuple(np.round(b).astype(int)), _ARROW_BGR, 1,
                            cv2.LINE_AA, tipLength=0.35)
