"""Storage throughput: ingest of track points, and day-range queries, on SQLite and PostgreSQL.

Generates one synthetic camera-day of shoppers and stores it through ``StoreDatabase``:

- a 20 m x 15 m floor open ``--hours`` hours (default 12); visitors arrive at random (Poisson)
  so that ``--people`` (default 30) are present on average from the first frame (arrivals begin
  three hours before the recorded span starts), each staying a log-normal time
  (median 12 min) walking at 1 m/s between random shelf stops where they stand 5-60 s;
- positions sampled at ``--fps`` (default 2 Hz, so every point survives the 2 Hz downsampling
  and the ingest rate is the rate of rows written); about 2.6M points for the default day;
- ingest in calls of ``--batch-s`` seconds of frames (default 60 s); an entrance line crossed
  in at arrival and out at departure, a checkout line crossed by 60 % of visitors, the visits.

Then it times ``heatmap`` and ``line_counts_by_hour`` over the whole day (first call and median
of ``--repeat``; on PostgreSQL also after ``ANALYZE``). ``--points N`` shortens the day to
about N points for a quick run. PostgreSQL runs in a schema of its own in the given database, dropped at the end.

Usage:
    scripts/bench bench/bench_storage.py [--engine sqlite|postgres|both] [--points N] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

import numpy as np
import sqlalchemy as sa

from storelens.analytics.records import Direction, FloorPositions, LineCrossing, Visit
from storelens.storage import open_database

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DAY_START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
CAMERA_ID = "floor"
FLOOR_WH_M = (20.0, 15.0)
DOOR_XY_M = (0.5, 7.5)
WALK_SPEED_M_S = 1.0
MEDIAN_STAY_S = 720.0
STAY_SIGMA = 0.6
STOP_S = (5.0, 60.0)
CHECKOUT_SHARE = 0.6
WARM_UP_S = 3 * 3600.0


@dataclass
class Day:
    """Generated data: frames in time order, and the events of the same visitors."""

    frames: list[FloorPositions]
    crossings: list[LineCrossing]
    visits: list[Visit]
    n_points: int
    start: datetime
    end: datetime


def _walk(rng: np.random.Generator, stay_s: float) -> tuple[np.ndarray, np.ndarray]:
    """Knots (time s, xy m) of one visitor: door, shelf stops (walk, stand), back to the door."""
    knots_t, knots_xy = [0.0], [DOOR_XY_M]
    t, xy = 0.0, np.array(DOOR_XY_M)
    while True:
        stop = rng.uniform((1.0, 1.0), (FLOOR_WH_M[0] - 1, FLOOR_WH_M[1] - 1))
        home_s = np.linalg.norm(stop - DOOR_XY_M) / WALK_SPEED_M_S
        arrive = t + np.linalg.norm(stop - xy) / WALK_SPEED_M_S
        leave = arrive + rng.uniform(*STOP_S)
        if leave + home_s > stay_s and len(knots_t) > 1:
            break
        knots_t += [arrive, leave]
        knots_xy += [tuple(stop), tuple(stop)]
        t, xy = leave, stop
    knots_t.append(t + np.linalg.norm(xy - DOOR_XY_M) / WALK_SPEED_M_S)
    knots_xy.append(DOOR_XY_M)
    return np.array(knots_t), np.array(knots_xy)


def make_day(people: float, hours: float, fps: float, max_points: int | None, seed: int = 0) -> Day:
    """Visitors whose stays keep ``people`` present on average over ``hours`` (or ~max_points points)."""
    rng = np.random.default_rng(seed)
    if max_points:
        hours = min(hours, max_points / (people * fps * 3600))
    duration_s = hours * 3600
    mean_stay_s = MEDIAN_STAY_S * np.exp(STAY_SIGMA**2 / 2)
    # Arrivals start WARM_UP_S early, so the floor is at its average occupancy from the first frame.
    span_s = duration_s + WARM_UP_S
    arrivals = np.cumsum(rng.exponential(mean_stay_s / people, size=int(3 * span_s * people / mean_stay_s) + 10))
    arrivals = arrivals[arrivals < span_s] - WARM_UP_S
    frame_idx, tids, xys, crossings, visits = [], [], [], [], []
    for tid, arrive_s in enumerate(arrivals):
        knots_t, knots_xy = _walk(rng, rng.lognormal(np.log(MEDIAN_STAY_S), STAY_SIGMA))
        first = max(0, int(np.ceil(arrive_s * fps)))
        last = min(int((arrive_s + knots_t[-1]) * fps), int(duration_s * fps) - 1)
        if last < first:
            continue
        idx = np.arange(first, last + 1)
        t_rel = idx / fps - arrive_s
        frame_idx.append(idx)
        tids.append(np.full(len(idx), tid))
        xys.append(np.stack([np.interp(t_rel, knots_t, knots_xy[:, 0]), np.interp(t_rel, knots_t, knots_xy[:, 1])], 1))
        start, end = DAY_START + timedelta(seconds=first / fps), DAY_START + timedelta(seconds=last / fps)
        crossings.append(LineCrossing("entrance", CAMERA_ID, tid, start, Direction.IN))  # at 8:00 if already inside
        if rng.random() < CHECKOUT_SHARE:
            crossings.append(LineCrossing("checkout", CAMERA_ID, tid, start + (end - start) * 0.9, Direction.OUT))
        crossings.append(LineCrossing("entrance", CAMERA_ID, tid, end, Direction.OUT))
        visits.append(Visit(CAMERA_ID, tid, start, end, entered=True))
    frame_idx, tids, xys = np.concatenate(frame_idx), np.concatenate(tids), np.concatenate(xys)
    order = np.argsort(frame_idx, kind="stable")
    frame_idx, tids, xys = frame_idx[order], tids[order], xys[order]
    bounds = np.flatnonzero(np.diff(frame_idx)) + 1
    frames = [
        FloorPositions(CAMERA_ID, DAY_START + timedelta(seconds=int(f[0]) / fps), t, xy)
        for f, t, xy in zip(np.split(frame_idx, bounds), np.split(tids, bounds), np.split(xys, bounds))
    ]
    crossings.sort(key=lambda c: c.ts)
    return Day(frames, crossings, visits, len(tids), DAY_START, DAY_START + timedelta(seconds=duration_s))


def _timed(fn: Callable[[], object], repeat: int) -> dict:
    t0 = time.perf_counter()
    result = fn()
    first_ms = (time.perf_counter() - t0) * 1e3
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1e3)
    return {"first_ms": round(first_ms, 1), "median_ms": round(statistics.median(runs), 1), "rows": len(result)}


def run_engine(url: str, day: Day, fps: float, batch_s: float, repeat: int) -> dict:
    """Ingest ``day`` into a new database at ``url`` and time the day queries."""
    per_call = max(1, int(batch_s * fps))
    with open_database(url) as db:
        stored = 0
        t0 = time.perf_counter()
        for k in range(0, len(day.frames), per_call):
            stored += db.add_positions(day.frames[k : k + per_call])
        ingest_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        db.add_line_crossings(day.crossings)
        db.add_visits(day.visits)
        events_s = time.perf_counter() - t0
        day_start = day.start.replace(hour=0)
        day_end = day_start + timedelta(days=1)
        queries = {
            "heatmap": _timed(lambda: db.heatmap(day_start, day_end), repeat),
            "heatmap_camera": _timed(lambda: db.heatmap(day_start, day_end, camera_id=CAMERA_ID), repeat),
            "line_counts_by_hour": _timed(lambda: db.line_counts_by_hour(day_start, day_end), repeat),
            "occupancy": _timed(lambda: db.occupancy(day_start, day_end, camera_id=CAMERA_ID), repeat),
        }
        with db.engine.connect() as conn:
            heat_rows = conn.execute(sa.text("SELECT count(*) FROM heat")).scalar()
        if db.engine.dialect.name == "postgresql":
            # Right after a bulk load the planner has no statistics yet (autovacuum gathers them
            # within minutes in production); time the day queries again as they will run then.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(sa.text("ANALYZE"))
            queries["heatmap_analyzed"] = _timed(lambda: db.heatmap(day_start, day_end), repeat)
            queries["heatmap_camera_analyzed"] = _timed(lambda: db.heatmap(day_start, day_end, CAMERA_ID), repeat)
    return {
        "points_in": day.n_points,
        "points_stored": stored,
        "ingest_s": round(ingest_s, 2),
        "ingest_points_per_s": round(day.n_points / ingest_s),
        "stored_points_per_s": round(stored / ingest_s),
        "events": len(day.crossings) + len(day.visits),
        "events_s": round(events_s, 3),
        "heat_rows": heat_rows,
        "queries": queries,
    }


def _postgres_schema_url(base_url: str, schema: str) -> str:
    sep = "&" if "?" in base_url else "?"
    return f"{base_url}{sep}options={quote(f'-csearch_path={schema}')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--points", type=int, default=None, help="shorten the day to about N points")
    parser.add_argument("--people", type=float, default=30.0, help="people present on average")
    parser.add_argument("--hours", type=float, default=12.0, help="opening hours")
    parser.add_argument("--fps", type=float, default=2.0, help="position samples per second per person")
    parser.add_argument("--batch-s", type=float, default=60.0, help="seconds of frames per add_positions call")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    day = make_day(args.people, args.hours, args.fps, args.points)
    generate_s = time.perf_counter() - t0
    # The generated day is millions of Python objects; without this, a full garbage collection
    # over them can land inside a timed query (a dashboard process holds no such data).
    gc.collect()
    gc.freeze()
    result: dict = {
        "data": {
            "points": day.n_points,
            "frames": len(day.frames),
            "visitors": len(day.visits),
            "hours": round((day.end - day.start).total_seconds() / 3600, 2),
            "people_mean": round(day.n_points / len(day.frames), 1),
            "fps": args.fps,
            "batch_s": args.batch_s,
            "generate_s": round(generate_s, 1),
        },
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    if args.engine in ("sqlite", "both"):
        with tempfile.TemporaryDirectory(prefix="storelens-bench-") as tmp:
            result["sqlite"] = run_engine(
                f"sqlite:///{Path(tmp) / 'store.db'}", day, args.fps, args.batch_s, args.repeat
            )
    if args.engine in ("postgres", "both"):
        schema = f"storelens_bench_{os.getpid()}"
        admin = sa.create_engine(args.pg_url)
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = _postgres_schema_url(args.pg_url, schema)
            result["postgres"] = run_engine(url, day, args.fps, args.batch_s, args.repeat)
        finally:
            with admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()

    if args.json:
        print(json.dumps(result))
        return 0
    d = result["data"]
    print(
        f"data: {d['points']} points, {d['frames']} frames at {d['fps']} Hz, {d['visitors']} visitors, "
        f"{d['hours']} h, {d['people_mean']} people present on average (generated in {d['generate_s']} s); "
        f"{d['batch_s']} s of frames per add_positions call; {result['machine']}"
    )
    for engine in ("sqlite", "postgres"):
        if engine not in result:
            continue
        r = result[engine]
        print(
            f"{engine}: ingest {r['ingest_points_per_s']:,} points/s in, {r['stored_points_per_s']:,} stored/s "
            f"({r['points_stored']:,} stored in {r['ingest_s']} s, {r['heat_rows']:,} heat rows); "
            f"{r['events']} crossings+visits in {r['events_s']} s"
        )
        for name, q in r["queries"].items():
            print(f"  {name}: first {q['first_ms']} ms, median {q['median_ms']} ms ({q['rows']} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
