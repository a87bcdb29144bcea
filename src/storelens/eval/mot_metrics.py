"""CLEAR-MOT and identity (IDF1) tracking metrics, computed the way py-motmetrics computes them.

py-motmetrics is the de-facto reference for these numbers, but its 1.4.0 release calls ``np.asfarray``
(gone in NumPy 2) and builds a pandas event log per box, so this module re-implements its definitions
directly on numpy arrays. Every count (FP, FN, ID switches, fragmentations, IDTP) agrees with
motmetrics 1.4.0 exactly, and ratios to rounding; tests/unit/eval/test_mot_metrics.py pins this.

One core, :func:`score_tracks`, takes a per-frame pair cost and a threshold, so image boxes (IoU) and
floor positions (metres) are scored by the same rules:

* CLEAR-MOT (Bernardin & Stiefelhagen 2008): per frame, a ground-truth object keeps the prediction it
  was last matched to, if that pair is still within the threshold; the rest are paired by a min-cost
  assignment. A match whose object was last matched to another prediction is an ID switch.
* Identity metrics (Ristani et al. 2016): one global one-to-one assignment between ground-truth and
  predicted trajectories maximising the number of frames in which the paired boxes are within the
  threshold (IDTP), solved with ``linear_sum_assignment`` on the id x id count matrix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from storelens.errors import EvalError
from storelens.eval.motio import MotTable

__all__ = ["MotScore", "PairCost", "iou_xywh", "score_boxes", "score_positions", "score_tracks"]

MIN_IOU = 0.5
"""Boxes overlapping at least this much can be matched: the MOTChallenge convention."""

MAX_DISTANCE_M = 1.0
"""Floor positions at most this far apart can be matched: about one person's personal space."""

MOSTLY_TRACKED = 0.8
"""An object matched in at least this share of its frames is mostly tracked."""

MOSTLY_LOST = 0.2
"""An object matched in less than this share of its frames is mostly lost."""

PairCost = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``cost(gt_rows, pred_rows)`` -> (len(gt_rows), len(pred_rows)) float64 costs, lower is better.

