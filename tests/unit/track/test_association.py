from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from storelens.track.association import assign, iou_matrix

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
