"""Identity of fused visitors against a simulated store's truth: every stored id is counted.

A store manager reads dwell per zone, paths and conversion per visitor, so a visitor must keep one
identity from the door to the exit. These scores look at the stored fused positions (camera
``store``) second by second, including every fragment the pipeline stored:

* **ids per person**: distinct stored ids seen inside the store outline per true person inside it
  (shoppers and staff; passers-by stay outside the outline on both sides);
* **continuity**: share of true shoppers whose in-store time is covered at least
  ``CONTINUITY_COVER`` by a single stored id;
* **store IDF1**: identity F1 of stored against true in-store positions, a pair matching within
  ``MATCH_DISTANCE_M``;
* **paths**: each shopper's sequence of zone stays against the sequence stored for the id that
  covers them best (edit distance).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from storelens.analytics.records import ZoneVisit
from storelens.eval.mot_metrics import score_tracks
from storelens.geometry.polygons import points_in_polygon
from storelens.sim import truth
from storelens.sim.layout import SimStore
from storelens.sim.people_log import PeopleLog
from storelens.storage.models import TrackPoints

__all__ = [
    "CONTINUITY_COVER",
    "MATCH_DISTANCE_M",
    "MatchedSeconds",
    "VisitorScore",
    "edit_distance",
    "match_seconds",
    "score_visitors",
]

MATCH_DISTANCE_M = 1.0
"""A stored position is the same person as a true one at most this far away at the same second."""

CONTINUITY_COVER = 0.9
"""Share of a shopper's in-store time one stored id must cover for the visit to count as continuous."""

_UNMATCHED = 1e6


@dataclass(frozen=True, slots=True)
class VisitorScore:
    """Identity figures of one run (see the module docstring)."""

    true_people: int
    stored_ids: int
    ids_per_person: float
    shoppers: int
    continuity: float
    """Share of shoppers covered at least ``CONTINUITY_COVER`` by one stored id."""
    median_cover: float
    """Median over shoppers of the share of their in-store time their best stored id covers."""
    idf1: float
    idp: float
    idr: float
    paths_scored: int
    path_exact: float
    """Share of shoppers with a zone stay whose best id's stored zone sequence equals the truth."""
    path_mean_edit: float
    """Mean edit distance (insertions, deletions, substitutions of zones) of those paths."""


@dataclass(frozen=True, slots=True)
class _Samples:
    """One row per person (or stored id) and whole second inside the store outline."""

    second: np.ndarray
    ident: np.ndarray
    xy: np.ndarray


@dataclass(frozen=True, slots=True)
class MatchedSeconds:
    """Which stored id each true person was, second by second, inside the store outline.

    Attributes:
        seconds: {true person: whole seconds inside the outline}.
        pairs: {(true person, stored id): seconds the two were matched}.
    """

    seconds: dict[int, int]
    pairs: dict[tuple[int, int], int]


def match_seconds(store: SimStore, log: PeopleLog, positions: TrackPoints, end_s: float) -> MatchedSeconds:
    """Match stored ids to true people at every whole second inside the outline (see `_pair_counts`)."""
    outline = np.asarray(store.outline, dtype=np.float64)
    gt = _true_samples(log, outline, end_s)
    pred = _stored_samples(positions, log, outline, end_s)
    seconds = {int(p): int(n) for p, n in zip(*np.unique(gt.ident, return_counts=True))}
    return MatchedSeconds(seconds, _pair_counts(gt, pred))


def score_visitors(
    store: SimStore,
    log: PeopleLog,
    positions: TrackPoints,
    zone_visits: Sequence[ZoneVisit],
    end_s: float,
) -> VisitorScore:
    """Score stored fused identities against the truth up to ``end_s`` seconds after the start."""
    outline = np.asarray(store.outline, dtype=np.float64)
    gt = _true_samples(log, outline, end_s)
    pred = _stored_samples(positions, log, outline, end_s)
    ids = score_tracks(gt.second, gt.ident, pred.second, pred.ident, _distance(gt, pred), MATCH_DISTANCE_M)
    cover, best = _cover(gt, _pair_counts(gt, pred))
    shoppers = np.intersect1d(log.persons.with_role("shopper"), np.unique(gt.ident))
    shopper_cover = np.array([cover.get(int(p), 0.0) for p in shoppers])
    edits = _path_edits(store, log, zone_visits, shoppers, best, end_s)
    n_true, n_stored = len(np.unique(gt.ident)), len(np.unique(pred.ident))
    return VisitorScore(
        true_people=n_true,
        stored_ids=n_stored,
        ids_per_person=n_stored / n_true if n_true else float("nan"),
        shoppers=len(shoppers),
        continuity=float((shopper_cover >= CONTINUITY_COVER).mean()) if len(shoppers) else float("nan"),
        median_cover=float(np.median(shopper_cover)) if len(shoppers) else float("nan"),
        idf1=ids.idf1,
        idp=ids.idp,
        idr=ids.idr,
        paths_scored=len(edits),
        path_exact=float((edits == 0).mean()) if len(edits) else float("nan"),
        path_mean_edit=float(edits.mean()) if len(edits) else float("nan"),
    )


def edit_distance(a: Sequence[str], b: Sequence[str]) -> int:
    """Levenshtein distance between two sequences of zone names.

    >>> edit_distance(["entrance", "fruit", "checkout"], ["entrance", "checkout", "bakery"])
    2
    """
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def _true_samples(log: PeopleLog, outline: np.ndarray, end_s: float) -> _Samples:
    step = max(int(round(log.fps)), 1)
    rows = (log.frame_index % step == 0) & (log.frame_index / log.fps < end_s)
    second = log.frame_index[rows] // step
    xy, ident = log.xy_m[rows], log.person_id[rows]
    inside = points_in_polygon(xy, outline)
    return _Samples(second[inside], ident[inside], xy[inside])


