"""Checkout queues over a range: length, people served and wait per bucket, from stored zone visits.

The length at each second is the number of the store's people (`store_people`) inside the queue
zone then; a bucket's mean and peak come from those seconds, its people served are the zone
visits that ended in it, and its wait is Little's law over the bucket (see
:mod:`storelens.analytics.queue`). The live estimate uses the last :data:`RECENT_S`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from storelens.analytics.queue import QUEUE_KIND, littles_wait_s, queue_lengths
from storelens.analytics.records import ZoneVisit
from storelens.config import StoreConfig
from storelens.reports.flows import store_people
from storelens.storage import StoreDatabase
from storelens.storage.times import to_us

__all__ = ["RECENT_S", "QueueBucket", "QueueReport", "queue_report"]

RECENT_S = 900.0
"""The live wait estimate looks back this far: long enough for a dozen people served at a busy
till, short enough to follow a rush."""

LONGEST_WAIT_S = 3600.0
"""Zone visits that began this long before a range can still be in the queue in it."""

SAMPLE_US = 1_000_000
"""Queue length is sampled every second."""


@dataclass(frozen=True, slots=True)
class QueueBucket:
    """One bucket of one queue: mean and peak length, people who left it, Little's-law wait (None
    when nobody left)."""

    start: datetime
    mean_length: float
    max_length: int
    served: int
    wait_s: float | None


@dataclass(frozen=True, slots=True)
class QueueReport:
    """One checkout queue zone over a range, bucket by bucket and in all."""

    zone: str
    open_till_at: int
    buckets: tuple[QueueBucket, ...]
    total: QueueBucket


def queue_report(
    config: StoreConfig, db: StoreDatabase, starts: Sequence[datetime], end: datetime
) -> list[QueueReport]:
    """Every checkout queue zone of the store over the buckets ``starts[i]`` to ``starts[i + 1]``
    (the last to ``end``), from the zone visits stored for the store's people."""
    queues = [z for z in config.zones if z.kind == QUEUE_KIND]
    if not queues or not starts:
        return []
    visits = store_people(db.zone_visits(starts[0] - timedelta(seconds=LONGEST_WAIT_S), end))
    bounds = [*starts, end]
    return [
        QueueReport(
            zone=z.name,
            open_till_at=z.open_till_at,
            buckets=tuple(_bucket(visits, z.name, a, b) for a, b in zip(bounds[:-1], bounds[1:])),
            total=_bucket(visits, z.name, bounds[0], bounds[-1]),
        )
        for z in queues
    ]


def _bucket(visits: Sequence[ZoneVisit], zone: str, start: datetime, end: datetime) -> QueueBucket:
    mine = [v for v in visits if v.zone == zone]
    enter = np.array([to_us(v.enter_ts) for v in mine], np.int64)
    exit_ = np.array([to_us(v.exit_ts) for v in mine], np.int64)
    start_us, end_us = to_us(start), to_us(end)
    lengths = queue_lengths(enter, exit_, np.arange(start_us, end_us, SAMPLE_US, dtype=np.int64))
    served = int(np.count_nonzero((exit_ >= start_us) & (exit_ < end_us)))
    mean = float(lengths.mean()) if len(lengths) else 0.0
    return QueueBucket(
        start=start,
        mean_length=mean,
        max_length=int(lengths.max()) if len(lengths) else 0,
        served=served,
        wait_s=littles_wait_s(mean, served, (end_us - start_us) / 1e6),
    )
