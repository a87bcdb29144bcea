from __future__ import annotations

from datetime import datetime, timezone

import numpy as np

from storelens.analytics import HeatGrid, ZoneVisit, floor_heat, zone_heat, zone_paths
from storelens.analytics.routes import main_routes
from storelens.geometry.polygons import points_in_polygon

ROOM = np.array([[0, 0], [6, 0], [6, 4], [0, 4]], float)
SHELF = np.array([[2.5, 0], [3.5, 0], [3.5, 3], [2.5, 3]], float)  # from the front wall to 1 m short of the back


def _room_heat(seconds: np.ndarray, **kwargs):
    grid = HeatGrid.on_lattice(ROOM, 0.25)
    return floor_heat(grid, seconds, ROOM, [SHELF], **kwargs)


def test_zone_heat_is_per_square_metre_of_walkable_floor():
    grid = HeatGrid((0.0, 0.0), (4, 4), 1.0)
    seconds = np.zeros((4, 4))
    seconds[0, 0] = 480.0  # 8 min in the 1 m2 cell at (0.5, 0.5)
    shelf = np.array([[2, 2], [4, 2], [4, 4], [2, 4]], float)  # 4 m2 of the big zone nobody walks on
    heat = floor_heat(grid, seconds, None, fixtures=[shelf])
    zones = {"small": np.array([[0, 0], [1, 0], [1, 1], [0, 1]]), "big": np.array([[0, 0], [4, 0], [4, 4], [0, 4]])}
    ranked = zone_heat(heat, zones)
    assert ranked["small"].minutes == ranked["big"].minutes == 8.0
    assert ranked["small"].minutes_per_m2 == 8.0 and ranked["big"].minutes_per_m2 == 8.0 / 12


def test_heat_stays_on_the_walkable_floor_and_time_on_a_shelf_goes_beside_it():
    grid = HeatGrid.on_lattice(np.vstack([ROOM, [[-2, -2]]]), 0.25)  # the grid reaches outside the walls
    seconds = np.zeros(grid.shape)
    centres = grid.points_m().reshape(*grid.shape, 2)
    outside = centres[..., 1] < 0
    seconds[outside] = 1000.0  # passers-by on the pavement
    on_shelf = points_in_polygon(grid.points_m(), SHELF).reshape(grid.shape)
    seconds[on_shelf & (centres[..., 1] < 0.5)] = 60.0  # positions that landed on the shelf's front end
    heat = floor_heat(grid, seconds, ROOM, [SHELF])
    assert heat.seconds[outside].sum() == 0 and heat.minutes_per_m2[~heat.walkable].max() == 0
    beside = (np.abs(centres[..., 0] - 3.0) < 1.0) & (centres[..., 1] < 0.5) & heat.walkable
    assert heat.minutes_per_m2[beside].min() > 0  # the shelf's time shows on the floor either side of it
    left_out = floor_heat(grid, seconds, ROOM, [SHELF], left_out=[np.array([[0, 0], [6, 0], [6, 1], [0, 1]])])
    assert left_out.seconds.sum() == 0 and left_out.scale.top == 0


def test_colour_scale_is_set_by_the_visited_floor_not_its_hottest_cell():
    grid = HeatGrid((0.0, 0.0), (56, 80), 0.25)  # a 20 m x 14 m shop floor
    seconds = np.random.default_rng(0).gamma(2.0, 15.0, grid.shape)  # browsing, a little here, more there
    seconds[20, 20] = 1e6  # a day at the till in one cell
    heat = floor_heat(grid, seconds, None)
    assert heat.scale.peak > 100 * heat.scale.top
    assert heat.scale.p95_share > 0.6 and heat.scale.level(np.array([heat.scale.peak]))[0] == 1.0


def test_routes_go_round_shelves_busiest_first():
    grid = HeatGrid.on_lattice(ROOM, 0.25)
    heat = _room_heat(np.full(grid.shape, 10.0))
    zones = {
        "left": np.array([[0, 0], [2, 0], [2, 2], [0, 2]], float),
        "right": np.array([[4, 0], [6, 0], [6, 2], [4, 2]], float),
        "corner": np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float),  # inside "left": no route to draw
    }
    moves = {("left", "right"): 5, ("right", "left"): 9, ("left", "corner"): 20, ("left", "nowhere"): 30}
    routes = main_routes(heat, zones, moves, top_n=6)
    assert [(r.from_zone, r.to_zone, r.people) for r in routes] == [("right", "left", 9), ("left", "right", 5)]
    for route in routes:
        assert route.path_m[:, 1].max() > 3.0  # over the shelf's free end at the back
        assert not points_in_polygon(route.path_m, np.array([[2.6, 0], [3.4, 0], [3.4, 2.9], [2.6, 2.9]])).any()


def test_staff_zones_can_be_left_out_of_paths():
    t = lambda s: datetime.fromtimestamp(s, timezone.utc)  # noqa: E731
    visits = [ZoneVisit("till", "c", 1, t(0), t(5)), ZoneVisit("office", "c", 1, t(9), t(30)),
              ZoneVisit("door", "c", 1, t(40), t(60))]  # fmt: skip
    moves, _ = zone_paths(visits, skip_zones={"office"})
    assert moves == {("till", "door"): 1}
