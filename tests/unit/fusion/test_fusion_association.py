"""Outlier rejection, clustering across cameras and matching."""

from __future__ import annotations

import numpy as np

from storelens.fusion.association import cluster_across_cameras, consensus, match_costs, min_cost_pairs
from storelens.fusion.bindings import Bindings, track_keys


def test_consensus_drops_the_outlier_of_each_group_only():
    group = np.array([0, 0, 0, 1, 1])
    xy = np.array([[0, 0], [0.1, 0], [2, 0], [5, 5], [5.1, 5]], dtype=float)
    keep = consensus(group, xy, np.full(5, 0.01), 3.0, np.zeros(5, bool))
    assert keep.tolist() == [True, True, False, True, True]


def test_consensus_of_two_drops_the_designated_loser():
    xy = np.array([[0, 0], [3, 0]], dtype=float)
    keep = consensus(np.zeros(2, int), xy, np.full(2, 0.01), 3.0, np.array([False, True]))
    assert keep.tolist() == [True, False]


def test_a_camera_never_gives_one_group_two_people():
    camera = np.array([0, 0, 1])
    xy = np.array([[0, 0], [0.3, 0], [0.1, 0]], dtype=float)
    labels = cluster_across_cameras(camera, xy, np.full(3, 0.04), 3.0)
    assert labels[0] != labels[1] and labels[2] in (labels[0], labels[1])
    assert labels.tolist() == [0, 1, 0]  # the nearer pair joins


def test_match_costs_gate_by_uncertainty_and_reach():
    obs = np.array([[0.0, 0.0]])
    tracks = np.array([[0.5, 0.0], [0.5, 0.0], [3.0, 0.0]])
    cost = match_costs(obs, np.array([0.01]), tracks, np.array([0.01, 1.0, 1.0]), 3.0, tracks, np.array([9, 9, 1.0]))
    assert np.isinf(cost[0, 0])  # 0.5 m is 3.5 sigma of a sharp track
    assert np.isfinite(cost[0, 1])  # but within a vague one
    assert np.isinf(cost[0, 2])  # beyond the reach of a lost one


def test_min_cost_pairs():
    rows, cols = min_cost_pairs(np.array([[1.0, 2.0], [1.0, np.inf]]))
    assert rows.tolist() == [0, 1] and cols.tolist() == [1, 0]
    rows, cols = min_cost_pairs(np.array([[np.inf, np.inf]]))
    assert len(rows) == len(cols) == 0


def test_bindings_bind_look_up_relabel_unbind():
    b = Bindings()
    keys = track_keys(np.array([0, 1, 0]), np.array([7, 7, 9]))
    assert len(set(keys.tolist())) == 3
    b.bind(keys, np.array([1, 1, 2]), 0.0)
    assert b.lookup(keys[::-1]).tolist() == [2, 1, 1]
    b.relabel(np.array([2]), np.array([1]))
    b.unbind(keys[:1])
    assert b.lookup(keys).tolist() == [-1, 1, 1]
