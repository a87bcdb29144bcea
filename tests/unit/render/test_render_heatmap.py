from __future__ import annotations

import numpy as np

from storelens.analytics import HeatGrid, floor_heat
from storelens.render.heatmap import FloorCanvas, PlanShapes, heat_bgr, render_heatmap
from storelens.render.labels import LabelBoard, text_size
from storelens.render.sankey import sankey_layout

ROOM = np.array([[0, 0], [8, 0], [8, 5], [0, 5]], float)
SHELF = np.array([[3, 1], [5, 1], [5, 2], [3, 2]], float)
STAFF = np.array([[6, 3], [8, 3], [8, 5], [6, 5]], float)
PAGE = (243, 240, 238)


def _heat_everywhere():
    grid = HeatGrid.on_lattice(np.vstack([ROOM, [[-2, -2], [10, 7]]]), 0.25)  # reaches past the walls
    return floor_heat(grid, np.full(grid.shape, 60.0), ROOM, [SHELF], [STAFF])


def test_heat_is_drawn_on_the_walkable_floor_only():
    plan = PlanShapes(ROOM, (SHELF,), left_out=(("office", STAFF),))
    canvas = FloorCanvas.fitting(plan.extent_m(), 400)
    img = render_heatmap(canvas, plan, _heat_everywhere())
    at = lambda x, y: img[tuple(np.round(canvas.to_px(np.array([[x, y]]))[0][::-1]).astype(int))].tolist()  # noqa: E731
    assert at(-0.5, 2.0) == list(PAGE) and at(4.0, -0.5) == list(PAGE)  # outside the walls: no heat
    assert at(4.0, 1.5) == [204, 211, 214]  # the shelf: fixture grey
    assert at(6.15, 3.15) in ([226, 226, 226], [200, 200, 200])  # the staff area: hatched, no heat
    assert at(1.0, 3.0) not in ([255, 255, 255], list(PAGE))  # the floor is coloured
    assert canvas.to_px(np.array([[0.0, 5.0]]))[0][1] < canvas.to_px(np.array([[0.0, 0.0]]))[0][1]  # y up


def test_plan_alone_without_heat():
    plan = PlanShapes(ROOM, zones=(("door", np.array([[0, 0], [2, 0], [2, 1], [0, 1]], float)),))
    img = render_heatmap(FloorCanvas.fitting(plan.extent_m(), 300), plan, None)
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[1] == 300


def test_zone_names_that_do_not_fit_are_numbered_with_a_key_under_the_plan():
    zones = tuple((f"display_number_{k}", np.array([[k, 4], [k + 1, 4], [k + 1, 5], [k, 5]], float)) for k in range(8))
    plan = PlanShapes(ROOM, zones=zones)
    wide = render_heatmap(FloorCanvas.fitting(plan.extent_m(), 1600), plan, None)
    narrow_canvas = FloorCanvas.fitting(plan.extent_m(), 320)
    narrow = render_heatmap(narrow_canvas, plan, None)
    assert wide.shape[0] == FloorCanvas.fitting(plan.extent_m(), 1600).image.shape[0]  # every name fits: no key
    assert narrow.shape[0] > narrow_canvas.image.shape[0] + text_size("1", 0.45)[1]  # key rows under the plan


def test_placed_labels_never_overlap():
    rng = np.random.default_rng(1)
    board = LabelBoard(300, 200)
    for k in range(60):
        board.place(f"zone {k}", [tuple(p) for p in rng.uniform(0, 300, (4, 2))], 0.45)
    boxes = board.taken
    assert 5 < len(boxes) < 60
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert all(b.within(300, 200) for b in boxes)


def test_sankey_ribbons_fill_their_bars_without_overlap():
    moves = {("door", "promo"): 40, ("promo", "till"): 25, ("door", "till"): 10, ("till", "door"): 30, ("a", "b"): 0}
    lay = sankey_layout(moves, top_n=3)
    assert lay.people == 95 and lay.all_people == 105
    assert {(lk.from_zone, lk.to_zone) for lk in lay.links} == {("door", "promo"), ("till", "door"), ("promo", "till")}
    for node in lay.nodes:
        ends = "from" if node.side == "from" else "to"
        spans = sorted(
            (getattr(lk, f"{ends}_y0"), getattr(lk, f"{ends}_y1"))
            for lk in lay.links
            if (lk.from_zone if ends == "from" else lk.to_zone) == node.zone
        )
        assert np.isclose(spans[0][0], node.y0) and np.isclose(spans[-1][1], node.y1)
        assert all(np.isclose(a[1], b[0]) for a, b in zip(spans, spans[1:]))  # stacked, touching, no overlap
    assert max(n.y1 for n in lay.nodes) <= 1.0 + 1e-9


def test_scale_colours_run_blue_to_red():
    low, high = heat_bgr(np.array([0.0, 1.0]))
    assert low[0] > low[2] and high[2] > high[0]  # BGR: blue at the bottom, red at the top
