"""Staff left out of the counts, visitors also counted as buying units, and the staffing figures,
on the traffic and summary endpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from api_helpers import NOW, at, bearer, crossing
from fastapi.testclient import TestClient

from storelens.analytics.records import Direction, Visit
from storelens.storage import open_database


@pytest.fixture
def client(make_client, db_url) -> TestClient:
    """The API records plus, today: a couple (tracks 20, 21) and a lone shopper (22) who came in at
    13:00 and left, a member of staff (30) who stepped out to the pavement and back at 13:30, and
    staff on the floor: one from 12:00 to 14:00, another from 13:00 to 13:30."""
    with open_database(db_url) as db:
        db.add_line_crossings(
            [
                crossing("door", 20, at(-7200)),
                crossing("door", 21, at(-7199)),
                crossing("door", 22, at(-7190)),
                crossing("door", 30, at(-5400), Direction.OUT),
                crossing("door", 30, at(-5300)),
            ]
        )
        db.add_visits(
            [
                Visit("door", 20, at(-7210), at(-6000), True, "visitor", 20),
                Visit("door", 21, at(-7210), at(-6000), True, "visitor", 20),
                Visit("door", 22, at(-7200), at(-6900), True, "visitor", 22),
                Visit("door", 30, at(-10800), at(-3600), True, "staff"),
                Visit("door", 31, at(-7200), at(-5400), True, "staff"),
            ]
        )
    return make_client()


def test_traffic_counts_people_and_units_without_staff(client, tokens):
    t = client.get("/api/traffic", headers=bearer(tokens["vic"])).json()
    totals = t["totals"]
    assert totals["entries"] == 3 + 3 and totals["exits"] == 2  # staff member 30's out and in are not counted
    assert totals["units"] == 3 + 2  # the couple is one unit; the three older entries are each their own
    by_hour = {b["start"][11:13]: b for b in t["buckets"]}
    assert (by_hour["13"]["entries"], by_hour["13"]["units"]) == (3, 2)
    assert by_hour["12"]["staff_hours"] == 1.0 and by_hour["13"]["staff_hours"] == 1.5
    assert by_hour["13"]["staff_on_duty"] == 1.5 and by_hour["13"]["visitors_per_staff"] == 2.0
    assert by_hour["10"]["staff_hours"] == 0.0 and by_hour["10"]["visitors_per_staff"] is None
    assert totals["staff_hours"] == 2.5 and totals["staff_on_duty"] == pytest.approx(1.25)


def test_the_live_summary_counts_units_and_says_which_are_provisional(client, tokens):
    v = client.get("/api/summary", headers=bearer(tokens["vic"])).json()["visitors"]
    assert (v["entries"], v["exits"], v["units"], v["provisional_units"]) == (6, 2, 5, 3)


def test_a_member_of_staff_still_inside_counts_as_a_visitor_until_their_visit_ends(make_client, db_url, tokens):
    with open_database(db_url) as db:  # came back in ten minutes ago; the visit is not written yet
        db.add_line_crossings([crossing("door", 40, NOW - timedelta(minutes=10))])
    v = make_client().get("/api/summary", headers=bearer(tokens["vic"])).json()["visitors"]
    assert v["entries"] == 4 and v["provisional_units"] == 4
    with open_database(db_url) as db:
        db.add_visits([Visit("door", 40, at(-3600), at(-60), True, "staff")])
    v = make_client().get("/api/summary", headers=bearer(tokens["vic"])).json()["visitors"]
    assert v["entries"] == 3
