"""CSV answers of the API: every JSON GET of the OpenAPI schema, parsed with ``csv`` and checked against its JSON.

The cells are checked by an independent reading of the rules in docs/api.md ("CSV export"): a column
names a path in the JSON, its first list being the rows and a later one indexed by a label, and the
cell is that JSON value written as text. New GET routes are covered as soon as they are in the schema.
"""

from __future__ import annotations

import csv
import io
import json
import re
from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import unquote

import pytest
from api_helpers import at, bearer, login, store_config
from pydantic import BaseModel

from storelens.analytics.records import Alert, ZoneVisit
from storelens.api.csv_route import prefers_csv
from storelens.api.tables import Rows, layout_of
from storelens.storage import CameraInfo, open_database

PATH_SAMPLES: dict[str, str] = {"camera_id": "door", "day": "2026-03-04"}
"""A value for each path parameter of a GET route (add one here when a route brings a new one)."""
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")
DISPOSITION = re.compile(r'^attachment; filename="([a-z0-9-]+-[0-9T_-]+\.csv)"(?:; filename\*=UTF-8\'\'(\S+))?$')
"""``<store>-<endpoint>-<range>.csv`` in ASCII, and in full where that differs."""


def _admin(tokens) -> dict[str, str]:
    return bearer(tokens["alice"])


def _operations(app) -> tuple[list[tuple[str, dict]], list[str]]:
    """(path, operation) of the GETs answering JSON, and the paths of the other GETs (pictures, files, events)."""
    json_gets, others = [], []
    for path, methods in app.openapi()["paths"].items():
        operation = methods.get("get")
        if operation is None:
            continue
        content = operation["responses"].get("200", {}).get("content", {})
        (json_gets if "application/json" in content else others).append((path, operation))
    return json_gets, [path for path, _ in others]


def _fill_path(path: str) -> str:
    for name in re.findall(r"{(\w+)}", path):
        assert name in PATH_SAMPLES, f"GET {path}: add a sample value for {{{name}}} to PATH_SAMPLES"
        path = path.replace(f"{{{name}}}", PATH_SAMPLES[name])
    return path


def _parse(text: str) -> list[dict[str, str]]:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header = rows[0]
    assert len(set(header)) == len(header), f"repeated column names: {header}"
    assert all(len(row) == len(header) for row in rows[1:])
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


# ------------------------------------------------------------------ reading a column's path in the JSON


def _scalar_lists(value: Any) -> list[list]:
    """Every list of scalars in the JSON (where a label can come from)."""
    if isinstance(value, dict):
        return [found for v in value.values() for found in _scalar_lists(v)]
    if isinstance(value, list):
        if value and all(not isinstance(v, dict | list) for v in value):
            return [value]
        return [found for v in value for found in _scalar_lists(v)]
    return []


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _walk(data: Any, column: str, row: int | None) -> tuple[Any, int | None]:
    """(the JSON value of ``column`` in row ``row``, the number of rows its first list gives).

    ``row`` None: only count. A list met first is the rows (a dict of lists: its lists one after
    another, the key being the column that names no field); a list met later is indexed by the
    label the column names, found among the response's lists of that length.
    """
    value, rows, steps = data, None, column.split(".")
    i = 0
    while i < len(steps) or (isinstance(value, list) and rows is None):
        step = steps[i] if i < len(steps) else None
        if isinstance(value, list):
            if rows is None:
                rows = len(value)
                if row is None:
                    return None, rows
                value = value[row]
                continue
            labels = [lst for lst in _scalar_lists(data) if len(lst) == len(value) and step in map(_text, lst)]
            assert labels, f"{column}: no label list holds {step!r}"
            value = value[list(map(_text, labels[0])).index(step)]
        elif isinstance(value, dict) and step in value:
            value = value[step]
        elif isinstance(value, dict) and rows is None and all(isinstance(v, list) for v in value.values()):
            pairs = [(key, item) for key, items in value.items() for item in items]
            rows = len(pairs)
            if row is None:
                return None, rows
            key, value = pairs[row]
            if step not in value:
                return key, rows
            continue
        else:
            raise AssertionError(f"{column}: {step!r} is not in the JSON")
        i += 1
    return value, rows


def _check_cell(cell: str, expected: Any, where: str) -> None:
    if expected is None:
        assert cell == "", where
    elif isinstance(expected, bool):
        assert cell == ("true" if expected else "false"), where
    elif isinstance(expected, str):
        assert cell == expected, where
        if ISO_TIME.match(expected):  # times carry their offset
            assert datetime.fromisoformat(cell).tzinfo is not None, where
    else:
        assert json.loads(cell) == expected, where


