"""Conversion on the simulated store against its exact truth: per hour, for the run, per zone.

    scripts/bench bench/bench_sim_conversion.py --cameras 4 --hours 1 --seed 0      # busiest hour
    scripts/bench bench/bench_sim_conversion.py --cameras 4 --hours 12 --start 2026-11-25T09:00

Runs the full pipeline as `bench/bench_sim.py` does (simulated detections -> tracking -> fusion ->
analytics -> SQLite), imports the simulated till's receipts (`storelens.sim.receipts`) as a POS
export would be, computes `storelens.reports.conversion` for the run per local hour and scores it
with `storelens.eval.sim_conversion`. Prints the score and writes JSON to bench/out/.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from storelens.config.identity import store_id_of
from storelens.eval.sim_conversion import score_conversion
from storelens.pos import store_receipts
from storelens.reports.conversion import conversion_report
from storelens.runner import open_store_database
from storelens.sim.receipts import simulate_receipts
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
    work = OUT / f"sim_conversion_{args.cameras}cam_{args.hours:g}h_seed{args.seed}"
    db_path = work / "run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    t0 = time.perf_counter()
    scenario = make_scenario(work, n_cameras=args.cameras, start=start, duration_s=args.hours * 3600, seed=args.seed)
    log = scenario.log
    receipts = simulate_receipts(scenario.store, log, seed=args.seed)
    with open_store_database(scenario.config, f"sqlite:///{db_path}") as db:
        runs = scenario.run(db, processes=args.processes, evaluate=True)
        t_run = time.perf_counter() - t0
        saved = store_receipts(db, store_id_of(scenario.config), receipts.to_receipts(log.start))
        end = log.start + timedelta(hours=args.hours)
        t1 = time.perf_counter()
        report = conversion_report(scenario.config, db, log.start, end, "hour")
        t_report = time.perf_counter() - t1
    score = score_conversion(scenario.store, log, receipts, report)
    print(score.text())
    print()
    when = f"{log.start:%a %Y-%m-%d %H:%M} UTC, {args.hours:g} h, seed {args.seed}, {args.cameras} cameras"
    print(f"people simulated: {len(log.persons)} ({when}); receipts: {saved.new}")
    print(f"simulate + pipeline: {t_run:.1f} s; conversion report: {t_report:.2f} s")
    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, 2 cores",
        "args": {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(args).items()},
        "start": log.start.isoformat(),
        "people": len(log.persons),
        "camera_frames": sum(r.frames for r in runs),
        "seconds": {"simulate_and_pipeline": t_run, "report": t_report},
        "score": score.to_dict(),
    }
    OUT.mkdir(exist_ok=True)
    path = OUT / f"bench_sim_conversion_{args.cameras}cam_{args.hours:g}h_seed{args.seed}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
