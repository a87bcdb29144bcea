"""GET /api/demographics: visitors per age band and gender per local hour or day, counts only."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from api_helpers import bearer, store_config

from storelens.demographics import VisitDemographics
from storelens.storage import open_database


def _visit(track_id: int, start: datetime, band: str, gender: str) -> VisitDemographics:
    return VisitDemographics("door", track_id, start, start + timedelta(seconds=40), band, 0.61, gender, 0.93, 12)


@pytest.fixture
def viewer(make_client, db_url, tokens):
    with open_database(db_url) as db:
        db.add_demographics([
            _visit(1, datetime(2026, 3, 4, 10, 5, tzinfo=timezone.utc), "18-29", "female"),
            _visit(2, datetime(2026, 3, 4, 10, 50, tzinfo=timezone.utc), "18-29", "female"),
            _visit(3, datetime(2026, 3, 4, 14, 30, tzinfo=timezone.utc), "45-59", "male"),
        ])
    config = store_config()
    door = config.cameras["door"].model_copy(update={"demographics": True})
    client = make_client(config=config.model_copy(update={"cameras": {"door": door}}))
    client.headers.update(bearer(tokens["vic"]))
    return client


def test_demographics_per_hour_and_day(viewer):
    d = viewer.get("/api/demographics").json()
    assert d["cameras"] == ["door"] and d["genders"] == ["female", "male"] and d["visits"] == 3
    bands = d["age_bands"]
    assert d["totals"][bands.index("18-29")] == [2, 0] and d["totals"][bands.index("45-59")] == [0, 1]
    by_hour = {b["start"][11:13]: b["visits"] for b in d["buckets"]}
    assert len(by_hour) == 24 and by_hour["10"][bands.index("18-29")] == [2, 0]
    assert sum(map(sum, by_hour["14"])) == 1
    day = viewer.get("/api/demographics", params={"from": "2026-03-01", "to": "2026-03-08", "bucket": "day"}).json()
    assert [sum(map(sum, b["visits"])) for b in day["buckets"]] == [0, 0, 0, 3, 0, 0, 0]


def test_demographics_need_a_login_and_a_sane_bucket(make_client, viewer):
    assert make_client().get("/api/demographics").status_code == 401
    too_long = {"from": "2025-01-01", "to": "2026-03-01", "bucket": "hour"}
    assert viewer.get("/api/demographics", params=too_long).status_code == 422
