"""Every GET operation of the OpenAPI schema, driven with generated query and path parameters: never a 5xx.

Values mix what a client may send by mistake or on purpose: any text, numbers far out of range,
and dates and times at the edges of the calendar (year 1, year 9999, extreme UTC offsets), which
once ended in ``OverflowError`` and a 500.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from api_helpers import bearer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EDGE_MOMENTS = st.one_of(
    st.datetimes(max_value=datetime(2, 1, 1)),
    st.datetimes(min_value=datetime(9997, 1, 1)),
    st.sampled_from([datetime.min, datetime.max, datetime(1970, 1, 1), datetime(9999, 12, 31)]),
    st.datetimes(),
)
ZONES = st.sampled_from(
    [None, UTC, *(timezone(timedelta(hours=h, minutes=m)) for h, m in ((-23, -59), (-12, 0), (14, 0), (23, 59)))]
)


def _iso(moment: datetime, zone, date_only: bool) -> str:
    return moment.date().isoformat() if date_only else moment.replace(tzinfo=zone).isoformat()


TIMES = st.builds(_iso, EDGE_MOMENTS, ZONES, st.booleans())
VALUES = st.one_of(
    TIMES,
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["", " ", "0", "-1", "1e309", "nan", "inf", "-inf", "true", "null", "%00", "..", "\u2603" * 70]),
    st.text(max_size=80),
)


@st.composite
def _ranges(draw) -> tuple[str, str]:
    """``from`` and a ``to`` shortly after it (up to beyond the longest range allowed), near the calendar's edges."""
    start = draw(EDGE_MOMENTS)
    span = draw(st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=800)))
    end = start + span if datetime.max - start > span else datetime.max
    zone, date_only = draw(ZONES), draw(st.booleans())
    return _iso(start, zone, date_only), _iso(end, zone, date_only)


def _get_operations(app) -> list[tuple[str, list[dict]]]:
    """(path, parameters) of every GET operation, but live event streams (they never end)."""
    operations = []
    for path, methods in app.openapi()["paths"].items():
        operation = methods.get("get")
        if operation is None or "text/event-stream" in operation["responses"].get("200", {}).get("content", {}):
            continue
        operations.append((path, operation.get("parameters", [])))
    return operations


@st.composite
def _requests(draw, operations):
    path, parameters = draw(st.sampled_from(operations))
    query = {}
    names = {p["name"] for p in parameters}
    if {"from", "to"} <= names and draw(st.booleans()):
        query = dict(zip(("from", "to"), draw(_ranges()), strict=True))
        parameters = [p for p in parameters if p["name"] not in query]
    for parameter in parameters:
        value = draw(VALUES if parameter["in"] == "path" or parameter.get("required") else st.none() | VALUES)
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", quote(value, safe=""))
        elif value is not None:
            query[parameter["name"]] = value
    return path, query


@pytest.fixture(scope="module")
def operations(shared_client):
    found = _get_operations(shared_client.app)
    assert len(found) >= 12 and any(p for _, p in found)
    return found


def test_no_get_operation_answers_5xx_to_any_parameters(shared_client, operations, template_db):
    admin = bearer(template_db[1]["alice"])

    @settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
    @given(_requests(operations))
    def check(request):
        path, query = request
        response = shared_client.get(path, params=query, headers=admin)
        assert response.status_code < 500, (path, query, response.status_code, response.text)

    check()


@pytest.mark.parametrize(
    "query",
    [
        {"from": "0001-01-01", "to": "0001-01-02"},
        {"from": "9999-12-31", "to": "9999-12-31T23:59:59"},
        {"to": "9999-12-31T23:59:59.999999"},
        {"to": "0001-01-01T00:00:01"},
        {"from": "0001-01-01T00:00+14:00", "to": "0001-01-02"},
        {"from": "9999-12-31T23:00-14:00"},
    ],
)
@pytest.mark.parametrize("path", ["/api/traffic", "/api/zones", "/api/heatmap", "/api/heatmap.png", "/api/alerts"])
def test_times_at_the_calendars_edges_are_refused_with_the_reason(shared_client, template_db, path, query):
    response = shared_client.get(path, params=query, headers=bearer(template_db[1]["vic"]))
    assert response.status_code == 422 and "outside the times served, 1970-01-01 to 9000-01-01 UTC" in response.text
