"""Polygon geometry shared by config validation and the analytics."""

from __future__ import annotations

import numpy as np
import pytest

from storelens.geometry.polygons import (
    distance_to_boundary,
    most_points_on_a_line,
    points_in_polygon,
    polygon_problem,
    polygon_within,
    segment_meets_polygon,
)

L_SHAPE = [(0, 0), (4, 0), (4, 2), (2, 2), (2, 4), (0, 4)]  # concave corner at (2, 2)


def test_distance_to_boundary_inside_outside_and_at_a_concave_corner():
    points = np.array([[1, 1], [3, 3], [5, 1], [2, 2], [-3, -4]])
    np.testing.assert_allclose(distance_to_boundary(points, L_SHAPE), [1.0, 1.0, 1.0, 0.0, 5.0])
    assert points_in_polygon(points, L_SHAPE).tolist() == [True, False, False, False, False]


def test_distance_to_a_repeated_vertex_is_finite():
    assert distance_to_boundary(np.array([[0.5, 0.5]]), [(0, 0), (0, 0), (2, 0), (0, 2)]).tolist() == [0.5]


@pytest.mark.parametrize(
    ("inner", "within"),
    [
        ([(0, 0), (2, 0), (2, 2), (0, 2)], True),  # sharing the outline's corner and walls
        ([(0.5, 0.5), (1.5, 0.5), (1.5, 1.5)], True),
        ([(-0.04, 1), (1, 1), (1, 2)], True),  # sticking out less than the tolerance
        ([(1, 1), (3, 3), (1, 3)], False),  # a vertex outside, past the concave corner
        ([(1.5, 3.5), (3.5, 1.5), (1, 1)], False),  # vertices inside, an edge across the corner
    ],
)
def test_polygon_within(inner, within):
    assert polygon_within(inner, L_SHAPE, tol=0.05) is within


@pytest.mark.parametrize(
    ("polygon", "problem"),
    [
        (L_SHAPE, None),
        ([(0, 0), (2, 2), (2, 0), (0, 2)], "edges 0 and 2 cross"),
        ([(0, 0), (2, 0), (1, 0), (1, 1)], "edges 0 and 1 fold back"),
        ([(0, 0), (0.1, 0), (0.1, 0.1)], "encloses 0.005 m^2"),
    ],
)
def test_polygon_problem(polygon, problem):
    found = polygon_problem(polygon, min_area_m2=0.05)
    assert found is None if problem is None else found.startswith(problem)


def test_segment_meets_polygon_within_tolerance():
    assert segment_meets_polygon((-1, 1), (-0.01, 1), L_SHAPE, tol=0.05)
    assert not segment_meets_polygon((-1, 1), (-0.1, 1), L_SHAPE, tol=0.05)
    assert segment_meets_polygon((3, 3), (5, 5), [(4, 4), (6, 4), (6, 6)], tol=0.0)


def test_most_points_on_a_line():
    assert most_points_on_a_line([(0, 0), (1, 1), (2, 2.0001), (0, 5)]) == 3
    assert most_points_on_a_line([(0, 0), (1, 0), (0, 1), (1, 1)]) == 2
