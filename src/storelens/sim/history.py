"""Past days of a simulated store, written straight to its database (for the demo's history).

A week through detection, tracking and fusion would take an hour on a small CPU; a dashboard
needs last week at once. History therefore feeds the simulated people's exact positions (at a
low rate) to the same analytics and storage the live pipeline uses: the numbers are what the
store would show with perfect tracking. The live feed runs the full pipeline.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storelens.analytics import FloorPositions, StoreAnalytics
from storelens.config import StoreConfig
from storelens.fusion import STORE_CAMERA_ID
from storelens.pos import store_receipts
from storelens.recording import CameraRun, recording
from storelens.runner import analytics_spec, store_id_of
from storelens.sim.arrivals import TrafficProfile
from storelens.sim.layout import SimStore
from storelens.sim.people import simulate_people
from storelens.sim.receipts import simulate_receipts
from storelens.storage import StoreDatabase
from storelens.storage.receipts import load_receipts
from storelens.storage.runs import RunInfo, recorded_run_id

__all__ = ["DayWritten", "fill_history"]

logger = logging.getLogger(__name__)

HISTORY_FPS = 1.0
"""Positions per second fed to the analytics for past days: enough for lines, zones and dwell."""

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

DAY_DONE_WITHIN = timedelta(minutes=2)
"""A day whose run stored records this close to closing time was written whole (a day cut short
by a stop is written again, replacing what it had)."""
HISTORY_WRITE_EVERY_S = 300.0
"""Stream time between database writes of a past day (few, large transactions)."""

ID_STRIDE = 10_000_000
"""Visitor ids of day d start at (d + 1) * ID_STRIDE, so days never share an id."""


@dataclass(frozen=True, slots=True)
class DayWritten:
    """What one simulated day put in the database."""

    day: date
    people: int
    crossings: int
    zone_visits: int
    positions: int
    receipts: int = 0


def fill_history(
    config: StoreConfig,
    store: SimStore,
    db: StoreDatabase,
    days: list[date],
    seed: int = 0,
    profile: TrafficProfile | None = None,
    on_day: Callable[[DayWritten], None] | None = None,
) -> list[DayWritten]:
    """Simulate each day's opening hours and store what the analytics make of it.

    Args:
        config: The store's config (zones and lines to measure).
        store: The simulated layout the config was written from.
        db: Where records go.
        days: Local dates to fill, e.g. the last seven.
        seed: Base seed; day ``d`` uses ``seed + ordinal``, so a day is the same on every run.
        profile: Traffic; None: the default shop.
        on_day: Called after each day is written (progress).

    A day written whole before is skipped; one cut short (the demo stopped) is written again,
    replacing what it had (see `storelens.storage.runs`).
    """
    tz = ZoneInfo(store.timezone)
    spec = analytics_spec(config)
    out = []
    for day in days:
        spans = store.opening_hours.get(WEEKDAYS[day.weekday()], ())
        if not spans:
            continue
        opens, closes = (time.fromisoformat(t) for t in spans[0].split("-"))
        start, end = datetime.combine(day, opens, tz), datetime.combine(day, closes, tz)
        if end <= start:
            continue
        store_id = store_id_of(config)
        info = RunInfo(recorded_run_id(store_id, [STORE_CAMERA_ID], start), store_id, (STORE_CAMERA_ID,), False, start)
        reached = db.run_reached(info.run_id)
        day_seed = seed + day.toordinal()
        if reached is not None and reached >= end - DAY_DONE_WITHIN:
            logger.info("history %s: already written", day)
            if not len(load_receipts(db, store_id, start, end)):  # written before the till was simulated
                log = simulate_people(store, start, (end - start).total_seconds(), HISTORY_FPS, day_seed, profile)
                store_receipts(db, store_id, simulate_receipts(store, log, day_seed).to_receipts(log.start))
            continue
        log = simulate_people(
            store, start, (end - start).total_seconds(), fps=HISTORY_FPS, seed=day_seed, profile=profile
        )
        run = CameraRun(STORE_CAMERA_ID)
        lock = threading.Lock()
        with recording(db, info, config.storage, lock, run, HISTORY_WRITE_EVERY_S, purge=False) as writer:
            analytics = StoreAnalytics(spec, STORE_CAMERA_ID)
            offset = (day.toordinal() % 1000 + 1) * ID_STRIDE
            for k in range(log.n_frames):
                rows = log.frame_rows(k)
                positions = FloorPositions(STORE_CAMERA_ID, log.ts(k), log.person_id[rows] + offset, log.xy_m[rows])
                events = analytics.update(positions)
                visitors, staff = analytics.split_staff(positions)
                writer.add(visitors, events, staff=staff)
            writer.events.extend(analytics.flush())
            writer.flush()
        receipts = simulate_receipts(store, log, day_seed)
        store_receipts(db, store_id, receipts.to_receipts(log.start))
        written = DayWritten(day, len(log.persons), run.crossings, run.zone_visits, run.positions, len(receipts))
        logger.info(
            "history %s: %d people, %d line crossings, %d zone visits, %d receipts",
            day, written.people, written.crossings, written.zone_visits, written.receipts,
        )
        out.append(written)
        if on_day is not None:
            on_day(written)
    return out
