"""Per-frame cost of the tracking stages (Tracker + TrackFinalizer + BoxSmoother), and a
regression check that their output does not change.

Timing: synthetic walkers (constant velocity plus box noise, a few missed and low-score boxes)
for n people, ``--frames`` frames at 5 fps, image=None (appearance off). Each stage is timed
per call; the table shows the median over ``--repeats`` runs of the mean ms/frame per stage,
and the process CPU time per frame of the whole run (input generation excluded; steadier than
wall time when other processes share the cores).

Regression: the cached detections of the real clips (``bench/out/<clip>_dets.txt``, written by
bench/bench_tracking.py; the detector runs if a cache is missing) are replayed through
`track_source` (with images, so appearance is on; its tracking ms/frame is reported too) and
through the same stages with image=None; the synthetic runs' outputs are added. Everything is
saved as MOT-like arrays in one .npz: ``--save-ref`` writes the reference, ``--check-ref``
compares against it (exact for ids and frames, 1e-6 for boxes and scores).

Usage:
    scripts/bench bench/bench_tracker_overhead.py [--frames 3000] [--repeats 3] [--json]
        [--save-ref bench/out/tracker_ref.npz | --check-ref bench/out/tracker_ref.npz]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tracking import CLIPS, DATA  # noqa: E402
from detection_cache import detect_clip  # noqa: E402

from storelens.detect.replay import ReplayDetector  # noqa: E402
from storelens.eval import MotTable, tracks_to_mot  # noqa: E402
from storelens.pipeline import track_source  # noqa: E402
from storelens.sources import open_source  # noqa: E402
from storelens.track.finalize import TrackFinalizer  # noqa: E402
from storelens.track.smooth import BoxSmoother  # noqa: E402
from storelens.track.tracker import Tracker  # noqa: E402
from storelens.types import Detections  # noqa: E402

PEOPLE = (0, 1, 3, 10, 30)
FPS = 5.0
IMAGE_WH = (1280, 720)
STAGES = ("update", "finalize", "smooth")
T0 = datetime(2024, 3, 1, 8, 0, tzinfo=timezone.utc)


def synthetic_walkers(n: int, frames: int, seed: int = 0) -> list[Detections]:
    """``frames`` frames of ``n`` people walking at constant velocity (bouncing off the image
    border), with 2 px box noise, 5 % missed boxes and scores spread over [0.3, 0.95]."""
    rng = np.random.default_rng(seed + 1000 * n)
    w_img, h_img = IMAGE_WH
    h = rng.uniform(80, 200, n)
    w = 0.4 * h
    pos = np.stack([rng.uniform(0, w_img - w), rng.uniform(0, h_img - h)], axis=1)
    vel = rng.normal(0, 30, (n, 2))  # px/s
    out = []
    for k in range(frames):
        xyxy = np.stack([pos[:, 0], pos[:, 1], pos[:, 0] + w, pos[:, 1] + h], axis=1)
        xyxy = xyxy + rng.normal(0, 2, (n, 4))
        seen = rng.random(n) >= 0.05
        scores = rng.uniform(0.3, 0.95, n)
        out.append(
            Detections(
                camera_id="sim",
                frame_index=k,
                ts=T0 + timedelta(seconds=k / FPS),
                xyxy_px=xyxy[seen],
                confidence=scores[seen],
                class_id=np.zeros(int(seen.sum()), np.int32),
            )
        )
        pos = pos + vel / FPS
        limit = np.stack([w_img - w, h_img - h], axis=1)
        bounce = (pos < 0) | (pos > limit)
        vel = np.where(bounce, -vel, vel)
        pos = np.clip(pos, 0, limit)
    return out


def run_stages(
    frames: list[Detections], images: list[np.ndarray | None] | None = None
) -> tuple[dict[str, float], list[Detections], list[Detections]]:
    """Tracker -> finaliser -> smoother as in `track_source`, timing each stage.

    Returns:
        Seconds per stage, the tracker's raw output per frame, and the final tracks.
    """
    tracker, finalizer, smoother = Tracker(), TrackFinalizer(), BoxSmoother()
    spent = dict.fromkeys(STAGES, 0.0)
    raw: list[Detections] = []
    final: list[Detections] = []
    clock = time.perf_counter

    def release(done: list[Detections]) -> None:
        for d in done:
            t = clock()
            out = smoother.push(d)
            spent["smooth"] += clock() - t
            final.extend(out)

    for k, dets in enumerate(frames):
        image = None if images is None else images[k]
        t = clock()
        tracked = tracker.update(dets, image)
        t1 = clock()
        done = finalizer.push(tracked, tracker.links)
        t2 = clock()
        spent["update"] += t1 - t
        spent["finalize"] += t2 - t1
        raw.append(tracked)
        release(done)
    t = clock()
    done = finalizer.flush()
    spent["finalize"] += clock() - t
    release(done)
    t = clock()
    final.extend(smoother.flush())
    spent["smooth"] += clock() - t
    return spent, raw, final


def _raw_table(raw: list[Detections]) -> MotTable:
    return tracks_to_mot(raw)


def _table_arrays(prefix: str, table: MotTable) -> dict[str, np.ndarray]:
    return {
        f"{prefix}/frame": table.frame,
        f"{prefix}/track_id": table.track_id,
        f"{prefix}/xywh": table.xywh,
        f"{prefix}/conf": table.conf,
    }


def time_synthetic(frames: int, repeats: int) -> tuple[dict[int, dict[str, float]], dict[str, np.ndarray]]:
    """ms/frame per stage (median of ``repeats``) per people count, and the runs' outputs."""
    table: dict[int, dict[str, float]] = {}
    outputs: dict[str, np.ndarray] = {}
    for n in PEOPLE:
        data = synthetic_walkers(n, frames)
        runs = []
        for r in range(repeats):
            cpu0 = time.process_time()
            spent, raw, final = run_stages(data)
            cpu_ms = 1000.0 * (time.process_time() - cpu0) / frames
            runs.append({**{s: 1000.0 * v / frames for s, v in spent.items()}, "cpu": cpu_ms})
            if r == 0:
                outputs.update(_table_arrays(f"sim{n}/raw", _raw_table(raw)))
                outputs.update(_table_arrays(f"sim{n}/final", tracks_to_mot(final)))
        row = {s: statistics.median(run[s] for run in runs) for s in (*STAGES, "cpu")}
        row["total"] = statistics.median(sum(run[s] for s in STAGES) for run in runs)
        table[n] = row
    return table, outputs


