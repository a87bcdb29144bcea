"""What the CSV form of an API answer costs over its JSON: latency and size, per endpoint.

Steps:

1. A store and ``--days`` of synthetic shoppers ending now (bench_api's generator: positions at
   ``--fps``, door and pavement crossings, visits, zone visits, alerts).
2. The app in process (``fastapi.testclient``, no network), an API token.
3. Each endpoint ``--repeat`` times as JSON and as CSV (``.csv`` path): the median of each
   (they include the queries, so on a loaded machine they move with the other load) and the
   size of each answer; and the conversion alone (the JSON answer read, its table laid out and
   written as CSV), median of ``--repeat``: what CSV adds to a request. The longest table asked
   for is ``/api/traffic`` per hour over 92 days (about 2,200 rows), near the most hours the API
   serves (93 days).

Usage:
    scripts/bench bench/bench_csv_export.py [--days 14] [--fps 0.1] [--repeat 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
from bench_api import CAMERA, TZ, generate, store_yaml
from fastapi.testclient import TestClient

from storelens.api.accounts import AccountStore
from storelens.api.app import create_app
from storelens.api.context import ApiSettings
from storelens.api.csv_route import _csv_text
from storelens.api.routes import ROUTERS
from storelens.config import StoreConfig
from storelens.storage import CameraInfo, StoreInfo, open_database


def timed(client: TestClient, path: str, headers: dict, repeat: int) -> tuple[float, int]:
    """(median ms, bytes) of ``repeat`` GETs."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - t) * 1e3)
        response.raise_for_status()
    return statistics.median(times), len(response.content)


def conversion_ms(layout, body: bytes, table: str | None, repeat: int) -> float:
    """Median ms to make the CSV of a JSON answer, as the route does."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        _csv_text(layout.render(json.loads(body), table))
        times.append((time.perf_counter() - t) * 1e3)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--people", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=0.1, help="stored positions per shopper per second")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()

    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(TZ)).date()
    span = (today - timedelta(days=args.days - 1)).isoformat()
    quarter = (today - timedelta(days=91)).isoformat()  # 92 days: 93 hours' worth may cross a clock change
    paths = [
        f"/api/traffic?from={quarter}&bucket=hour",
        f"/api/traffic?from={span}&bucket=hour",
        f"/api/traffic?from={span}&bucket=day&table=peak_grid",
        f"/api/demographics?from={span}&bucket=hour",
        f"/api/zones?from={span}",
        f"/api/heatmap?from={span}",
        f"/api/alerts?from={span}",
        "/api/positions/live",
        "/api/cameras",
    ]
    with tempfile.TemporaryDirectory(prefix="storelens-bench-csv-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'store.db'}"
        with open_database(url) as db:
            db.upsert_store(StoreInfo("bench-shop", "Bench shop", TZ))
            db.upsert_camera(CameraInfo(CAMERA, "Floor", "rtsp://camera/floor", args.fps, "bench-shop"))
            data = generate(db, args.days, args.people, args.fps, now, np.random.default_rng(0))
            accounts = AccountStore(db.engine)
            accounts.add_user("bench", "viewer", "quiet-copper-lantern-41")
            _, token = accounts.create_token("bench", "csv")
            camera = {CAMERA: {"source": "floor.mp4", "fps": 5}}
            config = StoreConfig.model_validate({**store_yaml(), "cameras": camera})
            app = create_app(config, db, ApiSettings(static_dir=None))
            headers = {"Authorization": f"Bearer {token}"}
            layouts = {route.path: getattr(route, "csv_layout", None) for router in ROUTERS for route in router.routes}
            rows = {}
            with TestClient(app) as client:
                for path in paths:
                    route, _, query = path.partition("?")
                    csv_path = f"{route}.csv?{query}" if query else f"{route}.csv"
                    json_path = path.replace("&table=peak_grid", "")
                    timed(client, csv_path, headers, 2)  # warm-up
                    json_ms, json_bytes = timed(client, json_path, headers, args.repeat)
                    csv_ms, csv_bytes = timed(client, csv_path, headers, args.repeat)
                    lines = client.get(csv_path, headers=headers).text.count("\r\n") - 1
                    body = client.get(json_path, headers=headers).content
                    table = "peak_grid" if "table=peak_grid" in path else None
                    rows[csv_path] = {
                        "rows": lines,
                        "json_ms": round(json_ms, 1),
                        "csv_ms": round(csv_ms, 1),
                        "conversion_ms": round(conversion_ms(layouts[route], body, table, args.repeat), 2),
                        "json_kb": round(json_bytes / 1e3, 1),
                        "csv_kb": round(csv_bytes / 1e3, 1),
                    }
    result = {
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "load_average_1min": round(os.getloadavg()[0], 1),
        "data": data,
        "endpoints": rows,
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['machine']}; load {result['load_average_1min']}; {args.days} days, {data['points']:,} points")
    print(f"{'endpoint':<62} {'rows':>6} {'JSON ms':>8} {'CSV ms':>8} {'convert ms':>10} {'JSON kB':>8} {'CSV kB':>8}")
    for path, r in rows.items():
        print(
            f"{path:<62} {r['rows']:>6} {r['json_ms']:>8} {r['csv_ms']:>8} {r['conversion_ms']:>10}"
            f" {r['json_kb']:>8} {r['csv_kb']:>8}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
