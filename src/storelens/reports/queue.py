"""Checkout queues over a range: length, people served and wait per bucket, from stored zone visits.

The length at each second is the number of the store's people (`store_people`) inside the queue
zone then; a bucket's mean and peak come from those seconds, and its wait is Little's law over
the bucket (see :mod:`storelens.analytics.queue`). People served are the receipts of the queue's
tills (`pos.tills`; every till when none is mapped) where the store has POS data in the range:
one per customer, however their track broke in the queue. Without receipts they are the zone
visits that ended in the bucket, which a track broken in the queue counts twice. The live
estimate uses the last :data:`RECENT_S`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from storelens.analytics.queue import QUEUE_KIND, littles_wait_s, queue_lengths
from storelens.config import StoreConfig
from storelens.config.identity import store_id_of
from storelens.reports.flows import store_people
from storelens.storage import StoreDatabase
from storelens.storage.receipts import load_receipts
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
    """One bucket of one queue: mean and peak length, people served (``served_from`` "receipts" or
    "zone exits"), Little's-law wait (None when nobody was served)."""

    start: datetime
    mean_length: float
    max_length: int
    served: int
    wait_s: float | None
    served_from: str = "zone exits"


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
    receipts = load_receipts(db, store_id_of(config), starts[0], end)
    bounds = [*starts, end]
    seconds = np.arange(to_us(bounds[0]), to_us(end), SAMPLE_US, dtype=np.int64)
    cuts = np.searchsorted(seconds, [to_us(b) for b in bounds])
    reports = []
    for z in queues:
        mine = [v for v in visits if v.zone == z.name]
        enter = np.array([to_us(v.enter_ts) for v in mine], np.int64)
        exit_ = np.array([to_us(v.exit_ts) for v in mine], np.int64)
        tills = {till for till, zone in config.pos.tills.items() if zone == z.name}
        paid = receipts.ts_us[np.isin(receipts.till, list(tills))] if tills else receipts.ts_us
        served = (paid, "receipts") if len(paid) else (exit_, "zone exits")
        lengths = queue_lengths(enter, exit_, seconds)  # sampled once, sliced per bucket
        reports.append(
            QueueReport(
                zone=z.name,
                open_till_at=z.open_till_at,
                buckets=tuple(
                    _bucket(lengths[i:j], served, a, b)
                    for i, j, a, b in zip(cuts[:-1], cuts[1:], bounds[:-1], bounds[1:])
                ),
                total=_bucket(lengths, served, bounds[0], bounds[-1]),
            )
        )
    return reports


def _bucket(lengths: np.ndarray, served: tuple[np.ndarray, str], start: datetime, end: datetime) -> QueueBucket:
    """One bucket from its seconds' ``lengths`` and the times people were served (and from what)."""
    start_us, end_us = to_us(start), to_us(end)
    served_us, served_from = served
    n = int(np.count_nonzero((served_us >= start_us) & (served_us < end_us)))
    mean = float(lengths.mean()) if len(lengths) else 0.0
    return QueueBucket(
        start=start,
        mean_length=mean,
        max_length=int(lengths.max()) if len(lengths) else 0,
        served=n,
        wait_s=littles_wait_s(mean, n, (end_us - start_us) / 1e6),
        served_from=served_from,
    )