def real_clip_outputs(work: Path, repeats: int) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Final MOT rows of the real clips through `track_source` (appearance on) and the tracker's
    raw and final rows with image=None; and `track_source`'s tracking ms/frame (tracker,
    finaliser and smoother with images, median of ``repeats`` runs) per clip."""
    outputs: dict[str, np.ndarray] = {}
    track_ms: dict[str, float] = {}
    for clip, (video_rel, _gt, fps) in CLIPS.items():
        video = DATA / video_rel
        dets = detect_clip(video, fps, work / f"{clip}_dets.txt")
        runs = []
        for _ in range(repeats):
            with open_source(video, fps=fps) as source:
                run = track_source(source, ReplayDetector(dets))
            runs.append(run.times.track_s * 1000.0 / run.times.frames)
        track_ms[clip] = statistics.median(runs)
        outputs.update(_table_arrays(f"{clip}/track_source", run.to_mot()))
        replay = ReplayDetector(dets)
        with open_source(video, fps=fps) as source:
            frames = [replay(frame) for frame in source]
        _, raw, final = run_stages(frames)
        outputs.update(_table_arrays(f"{clip}/no_image/raw", _raw_table(raw)))
        outputs.update(_table_arrays(f"{clip}/no_image/final", tracks_to_mot(final)))
    return track_ms, outputs


def compare(ref: dict[str, np.ndarray], new: dict[str, np.ndarray]) -> list[str]:
    """Names of arrays that differ (exact for integers, 1e-6 for floats)."""
    bad = [f"missing: {k}" for k in sorted(set(ref) ^ set(new))]
    for key in sorted(set(ref) & set(new)):
        a, b = ref[key], new[key]
        if a.shape != b.shape:
            bad.append(f"{key}: shape {a.shape} != {b.shape}")
        elif np.issubdtype(a.dtype, np.integer):
            if not np.array_equal(a, b):
                bad.append(f"{key}: values differ")
        elif not np.allclose(a, b, rtol=0.0, atol=1e-6, equal_nan=True):
            bad.append(f"{key}: max diff {np.nanmax(np.abs(a - b)):.3g}")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=3000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("bench/out"), help="cache for detections")
    parser.add_argument("--no-real", action="store_true", help="skip the real clips")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--save-ref", type=Path, help="write all outputs to this .npz")
    group.add_argument("--check-ref", type=Path, help="compare all outputs with this .npz")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    reference: dict[str, np.ndarray] = {}
    if args.check_ref:
        with np.load(args.check_ref) as ref:
            reference = {k: ref[k] for k in ref.files}
        if int(reference["meta/frames"][0]) != args.frames:
            print(f"{args.check_ref} was made with --frames {int(reference['meta/frames'][0])}", file=sys.stderr)
            return 2

    timing, outputs = time_synthetic(args.frames, args.repeats)
    clip_ms: dict[str, float] = {}
    if not args.no_real:
        if not DATA.is_dir():
            print(f"evaluation data not found at {DATA}", file=sys.stderr)
            return 2
        clip_ms, real = real_clip_outputs(args.work, args.repeats)
        outputs.update(real)

    outputs["meta/frames"] = np.array([args.frames])
    status = 0
    check: dict[str, object] = {}
    if args.save_ref:
        args.save_ref.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.save_ref, **outputs)
        check = {"saved": str(args.save_ref), "arrays": len(outputs)}
    elif args.check_ref:
        if args.no_real:
            real_clips = tuple(f"{clip}/" for clip in CLIPS)
            reference = {k: v for k, v in reference.items() if not k.startswith(real_clips)}
        bad = compare(reference, outputs)
        check = {"identical": not bad, "arrays": len(outputs), "differences": bad}
        status = 0 if not bad else 1

    if args.json:
        print(json.dumps({"ms_per_frame": timing, "frames": args.frames, "clip_track_ms": clip_ms, "check": check}))
        return status
    print(f"ms/frame, median of {args.repeats} runs of {args.frames} frames at {FPS:g} fps, image=None")
    print("| people | update | finalize | smooth | total | process CPU |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, row in timing.items():
        print(
            f"| {n} | {row['update']:.3f} | {row['finalize']:.3f} | {row['smooth']:.3f} | {row['total']:.3f} "
            f"| {row['cpu']:.3f} |"
        )
    for clip, ms in clip_ms.items():
        print(f"{clip}: track_source tracking (with images) {ms:.3f} ms/frame, median of {args.repeats}")
    if check:
        print(f"\nregression: {check}")
    return status


if __name__ == "__main__":
    sys.exit(main())
