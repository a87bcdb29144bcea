"""Measure how the default detector errs on real footage and fit the simulator's noise model.

Runs the bundled SSD-MobileNetV2 (every box with score >= 0.1; cached as MOT det files in
``--work``, the same cache as bench_tracking.py) over PETS09-S2L1 and TUD-Campus, matches its
boxes to the ground truth and fits every parameter of `storelens.sim.noise.DetectorNoise`:

* people: a person counts as detected when a box overlaps them at IoU >= 0.3 (Hungarian);
  detection probability is a logistic curve of log box height and hidden share, the score of
  a detected person a truncated normal on the logit scale with the same inputs. MOT15 has no
  visibility, so a person's visible share is what the boxes of people nearer the camera
  (lower feet) leave uncovered.
* box errors (centre x, top, bottom as shares of the true height, log width ratio): Tukey-h
  quantile fits.
* time: the memory and persistence of detection strength and box errors, by simulating the
  model on the ground-truth rows of PETS09 and matching P(miss | missed k frames ago) plus
  rank autocorrelations of scores and box errors.
* unmatched boxes: part/duplicate boxes (overlapping one person), group boxes (covering
  two), clutter (overlapping nobody); clutter is split into fixed spots (firing in >= 5 % of
  a clip's frames) and transient boxes.

Then it checks the fit end to end: PETS09-S2L1 is simulated from its ground-truth floor
positions through the View_001 calibration with `SimDetector`, and the simulated boxes are
scored against the same ground truth as the real detector's.

Usage (needs ``../shared/data``)::

    scripts/bench bench/measure_detector_noise.py [--work bench/out] [--seeds 10]

Prints tables and the fitted `DetectorNoise`; writes ``<work>/detector_noise.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from detection_cache import detect_clip
from scipy import optimize, stats
from scipy.optimize import linear_sum_assignment
from scipy.special import expit, logit, ndtr, ndtri

from storelens.eval import MotTable, read_mot
from storelens.geometry.camera import load_opencv_cameras
from storelens.sim.camera_view import BOX_WIDTH_PER_SHOULDER, CameraView, Projector, visible_fraction
from storelens.sim.detector import SimDetector
from storelens.sim.model import PeopleFrame, SimCamera
from storelens.sim.noise import (
    BOX_ERROR_Z_CLIP,
    LOGIT_MIN_SCORE,
    MEASURED_MIN_SCORE,
    REFERENCE_HEIGHT,
    DetectorNoise,
    close_pairs,
    id_keys,
    move_boxes,
    persistent_normals,
    score_from_quantile,
    stream_salt,
    tukey_h,
)
from storelens.track.association import iou_matrix
from storelens.types import Frame

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@dataclass(frozen=True)
class Clip:
    name: str
    video: str
    gt: str
    fps: float
    size: tuple[int, int]  # width, height


CLIPS = (
    Clip("PETS09-S2L1", "PETS09-S2L1/video.avi", "PETS09-S2L1/gt/gt.txt", 7.0, (768, 576)),
    Clip("TUD-Campus", "TUD-Campus/video.mp4", "TUD-Campus/gt/gt.txt", 25.0, (640, 480)),
)
ASSOCIATE_IOU = 0.3  # a box this close to a person is that person's detection, however poor
SCORE_IOU = 0.5  # the benchmark's match for recall and precision
NEAR_OVERLAP = 0.3  # an unmatched box sharing this much of itself or of a person is "near" them
GROUP_COVER = 0.5  # a near box covering this much of two or more people is a group box
SPOT_MIN_FIRING = 0.05  # clutter recurring in this share of a clip's frames is a fixed spot
SPOT_IOU = 0.5
MAX_SCORE = 0.995  # scores are clipped here before the logit (the detector saturates)
LAGS = (1, 2, 4, 7, 14)  # frames, for the time statistics (PETS09 runs at 7 fps)
MEMORY_GRID_S = (0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
STATIC_GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)
DRIFT_GRID = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
RESIDUAL_PROBS = np.linspace(0.005, 0.995, 21)  # of the score residual quantiles
HEIGHT_BINS = (0.0, 0.12, 0.14, 0.16, 0.2, 0.3, 0.45, 1.0)  # box height / image height
VISIBLE_BINS = (0.0, 0.25, 0.5, 0.75, 0.95, 1.01)
SCORE_BINS = np.round(np.arange(0.1, 1.01, 0.1), 2)
THRESHOLDS = (0.1, 0.4, 0.6)
PETS_VIEW = "View_001"
SIM_SHOULDER_M = 0.5  # mean shoulder width of simulated people (storelens.sim.people)


# --- detections and matching -------------------------------------------------------------


def box_errors(det: np.ndarray, true: np.ndarray) -> np.ndarray:
    """(n, 4) errors of ``det`` vs ``true``: centre x, top, bottom (shares of true height), log width ratio."""
    h = true[:, 3] - true[:, 1]
    return np.stack(
        [
            (det[:, 0] + det[:, 2] - true[:, 0] - true[:, 2]) / (2 * h),
            (det[:, 1] - true[:, 1]) / h,
            (det[:, 3] - true[:, 3]) / h,
            np.log((det[:, 2] - det[:, 0]) / (true[:, 2] - true[:, 0])),
        ],
        axis=1,
    )


def overlap_shares(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, m) intersection as a share of each ``a`` box and of each ``b`` box."""
    iw = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    return inter / area_a[:, None], inter / area_b[None, :]


