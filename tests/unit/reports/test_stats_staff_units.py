"""`stats` leaves staff out of the visitors, counts buying units, and reports the staff on their own."""

from __future__ import annotations

from datetime import timedelta

from factories import EPOCH
from test_store_stats import LINES, _config

from storelens.analytics import Direction, LineCrossing, Visit
from storelens.reports import store_stats
from storelens.runner import open_store_database
from storelens.storage import STORE_CAMERA_ID


def _at(s: float):
    return EPOCH + timedelta(seconds=s)


def test_staff_are_counted_apart_and_groups_as_one_unit(tmp_path):
    config = _config(tmp_path, lines=LINES)
    with open_store_database(config) as db:
        door = [(1, 10), (2, 11), (3, 400), (9, 900), (4, 1500)]  # 1 and 2 a couple; 9 staff back from the pavement
        db.add_line_crossings([LineCrossing("door", STORE_CAMERA_ID, t, _at(s), Direction.IN) for t, s in door])
        db.add_line_crossings([LineCrossing("door", STORE_CAMERA_ID, 9, _at(800), Direction.OUT)])
        db.add_visits(
            [
                Visit(STORE_CAMERA_ID, 1, _at(0), _at(300), True, "visitor", 1),
                Visit(STORE_CAMERA_ID, 2, _at(0), _at(300), True, "visitor", 1),
                Visit(STORE_CAMERA_ID, 3, _at(390), _at(700), True, "visitor", 3),
                Visit(STORE_CAMERA_ID, 9, _at(0), _at(1800), True, "staff"),  # half of the hour
                Visit(STORE_CAMERA_ID, 8, _at(0), _at(3600), True, "staff"),  # all of it
            ]
        )  # track 4 is still inside: its unit is provisional
        stats = store_stats(config, db, EPOCH, EPOCH + timedelta(hours=1))
    assert stats.entries == {"door": 4} and stats.exits == {}
    assert (stats.units, stats.provisional_units) == (3, 1)
    assert (stats.staff_hours, stats.staff_on_duty, stats.visitors_per_staff) == (1.5, 1.5, 4 / 1.5)
    assert (stats.visits, stats.entered_visits) == (3, 3)  # the staff's visits are not visits into the store
    text = stats.to_text().splitlines()
    assert "visitors in: 4 people, 3 buying units (1 provisional: still inside) (staff left out)" in text
    assert "staff: 1.5 staff-hours on the floor, 1.5 on duty on average, 2.7 visitors per staff member" in text
    assert stats.to_dict()["units"] == 3
