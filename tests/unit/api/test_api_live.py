"""The server-sent event stream, through a real uvicorn server: a new crossing shows within 2 s."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import httpx
from api_helpers import NOW, bearer, crossing, store_config
from web_server import serving_app

from storelens.api.app import create_app
from storelens.api.context import ApiSettings
from storelens.storage import open_database


def events(lines: Iterator[str]) -> Iterator[dict]:
    """The JSON data of each server-sent event (comments and other fields skipped)."""
    data = []
    for line in lines:
        if line.startswith("data:"):
            data.append(line[5:].strip())
        elif not line and data:
            yield json.loads("\n".join(data))
            data = []


def test_live_stream_pushes_a_new_crossing_within_two_seconds(db_url, tokens, clock):
    db = open_database(db_url)
    settings = ApiSettings(static_dir=None, poll_s=0.1, refresh_s=0.5, max_age_s=0.0)
    app = create_app(store_config(), db, settings, clock=clock)
    with (
        serving_app(app) as base,
        httpx.Client(base_url=base, timeout=5) as http,
        http.stream("GET", "/api/live", headers=bearer(tokens["vic"])) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        stream = events(response.iter_lines())
        first = next(stream)
        assert first["summary"]["visitors"]["entries"] == 3
        assert [a["kind"] for a in first["alerts"]] == ["queue"]
        assert set(first["positions"]["cameras"]["door"][0]) == {"track_id", "x_m", "y_m", "ts"}
        with open_database(db_url) as pipeline:  # another writer, as `storelens run` would be
            pipeline.add_line_crossings([crossing("door", 77, NOW - timedelta(seconds=1))])
            written = time.monotonic()
        second = next(stream)
        assert time.monotonic() - written < 2.0
        assert second["summary"]["visitors"]["entries"] == 4
    db.close()


def test_live_stream_needs_credentials(db_url, clock):
    db = open_database(db_url)
    app = create_app(store_config(), db, ApiSettings(static_dir=None), clock=clock)
    with serving_app(app) as base:
        assert httpx.get(f"{base}/api/live", timeout=5).status_code == 401
    db.close()