def _stored_samples(positions: TrackPoints, log: PeopleLog, outline: np.ndarray, end_s: float) -> _Samples:
    """Each stored id's point nearest in time to each whole second (within half a second)."""
    if not len(positions):
        return _Samples(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 2)))
    offset_s = (positions.ts_us - int(log.start.timestamp() * 1e6)) / 1e6
    second = np.round(offset_s).astype(np.int64)
    gap = np.abs(offset_s - second)
    ok = (second >= 0) & (second < end_s)
    order = np.lexsort((gap[ok], second[ok], positions.track_id[ok]))
    sec, tid, xy = second[ok][order], positions.track_id[ok][order], positions.floor_xy_m[ok][order]
    first = np.append(True, (sec[1:] != sec[:-1]) | (tid[1:] != tid[:-1]))
    sec, tid, xy = sec[first], tid[first], xy[first]
    inside = points_in_polygon(xy, outline)
    order = np.argsort(sec[inside], kind="stable")
    return _Samples(sec[inside][order], tid[inside][order], xy[inside][order])


def _distance(gt: _Samples, pred: _Samples):
    def cost(g: np.ndarray, p: np.ndarray) -> np.ndarray:
        return np.hypot(*(gt.xy[g, None, :] - pred.xy[None, p, :]).transpose(2, 0, 1))

    return cost


def _pair_counts(gt: _Samples, pred: _Samples) -> dict[tuple[int, int], int]:
    """Seconds each (true person, stored id) pair was matched.

    Matching is one to one within each second, at most ``MATCH_DISTANCE_M`` apart, and keeps last
    second's pairs that are still within reach before pairing the rest nearest first (as CLEAR-MOT
    does): people walking side by side do not trade ids in the score because of a few centimetres.
    """
    seconds = np.intersect1d(gt.second, pred.second)
    g_lo, g_hi = np.searchsorted(gt.second, seconds), np.searchsorted(gt.second, seconds, side="right")
    p_lo, p_hi = np.searchsorted(pred.second, seconds), np.searchsorted(pred.second, seconds, side="right")
    last: dict[int, int] = {}
    counts: dict[tuple[int, int], int] = {}
    for g0, g1, p0, p1 in zip(g_lo.tolist(), g_hi.tolist(), p_lo.tolist(), p_hi.tolist()):
        people, stored = gt.ident[g0:g1].tolist(), pred.ident[p0:p1].tolist()
        d = np.hypot(*(gt.xy[g0:g1, None, :] - pred.xy[None, p0:p1, :]).transpose(2, 0, 1))
        column = {sid: j for j, sid in enumerate(stored)}
        for i, person in enumerate(people):
            j = column.get(last.get(person, -1))
            if j is not None and d[i, j] <= MATCH_DISTANCE_M:
                d[:, j] = np.inf  # kept: neither side is free any more
                d[i, :] = np.inf
                counts[person, stored[j]] = counts.get((person, stored[j]), 0) + 1
        rows, cols = linear_sum_assignment(np.where(d <= MATCH_DISTANCE_M, d, _UNMATCHED))
        for i, j in zip(rows.tolist(), cols.tolist()):
            if d[i, j] <= MATCH_DISTANCE_M:
                last[people[i]] = stored[j]
                counts[people[i], stored[j]] = counts.get((people[i], stored[j]), 0) + 1
    return counts


def _cover(gt: _Samples, counts: dict[tuple[int, int], int]) -> tuple[dict[int, float], dict[int, int]]:
    """Per true person: the share of their seconds matched to their most-matched stored id, and that id."""
    seconds_of = dict(zip(*np.unique(gt.ident, return_counts=True)))
    cover: dict[int, float] = {int(p): 0.0 for p in seconds_of}
    best: dict[int, int] = {}
    for (person, sid), n in sorted(counts.items()):
        share = n / seconds_of[person]
        if share > cover[person]:
            cover[person], best[person] = share, sid
    return cover, best


def _path_edits(
    store: SimStore,
    log: PeopleLog,
    stored: Sequence[ZoneVisit],
    shoppers: np.ndarray,
    best: dict[int, int],
    end_s: float,
) -> np.ndarray:
    """Edit distance of each shopper's true zone sequence to their best stored id's zone sequence."""
    scored = [z for z in store.zones if z.min_dwell_s > 0]
    names = {z.name for z in scored}
    true_visits = truth.zone_visits(log, scored)
    cutoff = min(end_s, (log.n_frames - 1) / log.fps)  # stays still open then are left out on both sides
    true_paths: dict[int, list[str]] = {}
    for zone, pid, exit_s in zip(true_visits.zone.tolist(), true_visits.person_id.tolist(), true_visits.exit_s):
        if exit_s < cutoff:
            true_paths.setdefault(pid, []).append(zone)
    stored_paths: dict[int, list[str]] = {}
    for v in sorted(stored, key=lambda v: v.enter_ts):
        if v.zone in names and (v.exit_ts - log.start).total_seconds() < cutoff:
            stored_paths.setdefault(v.track_id, []).append(v.zone)
    edits = [
        edit_distance(true_paths[p], stored_paths.get(best[p], []) if p in best else [])
        for p in shoppers.tolist()
        if p in true_paths
    ]
    return np.asarray(edits, dtype=np.int64)
