"""Multi-camera fusion on Wildtrack: one visitor id per person across seven overlapping cameras.

Wildtrack has no images here, only per-view boxes with a person id shared by all views, so this
script makes from them what seven single-camera trackers would hand the fusion:

* the foot point of each box (`box_floor_points`: the bottom edge, with the person's lean taken
  out), moved by Gaussian pixel noise proportional to the box height (``--noise``, per axis), mapped to the floor through the view's calibration;
* ``--drop`` of the boxes removed at random (missed detections);
* per-view track ids that are not the person ids: each person's track in a view breaks into a new
  id at random (mean tracklet length ``--mean-len`` instants) and after ``--max-gap`` unseen
  instants, and two people whose boxes overlap (IoU >= 0.3) swap ids with probability ``--swap``
  per instant (a tracker's identity switch).

`StoreFusion` fuses the views (tick = the 0.5 s between instants; offline, so it waits for every
camera; each view's floor coverage from its calibration and 1920 x 1080 image) and the visitor
tracks are scored against the true ground positions and person ids: IDF1/MOTA with a 1 m match
radius, visitors lasting >= 2 instants against the true number of people, and the median
distance of matched pairs.

Usage (needs ``../shared/data``):

    scripts/bench bench/bench_fusion_wildtrack.py [--seeds 0 1 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from storelens.eval import MotTable, score_positions
from storelens.eval.wildtrack import FPS, VIEWS, WildtrackAnnotations, load_wildtrack
from storelens.fusion import (
    CameraObservations,
    FusedFrame,
    FusionConfig,
    StoreFusion,
    floor_coverage,
    floor_sigma_m,
    foot_error_px,
)
from storelens.geometry import box_floor_points
from storelens.track.association import iou_matrix

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
OUT = Path(__file__).resolve().parent / "out"
START = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
MATCH_M = 1.0
IMAGE_WH = (1920, 1080)
SWAP_IOU = 0.3


@dataclass(frozen=True)
class Damage:
    """How the per-view tracks are made worse than the annotations."""

    noise: float = 0.03
    drop: float = 0.10
    mean_len: float = 15.0
    max_gap: int = 4
    swap: float = 0.05


def per_view_tracks(ann: WildtrackAnnotations, damage: Damage, rng: np.random.Generator) -> list[CameraObservations]:
    """What seven trackers would report, one `CameraObservations` per view and instant."""
    frames = np.unique(ann.frame)
    out = []
    next_id = 1
    for v, view in enumerate(VIEWS):
        cam = ann.cameras[view]
        current: dict[int, tuple[int, int]] = {}  # person -> (track id, last instant seen)
        for k, f in enumerate(frames.tolist()):
            rows = np.flatnonzero((ann.frame == f) & ~np.isnan(ann.boxes[:, v, 0]))
            rows = rows[rng.random(len(rows)) >= damage.drop]
            pids, boxes = ann.person_id[rows], ann.boxes[rows, v]
            tid = np.zeros(len(rows), np.int64)
            for i, p in enumerate(pids.tolist()):
                prev = current.get(p)
                if prev is None or k - prev[1] > damage.max_gap or rng.random() < 1.0 / damage.mean_len:
                    prev = (next_id, k)
                    next_id += 1
                current[p] = (prev[0], k)
                tid[i] = prev[0]
            overlap = np.triu(iou_matrix(boxes, boxes) >= SWAP_IOU, 1)
            for a, b in zip(*np.nonzero(overlap)):
                if rng.random() < damage.swap:
                    pa, pb = int(pids[a]), int(pids[b])
                    current[pa], current[pb] = (current[pb][0], k), (current[pa][0], k)
                    tid[a], tid[b] = tid[b], tid[a]
            height = boxes[:, 3] - boxes[:, 1]
            _, foot = box_floor_points(cam, boxes)
            foot = foot + rng.normal(0.0, 1.0, foot.shape) * (damage.noise * height)[:, None]
            xy = cam.image_to_floor(foot)
            sigma = floor_sigma_m(cam, foot, foot_error_px(boxes))
            ok = np.isfinite(xy).all(axis=1) & np.isfinite(sigma)
            ts = START + timedelta(seconds=k / FPS)
            out.append(CameraObservations(view, ts, tid[ok], xy[ok], sigma[ok]))
    return sorted(out, key=lambda o: (o.ts, VIEWS.index(o.camera_id)))


def fuse(
    observations: list[CameraObservations],
    config: FusionConfig,
    cameras: tuple[str, ...],
    coverage: dict[str, np.ndarray] | None = None,
) -> list[FusedFrame]:
    """Push every frame in order, collecting fused ticks as they complete."""
    fusion = StoreFusion(config, cameras, coverage)
    out = []
    for obs in observations:
        fusion.push(obs)
        out += fusion.pop_ready()
    return out + fusion.flush()


def fused_table(frames: list[FusedFrame], frame_of: dict[datetime, int]) -> MotTable:
    """Fused visitors as MOT rows (frame numbers through ``frame_of``; ticks without one are dropped)."""
    rows = [(frame_of[f.ts], f) for f in frames if f.ts in frame_of and len(f)]
    if not rows:
        return MotTable.empty()
    xy = np.concatenate([f.xy_m for _, f in rows])
    return MotTable(
        frame=np.concatenate([np.full(len(f), k) for k, f in rows]),
        track_id=np.concatenate([f.global_id for _, f in rows]),
        xywh=np.zeros((len(xy), 4)),
        conf=np.ones(len(xy)),
        world_xy=xy,
    )


def matched_errors(gt: MotTable, pred: MotTable, max_m: float = MATCH_M) -> np.ndarray:
    """Distances of the min-cost one-to-one gt/prediction pairs within ``max_m``, all frames."""
    errors = []
    for f in np.unique(gt.frame).tolist():
        g, p = gt.world_xy[gt.frame == f], pred.world_xy[pred.frame == f]
        if not len(g) or not len(p):
            continue
        d = np.linalg.norm(g[:, None] - p[None], axis=2)
        r, c = linear_sum_assignment(np.where(d <= max_m, d, 1e6))
        errors.append(d[r, c][d[r, c] <= max_m])
    return np.concatenate(errors) if errors else np.zeros(0)


def lasting_ids(table: MotTable, min_frames: int = 2) -> int:
    """Identities present in at least ``min_frames`` frames."""
    _, counts = np.unique(table.track_id, return_counts=True)
    return int((counts >= min_frames).sum())


def score(gt: MotTable, pred: MotTable) -> dict[str, float | int]:
    s = score_positions(gt, pred, MATCH_M)
    err = matched_errors(gt, pred)
    return {
        "idf1": round(s.idf1, 3),
        "mota": round(s.mota, 3),
        "id_switches": s.id_switches,
        "recall": round(s.recall, 3),
        "precision": round(s.precision, 3),
        "ids_lasting_2": lasting_ids(pred),
        "ids": s.num_unique_pred,
        "people": s.num_unique_gt,
        "median_error_m": round(float(np.median(err)), 3) if len(err) else float("nan"),
    }


def run(ann: WildtrackAnnotations, damage: Damage, seed: int, config: FusionConfig) -> dict[str, object]:
    rng = np.random.default_rng(seed)
    observations = per_view_tracks(ann, damage, rng)
    frames = np.unique(ann.frame)
    frame_of = {START + timedelta(seconds=k / FPS): k + 1 for k in range(len(frames))}
    k_of = {f: k + 1 for k, f in enumerate(frames.tolist())}
    gt = MotTable(
        frame=np.array([k_of[f] for f in ann.frame.tolist()]),
        track_id=ann.person_id,
        xywh=np.zeros((len(ann), 4)),
        conf=np.ones(len(ann)),
        world_xy=ann.xy_m,
    )
    coverage = {v: floor_coverage(ann.cameras[v], *IMAGE_WH) for v in VIEWS}
    t0 = time.perf_counter()
    fused = fuse(observations, config, VIEWS, coverage)
    elapsed = time.perf_counter() - t0
    pred = fused_table(fused, frame_of)
    tracklets = len({(o.camera_id, t) for o in observations for t in o.track_id.tolist()})
    return {
        "seed": seed,
        **score(gt, pred),
        "per_view_tracklets": tracklets,
        "fuse_ms_per_tick": round(1000 * elapsed / max(len(fused), 1), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    d = Damage()
    parser.add_argument("--noise", type=float, default=d.noise, help="foot-point noise, share of box height")
    parser.add_argument("--drop", type=float, default=d.drop, help="share of boxes dropped")
    parser.add_argument("--mean-len", type=float, default=d.mean_len, help="mean tracklet length, instants")
    parser.add_argument("--max-gap", type=int, default=d.max_gap, help="unseen instants that end a tracklet")
    parser.add_argument("--swap", type=float, default=d.swap, help="id swap probability of overlapping boxes")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    root = DATA / "Wildtrack"
    if not root.is_dir():
        print(f"evaluation data not found at {root}", file=sys.stderr)
        return 2
    damage = Damage(args.noise, args.drop, args.mean_len, args.max_gap, args.swap)
    config = FusionConfig(tick_s=1.0 / FPS, latency_s=float("inf"))
    ann = load_wildtrack(root)
    runs = [run(ann, damage, seed, config) for seed in args.seeds]
    keys = ("idf1", "mota", "recall", "precision", "ids_lasting_2", "median_error_m")
    result = {
        "damage": asdict(damage),
        "config": {k: v for k, v in asdict(config).items() if k != "exits_m"},
        "runs": runs,
        "mean": {k: round(float(np.mean([r[k] for r in runs])), 3) for k in keys},
        "people": runs[0]["people"],
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "fusion_wildtrack.json").write_text(json.dumps(result, indent=2))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"damage: {asdict(damage)}")
    print("| seed | IDF1 | MOTA | IDSW | recall | precision | visitors (>= 2 instants) / people | median error m | "
          "per-view tracklets | ms/tick |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        print(f"| {r['seed']} | {r['idf1']:.3f} | {r['mota']:.3f} | {r['id_switches']} | {r['recall']:.3f} | "
              f"{r['precision']:.3f} | {r['ids_lasting_2']} / {r['people']} | {r['median_error_m']:.3f} | "
              f"{r['per_view_tracklets']} | {r['fuse_ms_per_tick']} |")
    print(f"mean: {result['mean']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
