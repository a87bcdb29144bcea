"""The heatmap on the demo's week: how its colour scale is used, and its moves against the truth.

The demo's history is written as `storelens demo` writes it (each day's exact simulated positions
through the analytics into SQLite, seed 0); the heatmap report of the whole week (and of each
day) is read back. Printed:

- the colour scale: where the visited floor's 95th-percentile cell sits on it (the issue asks
  for 60 % or more), its top and the hottest cell, beside the same figure for the picture
  before (square-root scale topped by the hottest stored cell, pavement and staff areas in);
- the busiest moves between zones (stored zone visits, staff-only zones left out) against the
  simulator's truth for the same people: its zone stays of two frames or more (what the
  analytics' 1 s inertia can count at the history's 1 Hz), and all its stays (a single frame
  inside a zone counts);
- how long the report and its picture take.

    scripts/bench bench/bench_heatmap.py --days 7 --png bench/out/heatmap-week.png
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import cv2
import numpy as np

from storelens.analytics import zone_paths
from storelens.analytics.records import ZoneVisit
from storelens.config import load_config
from storelens.reports import heatmap_report, render_report
from storelens.reports.flows import staff_zones
from storelens.runner import open_store_database
from storelens.sim import build_store, simulate_people, write_store_config
from storelens.sim.history import HISTORY_FPS, WEEKDAYS, fill_history
from storelens.sim.truth import zone_visits

FIRST_DAY = date(2026, 3, 2)  # a Monday
TOP = 5


def truth_moves(store, day: date, seed: int, skip: set[str]):
    """(two-frame stays, all stays) moves of the day's simulated people, counted as the stored ones."""
    opens, closes = (
        datetime.strptime(t, "%H:%M").time() for t in store.opening_hours[WEEKDAYS[day.weekday()]][0].split("-")
    )
    tz = ZoneInfo(store.timezone)
    start, end = datetime.combine(day, opens, tz), datetime.combine(day, closes, tz)
    log = simulate_people(store, start, (end - start).total_seconds(), fps=HISTORY_FPS, seed=seed + day.toordinal())
    truth = zone_visits(log, store.zones)
    at = lambda s: start + timedelta(seconds=float(s))  # noqa: E731
    stays = [
        (ZoneVisit(str(z), f"truth-{day}", int(p), at(a), at(b)), b - a)
        for z, p, a, b in zip(truth.zone, truth.person_id, truth.enter_s, truth.exit_s)
    ]
    held, _ = zone_paths([v for v, dwell in stays if dwell >= 1.0 / HISTORY_FPS], skip)
    grazed, _ = zone_paths([v for v, _ in stays], skip)
    return held, grazed


def ranked(moves) -> list[tuple[tuple[str, str], int]]:
    return sorted(moves.items(), key=lambda kv: (-kv[1], kv[0]))


def old_p95_share(stored) -> float:
    """The 95th-percentile stored cell's place on the old picture's colour scale: square root of
    its share of the hottest stored cell, every stored cell counted (pavement, staff areas)."""
    visited = stored.seconds[stored.seconds > 0]
    return float(np.sqrt(np.percentile(visited, 95) / visited.max()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--dir", type=Path, help="folder for the store and its database (kept; days written are reused)"
    )
    parser.add_argument("--png", type=Path, help="write the week's heatmap PNG here")
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="bench-heatmap-"))
    store = build_store(4)
    config = load_config(write_store_config(store, directory))
    days = [FIRST_DAY + timedelta(days=k) for k in range(args.days)]
    tz = ZoneInfo(store.timezone)
    start, end = (
        datetime.combine(days[0], datetime.min.time(), tz),
        datetime.combine(days[-1] + timedelta(1), datetime.min.time(), tz),
    )
    t0 = time.perf_counter()
    with open_store_database(config) as db:
        fill_history(config, store, db, days, seed=args.seed)
        filled = time.perf_counter() - t0
        t0 = time.perf_counter()
        week = heatmap_report(config, db, start, end)
        t_report = time.perf_counter() - t0
        t0 = time.perf_counter()
        image = render_report(week, config)
        t_render = time.perf_counter() - t0
        per_day = [
            heatmap_report(
                config,
                db,
                datetime.combine(d, datetime.min.time(), tz),
                datetime.combine(d + timedelta(1), datetime.min.time(), tz),
            )
            for d in days
        ]
    if args.png:
        args.png.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(args.png), image)
    skip = staff_zones(config)
    held, grazed = Counter(), Counter()
    for day in days:
        day_held, day_grazed = truth_moves(store, day, args.seed, skip)
        held.update(day_held)
        grazed.update(day_grazed)

    s = week.heat.scale
    shares = [r.heat.scale.p95_share for r in per_day]
    print(
        f"history: {args.days} days written or reused in {filled:.0f} s; "
        f"report {t_report:.2f} s, picture {t_render:.2f} s"
    )
    print(
        "| range | 95th-percentile cell on the scale | scale top, visitor-min/m2 | hottest cell "
        "| before (sqrt of hottest) |"
    )
    print("|---|---|---|---|---|")
    print(f"| week | {s.p95_share:.0%} | {s.top:,.0f} | {s.peak:,.0f} | {old_p95_share(week.stored):.0%} |")
    print(
        f"| each day (lowest, highest) | {min(shares):.0%}, {max(shares):.0%} | | | "
        f"{min(old_p95_share(r.stored) for r in per_day):.0%}, {max(old_p95_share(r.stored) for r in per_day):.0%} |"
    )
    print()
    print("| rank | stored move | people | truth, stays of 2+ frames | truth, every stay |")
    print("|---|---|---|---|---|")
    truth_held, truth_all = ranked(held), ranked(grazed)
    for k, (move, n) in enumerate(ranked(week.moves)[:TOP]):
        a = f"{' -> '.join(truth_held[k][0])} {truth_held[k][1]:,}"
        b = f"{' -> '.join(truth_all[k][0])} {truth_all[k][1]:,}"
        print(f"| {k + 1} | {' -> '.join(move)} | {n:,} | {a} | {b} |")
    same = [m for m, _ in ranked(week.moves)[:TOP]] == [m for m, _ in truth_held[:TOP]]
    print(
        f"\ntop {TOP} in the truth's order (stays of 2+ frames): {same}; routes drawn: "
        + ", ".join(f"{r.from_zone} -> {r.to_zone}" for r in week.routes)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
