"""Local hours, days and weeks of a time range: the buckets reports are given in.

A store reads its figures on its own clock, so buckets start at local whole hours, local
midnights and local Monday midnights, and a day across a DST change is 23 or 25 hours long.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

__all__ = ["BUCKETS", "Bucket", "local_bucket_starts"]

Bucket = Literal["hour", "day", "week"]
BUCKETS: tuple[Bucket, ...] = ("hour", "day", "week")


def local_bucket_starts(start: datetime, end: datetime, tz: ZoneInfo, bucket: Bucket) -> list[datetime]:
    """Starts (UTC) of the local hours, days or weeks (from Monday) that ``[start, end)`` touches, in order.

    >>> london = ZoneInfo("Europe/London")
    >>> start, end = datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)
    >>> days = local_bucket_starts(start, end, london, "day")
    >>> [t.isoformat() for t in days]   # the clocks go forward on Sunday 29 March
    ['2026-03-28T00:00:00+00:00', '2026-03-29T00:00:00+00:00', '2026-03-29T23:00:00+00:00']
    >>> [t.astimezone(london).strftime("%a %d") for t in local_bucket_starts(days[0], days[2], london, "week")]
    ['Mon 23']
    """
    if bucket == "hour":
        t = start.astimezone(tz).replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        starts = []
        while t < end:
            starts.append(t)
            t += timedelta(hours=1)
        return starts
    first = start.astimezone(tz).date()
    if bucket == "week":
        first -= timedelta(days=first.weekday())
    last = (end - timedelta(microseconds=1)).astimezone(tz).date()
    step = 7 if bucket == "week" else 1
    n = (last - first).days // step + 1
    return [datetime.combine(first + timedelta(days=step * i), time(), tzinfo=tz).astimezone(UTC) for i in range(n)]
