"""Checkout queue on the simulated store against its exact truth: length each second, and the wait.

    scripts/bench bench/bench_queue.py --cameras 4 --hours 1 --seed 0      # busiest hour
    scripts/bench bench/bench_queue.py --db bench/out/sim_conversion_4cam_1h_seed0/run.db --seed 0

Runs the full pipeline as `bench/bench_sim.py` does and imports the simulated till's receipts
(or reads a database a `bench_sim_conversion.py` run of the same cameras, hours and seed left,
with ``--db``), then compares with the simulator's truth:

- length: people in the queue zone at each whole second, true (shoppers inside the zone's
  polygon) against stored (`storelens.reports.queue`: the store's zone visits spanning it);
- wait: the true waits (queue entry to service start) of the customers who joined in the run,
  median and mean, against the reported Little's-law wait (mean length / receipts), and against
  the median time in the zone of the stored zone visits (which broken tracks cut short).
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from storelens.analytics.queue import QUEUE_KIND, queue_lengths
from storelens.config.identity import store_id_of
from storelens.pos import store_receipts
from storelens.reports.flows import store_people
from storelens.reports.queue import queue_report
from storelens.runner import open_store_database
from storelens.sim import truth
from storelens.sim.receipts import simulate_receipts
from storelens.sim.scenario import make_scenario
from storelens.storage.times import to_us

OUT = Path(__file__).resolve().parent / "out"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=4)
    parser.add_argument("--hours", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=datetime.fromisoformat, help="UTC start (default: busiest hour)")
    parser.add_argument("--db", type=Path, help="score this database of an earlier run instead of running")
    args = parser.parse_args()
    start = args.start.replace(tzinfo=timezone.utc) if args.start and args.start.tzinfo is None else args.start
    work = OUT / f"sim_queue_{args.cameras}cam_{args.hours:g}h_seed{args.seed}"
    t0 = time.perf_counter()
    scenario = make_scenario(work, n_cameras=args.cameras, start=start, duration_s=args.hours * 3600, seed=args.seed)
    log, store = scenario.log, scenario.store
    db_path = args.db or work / "run.db"
    if args.db is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    end = log.start + timedelta(hours=args.hours)
    with open_store_database(scenario.config, f"sqlite:///{db_path}") as db:
        if args.db is None:
            scenario.run(db, evaluate=True)
            receipts = simulate_receipts(store, log, seed=args.seed).to_receipts(log.start)
            store_receipts(db, store_id_of(scenario.config), receipts)
        t_run = time.perf_counter() - t0
        (report,) = queue_report(scenario.config, db, [log.start], end)
        stays = [v for v in store_people(db.zone_visits(log.start - timedelta(hours=1), end)) if v.zone == report.zone]
    zone = next(z for z in store.zones if z.kind == QUEUE_KIND)
    step = max(int(round(log.fps)), 1)
    frames = np.arange(0, min(log.n_frames, int(args.hours * 3600 * log.fps)), step)
    true_len = truth.occupancy(log, store, roles={"shopper"})[zone.name][frames]
    at_us = to_us(log.start) + (frames / log.fps * 1e6).astype(np.int64)
    enter = np.array([to_us(v.enter_ts) for v in stays], np.int64)
    exit_ = np.array([to_us(v.exit_ts) for v in stays], np.int64)
    stored_len = queue_lengths(enter, exit_, at_us)
    error = np.abs(stored_len - true_len)
    queue = truth.queue_waits(log)
    joined = (queue.join_s >= 0) & (queue.join_s < args.hours * 3600)
    waits = queue.wait_s[joined]
    true_median, true_mean = float(np.median(waits)), float(np.mean(waits))
    wait = report.total.wait_s
    dwell_median = float(np.median((exit_ - enter) / 1e6)) if len(stays) else float("nan")
    score = {
        "length_abs_error_p95": float(np.percentile(error, 95)),
        "length_abs_error_mean": float(error.mean()),
        "length_true_mean": float(true_len.mean()),
        "length_stored_mean": float(stored_len.mean()),
        "length_true_max": int(true_len.max()),
        "length_stored_max": int(stored_len.max()),
        "customers": int(joined.sum()),
        "served": report.total.served,
        "served_from": report.total.served_from,
        "wait_true_median_s": true_median,
        "wait_true_mean_s": true_mean,
        "wait_reported_s": wait,
        "wait_vs_median": None if wait is None else wait / true_median - 1,
        "wait_vs_mean": None if wait is None else wait / true_mean - 1,
        "zone_visits": len(stays),
        "zone_dwell_median_s": dwell_median,
    }
    print(f"queue length each second: |error| p95 {score['length_abs_error_p95']:.1f}, mean "
          f"{score['length_abs_error_mean']:.2f} people (true mean {score['length_true_mean']:.2f}, stored "
          f"{score['length_stored_mean']:.2f}; peaks {score['length_true_max']} / {score['length_stored_max']})")
    print(f"wait: true median {true_median:.0f} s, mean {true_mean:.0f} s over {score['customers']} customers; "
          f"reported (Little's law, {score['served']} {score['served_from']}) "
          + ("none" if wait is None else f"{wait:.0f} s ({100 * score['wait_vs_median']:+.1f} % vs median, "
             f"{100 * score['wait_vs_mean']:+.1f} % vs mean)"))
    print(f"stored zone visits: {len(stays)}, median time in the zone {dwell_median:.0f} s (broken tracks)")
    result = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}, 2 cores",
        "args": {k: (str(v) if isinstance(v, (datetime, Path)) else v) for k, v in vars(args).items()},
        "start": log.start.isoformat(),
        "seconds": t_run,
        "score": score,
    }
    OUT.mkdir(exist_ok=True)
    path = OUT / f"bench_queue_{args.cameras}cam_{args.hours:g}h_seed{args.seed}.json"
    path.write_text(json.dumps(result, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