def _check_table(data: Any, text: str, what: str) -> int:
    """Every cell of the CSV ``text`` against the JSON ``data``; returns the number of rows."""
    rows = _parse(text)
    header = next(csv.reader(io.StringIO(text)))
    _, count = _walk(data, header[0], None)
    assert count == len(rows), f"{what}: {len(rows)} rows, the JSON has {count}"
    for i, row in enumerate(rows):
        for column, cell in row.items():
            _check_cell(cell, _walk(data, column, i)[0], f"{what}, row {i}, {column}")
    return len(rows)


# ------------------------------------------------------------------ every route


def test_every_json_get_answers_csv_or_says_why_not(shared_client, tokens):
    """Each GET of the schema that answers JSON answers CSV (both ways of asking) or 406; the
    schema says which; tables hold exactly the JSON's values."""
    json_gets, _ = _operations(shared_client.app)
    tabular = 0
    for template, operation in json_gets:
        path = _fill_path(template)
        data = shared_client.get(path, headers=_admin(tokens)).json()
        documented = "text/csv" in operation["responses"]["200"]["content"]
        tables = next((p["schema"]["enum"] for p in operation.get("parameters", []) if p["name"] == "table"), [None])
        for table in tables:
            query = {} if table is None else {"table": table}
            by_suffix = shared_client.get(f"{path}.csv", params=query, headers=_admin(tokens))
            by_accept = shared_client.get(path, params=query, headers={**_admin(tokens), "Accept": "text/csv"})
            what = f"GET {path}.csv" + (f"?table={table}" if table else "")
            assert by_suffix.status_code != 404, f"{what}: 404; build its router with route_class=CsvRoute"
            if not documented:
                for response in (by_suffix, by_accept):
                    assert response.status_code == 406, what
                    assert "\n" not in response.json()["detail"] and "no table" in response.json()["detail"]
                assert "406" in operation["responses"], f"{what}: the schema does not say it has no CSV"
                continue
            assert by_suffix.status_code == by_accept.status_code == 200, (what, by_suffix.text[:200])
            assert by_suffix.headers["content-type"] == "text/csv; charset=utf-8"
            assert by_suffix.text == by_accept.text
            assert DISPOSITION.match(by_suffix.headers["content-disposition"]), by_suffix.headers["content-disposition"]
            _check_table(data, by_suffix.text, what)
            tabular += 1
    assert tabular >= 14  # users, tokens, alerts, cameras, positions, store x3, and two each of the reports


def test_pictures_files_and_event_streams_are_left_alone(shared_client, tokens):
    _, others = _operations(shared_client.app)
    assert {"/api/heatmap.png", "/api/floor-plan", "/api/live"} <= set(others)
    for template in others:
        assert shared_client.get(f"{_fill_path(template)}.csv", headers=_admin(tokens)).status_code == 404
    png = shared_client.get("/api/heatmap.png", headers={**_admin(tokens), "Accept": "text/csv"})
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"


def test_schema_documents_the_csv_media_type_and_the_table_choice(shared_client):
    paths = shared_client.app.openapi()["paths"]
    traffic = paths["/api/traffic"]["get"]
    assert traffic["responses"]["200"]["content"]["text/csv"] == {"schema": {"type": "string"}}
    (table,) = [p for p in traffic["parameters"] if p["name"] == "table"]
    assert table["schema"]["enum"] == ["buckets", "peak_grid"] and table["in"] == "query"
    assert "table" not in {p["name"] for p in paths["/api/alerts"]["get"]["parameters"]}  # one table: no choice
    assert "text/csv" not in paths["/api/me"]["get"]["responses"]["200"]["content"]


# ------------------------------------------------------------------ contents


def test_traffic_csv_is_the_json_series(shared_client, tokens):
    query = {"from": "2026-03-04", "to": "2026-03-05", "bucket": "hour"}
    data = shared_client.get("/api/traffic", params=query, headers=_admin(tokens)).json()
    response = shared_client.get("/api/traffic.csv", params=query, headers=_admin(tokens))
    assert response.text.startswith("buckets.start,buckets.entries,buckets.exits,buckets.passers_by,")
    assert response.text.endswith("\r\n") and "\n" not in response.text.replace("\r\n", "")  # RFC 4180 line ends
    rows = _parse(response.text)
    assert len(rows) == 24
    assert sum(int(r["buckets.entries"]) for r in rows) == data["totals"]["entries"] == 3
    assert sum(int(r["buckets.passers_by"]) for r in rows) == 10
    assert [datetime.fromisoformat(r["buckets.start"]) for r in rows] == [
        datetime.fromisoformat(data["start"]) + timedelta(hours=h) for h in range(24)
    ]
    assert {(r["start"], r["end"], r["bucket"]) for r in rows} == {(data["start"], data["end"], "hour")}
    ten = rows[10]  # 10:00, the hour of the first entry
    assert (ten["buckets.entries"], ten["buckets.exits"]) == ("1", "0")
    assert rows[0]["buckets.capture_rate"] == ""  # null: nobody passed


