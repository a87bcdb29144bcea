"""The ``from`` / ``to`` query parameters: ISO times read on the store's clock, defaulting to today.

A time without a zone (``2026-03-02T09:00``) or a bare date (``2026-03-02``, meaning its
midnight) is the store's local time, as a manager means it; ``Z`` or an offset is honoured.
Ranges must lie within :data:`EARLIEST` and :data:`LATEST`, far from the ends of Python's
calendar, so that the reports' arithmetic on them (a day more, whole hours, local days) can
never overflow into a server error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "EARLIEST",
    "LATEST",
    "MAX_RANGE_DAYS",
    "RangeError",
    "TimeRange",
    "local_midnight",
    "parse_range",
    "parse_time",
]

MAX_RANGE_DAYS = 400
"""Longest range a request may ask for: a year and a bit, enough for year-on-year views."""
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
"""No range starts before the Unix epoch: stored times count from it, and no store has data before it."""
LATEST = datetime(9000, 1, 1, tzinfo=UTC)
"""No range ends after this: beyond any data, and centuries from the year 9999 where dates end."""
_SERVED = f"{EARLIEST:%Y-%m-%d} to {LATEST:%Y-%m-%d} UTC"


class RangeError(ValueError):
    """A malformed or impossible time range; the message says which parameter and why."""


@dataclass(frozen=True, slots=True)
class TimeRange:
    """A half-open range ``[start, end)`` of aware UTC datetimes, and the store's zone."""

    start: datetime
    end: datetime
    tz: ZoneInfo

    @property
    def days(self) -> float:
        return (self.end - self.start) / timedelta(days=1)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """Start of a local calendar day, as UTC."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def parse_time(text: str, tz: ZoneInfo, name: str) -> datetime:
    """An ISO date or date-time as aware UTC; zone-less values are local to ``tz``.

    >>> london = ZoneInfo("Europe/London")
    >>> parse_time("2026-07-01", london, "from").isoformat()
    '2026-06-30T23:00:00+00:00'
    >>> parse_time("2026-07-01T12:00Z", london, "to").isoformat()
    '2026-07-01T12:00:00+00:00'
    """
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise RangeError(
            f"{name}: {text!r} is not an ISO date or time (e.g. 2026-03-02, 2026-03-02T09:00 or 2026-03-02T09:00Z)"
        ) from None
    try:
        return (value if value.tzinfo else value.replace(tzinfo=tz)).astimezone(UTC)
    except OverflowError:  # within a day of year 1 or 9999: past the calendar's end in UTC
        raise RangeError(f"{name}: {text!r} is outside the times served, {_SERVED}") from None


def parse_range(
    start_text: str | None, end_text: str | None, tz: ZoneInfo, now: datetime, max_days: float = MAX_RANGE_DAYS
) -> TimeRange:
    """The range asked for. Without ``to``: the end of today; without ``from``: the local day before ``to``.

    Raises:
        RangeError: unparseable times, ``from`` not before ``to``, a range over ``max_days`` or
            outside :data:`EARLIEST` to :data:`LATEST`.
    """
    if end_text is None:
        end = local_midnight(now.astimezone(tz).date() + timedelta(days=1), tz)
    else:
        end = parse_time(end_text, tz, "to")
    if start_text is None:
        try:
            start = local_midnight((end - timedelta(microseconds=1)).astimezone(tz).date(), tz)
        except OverflowError:
            raise RangeError(f"to: {end_text!r} is too early") from None
    else:
        start = parse_time(start_text, tz, "from")
    if start < EARLIEST or end > LATEST:
        raise RangeError(f"the range {start.isoformat()} to {end.isoformat()} is outside the times served, {_SERVED}")
    if start >= end:
        raise RangeError(f"from ({start.isoformat()}) must be before to ({end.isoformat()})")
    if end - start > timedelta(days=max_days):
        raise RangeError(f"the range from {start.isoformat()} to {end.isoformat()} is longer than {max_days:g} days")
    return TimeRange(start, end, tz)
