"""A long live run on one box: memory, stored rows and retention purges over simulated hours.

One camera of the simulated shop runs as a live camera would (the run's clock is the stream's)
for ``--hours``, with positions kept ``--keep-positions-h`` hours and purged every
``--purge-minutes``. Every ``--every-min`` simulated minutes the script prints this process's
resident memory, the positions table's rows and the purges so far: memory and the table must
level off, not grow with the hours.

    scripts/bench bench/bench_long_run.py --hours 4
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from storelens.runner import open_store_database, run_store
from storelens.sim.scenario import make_scenario

START = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


class Purges(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += record.getMessage().startswith("retention: removed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hours", type=float, default=4.0)
    parser.add_argument("--fps", type=float, default=1.0)
    parser.add_argument("--keep-positions-h", type=float, default=1.0)
    parser.add_argument("--purge-minutes", type=float, default=10.0)
    parser.add_argument("--every-min", type=float, default=30.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="storelens-long-"))
    scenario = make_scenario(folder, n_cameras=2, start=START, duration_s=args.hours * 3600, seed=1, fps=args.fps)
    storage = scenario.config.storage
    storage = storage.model_copy(
        update={
            "retention_days": storage.retention_days.model_copy(update={"positions": args.keep_positions_h / 24}),
            "purge_every_minutes": args.purge_minutes,
        }
    )
    config = scenario.config.model_copy(update={"storage": storage})
    purges = Purges()
    logging.getLogger("storelens.recording").addHandler(purges)
    logging.getLogger("storelens.recording").setLevel(logging.INFO)
    engine = sa.create_engine(config.storage.url)
    detector, began = scenario.detector, time.perf_counter()
    due = [START]
    print(f"{args.hours:g} h live, 1 camera at {args.fps:g} fps, positions kept {args.keep_positions_h:g} h, "
          f"purged every {args.purge_minutes:g} min")
    print("stream time | wall s | RSS MB | positions rows | purges")

    class Sampled:
        min_score = detector.min_score

        def __call__(self, frame):
            if frame.ts >= due[0]:
                due[0] = frame.ts + timedelta(minutes=args.every_min)
                with engine.connect() as conn:
                    rows = conn.execute(sa.text("SELECT count(*) FROM positions")).scalar()
                print(f"{frame.ts:%H:%M} | {time.perf_counter() - began:.0f} | {rss_mb():.0f} | {rows} | {purges.count}")
            return detector(frame)

    with open_store_database(config) as db:
        camera = next(iter(config.cameras))
        run_store(config, db, Sampled(), cameras=[camera], open_camera=scenario.open_camera, live=True)
    print(f"end | {time.perf_counter() - began:.0f} | {rss_mb():.0f} | - | {purges.count}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
