"""Opening hours: when the store is open, per weekday, on the store's local clock."""

from __future__ import annotations

import itertools
import re
from datetime import datetime

from pydantic import Field, field_validator

from storelens.config.base import StorelensModel

__all__ = ["WEEKDAYS", "OpeningHoursConfig"]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""Weekday keys in ``datetime.weekday()`` order."""

_INTERVAL = re.compile(r"(\d{2}):(\d{2})-(\d{2}):(\d{2})")


def _minutes(hours: str, minutes: str) -> int | None:
    h, m = int(hours), int(minutes)
    if m >= 60 or h > 24 or (h == 24 and m):
        return None
    return h * 60 + m


def _parse(interval: str) -> tuple[int, int]:
    match = _INTERVAL.fullmatch(interval.strip())
    start = end = None
    if match:
        start, end = _minutes(*match.group(1, 2)), _minutes(*match.group(3, 4))
    if start is None or end is None:
        raise ValueError(f"{interval!r} is not 'HH:MM-HH:MM' (24-hour clock, e.g. '09:00-19:30')")
    if end <= start:
        raise ValueError(
            f"{interval!r} ends before it starts; split a night opening at midnight "
            "('22:00-24:00' today, '00:00-02:00' the next day)"
        )
    return start, end


def _day_field(day: str) -> object:
    return Field(
        default_factory=list,
        title=day.capitalize(),
        description=f"Opening intervals on {day.capitalize()}s, e.g. ['09:00-12:30', '14:00-19:00']; empty: closed",
    )


class OpeningHoursConfig(StorelensModel):
    """Opening intervals per weekday, as ``"HH:MM-HH:MM"`` on the store's local clock.

    Reports compare visitors with opening time (visitors per open hour), and people seen
    while closed (cleaners, restocking) can be told apart from shoppers. A day left out is a
    closed day.
    """

    monday: list[str] = _day_field("monday")
    tuesday: list[str] = _day_field("tuesday")
    wednesday: list[str] = _day_field("wednesday")
    thursday: list[str] = _day_field("thursday")
    friday: list[str] = _day_field("friday")
    saturday: list[str] = _day_field("saturday")
    sunday: list[str] = _day_field("sunday")

    @field_validator(*WEEKDAYS)
    @classmethod
    def _check_intervals(cls, intervals: list[str]) -> list[str]:
        parsed = sorted(_parse(interval) for interval in intervals)
        for (_, end), (start, _) in itertools.pairwise(parsed):
            if start < end:
                raise ValueError(f"intervals overlap: {intervals}")
        return intervals

    def minutes(self, weekday: int) -> list[tuple[int, int]]:
        """Open intervals of a weekday (0 = Monday) as (start, end) minutes after midnight."""
        return sorted(_parse(interval) for interval in getattr(self, WEEKDAYS[weekday]))

    def is_open(self, local_time: datetime) -> bool:
        """Whether the store is open at ``local_time`` (a time on the store's own clock)."""
        minute = local_time.hour * 60 + local_time.minute
        return any(start <= minute < end for start, end in self.minutes(local_time.weekday()))
