"""Cost of store fusion per tick: 30 people walking in view of 4 cameras at 5 fps.

A synthetic 16 x 12 m shop floor with a calibrated 1280x720 camera in each corner looking at the
middle. People walk at 0.6-1.4 m/s, turning now and then and bouncing off the walls; a camera
sees a person when their foot point lands in its image (everyone is in view of two or more). Each
camera's tracker is imitated: foot-point noise of 3 % of the box height, 5 % missed boxes, and a
new track id every 10 s on average. `StoreFusion` (default settings, tick 0.2 s, the cameras'
floor coverage) gets every camera's frame and is timed over ``--ticks`` ticks (after a
warm-up); the target is <= 2 ms a tick. The fused visitors are also scored against the true
paths (IDF1, MOTA, 1 m radius), so a faster but worse fusion shows.

Usage:

    scripts/bench bench/bench_fusion_speed.py [--ticks 1500] [--people 30] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np

from storelens.eval import MotTable, score_positions
from storelens.fusion import (
    CameraObservations,
    FusedFrame,
    FusionConfig,
    StoreFusion,
    floor_coverage,
    floor_sigma_m,
    foot_error_px,
)
from storelens.geometry.camera import PinholeCamera

OUT = Path(__file__).resolve().parent / "out"
START = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
FPS = 5.0
FLOOR_M = (16.0, 12.0)
IMAGE = (1280, 720)
HEIGHT_M = 1.7
WARMUP_TICKS = 50


def corner_cameras() -> dict[str, PinholeCamera]:
    """A camera 3.5 m up in each corner, looking at the middle of the floor."""
    K = np.array([[900.0, 0, IMAGE[0] / 2], [0, 900.0, IMAGE[1] / 2], [0, 0, 1]])
    centre = np.array([FLOOR_M[0] / 2, FLOOR_M[1] / 2, 0.0])
    cams = {}
    for i, (x, y) in enumerate([(0, 0), (FLOOR_M[0], 0), (FLOOR_M[0], FLOOR_M[1]), (0, FLOOR_M[1])]):
        eye = np.array([x, y, 3.5])
        forward = (centre - eye) / np.linalg.norm(centre - eye)
        right = np.cross(forward, [0, 0, 1.0])
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        R = np.stack([right, down, forward])  # rows: camera axes in world coordinates
        cams[f"cam{i + 1}"] = PinholeCamera(K=K, dist=np.zeros(5), R=R, t=-R @ eye)
    return cams


def walk(n: int, ticks: int, rng: np.random.Generator) -> np.ndarray:
    """(ticks, n, 2) positions of people walking and bouncing off the walls."""
    size = np.array(FLOOR_M)
    xy = rng.uniform(0.5, size - 0.5, (n, 2))
    heading = rng.uniform(0, 2 * np.pi, n)
    speed = rng.uniform(0.6, 1.4, n)
    out = np.empty((ticks, n, 2))
    for k in range(ticks):
        heading += rng.normal(0, 0.15, n)
        step = np.stack([np.cos(heading), np.sin(heading)], axis=1) * (speed / FPS)[:, None]
        xy = xy + step
        low, high = xy < 0.3, xy > size - 0.3
        heading = np.where(low[:, 0] | high[:, 0], np.pi - heading, heading)
        heading = np.where(low[:, 1] | high[:, 1], -heading, heading)
        xy = np.clip(xy, 0.3, size - 0.3)
        out[k] = xy
    return out


def camera_frames(cams: dict[str, PinholeCamera], paths: np.ndarray, rng: np.random.Generator) -> list:
    """Per tick, each camera's `CameraObservations` as its tracker would report them."""
    n = paths.shape[1]
    track = {c: np.arange(n) + 1 + 1000 * i for i, c in enumerate(cams)}
    next_id = {c: 1000 * i + n + 1 for i, c in enumerate(cams)}
    frames = []
    for k in range(len(paths)):
        ts = START + timedelta(seconds=k / FPS)
        tick = []
        for c, cam in cams.items():
            xy = paths[k]
            foot = cam.floor_to_image(xy)
            head = _project(cam, np.concatenate([xy, np.full((n, 1), HEIGHT_M)], axis=1))
            h = foot[:, 1] - head[:, 1]
            seen = (foot[:, 0] >= 0) & (foot[:, 0] < IMAGE[0]) & (foot[:, 1] >= 0) & (foot[:, 1] < IMAGE[1])
            seen &= rng.random(n) >= 0.05
            renew = rng.random(n) < 1.0 / (10 * FPS)
            for i in np.flatnonzero(renew):
                track[c][i] = next_id[c]
                next_id[c] += 1
            idx = np.flatnonzero(seen)
            noisy = foot[idx] + rng.normal(0, 1, (len(idx), 2)) * (0.03 * h[idx])[:, None]
            boxes = np.stack([noisy[:, 0] - h[idx] / 6, noisy[:, 1] - h[idx], noisy[:, 0] + h[idx] / 6, noisy[:, 1]], 1)
            floor = cam.image_to_floor(noisy)
            sigma = floor_sigma_m(cam, noisy, foot_error_px(boxes))
            ok = np.isfinite(floor).all(axis=1) & np.isfinite(sigma)
            tick.append(CameraObservations(c, ts, track[c][idx[ok]].copy(), floor[ok], sigma[ok]))
        frames.append(tick)
    return frames


