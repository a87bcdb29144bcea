"""Checkout queues for the API: per bucket over a range, and now (for the live summary)."""

from __future__ import annotations

from datetime import datetime, timedelta

from storelens.api.schemas import OccupancyOut, QueueNowOut, QueueOut, QueueRowOut
from storelens.api.timerange import TimeRange
from storelens.api.traffic import bucket_starts
from storelens.config import StoreConfig
from storelens.reports.queue import RECENT_S, QueueBucket, queue_report
from storelens.storage import StoreDatabase

__all__ = ["queue_now", "queue_out"]


def _row(zone: str, b: QueueBucket, r: TimeRange) -> QueueRowOut:
    return QueueRowOut(
        zone=zone,
        start=b.start.astimezone(r.tz),
        mean_length=round(b.mean_length, 3),
        max_length=b.max_length,
        served=b.served,
        served_from=b.served_from,
        wait_s=None if b.wait_s is None else round(b.wait_s, 1),
    )


def queue_out(config: StoreConfig, db: StoreDatabase, r: TimeRange, bucket: str) -> QueueOut:
    """Each checkout queue zone per hour or day of ``r``, and over all of it."""
    reports = queue_report(config, db, bucket_starts(r, bucket), r.end)
    return QueueOut(
        start=r.start.astimezone(r.tz),
        end=r.end.astimezone(r.tz),
        bucket=bucket,
        open_till_at={q.zone: q.open_till_at for q in reports},
        buckets=[_row(q.zone, b, r) for q in reports for b in q.buckets],
        totals=[_row(q.zone, q.total, r) for q in reports],
    )


def queue_now(config: StoreConfig, db: StoreDatabase, now: datetime, occupancy: OccupancyOut) -> list[QueueNowOut]:
    """Each checkout queue now: its length on the live floor plan, and the wait of the last minutes."""
    reports = queue_report(config, db, [now - timedelta(seconds=RECENT_S)], now)
    return [
        QueueNowOut(
            zone=q.zone,
            length=occupancy.zones.get(q.zone, 0),
            wait_s=None if q.total.wait_s is None else round(q.total.wait_s, 1),
            served=q.total.served,
            served_from=q.total.served_from,
            open_till_at=q.open_till_at,
        )
        for q in reports
    ]
