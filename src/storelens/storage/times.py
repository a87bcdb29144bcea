"""UTC datetimes <-> integer microseconds since the Unix epoch, the storage time format.

Every time column is a BIGINT of microseconds (``*_us``): exact (a datetime's resolution is one
microsecond, so nothing is rounded), ordered and indexable the same way on SQLite and
PostgreSQL, and hour/minute buckets are plain integer division that both engines compute
identically. Float epoch seconds would round-trip too, but bucket arithmetic on floats invites
off-by-one-bucket differences between engines.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["DAY_US", "HOUR_US", "MINUTE_US", "SECOND_US", "floor_to", "from_us", "to_us"]

SECOND_US = 1_000_000
MINUTE_US = 60 * SECOND_US
HOUR_US = 60 * MINUTE_US
DAY_US = 24 * HOUR_US

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(ts: datetime) -> int:
    """Microseconds since the epoch of an aware datetime.

    Naive datetimes are refused rather than assumed UTC: guessing their zone would shift every
    stored record by the machine's UTC offset, silently.

    >>> to_us(datetime(1970, 1, 1, 0, 0, 1, 5, tzinfo=UTC))
    1000005
    """
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError(f"naive datetime {ts.isoformat()} refused: storage times are UTC, pass tzinfo=timezone.utc")
    return (ts - _EPOCH) // timedelta(microseconds=1)


def from_us(ts_us: int) -> datetime:
    """Aware UTC datetime from microseconds since the epoch (exact inverse of :func:`to_us`)."""
    return _EPOCH + timedelta(microseconds=int(ts_us))


def floor_to(ts_us: int, bucket_us: int) -> int:
    """Start of the bucket (minute, hour) holding ``ts_us``; floor division, so also before 1970."""
    return ts_us // bucket_us * bucket_us
