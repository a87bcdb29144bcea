"""Which floor observations are the same person: gating, outlier rejection, clustering.

Distances are judged in units of the uncertainty on both sides: two observations ``d`` metres
apart with per-axis variances ``a`` and ``b`` are consistent when ``d^2 / (a + b) <= gate^2``.
A camera close to a person can therefore tell two neighbours apart that a distant one cannot.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = [
    "cluster_across_cameras",
    "consensus",
    "match_costs",
    "min_cost_pairs",
    "row_squared_distances",
    "squared_distances",
]


def squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, m) squared distances between (n, 2) and (m, 2) points.

    x and y are done apart: numpy reduces a trailing axis of length 2 one pair at a time, which
    is many times slower than two (n, m) array operations.

    >>> squared_distances(np.array([[0.0, 0.0]]), np.array([[3.0, 4.0], [1.0, 0.0]])).tolist()
    [[25.0, 1.0]]
    """
    dx = a[:, 0, None] - b[None, :, 0]
    dy = a[:, 1, None] - b[None, :, 1]
    return dx * dx + dy * dy


def row_squared_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n,) squared distances between the rows of two (n, 2) arrays."""
    dx = a[:, 0] - b[:, 0]
    dy = a[:, 1] - b[:, 1]
    return dx * dx + dy * dy


def consensus(group: np.ndarray, xy: np.ndarray, var: np.ndarray, gate: float, loser: np.ndarray) -> np.ndarray:
    """Drop, group by group, the observations that disagree with the rest of their group.

    Each round compares every member with the inverse-variance mean of the others in its group
    (leave one out), and drops the worst member of each group if it lies beyond the gate; until
    every group agrees or has one member left. With a group of two members a tie is broken by
    ``loser``: e.g. a track's own prediction gives way to the one camera that still sees it.

    Args:
        group: (m,) int group of each observation, 0..k-1.
        xy: (m, 2) positions, metres.
        var: (m,) per-axis variances, m^2.
        gate: Consistency gate in standard deviations.
        loser: (m,) bool, members dropped first on equal disagreement.

    Returns:
        (m,) bool, True for the observations kept.

    >>> keep = consensus(np.zeros(3, int), np.array([[0, 0], [0.1, 0], [3, 0]]), np.full(3, 0.01), 3.0,
    ...                  np.zeros(3, bool))
    >>> keep.tolist()
    [True, True, False]
    """
    m = len(group)
    keep = np.ones(m, dtype=bool)
    if m == 0:
        return keep
    k = int(group.max()) + 1
    w = 1.0 / var
    x, y = xy[:, 0], xy[:, 1]
    wx, wy = w * x, w * y
    tie = np.where(loser, 1e-9, 0.0)
    gate2 = gate**2
    for _ in range(int(np.bincount(group).max()) - 1):
        # Sums of the others in the group: the group's sums minus one's own share.
        w_others = np.bincount(group, w * keep, k)[group] - w * keep
        valid = keep & (w_others > 0)
        w_safe = np.where(valid, w_others, 1.0)
        dx = (np.bincount(group, wx * keep, k)[group] - wx * keep) / w_safe - x
        dy = (np.bincount(group, wy * keep, k)[group] - wy * keep) / w_safe - y
        chi2 = np.where(valid, (dx * dx + dy * dy) / (var + 1.0 / w_safe) + tie, -np.inf)
        beyond = chi2 > gate2
        if not beyond.any():
            break
        worst = np.full(k, -np.inf)
        np.maximum.at(worst, group, chi2)
        candidate = np.flatnonzero(beyond & (chi2 == worst[group]))
        first = np.full(k, -1)
        first[group[candidate[::-1]]] = candidate[::-1]  # on a tie the first member is dropped
        keep[first[first >= 0]] = False
    return keep


def match_costs(
    obs_xy: np.ndarray,
    obs_var: np.ndarray,
    track_xy: np.ndarray,
    track_var: np.ndarray,
    gate: float,
    reach_from: np.ndarray,
    reach_m: np.ndarray,
) -> np.ndarray:
    """(n, g) cost of each observation being each track; ``inf`` beyond the gates.

    The cost is the negative log-likelihood of the distance under both uncertainties, up to a
    constant (``chi2 / 2 + log S``): a tight match to a well-known track beats an equally
    "probable" match to a track lost long ago whose position is vague.

    Args:
        obs_xy, obs_var: (n, 2) positions and (n,) per-axis variances of the observations.
        track_xy, track_var: (g, 2) predicted positions and (g,) per-axis variances of the tracks.
        gate: In standard deviations.
        reach_from: (g, 2) where each track was last seen.
        reach_m: (g,) how far from there the person can have walked since.
    """
    s = obs_var[:, None] + track_var[None, :]
    chi2 = squared_distances(obs_xy, track_xy) / s
    reach = squared_distances(obs_xy, reach_from)
    ok = (chi2 <= gate**2) & (reach <= reach_m[None, :] ** 2)
    return np.where(ok, 0.5 * chi2 + np.log(s), np.inf)


def min_cost_pairs(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the most pairs at the least total cost; ``inf`` forbids a pair.

    A tick usually brings one or two new tracks per camera, so one row is solved directly.

    >>> min_cost_pairs(np.array([[1.0, np.inf], [0.5, 2.0]]))
    (array([0, 1]), array([0, 1]))
    """
    n, m = cost.shape
    if n == 1 and m:
        j = int(np.argmin(cost[0]))
        ok = bool(np.isfinite(cost[0, j]))
        return np.zeros(int(ok), np.int64), np.full(int(ok), j, np.int64)
    finite = np.isfinite(cost)
    if not finite.any():
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    big = (np.abs(cost[finite]).max() + 1.0) * (n + m)
    rows, cols = linear_sum_assignment(np.where(finite, cost, big))
    ok = finite[rows, cols]
    return rows[ok].astype(np.int64), cols[ok].astype(np.int64)


def cluster_across_cameras(camera: np.ndarray, xy: np.ndarray, var: np.ndarray, gate: float) -> np.ndarray:
    """Group observations of different cameras that are the same person (complete linkage).

    Pairs are joined closest first; two groups merge only if they share no camera and every
    cross pair is within the gate, so a camera never contributes two people to one group.

    Returns:
        (m,) int64 group label of each observation, 0..k-1, in order of first member.

    >>> cluster_across_cameras(np.array([0, 1, 1]), np.array([[0, 0], [0.1, 0], [0.15, 0]]), np.full(3, 0.01), 3.0)
    array([0, 0, 1])
    """
    m = len(camera)
    labels = np.arange(m)
    if m < 2:
        return labels.astype(np.int64)
    s = var[:, None] + var[None, :]
    chi2 = squared_distances(xy, xy) / s
    ok = (chi2 <= gate**2) & (camera[:, None] != camera[None, :])
    i, j = np.nonzero(np.triu(ok, 1))
    members = {a: [a] for a in range(m)}
    for p in np.argsort(chi2[i, j], kind="stable").tolist():
        a, b = labels[i[p]], labels[j[p]]
        if a == b:
            continue
        ma, mb = members[a], members[b]
        if np.isin(camera[mb], camera[ma]).any() or not ok[np.ix_(ma, mb)].all():
            continue
        a, b = min(a, b), max(a, b)
        members[a] = members[a] + members.pop(b)
        labels[members[a]] = a
    return np.unique(labels, return_inverse=True)[1].astype(np.int64)
