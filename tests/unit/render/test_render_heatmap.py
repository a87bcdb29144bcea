from __future__ import annotations

import numpy as np

from storelens.analytics import HeatGrid
from storelens.render import FloorCanvas, render_heatmap


def test_hot_cells_are_coloured_where_they_are_and_nowhere_else():
    outline = np.array([[0, 0], [4, 0], [4, 3], [0, 3]], float)
    grid = HeatGrid.covering(outline, cell_m=0.5, margin_m=0.0)
    presence = np.zeros(grid.shape)
    presence[0, 0] = 10.0  # floor (0..0.5, 0..0.5): bottom-left on a y-up picture
    canvas = FloorCanvas.blank(outline, px_per_m=40)
    img = render_heatmap(canvas, grid, presence, outline_m=outline)
    u, v = np.round(canvas.to_px(np.array([[0.25, 0.25]]))[0]).astype(int)
    assert not (img[v, u] == 255).all()  # painted
    u2, v2 = np.round(canvas.to_px(np.array([[3.0, 2.5]]))[0]).astype(int)
    assert (img[v2, u2] == 255).all()  # empty floor stays white
    assert canvas.to_px(np.array([[0.0, 3.0]]))[0][1] < canvas.to_px(np.array([[0.0, 0.0]]))[0][1]  # y up


def test_empty_heatmap_draws_the_plan_only():
    outline = np.array([[0, 0], [2, 0], [2, 2], [0, 2]], float)
    grid = HeatGrid.covering(outline)
    img = render_heatmap(FloorCanvas.blank(outline), grid, np.zeros(grid.shape), np.zeros((*grid.shape, 2)), outline)
    assert img.dtype == np.uint8 and img.ndim == 3
