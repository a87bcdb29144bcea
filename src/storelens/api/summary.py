"""The live picture of the store: people on the floor now, today's counts against last week, alerts.

One :func:`live_state` call answers ``/api/summary``, ``/api/positions/live`` and each push of
``/api/live``; the server caches it (see :class:`storelens.api.context.ApiContext`), so its
queries run about once a second however many dashboards are open.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np

from storelens.analytics.capture import capture_rate
from storelens.api.positions import LivePoint, live_points
from storelens.api.queue import queue_now
from storelens.api.schemas import (
    AlertOut,
    LiveOut,
    OccupancyOut,
    PositionOut,
    PositionsOut,
    SummaryOut,
    VisitorsOut,
)
from storelens.api.timerange import local_midnight
from storelens.config import StoreConfig
from storelens.geometry.polygons import points_in_polygon
from storelens.reports.crossings import crossing_totals, passerby_lines
from storelens.reports.people import entries_of, split_staff, units_of, visitor_crossings
from storelens.storage import StoredAlert, StoreDatabase
from storelens.storage.labels import labelled_crossings
from storelens.storage.times import from_us, to_us

__all__ = ["NEWEST_ALERTS", "alert_out", "crossing_totals", "live_state", "passerby_lines"]

NEWEST_ALERTS = 5
"""Open alerts pushed with each live update."""


def alert_out(stored: StoredAlert, config: StoreConfig) -> AlertOut:
    a = stored.alert
    return AlertOut(
        id=stored.id,
        ts=a.ts.astimezone(config.tz),
        kind=a.kind,
        zone=a.zone,
        camera_id=a.camera_id,
        track_id=a.track_id,
        message=a.message,
        acknowledged=stored.acknowledged,
    )


def _occupancy(config: StoreConfig, points: list[LivePoint]) -> OccupancyOut:
    xy = np.array([(p.x_m, p.y_m) for p in points], dtype=np.float64).reshape(-1, 2)
    outline = config.floor_plan.outline
    inside = points_in_polygon(xy, outline) if outline else np.ones(len(xy), bool)
    zones = {z.name: int(np.count_nonzero(points_in_polygon(xy, z.polygon))) for z in config.zones}
    as_of = from_us(max(p.ts_us for p in points)).astimezone(config.tz) if points else None
    return OccupancyOut(store=int(np.count_nonzero(inside)), zones=zones, as_of=as_of)


def _positions(config: StoreConfig, points: list[LivePoint]) -> PositionsOut:
    cameras: dict[str, list[PositionOut]] = {}
    for p in points:
        ts = from_us(p.ts_us).astimezone(config.tz)
        cameras.setdefault(p.camera_id, []).append(PositionOut(track_id=p.track_id, x_m=p.x_m, y_m=p.y_m, ts=ts))
    as_of = from_us(max(p.ts_us for p in points)).astimezone(config.tz) if points else None
    return PositionsOut(as_of=as_of, cameras=cameras)


def live_state(config: StoreConfig, db: StoreDatabase, siren_on: bool, now: datetime) -> LiveOut:
    """Everything the live dashboard shows, as of ``now`` (aware)."""
    tz = config.tz
    today = now.astimezone(tz).date()
    day_start, day_end = local_midnight(today, tz), local_midnight(today + timedelta(days=1), tz)
    week_ago = today - timedelta(days=7)
    # Last week up to the same local time of day (not now - 7 x 24 h, which a DST change shifts).
    same_time = datetime.combine(week_ago, now.astimezone(tz).time(), tzinfo=tz)
    # one read: the counts, the units and the capture rate, staff left out of all
    visitors, _ = split_staff(labelled_crossings(db.engine, day_start, day_end))
    today = [c.crossing for c in visitors]
    entries, exits, passers = crossing_totals(config, today)
    units = units_of(entries_of(visitors, passerby_lines(config)), config.units.enter_gap_s)
    old_start = local_midnight(week_ago, tz)
    old_entries, old_exits, old_passers = (
        crossing_totals(config, visitor_crossings(db, old_start, same_time))
        if db.recorded(old_start, same_time)
        else (None, None, None)  # "+28 vs 0" against a day nobody counted would be a lie
    )
    points = live_points(db.engine, to_us(now))
    occupancy = _occupancy(config, points)
    summary = SummaryOut(
        generated_at=now.astimezone(tz),
        day_start=day_start.astimezone(tz),
        day_end=day_end.astimezone(tz),
        occupancy=occupancy,
        visitors=VisitorsOut(
            entries=entries,
            exits=exits,
            units=units.units,
            provisional_units=units.provisional,
            last_week_entries=old_entries,
            last_week_exits=old_exits,
        ),
        passers_by=passers,
        last_week_passers_by=old_passers,
        capture_rate=capture_rate(today, passerby_lines(config)),
        open_alerts=db.count_open_alerts(),
        siren=siren_on,
        queues=queue_now(config, db, now, occupancy),
    )
    alerts = [alert_out(a, config) for a in db.open_alerts(NEWEST_ALERTS)]
    return LiveOut(summary=summary, alerts=alerts, positions=_positions(config, points))
