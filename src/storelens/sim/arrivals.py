"""Who walks past the shop and when: the street's foot traffic and the share that comes in.

Visitors are not drawn on their own: people walk along the pavement in groups, a share of the
groups (the capture rate) turns into the shop, the rest walk on. So every visitor arrives from
the street and the passer-by count and the capture rate come out of the same process, as in a
real shop. Groups arrive as a non-homogeneous Poisson process whose rate follows the hour of
the week on the store's clock.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

__all__ = ["Arrivals", "TrafficProfile", "default_visitors_per_hour", "sample_arrivals", "to_utc"]

STEP_S = 900.0
"""Rates are constant over quarter hours of UTC: every real time zone offset is a multiple
of 15 minutes, so each step lies within one local hour, DST changes included."""

_WEEKDAY_SHAPE = np.array([45, 65, 90, 140, 150, 100, 90, 105, 140, 155, 120, 70], dtype=np.float64)
"""Visitors per hour from 09:00 to 21:00 on a weekday: quiet morning, lunch and evening peaks."""

_WEEKEND_SHAPE = np.array([60, 100, 140, 170, 175, 165, 150, 145, 150, 140, 100, 60], dtype=np.float64)
"""Weekends: busy from late morning right through the afternoon."""

_DAY_FACTOR = (1.0, 1.0, 1.0, 1.05, 1.15, 1.0, 0.85)
"""Monday..Sunday multipliers of their day's shape."""

OPEN_HOUR, CLOSE_HOUR = 9, 21


def default_visitors_per_hour() -> np.ndarray:
    """(7, 24) visitors per hour by weekday (Monday first) and local hour; 0 when closed.

    About 1300 visitors on a weekday (a Friday evening peak of 178 an hour), 1550 on a
    Saturday and 1320 on a Sunday; every weekday has lunch and evening hours of 140 or more.
    """
    table = np.zeros((7, 24))
    for day, factor in enumerate(_DAY_FACTOR):
        shape = _WEEKEND_SHAPE if day >= 5 else _WEEKDAY_SHAPE
        table[day, OPEN_HOUR:CLOSE_HOUR] = shape * factor
    return table


@dataclass(frozen=True, eq=False)
class TrafficProfile:
    """How busy the shop and its street are, hour by hour.

    Attributes:
        visitors_per_hour: (7, 24) expected visitors (people, not groups) per local hour,
            Monday first; 0 outside opening hours.
        scale: Multiplies every visitor rate (a bigger or smaller shop on the same street).
        capture_rate: Share of street groups that come in; the street carries
            ``visitors / capture_rate`` people an hour while the shop is open.
        closed_street_per_hour: People walking past while the shop is closed.
        group_sizes: Probabilities of groups of 1, 2, 3, 4 people.
    """

    visitors_per_hour: np.ndarray = field(default_factory=default_visitors_per_hour)
    scale: float = 1.0
    capture_rate: float = 0.2
    closed_street_per_hour: float = 40.0
    group_sizes: tuple[float, ...] = (0.6, 0.28, 0.08, 0.04)

    def __post_init__(self) -> None:
        if np.shape(self.visitors_per_hour) != (7, 24) or np.min(self.visitors_per_hour) < 0:
            raise ValueError("visitors_per_hour must be a (7, 24) table of non-negative rates")
        if not 0 < self.capture_rate <= 1:
            raise ValueError(f"capture_rate must be in (0, 1], got {self.capture_rate}")
        if not np.isclose(sum(self.group_sizes), 1.0):
            raise ValueError(f"group_sizes must sum to 1, got {sum(self.group_sizes)}")

    @property
    def mean_group_size(self) -> float:
        return float(np.dot(np.arange(1, len(self.group_sizes) + 1), self.group_sizes))

    def rates(self, local_weekday: np.ndarray, local_hour: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(street people per hour, share of groups that come in) at these local hours."""
        visitors = self.scale * np.asarray(self.visitors_per_hour)[local_weekday, local_hour]
        open_ = visitors > 0
        street = np.where(open_, visitors / self.capture_rate, self.closed_street_per_hour)
        return street, np.where(open_, self.capture_rate, 0.0)

    def busiest_hour(self) -> tuple[int, int]:
        """(weekday, local hour) with the most visitors, for a busy-hour demo or test."""
        day, hour = np.unravel_index(int(np.argmax(self.visitors_per_hour)), (7, 24))
        return int(day), int(hour)


@dataclass(frozen=True, eq=False)
class Arrivals:
    """Groups reaching the end of the pavement, in time order.

    Attributes:
        t_s: (g,) seconds from the simulation start.
        size: (g,) people in the group.
        enters: (g,) bool, the group comes into the shop.
        from_left: (g,) bool, the group starts at the low-x end of the pavement.
    """

    t_s: np.ndarray
    size: np.ndarray
    enters: np.ndarray
    from_left: np.ndarray


def to_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def sample_arrivals(
    profile: TrafficProfile, start: datetime, duration_s: float, timezone: str, rng: np.random.Generator
) -> Arrivals:
    """Street groups over ``duration_s`` from ``start``, rates following the local hour."""
    start = to_utc(start)
    tz = zoneinfo.ZoneInfo(timezone)
    edges = np.append(np.arange(0.0, duration_s, STEP_S), duration_s)
    local = [(start + timedelta(seconds=float(t))).astimezone(tz) for t in edges[:-1]]
    weekday = np.array([m.weekday() for m in local], dtype=np.int64)
    hour = np.array([m.hour for m in local], dtype=np.int64)
    street, capture = profile.rates(weekday, hour)
    lengths = np.diff(edges)
    groups = rng.poisson(street / profile.mean_group_size * lengths / 3600.0)
    step = np.repeat(np.arange(len(lengths)), groups)
    t = edges[step] + rng.uniform(size=len(step)) * lengths[step]
    order = np.argsort(t, kind="stable")
    n = len(t)
    size = 1 + rng.choice(len(profile.group_sizes), size=n, p=profile.group_sizes)
    enters = rng.uniform(size=n) < capture[step]
    from_left = rng.uniform(size=n) < 0.5
    return Arrivals(t[order], size[order], enters[order], from_left[order])