def test_peak_grid_and_demographics_totals_are_laid_out_as_the_dashboard_draws_them(shared_client, tokens):
    query = {"from": "2026-03-04", "to": "2026-03-05"}
    grid = shared_client.get("/api/traffic", params=query, headers=_admin(tokens)).json()["peak_grid"]
    csv_grid = shared_client.get("/api/traffic.csv", params={**query, "table": "peak_grid"}, headers=_admin(tokens))
    rows = _parse(csv_grid.text)
    assert [r["peak_grid.weekdays"] for r in rows] == grid["weekdays"]
    wednesday = rows[2]
    assert wednesday["peak_grid.days"] == "1"
    assert [float(wednesday[f"peak_grid.mean_entries.{h}"]) for h in grid["hours"]] == grid["mean_entries"][2]
    assert float(wednesday["peak_grid.mean_entries.10"]) == 1.0

    totals = _parse(shared_client.get("/api/demographics.csv?table=totals", headers=_admin(tokens)).text)
    assert [r["age_bands"] for r in totals] == ["0-17", "18-29", "30-44", "45-59", "60+"]
    assert set(totals[0]) == {"age_bands", "totals.female", "totals.male", "start", "end", "bucket", "visits"}
    per_hour = _parse(shared_client.get("/api/demographics.csv", headers=_admin(tokens)).text)
    assert "buckets.visits.60+.male" in per_hour[0] and len(per_hour) == 24


def test_unknown_table_is_refused_in_one_line(shared_client, tokens):
    response = shared_client.get("/api/traffic.csv?table=peak", headers=_admin(tokens))
    assert response.status_code == 422
    detail = "table: 'peak' is not a table of GET /api/traffic; its tables: buckets, peak_grid"
    assert response.json()["detail"] == detail


def test_unicode_names_and_awkward_text_survive_the_round_trip(make_client, db_url, tokens):
    """Names in other scripts, commas, quotes and line breaks come back exactly; the file name
    keeps the store's letters (filename*) and gives an ASCII one for old clients."""
    with open_database(db_url) as db:
        db.upsert_camera(CameraInfo("back", 'Tür "Süd", hinten', "back.mp4", 5.0, "corner-shop"))
        db.add_zone_visits([ZoneVisit("kühlregal_北", "back", 40, at(-500), at(-440))])  # a zone since removed
        db.add_alerts([Alert(at(-30), "restricted", "kühlregal_北", "back", 40, 'line one, "two"\nline three')])
    client = make_client(config=store_config(name="Café Zürich 東京"))
    headers = _admin(tokens)
    cameras = _parse(client.get("/api/cameras.csv", headers=headers).text)
    assert [c["name"] for c in cameras] == ["Door", 'Tür "Süd", hinten']
    alerts = client.get("/api/alerts.csv", headers=headers)
    assert _parse(alerts.text)[0]["message"] == 'line one, "two"\nline three'
    assert _parse(alerts.text)[0]["zone"] == "kühlregal_北"
    zones = client.get("/api/zones.csv", headers=headers)
    assert "kühlregal_北" in [z["zones.name"] for z in _parse(zones.text)]
    _check_table(client.get("/api/zones", headers=headers).json(), zones.text, "zones")
    ascii_name, full_name = DISPOSITION.match(zones.headers["content-disposition"]).group(1, 2)
    assert ascii_name == "cafe-zurich-zones-2026-03-04.csv"
    assert unquote(full_name) == "café-zürich-東京-zones-2026-03-04.csv"
    only_han = make_client(config=store_config(name="東京店"))
    disposition = only_han.get("/api/zones.csv", headers=headers).headers["content-disposition"]
    assert disposition.startswith('attachment; filename="store-zones-2026-03-04.csv"; filename*=UTF-8')


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ({}, "corner-shop-traffic-2026-03-04.csv"),
        ({"from": "2026-03-01", "to": "2026-03-04"}, "corner-shop-traffic-2026-03-01_2026-03-03.csv"),
        ({"from": "2026-03-04T09:00", "to": "2026-03-04T17:30"}, 
         "corner-shop-traffic-2026-03-04T0900_2026-03-04T1730.csv"),
    ],
)
def test_file_name_gives_store_endpoint_and_range(shared_client, tokens, query, name):
    response = shared_client.get("/api/traffic.csv", params=query, headers=_admin(tokens))
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'


