"""The daily report's sections on the store's clock: days of 23 and 25 hours, and no data against zero."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from store_factories import base_config, patched

from storelens.analytics.records import Direction, LineCrossing
from storelens.config import StoreConfig
from storelens.reports.crossings import day_bounds
from storelens.reports.daily import traffic_of_day
from storelens.storage import open_database

LINES = [
    {"name": "door", "kind": "entrance", "a": [0, 2], "b": [0, 5], "in_side": "right"},
    {"name": "pavement", "kind": "passerby", "a": [-2, 0], "b": [-2, 10]},
]


@pytest.fixture
def store(tmp_path):
    config = StoreConfig.model_validate(patched(patched(base_config(), "timezone", "Europe/London"), "lines", LINES))
    with open_database(f"sqlite:///{tmp_path / 'store.db'}") as db:
        yield config, db


def entries_at(db, *utc_times: datetime) -> None:
    db.add_line_crossings([LineCrossing("door", "door", k, t, Direction.IN) for k, t in enumerate(utc_times)])


@pytest.mark.parametrize(
    ("day", "hours", "crossings_utc", "expected"),
    [
        # Clocks go forward at 01:00 GMT: local 00:00-01:00 is GMT, then 02:00 BST; no 01:00 hour.
        (date(2026, 3, 29), 23, [datetime(2026, 3, 29, 0, 30, tzinfo=UTC), datetime(2026, 3, 29, 1, 30, tzinfo=UTC)],
         {0: 1, 2: 1}),
        # Clocks go back at 02:00 BST: the 01:00 hour comes twice, its entries summed.
        (date(2026, 10, 25), 25, [datetime(2026, 10, 25, 0, 10, tzinfo=UTC), datetime(2026, 10, 25, 1, 10, tzinfo=UTC),
                                  datetime(2026, 10, 25, 12, 0, tzinfo=UTC)],
         {1: 2, 12: 1}),
    ],
)
def test_a_dst_day_has_its_own_hours(store, day, hours, crossings_utc, expected):
    config, db = store
    entries_at(db, *crossings_utc, day_bounds(day, config.tz)[1] + timedelta(minutes=1))  # the next day: left out
    traffic = traffic_of_day(config, db, day)
    assert len(traffic.hours) == hours and len(traffic.hourly) == hours
    start, end = day_bounds(day, config.tz)
    assert (end - start) == timedelta(hours=hours)
    by_hour = traffic.entries_by_hour()
    assert {h: int(n) for h, n in enumerate(by_hour) if n} == expected
    assert traffic.entries == sum(expected.values()) and traffic.recorded


def test_a_day_with_nothing_is_no_data_not_zero(store):
    config, db = store
    entries_at(db, datetime(2026, 3, 2, 12, tzinfo=UTC))
    empty = traffic_of_day(config, db, date(2026, 3, 3))
    assert not empty.recorded and empty.entries == 0 and empty.capture_rate is None and empty.busiest_hour() is None
    assert traffic_of_day(config, db, date(2026, 3, 2)).busiest_hour() == (12, 1)
