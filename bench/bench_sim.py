"""Simulated store through the full stack: accuracy against exact truth, and speed.

    scripts/bench bench/bench_sim.py                       # 4 cameras, busiest hour, seed 0
    scripts/bench bench/bench_sim.py --cameras 6 --hours 12 --start 2026-11-25T09:00
    scripts/bench bench/bench_sim.py --processes 1         # cameras in threads of one process

Simulated detections -> tracking per camera -> fusion -> analytics -> SQLite, then scored with
`storelens.eval.sim_score` (the same as `storelens eval-sim`). Prints the score, the wall time
of each phase and camera-frames per second; writes JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from storelens.eval.sim_score import TRACK_TAIL_S, StoredRecords, score_simulation
from storelens.fusion import STORE_CAMERA_ID
from storelens.runner import open_store_database
from storelens.sim.scenario import make_scenario

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=datetime.fromisoformat, help="UTC start (default: busiest hour)")
    parser.add_argument("--processes", type=int, help="worker processes for the cameras (default: one per core)")
    args = parser.parse_args()
    start = args.start.replace(tzinfo=timezone.utc) if args.start and args.start.tzinfo is None else args.start
    work = OUT / f"sim_{args.cameras}cam_{args.hours:g}h_seed{args.seed}"
    db_path = work / "run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)

    t0 = time.perf_counter()
    scenario = make_scenario(work, n_cameras=args.cameras, start=start, duration_s=args.hours * 3600, seed=args.seed)
    t_sim = time.perf_counter() - t0
    log = scenario.log
    with open_store_database(scenario.config, f"sqlite:///{db_path}") as db:
        t1 = time.perf_counter()
        runs = scenario.run(db, processes=args.processes, evaluate=True)
        t_run = time.perf_counter() - t1
        begin, end = log.start, log.start + timedelta(seconds=args.hours * 3600 + TRACK_TAIL_S)
        t2 = time.perf_counter()
        score = score_simulation(scenario.store, log, StoredRecords.read(db, begin, end))
        t_score = time.perf_counter() - t2
    camera_frames = sum(r.frames for r in runs if r.camera_id != STORE_CAMERA_ID)
    print(score.text())
    print()
    when = f"{log.start:%a %Y-%m-%d %H:%M} UTC, {args.hours:g} h, seed {args.seed}"
    print(f"people simulated: {len(log.persons)} ({when})")
    print(f"simulate people: {t_sim:.1f} s; pipeline (detections, tracking, fusion, analytics, storage): "
          f"{t_run:.1f} s for {camera_frames} camera-frames = {camera_frames / t_run:.0f} camera-frames/s; "
          f"scoring {t_score:.1f} s; total {t_sim + t_run + t_score:.1f} s")
    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, 2 cores",
        "args": {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(args).items()},
        "start": log.start.isoformat(),
        "people": len(log.persons),
        "seconds": {"simulate": t_sim, "pipeline": t_run, "score": t_score},
        "camera_frames": camera_frames,
        "score": score.to_dict(),
    }
    OUT.mkdir(exist_ok=True)
    path = OUT / f"bench_sim_{args.cameras}cam_{args.hours:g}h_seed{args.seed}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
