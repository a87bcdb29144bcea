"""Walking routes: around the shelves, down the middle of the aisles, without zig-zags."""

from __future__ import annotations

import numpy as np
import pytest

from storelens.geometry.polygons import points_in_polygon
from storelens.sim import Navigator, SimStore, occupancy_grid


@pytest.fixture(scope="module")
def nav(store: SimStore) -> Navigator:
    return Navigator(occupancy_grid(store))


def _gondola(store: SimStore) -> np.ndarray:
    """Centre of a shelf in the middle of the shop."""
    return next(o for o in store.obstacles if o.name == "gondola_1").polygon.mean(axis=0)


def _densify(route: np.ndarray, step: float = 0.02) -> np.ndarray:
    s = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(route, axis=0).T))])
    at = np.arange(0.0, s[-1], step)
    return np.column_stack([np.interp(at, s, route[:, 0]), np.interp(at, s, route[:, 1])])


def test_grid_marks_shelves_and_outside_as_not_walkable(store: SimStore):
    grid = occupancy_grid(store)
    assert grid.clearance_at(_gondola(store)[None])[0] == 0
    assert grid.clearance_at(np.array([[-3.0, 5.0], [100.0, 100.0]])).tolist() == [0.0, 0.0]
    assert grid.walkable.mean() > 0.4


def test_routes_between_displays_keep_clear_of_shelves_and_walls(store: SimStore, nav: Navigator):
    places = [store.door.inside[1], store.checkout.entry] + [poi.spots[0] for poi in store.pois]
    grid = nav.grid
    for a in places:
        for b in places:
            if a is b:
                continue
            route = nav.route(a, b)
            np.testing.assert_allclose(route[[0, -1]], [a, b], atol=1e-9)
            dense = _densify(route)
            assert grid.clearance_at(dense).min() >= 0.3
            for obstacle in store.obstacles:
                assert not points_in_polygon(dense, obstacle.polygon).any(), obstacle.name
            assert nav.length(a, b) >= np.hypot(*(b - a)) - 1e-9


def test_routes_are_smooth(store: SimStore, nav: Navigator):
    for poi in store.pois:
        route = nav.route(store.door.inside[0], poi.spots[-1])
        heading = np.arctan2(*np.diff(route, axis=0).T[::-1])
        turn = np.abs((np.diff(heading) + np.pi) % (2 * np.pi) - np.pi)
        assert np.degrees(turn).max() < 45, poi.name  # per 0.25 m: no grid zig-zag


def test_route_back_is_the_route_there_reversed(store: SimStore, nav: Navigator):
    a, b = store.pois[0].spots[0], store.pois[3].spots[2]
    np.testing.assert_array_equal(nav.route(b, a), nav.route(a, b)[::-1])


def test_a_route_into_a_shelf_is_refused(store: SimStore, nav: Navigator):
    with pytest.raises(ValueError, match="not on walkable floor"):
        nav.route(store.door.inside[0], _gondola(store))
