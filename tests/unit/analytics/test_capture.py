"""The capture rate counts people, so it cannot pass 100 %."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from storelens.analytics.capture import capture_rate
from storelens.analytics.records import LineCrossing

T = datetime(2026, 3, 4, 10, tzinfo=timezone.utc)


def crossings(*rows):
    return [LineCrossing(line, "cam", tid, T, direction) for line, tid, direction in rows]


def test_people_who_came_in_from_the_side_the_pavement_line_misses_still_count_once():
    # 3 came in without crossing the pavement line, 1 crossed it and came in, 2 walked past
    rows = crossings(("door", 1, "in"), ("door", 2, "in"), ("door", 3, "in"), ("pavement", 4, "in"),
                     ("door", 4, "in"), ("pavement", 5, "out"), ("pavement", 6, "in"))
    assert capture_rate(rows, {"pavement"}) == pytest.approx(4 / 6)


def test_busier_door_than_pavement_stays_below_100_percent():
    rows = crossings(*[("door", i, "in") for i in range(9)], ("pavement", 20, "in"), ("pavement", 21, "out"))
    assert capture_rate(rows, {"pavement"}) == pytest.approx(9 / 11)  # was 9 / 2 = 450 %


def test_exits_do_not_count_as_coming_in_and_no_front_means_no_rate():
    rows = crossings(("door", 1, "out"), ("pavement", 2, "in"))
    assert capture_rate(rows, {"pavement"}) == 0.0
    assert capture_rate(crossings(("door", 1, "in")), {"pavement"}) is None
    assert capture_rate([], set()) is None
