from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from storelens.track.association import assign, iou_matrix, match

coord = st.floats(0, 500, allow_nan=False)
box = st.tuples(coord, coord, st.floats(1, 100), st.floats(1, 100)).map(
    lambda b: [b[0], b[1], b[0] + b[2], b[1] + b[3]]
)


@given(st.lists(box, min_size=1, max_size=6), st.lists(box, min_size=1, max_size=6))
def test_iou_is_symmetric_bounded_and_one_on_itself(a, b):
    a, b = np.array(a), np.array(b)
    m = iou_matrix(a, b)
    assert m.shape == (len(a), len(b))
    assert np.all((m >= 0) & (m <= 1 + 1e-9))
    np.testing.assert_allclose(m, iou_matrix(b, a).T)
    np.testing.assert_allclose(np.diag(iou_matrix(a, a)), 1.0)


def test_assign_respects_gate_and_forbidden_pairs():
    cost = np.array([[0.1, np.inf], [np.inf, 0.9], [0.2, 0.3]])
    m, rows, cols = assign(cost, max_cost=0.5)
    assert sorted(map(tuple, m.tolist())) == [(0, 0), (2, 1)]
    assert rows.tolist() == [1] and cols.tolist() == []


def test_assign_handles_empty_inputs():
    m, rows, cols = assign(np.zeros((0, 3)), 1.0)
    assert m.shape == (0, 2) and rows.tolist() == [] and cols.tolist() == [0, 1, 2]


def _reference_match(cost: np.ndarray, max_cost: float) -> np.ndarray:
    """The plain solver-based matching that `match`'s shortcuts must reproduce exactly."""
    n, m = cost.shape
    if n == 0 or m == 0:
        return np.zeros((0, 2), int)
    allowed = np.isfinite(cost) & (cost <= max_cost)
    big = (np.abs(cost[allowed]).max() + 1.0) * (n + m) if allowed.any() else 1.0
    rows, cols = linear_sum_assignment(np.where(allowed, cost, big))
    ok = allowed[rows, cols]
    return np.stack([rows[ok], cols[ok]], axis=1)


@given(
    st.integers(0, 6),
    st.integers(0, 6),
    st.floats(0.0, 1.0),
    st.sampled_from([0.5, np.inf]),
    st.integers(0, 2**32 - 1),
)
def test_match_shortcuts_agree_with_the_solver(n, m, forbidden, max_cost, seed):
    # Sparse gates exercise the no-conflict shortcut, dense ones the solver, 1 x 1 the trivial case.
    rng = np.random.default_rng(seed)
    cost = np.round(rng.random((n, m)), 1)
    cost[rng.random((n, m)) < forbidden] = np.inf
    got, want = match(cost, max_cost), _reference_match(cost, max_cost)
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want)