def match(dets: np.ndarray, gt: np.ndarray, min_iou: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hungarian pairs (det rows, gt rows, IoUs) with IoU >= ``min_iou``."""
    if not len(dets) or not len(gt):
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    iou = iou_matrix(dets, gt)
    r, c = linear_sum_assignment(-iou)
    ok = iou[r, c] >= min_iou
    return r[ok], c[ok], iou[r[ok], c[ok]]


@dataclass
class ClipRows:
    """What one clip says about the detector, as columns.

    ``people``: one row per ground-truth box (frame, id, counted, xyxy, rel_h, visible,
    detected, score, iou, err); ``extra``: one row per box matched to nobody (frame, score, kind, xyxy, err
    vs the person it overlaps most, group_err vs the union of the two people it covers most).
    """

    people: dict[str, np.ndarray]
    extra: dict[str, np.ndarray]
    frames: int
    close_pairs: int


def measure_clip(clip: Clip, gt: MotTable, det: MotTable) -> ClipRows:
    people: dict[str, list] = {
        k: [] for k in ("frame", "id", "counted", "xyxy", "rel_h", "visible", "detected", "score", "iou", "err")
    }
    extra: dict[str, list] = {k: [] for k in ("frame", "score", "kind", "xyxy", "err", "group_err")}
    pairs = 0
    for f in np.unique(gt.frame):
        g = gt.select(gt.frame == f)
        d = det.select(det.frame == f)
        true = g.xyxy
        r, c, iou = match(d.xyxy, true, ASSOCIATE_IOU)
        score, best_iou = np.zeros(len(g)), np.zeros(len(g))
        score[c], best_iou[c] = d.conf[r], iou
        err = np.full((len(g), 4), np.nan)
        err[c] = box_errors(d.xyxy[r], true[c])
        people["frame"].append(np.full(len(g), f))
        people["id"].append(g.track_id)
        people["counted"].append(g.conf > 0)
        people["xyxy"].append(true)
        people["rel_h"].append((true[:, 3] - true[:, 1]) / clip.size[1])
        people["visible"].append(visible_fraction(true, -true[:, 3]))
        people["detected"].append(np.isin(np.arange(len(g)), c))
        people["score"].append(score)
        people["iou"].append(best_iou)
        people["err"].append(err)
        pairs += len(close_pairs(true)[0])

        rest = np.setdiff1d(np.arange(len(d)), r)
        if not len(rest):
            continue
        boxes = d.xyxy[rest]
        of_box, of_person = overlap_shares(boxes, true)
        near_share = np.maximum(of_box, of_person)
        near = near_share.max(axis=1) >= NEAR_OVERLAP
        group = near & ((of_person >= GROUP_COVER).sum(axis=1) >= 2)
        keep = ~(iou_matrix(boxes, true)[:, g.conf == 0] >= SCORE_IOU).any(axis=1)  # boxes on ignored people
        extra["frame"].append(np.full(keep.sum(), f))
        extra["score"].append(d.conf[rest][keep])
        extra["kind"].append(np.where(group, "group", np.where(near, "part", "clutter"))[keep])
        extra["xyxy"].append(boxes[keep])
        extra["err"].append(box_errors(boxes, true[np.argmax(near_share, axis=1)])[keep])
        two = np.argsort(-of_person, axis=1)[:, :2] if len(g) > 1 else np.zeros((len(boxes), 2), int)
        union = np.concatenate([true[two].min(axis=1)[:, :2], true[two].max(axis=1)[:, 2:]], axis=1)
        extra["group_err"].append(box_errors(boxes, union)[keep])
    return ClipRows(
        people={k: np.concatenate(v) for k, v in people.items()},
        extra={k: np.concatenate(v) for k, v in extra.items()},
        frames=len(np.unique(gt.frame)),
        close_pairs=pairs,
    )


# --- fits ----------------------------------------------------------------------------------


def features(rel_h: np.ndarray, visible: np.ndarray) -> np.ndarray:
    return np.stack([np.ones_like(rel_h), np.log(rel_h / REFERENCE_HEIGHT), 1 - visible], axis=1)


def fit_logistic(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Maximum-likelihood logistic regression coefficients."""

    def nll(beta: np.ndarray) -> float:
        eta = x @ beta
        return float(np.sum(np.logaddexp(0, eta) - y * eta))

    return optimize.minimize(nll, np.zeros(x.shape[1]), method="BFGS").x


def fit_truncated_logit(x: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, float]:
    """Regression of score logits, normal truncated below at the measured minimum score."""
    y = logit(np.clip(scores, MEASURED_MIN_SCORE, MAX_SCORE))

    def nll(params: np.ndarray) -> float:
        mu, sigma = x @ params[:-1], np.exp(params[-1])
        return -float(np.sum(stats.norm.logpdf(y, mu, sigma) - stats.norm.logsf(LOGIT_MIN_SCORE, mu, sigma)))

    start = np.append(np.linalg.lstsq(x, y, rcond=None)[0], np.log(y.std() + 1e-3))
    p = optimize.minimize(nll, start, method="Nelder-Mead", options={"maxiter": 4000, "xatol": 1e-4}).x
    return p[:-1], float(np.exp(p[-1]))


def fit_weak_growth(err: np.ndarray, score: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per error component, the slope of log |error - median| vs (1 - score), and the errors
    with that growth divided out (for the Tukey-h fits)."""
    med = np.median(err, axis=0)
    weak = 1 - score
    x = np.stack([np.ones_like(weak), weak], axis=1)
    growth = np.array(
        [np.linalg.lstsq(x, np.log(np.abs(err[:, j] - med[j]) + 1e-6), rcond=None)[0][1] for j in range(4)]
    )
    return growth, med + (err - med) / np.exp(np.outer(weak, growth))


def calibrate_box_scale(xyxy, mean_logit, residuals, box, growth, target: float, seed: int = 0) -> float:
    """Factor on the box-error spreads that makes the model's share of poor boxes (IoU < 0.5)
    among detected people the measured one.

    The error fits treat the four components as independent and the scores the model draws
    differ a little from the real ones; both make poor boxes rarer than on the real detector,
    and poor boxes are what the benchmark's IoU-0.5 matching counts as a miss plus a false box.
    """
    rng = np.random.default_rng(seed)
    scores = score_from_quantile(mean_logit, residuals, rng.random(len(xyxy)))
    spread = box[:, 1] * np.exp(np.outer(1 - scores, growth))
    shape = tukey_h(np.clip(rng.standard_normal((len(xyxy), 4)), -BOX_ERROR_Z_CLIP, BOX_ERROR_Z_CLIP), box[:, 2])

    def excess(gain: float) -> float:
        moved = move_boxes(xyxy, box[:, 0] + gain * spread * shape)
        return float(np.mean(box_iou(moved, xyxy) < SCORE_IOU)) - target

    return float(optimize.brentq(excess, 0.5, 4.0, xtol=1e-3))


def fit_tukey_h(x: np.ndarray) -> tuple[float, float, float]:
    """(median, scale, tail) of a Tukey-h distribution matching the 1..99th percentiles of ``x``."""
    p = np.arange(1, 100) / 100
    q = np.percentile(x, p * 100)
    z = ndtri(p)

    def resid(v: np.ndarray) -> np.ndarray:
        return v[0] + v[1] * z * np.exp(0.5 * v[2] * z * z) - q

    mad = 1.4826 * np.median(np.abs(x - np.median(x)))
    v = optimize.least_squares(resid, [np.median(x), mad, 0.1], bounds=([-np.inf, 1e-6, 0.0], [np.inf, np.inf, 1.0])).x
    return float(v[0]), float(v[1]), float(v[2])


def runs_by_person(frame: np.ndarray, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order of rows by (id, frame), and whether each ordered row continues the previous frame."""
    order = np.lexsort((frame, ids))
    f, i = frame[order], ids[order]
    cont = np.zeros(len(order), bool)
    cont[1:] = (i[1:] == i[:-1]) & (f[1:] == f[:-1] + 1)
    return order, cont


def lagged(frame: np.ndarray, ids: np.ndarray, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Row index pairs (earlier, later) of the same person ``lag`` frames apart."""
    index = {(int(p), int(f)): n for n, (p, f) in enumerate(zip(ids, frame))}
    later = [n for n, (p, f) in enumerate(zip(ids, frame)) if (int(p), int(f) - lag) in index]
    earlier = [index[(int(ids[n]), int(frame[n]) - lag)] for n in later]
    return np.array(earlier, int), np.array(later, int)


def share(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else float("nan")


def time_stats(missed, score, err, poor, lag_pairs) -> dict[str, list[float]]:
    """Per lag: P(miss | missed then), rank correlations of scores and (mean over components) of
    box errors, and P(poor box | poor box then) for people detected at both times (poor: IoU < 0.5)."""
    out: dict[str, list[float]] = {"p_miss_after_miss": [], "score_corr": [], "box_corr": [], "p_poor_after_poor": []}
    for a, b in lag_pairs:
        out["p_miss_after_miss"].append(share(missed[b][missed[a]]))
        both = ~missed[a] & ~missed[b]
        out["score_corr"].append(float(stats.spearmanr(score[a][both], score[b][both])[0]))
        out["box_corr"].append(float(np.mean([stats.spearmanr(err[a][both, j], err[b][both, j])[0] for j in range(4)])))
        out["p_poor_after_poor"].append(share(poor[b][both & poor[a]]))
    return out


def simulate_latent(rows: dict[str, np.ndarray], fps: float, columns: np.ndarray, latent: tuple[float, ...]):
    """The model's latent normals of the ground-truth rows, keyed as SimDetector keys them."""
    memory, static, drift = (np.array([v]) for v in latent)
    keys = id_keys(rows["id"][:, None] * 5 + columns, stream_salt(0, 0, 1))
    frame = rows["frame"][:, None]
    return persistent_normals(keys, frame / fps, frame, memory, static, drift)


def fit_latent(rows, fps, p, box, measured, key: str) -> tuple[tuple[float, float, float], dict]:
    """Grid search of (memory, static, drift) whose simulated time statistics fit the measured ones.

    ``key`` "strength" fits P(miss | missed k frames ago) (weighted double: gaps are what a
    tracker must bridge) and score rank correlations, misses drawn from the fitted detection
    probabilities ``p``; "box" fits box-error rank correlations and P(poor | poor), boxes drawn
    from the fitted errors ``box`` (rows of bias, scale, tail, weak growth) and the real scores.
    """
    lag_pairs = [lagged(rows["frame"], rows["id"], lag) for lag in LAGS]
    weights = (
        {"p_miss_after_miss": 2.0, "score_corr": 1.0}
        if key == "strength"
        else {"box_corr": 1.0, "p_poor_after_poor": 2.0}
    )
    none = np.zeros(len(p), bool)
    best: tuple[float, tuple[float, float, float], dict] = (np.inf, (0.0, 0.0, 0.0), {})
    for memory in MEMORY_GRID_S:
        for static in STATIC_GRID:
            for drift in DRIFT_GRID:
                if static + drift > 1:
                    continue
                if key == "strength":
                    u = ndtr(simulate_latent(rows, fps, np.array([0]), (memory, static, drift))[:, 0])
                    sim = time_stats(u >= p, 1 - u / p, np.repeat(u[:, None], 4, axis=1), none, lag_pairs)
                else:
                    z = simulate_latent(rows, fps, np.arange(1, 5), (memory, static, drift))
                    spread = box[:, 1] * np.exp(np.outer(1 - rows["score"], box[:, 3]))
                    err = box[:, 0] + spread * tukey_h(np.clip(z, -BOX_ERROR_Z_CLIP, BOX_ERROR_Z_CLIP), box[:, 2])
                    iou = box_iou(move_boxes(rows["xyxy"], err), rows["xyxy"])
                    sim = time_stats(none, z[:, 0], err, iou < SCORE_IOU, lag_pairs)
                cost = sum(
                    w * float(np.sum((np.array(sim[t]) - np.array(measured[t])) ** 2)) for t, w in weights.items()
                )
                if cost < best[0]:
                    best = (cost, (memory, static, drift), sim)
    return best[1], best[2]


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of row i of ``a`` with row i of ``b``."""
    iw = np.clip(np.minimum(a[:, 2], b[:, 2]) - np.maximum(a[:, 0], b[:, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, 3], b[:, 3]) - np.maximum(a[:, 1], b[:, 1]), 0, None)
    inter = iw * ih
    union = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1]) + (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1]) - inter
    return inter / union


def cluster_spots(frames: np.ndarray, boxes: np.ndarray, scores: np.ndarray, n_frames: int):
    """Leader clustering of clutter boxes across frames; returns labels and firing share per cluster."""
    labels = np.full(len(boxes), -1)
    k = 0
    for i in np.argsort(-scores):
        if labels[i] >= 0:
            continue
        free = np.nonzero(labels < 0)[0]
        same = free[iou_matrix(boxes[i : i + 1], boxes[free])[0] >= SPOT_IOU]
        labels[same] = k
        k += 1
    firing = np.array([len(np.unique(frames[labels == c])) / n_frames for c in range(k)])
    return labels, firing


def fit_spot_logits(frames, labels, scores, spots, n_frames) -> tuple[np.ndarray, float]:
    """Each spot's mean score logit and the shared frame-to-frame spread (censored below 0.1)."""
    observed = []
    for s in spots:
        m = labels == s
        best: dict[int, float] = {}
        for f, sc in zip(frames[m], scores[m]):
            best[int(f)] = max(best.get(int(f), 0.0), float(sc))
        observed.append(logit(np.clip(np.array(list(best.values())), MEASURED_MIN_SCORE, MAX_SCORE)))

    def nll(params: np.ndarray) -> float:
        sigma = np.exp(params[-1])
        total = 0.0
        for mu, y in zip(params[:-1], observed):
            total -= np.sum(stats.norm.logpdf(y, mu, sigma))
            total -= (n_frames - len(y)) * stats.norm.logcdf(LOGIT_MIN_SCORE, mu, sigma)
        return float(total)

    start = np.append([np.mean(y) - 1 for y in observed], 0.0)
    p = optimize.minimize(nll, start, method="L-BFGS-B").x
    return p[:-1], float(np.exp(p[-1]))


def height_at_foot(gt: MotTable) -> np.ndarray:
    """(slope, intercept) of person box height vs foot y: a ground plane makes it a line."""
    a = np.stack([gt.xyxy[:, 3], np.ones(len(gt))], axis=1)
    return np.linalg.lstsq(a, gt.xywh[:, 3], rcond=None)[0]


# --- end-to-end check on PETS09 ----------------------------------------------------------


class GroundTruthPeople:
    """PETS09 ground truth as a simulated people log: world positions, per-person sizes."""

    def __init__(self, gt: MotTable, camera: SimCamera, fps: float) -> None:
        self.fps = fps
        self._gt = gt
        ones = np.ones(len(gt))
        projector = Projector(camera)
        unit, _, _ = projector.boxes(gt.world_xy, ones, ones)
        ids = np.unique(gt.track_id)
        height = {
            i: np.median(gt.xywh[gt.track_id == i, 3] / (unit[gt.track_id == i, 3] - unit[gt.track_id == i, 1]))
            for i in ids
        }
        h_m = np.array([height[i] for i in gt.track_id])
        sized, _, _ = projector.boxes(gt.world_xy, h_m, ones)
        w_unit = gt.xywh[:, 2] / (sized[:, 2] - sized[:, 0])
        width = {i: np.median(w_unit[gt.track_id == i]) for i in ids}
        self.height_m, self.width_m = height, width

    def frame(self, k: int) -> PeopleFrame:
        g = self._gt.select(self._gt.frame == k + 1)
        return PeopleFrame(
            index=k,
            t_s=k / self.fps,
            person_id=g.track_id,
            xy_m=g.world_xy,
            height_m=np.array([self.height_m[i] for i in g.track_id]),
            width_m=np.array([self.width_m[i] for i in g.track_id]),
        )


class Score:
    """Recall and precision at IoU 0.5 over frames; boxes on ignored (conf 0) people do not count."""

    def __init__(self) -> None:
        self.tp = self.fp = self.gt = 0

    def add(self, dets: np.ndarray, gt: np.ndarray, counted: np.ndarray) -> np.ndarray:
        r, c, _ = match(dets, gt, SCORE_IOU)
        self.tp += int(counted[c].sum())
        rest = np.setdiff1d(np.arange(len(dets)), r)
        if len(rest) and (~counted).any():
            rest = rest[(iou_matrix(dets[rest], gt[~counted]) < SCORE_IOU).all(axis=1)]
        self.fp += len(rest)
        self.gt += int(counted.sum())
        return np.isin(np.arange(len(gt)), c[counted[c]])

    def row(self) -> dict[str, float]:
        return {"recall": self.tp / max(self.gt, 1), "precision": self.tp / max(self.tp + self.fp, 1)}


def score_run(boxes_by_frame, gt: MotTable, n_frames: int, fps: float) -> dict[str, dict[str, float]]:
    """Recall, precision, FP per frame and mean miss-run length at each threshold."""
    out = {}
    for th in THRESHOLDS:
        s = Score()
        hit_rows = np.zeros(len(gt), bool)
        for k in range(n_frames):
            rows = np.nonzero(gt.frame == k + 1)[0]
            boxes, scores = boxes_by_frame[k]
            hit_rows[rows] = s.add(boxes[scores >= th], gt.xyxy[rows], gt.conf[rows] > 0)
        counted = gt.conf > 0
        order, cont = runs_by_person(gt.frame[counted], gt.track_id[counted])
        miss = ~hit_rows[counted][order]
        starts = miss & ~(np.r_[False, miss[:-1]] & cont)
        out[f"{th}"] = {
            **s.row(),
            "fp_per_frame": s.fp / n_frames,
            "mean_miss_run": float(miss.sum() / max(starts.sum(), 1)),
        }
    return out


def validate_pets(gt: MotTable, det: MotTable, noise: DetectorNoise, seeds: int) -> dict[str, object]:
    """Real detector vs SimDetector on PETS09-S2L1, twice: noise applied to the ground-truth boxes
    themselves (the noise model alone), and the full chain from ground-truth floor positions."""
    clip = CLIPS[0]
    pinhole = load_opencv_cameras(DATA / "PETS09-S2L1" / "calibration.json", world_unit_m=0.001)[PETS_VIEW]
    camera = SimCamera(PETS_VIEW, pinhole, clip.size[0], clip.size[1], clip.fps)
    people = GroundTruthPeople(gt, camera, clip.fps)
    n_frames = int(gt.frame.max())
    real = {k: (det.xyxy[det.frame == k + 1], det.conf[det.frame == k + 1]) for k in range(n_frames)}
    image = np.zeros((clip.size[1], clip.size[0], 3), np.uint8)
    frames = [
        Frame(PETS_VIEW, k, datetime.fromtimestamp(k / clip.fps, tz=timezone.utc), image) for k in range(n_frames)
    ]
    gt_views = []
    for k in range(n_frames):
        g = gt.select(gt.frame == k + 1)
        boxes = np.clip(g.xyxy, 0, [clip.size[0], clip.size[1]] * 2)
        gt_views.append(CameraView(g.track_id, boxes, visible_fraction(boxes, -boxes[:, 3]), -boxes[:, 3]))

    true_iou = []
    perfect = SimDetector(people, {PETS_VIEW: camera}, DetectorNoise.perfect())
    for fr in frames:
        view = perfect.true_boxes(fr)
        rows = np.nonzero(gt.frame == fr.index + 1)[0]
        order, mine = np.argsort(gt.track_id[rows]), np.argsort(view.person_id)
        if np.array_equal(gt.track_id[rows][order], view.person_id[mine]):
            true_iou.append(box_iou(view.xyxy_px[mine], gt.xyxy[rows][order]))
    true_iou_all = np.concatenate(true_iou)

    runs: dict[str, list] = {"on_gt_boxes": [], "from_positions": []}
    ms = []
    for seed in range(seeds):
        sim = SimDetector(people, {PETS_VIEW: camera}, noise, seed=seed)
        on_gt, chain = {}, {}
        for fr, view in zip(frames, gt_views):
            on_gt[fr.index] = sim.detect_view(PETS_VIEW, view, fr.index, fr.index / clip.fps)
            t0 = time.process_time()
            d = sim(fr)
            ms.append((time.process_time() - t0) * 1000)
            chain[fr.index] = (d.xyxy_px.astype(np.float64), d.confidence.astype(np.float64))
        runs["on_gt_boxes"].append(score_run(on_gt, gt, n_frames, clip.fps))
        runs["from_positions"].append(score_run(chain, gt, n_frames, clip.fps))
    out: dict[str, object] = {"real": score_run(real, gt, n_frames, clip.fps), "seeds": seeds}
    for name, sims in runs.items():
        out[name] = {th: {k: float(np.mean([s[th][k] for s in sims])) for k in sims[0][th]} for th in sims[0]}
        out[name + "_std"] = {th: {k: float(np.std([s[th][k] for s in sims])) for k in sims[0][th]} for th in sims[0]}
    widths = np.array(list(people.width_m.values()))
    out["true_box_vs_gt_iou"] = {
        "median": float(np.median(true_iou_all)),
        "p10": float(np.percentile(true_iou_all, 10)),
    }
    out["fitted_person_height_m_median"] = float(np.median(list(people.height_m.values())))
    out["box_width_per_shoulder_implied"] = float(BOX_WIDTH_PER_SHOULDER * np.median(widths) / SIM_SHOULDER_M)
    out["sim_cpu_ms_per_frame"] = {"median": float(np.median(ms)), "p90": float(np.percentile(ms, 90))}
    return out


# --- main ----------------------------------------------------------------------------------


def pooled(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def fit_beta(scores: np.ndarray) -> tuple[float, float]:
    """(a, b) of ``(score - 0.1) / 0.9`` as a beta distribution (maximum likelihood)."""
    x = np.clip((scores - MEASURED_MIN_SCORE) / (1 - MEASURED_MIN_SCORE), 1e-4, 1 - 1e-4)
    a, b, _, _ = stats.beta.fit(x, floc=0, fscale=1)
    return float(a), float(b)


def robust(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and MAD-based standard deviation: part boxes have wild outliers."""
    med = np.median(x, axis=0)
    return med, 1.4826 * np.median(np.abs(x - med), axis=0)


def fit_noise(measured: dict[str, ClipRows], pets_gt: MotTable) -> tuple[DetectorNoise, dict[str, object]]:
    """Every DetectorNoise parameter from the measured rows, and the statistics behind them."""
    people = pooled([m.people for m in measured.values()])
    counted = people["counted"]
    x = features(people["rel_h"], people["visible"])
    det_beta = fit_logistic(x[counted], people["detected"][counted].astype(float))
    hit = counted & people["detected"]
    # scores: one intercept per clip, so the height and hidden slopes come from variation within
    # a clip; the intercept and the residuals' shape are PETS09's (an elevated CCTV camera like
    # a store's, 92 % of the rows; TUD-Campus' eye-level close-ups saturate near 0.99)
    clip_of = np.concatenate([np.full(len(m.people["id"]), i) for i, m in enumerate(measured.values())])
    x_clip = np.column_stack([clip_of[:, None] == np.arange(len(measured)), x[:, 1:]]).astype(float)
    score_beta, _ = fit_truncated_logit(x_clip[hit], people["score"][hit])
    model_mean = x_clip @ score_beta
    cctv = hit & (clip_of == 0)
    residual = logit(np.clip(people["score"][cctv], MEASURED_MIN_SCORE, MAX_SCORE)) - model_mean[cctv]
    residual_quantiles = tuple(np.percentile(residual, 100 * RESIDUAL_PROBS).tolist())
    score_beta = np.r_[score_beta[0], score_beta[len(measured) :]]
    growth, normalised = fit_weak_growth(people["err"][hit], people["score"][hit])
    box = np.array([fit_tukey_h(normalised[:, j]) for j in range(4)])
    poor_share = float(np.mean(people["iou"][cctv] < SCORE_IOU))
    box_gain = calibrate_box_scale(people["xyxy"][cctv], model_mean[cctv], residual_quantiles, box, growth, poor_share)
    box[:, 1] *= box_gain

    pets = measured[CLIPS[0].name].people
    pc = pets["counted"]
    rows = {"frame": pets["frame"][pc], "id": pets["id"][pc], "xyxy": pets["xyxy"][pc], "score": pets["score"][pc]}
    lag_pairs = [lagged(rows["frame"], rows["id"], lag) for lag in LAGS]
    missed = ~pets["detected"][pc]
    poor = pets["iou"][pc] < SCORE_IOU
    real_time = time_stats(missed, pets["score"][pc], pets["err"][pc], poor, lag_pairs)
    p_pets = expit(features(pets["rel_h"][pc], pets["visible"][pc]) @ det_beta)
    box_fit = np.column_stack([box, growth])
    strength, s_time = fit_latent(rows, CLIPS[0].fps, p_pets, box_fit, real_time, "strength")
    box_latent, b_time = fit_latent(rows, CLIPS[0].fps, p_pets, box_fit, real_time, "box")

    extra = pooled([m.extra for m in measured.values()])
    n_frames = sum(m.frames for m in measured.values())
    part, group = extra["kind"] == "part", extra["kind"] == "group"
    part_bias, part_scale = robust(extra["err"][part])
    group_bias, group_scale = robust(extra["group_err"][group])
    part_beta, group_beta = fit_beta(extra["score"][part]), fit_beta(extra["score"][group])

    spot_logits, spot_stds, spot_counts, transient_scores, clutter_boxes, pets_clutter = [], [], [], [], [], None
    for name, m in measured.items():
        e = m.extra
        cl = e["kind"] == "clutter"
        labels, firing = cluster_spots(e["frame"][cl], e["xyxy"][cl], e["score"][cl], m.frames)
        spots = np.nonzero(firing >= SPOT_MIN_FIRING)[0]
        logits, std = fit_spot_logits(e["frame"][cl], labels, e["score"][cl], spots, m.frames)
        spot_logits.append(logits)
        spot_stds.append((std, m.frames))
        spot_counts.append((len(spots), m.frames))
        transient_scores.append(e["score"][cl][~np.isin(labels, spots)])
        clutter_boxes.append(e["xyxy"][cl])
        if name == CLIPS[0].name:
            pets_clutter = e["xyxy"][cl]
    transient = np.concatenate(transient_scores)
    clutter_beta = fit_beta(transient)
    slope, intercept = height_at_foot(pets_gt)
    share = (pets_clutter[:, 3] - pets_clutter[:, 1]) / (slope * pets_clutter[:, 3] + intercept)
    log_share_med, log_share_std = robust(np.log(share[share > 0]))
    boxes = np.concatenate(clutter_boxes)
    all_spot_logits = np.concatenate(spot_logits)

    def r(v: float) -> float:
        return float(np.round(v, 3))

    noise = DetectorNoise(
        detect_logit=r(det_beta[0]),
        detect_logit_per_log_height=r(det_beta[1]),
        detect_logit_per_hidden=r(det_beta[2]),
        score_logit=r(score_beta[0]),
        score_logit_per_log_height=r(score_beta[1]),
        score_logit_per_hidden=r(score_beta[2]),
        score_residual_quantiles=tuple(r(v) for v in residual_quantiles),
        strength_memory_s=strength[0],
        strength_static=strength[1],
        strength_drift=strength[2],
        box_bias=tuple(r(v) for v in box[:, 0]),
        box_scale=tuple(r(v) for v in box[:, 1]),
        box_tail=tuple(r(v) for v in box[:, 2]),
        box_weak_growth=tuple(r(v) for v in growth),
        box_memory_s=box_latent[0],
        box_static=box_latent[1],
        box_drift=box_latent[2],
        part_rate=r(part.sum() / len(people["counted"])),
        part_bias=tuple(r(v) for v in part_bias),
        part_scale=tuple(r(v) for v in part_scale),
        group_rate=r(group.sum() / sum(m.close_pairs for m in measured.values())),
        group_bias=tuple(r(v) for v in group_bias),
        group_scale=tuple(r(v) for v in group_scale),
        part_score_beta=tuple(r(v) for v in part_beta),
        group_score_beta=tuple(r(v) for v in group_beta),
        clutter_rate=r(len(transient) / n_frames),
        clutter_score_beta=tuple(r(v) for v in clutter_beta),
        clutter_height=r(np.exp(log_share_med)),
        clutter_height_log_std=r(log_share_std),
        clutter_aspect=r(np.median((boxes[:, 2] - boxes[:, 0]) / (boxes[:, 3] - boxes[:, 1]))),
        spots=int(round(sum(n * f for n, f in spot_counts) / n_frames)),
        spot_score_logit=r(all_spot_logits.mean()),
        spot_score_logit_spread=r(all_spot_logits.std()),
        spot_score_logit_std=r(sum(s * f for s, f in spot_stds) / n_frames),
    )
    p_all = expit(x[counted] @ det_beta)
    details = {
        "detected_by_height": binned(people["rel_h"][counted], HEIGHT_BINS, people["detected"][counted], p_all),
        "detected_by_visible": binned(people["visible"][counted], VISIBLE_BINS, people["detected"][counted], p_all),
        "box_errors": {
            name: {
                "mean": float(people["err"][hit, j].mean()),
                "median": float(np.median(people["err"][hit, j])),
                "std": float(people["err"][hit, j].std()),
                "p5": float(np.percentile(people["err"][hit, j], 5)),
                "p95": float(np.percentile(people["err"][hit, j], 95)),
            }
            for j, name in enumerate(("centre_x", "top", "bottom", "log_width"))
        },
        "poor_share_real_pets": poor_share,
        "box_scale_gain": box_gain,
        "time_lags_frames_at_7fps": list(LAGS),
        "time_real": real_time,
        "time_model_strength": s_time,
        "time_model_box": b_time,
        "spots_per_clip": {name: n for name, (n, _) in zip(measured, spot_counts)},
    }
    return noise, details


def binned(x: np.ndarray, edges, hit: np.ndarray, model: np.ndarray) -> list[dict[str, float]]:
    """Measured rate and model mean probability per bin of ``x``."""
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        m = (x >= lo) & (x < hi)
        if m.sum():
            out.append(
                {
                    "lo": lo,
                    "hi": hi,
                    "n": int(m.sum()),
                    "measured": float(hit[m].mean()),
                    "model": float(model[m].mean()),
                }
            )
    return out


def clip_summary(m: ClipRows) -> dict[str, object]:
    """Recall, FP rates by kind, score histograms and miss runs of one clip (the real detector)."""
    p, e = m.people, m.extra
    c = p["counted"]
    good = p["detected"] & (p["iou"] >= SCORE_IOU)
    out: dict[str, object] = {
        "people_rows": int(c.sum()),
        "frames": m.frames,
        "detected_iou_0.3": float(p["detected"][c].mean()),
    }
    for th in THRESHOLDS:
        out[f"recall_{th}"] = float((good & (p["score"] >= th))[c].mean())
        out[f"extra_per_frame_{th}"] = {
            k: float(((e["kind"] == k) & (e["score"] >= th)).sum() / m.frames) for k in ("part", "group", "clutter")
        }
    out["tp_score_hist"] = np.histogram(p["score"][c & good], SCORE_BINS)[0].tolist()
    out["fp_score_hist"] = np.histogram(e["score"], SCORE_BINS)[0].tolist()
    order, cont = runs_by_person(p["frame"][c], p["id"][c])
    miss = ~p["detected"][c][order]
    starts = miss & ~(np.r_[False, miss[:-1]] & cont)
    run_id = np.cumsum(starts)[miss]
    out["miss_runs_hist_1_to_10plus"] = np.bincount(np.minimum(np.bincount(run_id)[1:], 10), minlength=11)[1:].tolist()
    out["mean_miss_run"] = float(miss.sum() / max(starts.sum(), 1))
    return out


def print_report(summary: dict[str, dict], details: dict, noise: DetectorNoise, check: dict) -> None:
    print("\n## Real detector per clip (IoU 0.5 for recall; extra boxes per frame by kind)")
    print(
        "| clip | people rows | detected (IoU>=0.3) | recall@0.1 | recall@0.4 | recall@0.6 "
        "| part/group/clutter @0.1 | @0.4 | mean miss run |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name, s in summary.items():
        e1, e4 = s["extra_per_frame_0.1"], s["extra_per_frame_0.4"]
        recalls = " | ".join(f"{s[f'recall_{th}']:.3f}" for th in THRESHOLDS)
        print(
            f"| {name} | {s['people_rows']} | {s['detected_iou_0.3']:.3f} | {recalls} | "
            f"{e1['part']:.2f}/{e1['group']:.2f}/{e1['clutter']:.2f} | "
            f"{e4['part']:.2f}/{e4['group']:.2f}/{e4['clutter']:.2f} | {s['mean_miss_run']:.2f} |"
        )
    for key, label in (("detected_by_height", "box height / image height"), ("detected_by_visible", "visible share")):
        print(f"\n## Detected (IoU >= 0.3) by {label}: measured vs model")
        print("| bin | n | measured | model |")
        print("|---|---|---|---|")
        for b in details[key]:
            print(f"| {b['lo']:.2f}-{b['hi']:.2f} | {b['n']} | {b['measured']:.3f} | {b['model']:.3f} |")
    print("\n## Box errors of detected people (shares of true height; log width ratio)")
    print("| error | mean | median | std | p5 | p95 |")
    print("|---|---|---|---|---|---|")
    for name, b in details["box_errors"].items():
        print(f"| {name} | {b['mean']:.3f} | {b['median']:.3f} | {b['std']:.3f} | {b['p5']:.3f} | {b['p95']:.3f} |")
    print("\n## Time (PETS09, lags " + ", ".join(f"{lag}" for lag in LAGS) + " frames at 7 fps): real vs model")
    for key in ("p_miss_after_miss", "score_corr", "box_corr", "p_poor_after_poor"):
        model = details["time_model_strength" if key in ("p_miss_after_miss", "score_corr") else "time_model_box"][key]
        real = details["time_real"][key]
        print(
            f"{key:18s} real " + " ".join(f"{v:.2f}" for v in real) + " | model " + " ".join(f"{v:.2f}" for v in model)
        )
    print(f"\nspots per clip: {details['spots_per_clip']}")
    print("\n## PETS09-S2L1: real detector vs simulated (noise on the gt boxes | full chain from floor positions)")
    iou = check["true_box_vs_gt_iou"]
    print(f"projected true boxes vs gt boxes: median IoU {iou['median']:.3f}, p10 {iou['p10']:.3f}")
    print("| score >= | recall: real / on gt boxes / full chain | precision | FP per frame | mean miss run (frames) |")
    print("|---|---|---|---|---|")
    for th, a in check["real"].items():
        cells = []
        for key, d in (("recall", 3), ("precision", 3), ("fp_per_frame", 2), ("mean_miss_run", 2)):
            sims = [
                f"{check[n][th][key]:.{d}f} ± {check[n + '_std'][th][key]:.{d}f}"
                for n in ("on_gt_boxes", "from_positions")
            ]
            cells.append(f"{a[key]:.{d}f} / " + " / ".join(sims))
        print(f"| {th} | " + " | ".join(cells) + " |")
    print(
        f"(simulated: mean ± sd over {check['seeds']} seeds; box width per shoulder implied by PETS09 "
        f"{check['box_width_per_shoulder_implied']:.2f}; SimDetector CPU "
        f"{check['sim_cpu_ms_per_frame']['median']:.3f} ms/frame median)"
    )
    print("\nDetectorNoise(")
    for k, v in asdict(noise).items():
        print(f"    {k}={v!r},")
    print(")")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("bench/out"), help="detection cache and JSON output")
    parser.add_argument("--seeds", type=int, default=10, help="simulation seeds for the PETS09 check")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"evaluation data not found at {DATA}", file=sys.stderr)
        return 2
    measured, tables = {}, {}
    for clip in CLIPS:
        gt = read_mot(DATA / clip.gt)
        det = detect_clip(DATA / clip.video, clip.fps, args.work / f"{clip.name}_dets.txt")
        tables[clip.name] = (gt, det)
        measured[clip.name] = measure_clip(clip, gt, det)
    noise, details = fit_noise(measured, tables[CLIPS[0].name][0])
    summary = {name: clip_summary(m) for name, m in measured.items()}
    check = validate_pets(*tables[CLIPS[0].name], noise, args.seeds)
    print_report(summary, details, noise, check)
    result = {"clips": summary, "details": details, "fit": asdict(noise), "pets_check": check}
    (args.work / "detector_noise.json").write_text(json.dumps(result, indent=1))
    print(f"\nwrote {args.work / 'detector_noise.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