def quality(fused: list[FusedFrame], paths: np.ndarray) -> dict[str, float | int]:
    """IDF1 and MOTA (1 m radius) of the fused visitors against the true paths, and the ids used."""
    ticks, n = paths.shape[:2]
    frame_of = {START + timedelta(seconds=k / FPS): k + 1 for k in range(ticks)}
    rows = [(frame_of[f.ts], f) for f in fused if len(f)]
    pred = MotTable(
        frame=np.concatenate([np.full(len(f), k) for k, f in rows]),
        track_id=np.concatenate([f.global_id for _, f in rows]),
        xywh=np.zeros((sum(len(f) for _, f in rows), 4)),
        conf=np.ones(sum(len(f) for _, f in rows)),
        world_xy=np.concatenate([f.xy_m for _, f in rows]),
    )
    truth = MotTable(
        frame=np.repeat(np.arange(1, ticks + 1), n),
        track_id=np.tile(np.arange(n), ticks),
        xywh=np.zeros((ticks * n, 4)),
        conf=np.ones(ticks * n),
        world_xy=paths.reshape(-1, 2),
    )
    score = score_positions(truth, pred, 1.0)
    return {"idf1": round(score.idf1, 3), "mota": round(score.mota, 3), "visitor_ids": score.num_unique_pred}


def _project(cam: PinholeCamera, world_m: np.ndarray) -> np.ndarray:
    rvec, _ = cv2.Rodrigues(cam.R)
    px, _ = cv2.projectPoints(world_m / cam.world_unit_m, rvec, cam.t, cam.K, cam.dist)
    return px.reshape(-1, 2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ticks", type=int, default=1500)
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    cams = corner_cameras()
    paths = walk(args.people, args.ticks + WARMUP_TICKS, rng)
    frames = camera_frames(cams, paths, rng)
    coverage = {c: floor_coverage(cam, *IMAGE) for c, cam in cams.items()}
    fusion = StoreFusion(FusionConfig(), tuple(cams), coverage)
    wall, cpu = [], []
    visitors, observations, fused = [], [], []
    for k, tick in enumerate(frames):
        w0, c0 = time.perf_counter(), time.process_time()
        for obs in tick:
            fusion.push(obs)
        out = fusion.pop_ready()
        w1, c1 = time.perf_counter(), time.process_time()
        if k >= WARMUP_TICKS:
            wall.append(w1 - w0)
            cpu.append(c1 - c0)
            observations.append(sum(len(o) for o in tick))
            visitors += [len(f) for f in out]
        fused += out
    result = {
        "ticks": len(wall),
        "people": args.people,
        "cameras": len(cams),
        "observations_per_tick": round(float(np.mean(observations)), 1),
        "visitors_per_tick": round(float(np.mean(visitors)), 1),
        "wall_ms_per_tick": {
            "mean": round(1000 * float(np.mean(wall)), 3),
            "median": round(1000 * float(np.median(wall)), 3),
            "p95": round(1000 * float(np.percentile(wall, 95)), 3),
        },
        "cpu_ms_per_tick": round(1000 * float(np.sum(cpu)) / len(cpu), 3),
        **quality(fused, paths),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "fusion_speed.json").write_text(json.dumps(result, indent=2))
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"{result['people']} people, {result['cameras']} cameras, {result['ticks']} ticks: "
        f"{result['observations_per_tick']} camera observations and {result['visitors_per_tick']} visitors a tick, "
        f"{result['visitor_ids']} visitor ids in all; IDF1 {result['idf1']}, MOTA {result['mota']}"
    )
    w = result["wall_ms_per_tick"]
    print(f"fusion per tick: mean {w['mean']} ms, median {w['median']} ms, p95 {w['p95']} ms "
          f"(process CPU {result['cpu_ms_per_tick']} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