The rows index the arrays given to :func:`score_tracks` and all belong to one frame.
"""


@dataclass(frozen=True, slots=True)
class MotScore:
    """Tracking scores of one sequence, with py-motmetrics' definitions.

    Ratios whose denominator is zero are NaN (0/0) or infinite, as in motmetrics.

    Attributes:
        mota: 1 - (misses + false positives + ID switches) / gt boxes. Can be negative.
        motp: Mean cost of the matched pairs, so LOWER is better: 1 - IoU for boxes (MOTChallenge's
            MOTP is ``1 - motp``), metres for floor positions.
        idf1: 2 IDTP / (gt boxes + predicted boxes).
        idp: IDTP / predicted boxes.
        idr: IDTP / gt boxes.
        recall: Matched gt boxes / gt boxes.
        precision: Matched predicted boxes / predicted boxes.
        id_switches: Matches whose gt object was last matched to a different prediction id.
        fragmentations: Times a gt object goes from matched to unmatched and is matched again later.
        num_false_positives: Predicted boxes matched to nothing.
        num_misses: Gt boxes matched to nothing.
        num_objects: Gt boxes.
        num_predictions: Predicted boxes.
        mostly_tracked: Gt ids matched in >= 80 % of their boxes.
        mostly_lost: Gt ids matched in < 20 % of their boxes.
        num_unique_gt: Distinct gt ids.
        num_unique_pred: Distinct predicted ids.
    """

    mota: float
    motp: float
    idf1: float
    idp: float
    idr: float
    recall: float
    precision: float
    id_switches: int
    fragmentations: int
    num_false_positives: int
    num_misses: int
    num_objects: int
    num_predictions: int
    mostly_tracked: int
    mostly_lost: int
    num_unique_gt: int
    num_unique_pred: int

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


def score_boxes(gt: MotTable, pred: MotTable, min_iou: float = MIN_IOU) -> MotScore:
    """Score tracked image boxes: a pair can match when IoU >= ``min_iou``.

    Read ground truth with ``read_mot(path, min_conf=1)`` to drop the boxes it marks as ignored.
    """

    def cost(g: np.ndarray, p: np.ndarray) -> np.ndarray:
        return 1.0 - iou_xywh(gt.xywh[g], pred.xywh[p])

    return score_tracks(gt.frame, gt.track_id, pred.frame, pred.track_id, cost, 1.0 - min_iou)


def score_positions(gt: MotTable, pred: MotTable, max_distance_m: float = MAX_DISTANCE_M) -> MotScore:
    """Score tracked floor positions (``world_xy``): a pair can match when at most ``max_distance_m`` apart.

    Raises:
        EvalError: A row of either table has no world position.
    """
    for name, table in (("ground truth", gt), ("predictions", pred)):
        if np.isnan(table.world_xy).any():
            raise EvalError(f"{name}: {int(np.isnan(table.world_xy).any(axis=1).sum())} rows have no world position")

    def cost(g: np.ndarray, p: np.ndarray) -> np.ndarray:
        delta = gt.world_xy[g, None, :] - pred.world_xy[None, p, :]
        return np.sqrt(np.sum(delta**2, axis=-1))

    return score_tracks(gt.frame, gt.track_id, pred.frame, pred.track_id, cost, max_distance_m)


def iou_xywh(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, m) float64 intersection over union of (n, 4) and (m, 4) left, top, width, height boxes.

    Uses motmetrics' arithmetic step by step so that pairs at exactly the threshold fall the same way.

    >>> iou_xywh(np.array([[0, 0, 2, 2]]), np.array([[1, 0, 2, 2], [5, 5, 1, 1]])).round(3).tolist()
    [[0.333, 0.0]]
    """
    a = np.asarray(a, dtype=np.float64)[:, None, :]
    b = np.asarray(b, dtype=np.float64)[None, :, :]
    a_min, a_max = a[..., :2], a[..., :2] + a[..., 2:]
    b_min, b_max = b[..., :2], b[..., :2] + b[..., 2:]
    inter = np.prod(np.maximum(np.minimum(a_max, b_max) - np.maximum(a_min, b_min), 0.0), axis=-1)
    a_vol = np.prod(np.maximum(a_max - a_min, 0.0), axis=-1)
    b_vol = np.prod(np.maximum(b_max - b_min, 0.0), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(inter == 0, 0.0, inter / (a_vol + b_vol - inter))


def score_tracks(
    gt_frame: np.ndarray,
    gt_id: np.ndarray,
    pred_frame: np.ndarray,
    pred_id: np.ndarray,
    pair_cost: PairCost,
    max_cost: float,
) -> MotScore:
    """Score predicted tracks against ground-truth tracks; the core of :func:`score_boxes` and friends.

    Within a frame the rows keep their given order, which only decides ties (as in motmetrics).

    Args:
        gt_frame: (n,) int frame of each ground-truth row.
        gt_id: (n,) int identity of each ground-truth row.
        pred_frame: (m,) int frame of each predicted row.
        pred_id: (m,) int identity of each predicted row.
        pair_cost: Cost of pairing ground-truth and predicted rows of one frame.
        max_cost: Pairs costing more than this (or NaN) can never match.

    Raises:
        EvalError: An id occurs twice in one frame on either side.
    """
    gt_frame, gt_id = _as_rows(gt_frame, gt_id, "ground truth")
    pred_frame, pred_id = _as_rows(pred_frame, pred_id, "predictions")
    gt_ids, gt_k = np.unique(gt_id, return_inverse=True)
    pred_ids, pred_k = np.unique(pred_id, return_inverse=True)

    clear = _Clear(len(gt_frame), len(gt_ids), len(pred_ids))
    id_pairs: list[np.ndarray] = []
    gt_rows = _rows_by_frame(gt_frame)
    pred_rows = _rows_by_frame(pred_frame)
    empty = np.zeros(0, dtype=np.int64)
    for frame in np.union1d(gt_frame, pred_frame).tolist():
        g, p = gt_rows.get(frame, empty), pred_rows.get(frame, empty)
        if len(g) and len(p):
            cost = np.asarray(pair_cost(g, p), dtype=np.float64)
            if cost.shape != (len(g), len(p)):
                raise ValueError(f"pair_cost: expected shape {(len(g), len(p))}, got {cost.shape}")
            cost = np.where(cost <= max_cost, cost, np.nan)
            gi, pj = np.nonzero(~np.isnan(cost))
            id_pairs.append(gt_k[g[gi]] * len(pred_ids) + pred_k[p[pj]])
            clear.match_frame(g, gt_k[g], pred_k[p], cost)

    n_gt, n_pred = len(gt_frame), len(pred_frame)
    matched = clear.matched
    num_detections = int(matched.sum())
    present = np.bincount(gt_k, minlength=len(gt_ids))
    ratio = np.bincount(gt_k, weights=matched, minlength=len(gt_ids)) / np.maximum(present, 1)
    idtp = _id_true_positives(id_pairs, len(gt_ids), len(pred_ids))
    num_misses = n_gt - num_detections
    num_false_positives = n_pred - num_detections
    return MotScore(
        mota=1.0 - _div(num_misses + num_false_positives + clear.switches, n_gt),
        motp=_div(float(clear.cost[matched].sum()), num_detections),
        idf1=_div(2 * idtp, n_gt + n_pred),
        idp=_div(idtp, n_pred),
        idr=_div(idtp, n_gt),
        recall=_div(num_detections, n_gt),
        precision=_div(num_detections, n_pred),
        id_switches=clear.switches,
        fragmentations=_fragmentations(gt_frame, gt_k, matched),
        num_false_positives=num_false_positives,
        num_misses=num_misses,
        num_objects=n_gt,
        num_predictions=n_pred,
        mostly_tracked=int((ratio >= MOSTLY_TRACKED).sum()),
        mostly_lost=int((ratio < MOSTLY_LOST).sum()),
        num_unique_gt=len(gt_ids),
        num_unique_pred=len(pred_ids),
    )


class _Clear:
    """CLEAR-MOT state carried from frame to frame (motmetrics' ``MOTAccumulator.update``).

    Attributes:
        matched: (n_gt_rows,) bool, whether each ground-truth row was matched.
        cost: (n_gt_rows,) float64 cost of each matched row's pair.
        switches: ID switches so far.
    """

    def __init__(self, n_rows: int, n_gt_ids: int, n_pred_ids: int) -> None:
        self.matched = np.zeros(n_rows, dtype=bool)
        self.cost = np.zeros(n_rows, dtype=np.float64)
        self.switches = 0
        # Dense prediction id each gt id was last matched to, -1 if never; kept across gaps, as in motmetrics.
        self._last_match = np.full(n_gt_ids, -1, dtype=np.int64)
        # Scratch: column of each dense prediction id in the current frame, -1 if absent.
        self._column = np.full(n_pred_ids, -1, dtype=np.int64)

    def match_frame(self, rows: np.ndarray, gt_k: np.ndarray, pred_k: np.ndarray, cost: np.ndarray) -> None:
        """Match one frame.

        Args:
            rows: (n,) int64 ground-truth row numbers, in frame order.
            gt_k: (n,) int64 dense gt id of each row.
            pred_k: (m,) int64 dense prediction id of each column.
            cost: (n, m) float64 pair costs, NaN where a pair cannot match. Modified in place.
        """
        valid = ~np.isnan(cost)
        self._column[pred_k] = np.arange(len(pred_k))
        prev = self._last_match[gt_k]
        col = np.where(prev >= 0, self._column[np.maximum(prev, 0)], -1)
        self._column[pred_k] = -1
        keep = (col >= 0) & valid[np.arange(len(gt_k)), np.maximum(col, 0)]
        # Two objects last matched to the same prediction: the first in frame order keeps it.
        kept_cols, first = np.unique(col[keep], return_index=True)
        kept_rows = np.flatnonzero(keep)[first]

        cost_left = cost.copy()
        cost_left[kept_rows, :] = np.nan
        cost_left[:, kept_cols] = np.nan
        new_rows, new_cols = _min_cost_pairs(cost_left)
        was = self._last_match[gt_k[new_rows]]
        self.switches += int(((was >= 0) & (was != pred_k[new_cols])).sum())
        self._last_match[gt_k[new_rows]] = pred_k[new_cols]

        all_rows = np.concatenate([kept_rows, new_rows])
        all_cols = np.concatenate([kept_cols, new_cols])
        self.matched[rows[all_rows]] = True
        self.cost[rows[all_rows]] = cost[all_rows, all_cols]


def _min_cost_pairs(cost: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Min-cost one-to-one pairs among the non-NaN entries of an (n, m) cost matrix.

    Forbidden pairs get motmetrics' finite penalty (``lsa_solve_scipy``), large enough never to be
    worth taking, so that the solver sees the same matrix and breaks ties the same way.
    """
    valid = ~np.isnan(cost)
    if not valid.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    c = np.abs(cost[valid]).max() + 1
    rows, cols = linear_sum_assignment(np.where(valid, cost, 2 * min(cost.shape) * c + 1))
    ok = valid[rows, cols]
    return rows[ok].astype(np.int64), cols[ok].astype(np.int64)


def _id_true_positives(pairs: list[np.ndarray], n_gt_ids: int, n_pred_ids: int) -> int:
    """IDTP: the most within-threshold frames any one-to-one gt-id/prediction-id pairing explains.

    Args:
        pairs: Arrays of flat indices ``gt_k * n_pred_ids + pred_k``, one entry per within-threshold
            pair per frame.
    """
    flat = np.concatenate(pairs) if pairs else np.zeros(0, dtype=np.int64)
    overlap = np.bincount(flat, minlength=n_gt_ids * n_pred_ids).reshape(n_gt_ids, n_pred_ids)
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return int(overlap[rows, cols].sum())


def _fragmentations(frame: np.ndarray, gt_k: np.ndarray, matched: np.ndarray) -> int:
    """Count matched -> unmatched transitions of each gt id, over its own frames, before its last match."""
    order = np.lexsort((frame, gt_k))
    k, hit = gt_k[order], matched[order]
    position = np.arange(len(k))
    last_hit = np.full(int(k.max(initial=-1)) + 1, -1)
    np.maximum.at(last_hit, k[hit], position[hit])
    starts = np.zeros(len(k), dtype=bool)
    starts[1:] = (k[1:] == k[:-1]) & hit[:-1] & ~hit[1:]
    return int((starts & (position < last_hit[k])).sum())


def _rows_by_frame(frame: np.ndarray) -> dict[int, np.ndarray]:
    """Row numbers of each frame, in their original order."""
    order = np.argsort(frame, kind="stable")
    frames, starts = np.unique(frame[order], return_index=True)
    return dict(zip(frames.tolist(), np.split(order, starts[1:]) if len(order) else [], strict=True))


def _as_rows(frame: np.ndarray, ids: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    frame = np.asarray(frame, dtype=np.int64).reshape(-1)
    ids = np.asarray(ids, dtype=np.int64).reshape(-1)
    if frame.shape != ids.shape:
        raise ValueError(f"{name}: {len(frame)} frames but {len(ids)} ids")
    pairs = np.stack([frame, ids], axis=1)
    unique, counts = np.unique(pairs, axis=0, return_counts=True)
    if (counts > 1).any():
        first = int(np.argmax(counts > 1))
        f, i = unique[first].tolist()
        raise EvalError(f"{name}: id {i} occurs {counts[first]} times in frame {f}; ids must be unique per frame")
    return frame, ids


def _div(a: float, b: float) -> float:
    """a / b as motmetrics' ``quiet_divide``: NaN for 0/0, +-inf for x/0, no warning."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.true_divide(a, b))