def test_file_name_of_a_snapshot_gives_its_moment(shared_client, tokens):
    response = shared_client.get("/api/positions/live.csv", headers=_admin(tokens))
    name = "corner-shop-positions-live-2026-03-04T1500.csv"
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert _parse(response.text)[0]["cameras.camera_id"] == "door"


# ------------------------------------------------------------------ credentials and negotiation


def test_csv_needs_the_same_credentials_as_json(client, tokens):
    for path, headers in (("/api/alerts.csv", {}), ("/api/alerts", {"Accept": "text/csv"})):
        refused = client.get(path, headers=headers)
        assert refused.status_code == 401 and "text/csv" not in refused.headers["content-type"]
    assert client.get("/api/alerts.csv", headers=bearer("not-a-token")).status_code == 401
    assert client.get("/api/users.csv", headers=bearer(tokens["vic"])).status_code == 403  # admins only, as JSON
    login(client, "vic")  # the dashboard's session cookie
    assert client.get("/api/alerts.csv").headers["content-type"] == "text/csv; charset=utf-8"


def test_no_table_is_a_406_in_one_line(shared_client, tokens):
    for path, accept in (("/api/me.csv", None), ("/api/summary", "text/csv"), ("/api/siren", "text/csv;q=0.9")):
        headers = _admin(tokens) | ({"Accept": accept} if accept else {})
        response = shared_client.get(path, headers=headers)
        assert response.status_code == 406
        assert response.json()["detail"].startswith(f"GET {path.removesuffix('.csv')} has no table to give as CSV")
    # JSON still acceptable: JSON it is.
    fallback = shared_client.get("/api/me", headers={**_admin(tokens), "Accept": "text/csv, */*;q=0.1"})
    assert fallback.status_code == 200 and fallback.json()["user"] == "alice"


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        (None, "application/json"),
        ("*/*", "application/json"),
        (BROWSER_ACCEPT, "application/json"),
        ("application/json", "application/json"),
        ("text/csv", "text/csv; charset=utf-8"),
        ("TEXT/CSV; charset=utf-8", "text/csv; charset=utf-8"),
        ("text/*", "text/csv; charset=utf-8"),
        ("application/json;q=0.5, text/csv", "text/csv; charset=utf-8"),
        ("text/csv;q=0.5, application/json", "application/json"),
        ("text/csv;q=0.5, */*", "application/json"),
        ("text/csv;q=0, */*;q=0.1", "application/json"),
        ("text/csv;q=bad, application/json;q=0.2", "application/json"),
        ("image/png", "application/json"),  # nothing we have: JSON, as before CSV existed
    ],
)
def test_accept_header_chooses(shared_client, tokens, accept, media_type):
    headers = _admin(tokens) | ({"Accept": accept} if accept else {})
    response = shared_client.get("/api/alerts", headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == media_type
    assert "Accept" in response.headers["vary"]


def test_prefers_csv_reads_q_values():
    assert prefers_csv("text/csv;q=0.8, application/*;q=0.7") == (True, True)
    assert prefers_csv("text/csv, application/json;q=0") == (True, False)
    assert prefers_csv("") == (False, True)


# ------------------------------------------------------------------ layouts of response models


class _Item(BaseModel):
    name: str


class _Two(BaseModel):
    a: list[_Item]
    b: list[_Item]


class _Wrong(BaseModel):
    csv_tables: ClassVar = {"x": Rows("items")}
    items: list[str]


@pytest.mark.parametrize(
    ("model", "expectation"),
    [
        (list[_Item], nullcontext()),
        (_Item, nullcontext()),
        (_Two, pytest.raises(TypeError, match=r"_Two has several tables \(a, b\): name them")),
        (_Wrong, pytest.raises(TypeError, match=r"'items' is not a list of objects")),
    ],
)
def test_layouts_are_found_or_the_model_must_say(model, expectation):
    with expectation:
        layout = layout_of(model)
        assert (layout is None) == (model is _Item)


def test_a_list_of_scalars_is_one_column():
    assert layout_of(list[float]).render([1.5, None, 2]) == [["value"], ["1.5"], [""], ["2"]]
