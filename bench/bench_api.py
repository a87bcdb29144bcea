"""Latency of the HTTP API under load: `storelens serve` on a week of data, hammered by wrk.

Steps:

1. Generate a store (20 m x 10 m, one camera, a door and a pavement line, three zones) and one
   week of synthetic shoppers ending now, written through ``StoreDatabase``: positions at
   ``--fps`` (default 1 Hz) of about ``--people`` (default 10) shoppers present during opening
   hours (09:00-20:00 local), door and pavement crossings, visits, zone visits, alerts.
2. Start ``storelens serve`` in a subprocess on a free loopback port, with an API token.
3. While a "camera" thread keeps writing positions every second and a door crossing every
   two seconds (as ``storelens run`` would), run ``wrk`` with ``--connections`` (default 50)
   keep-alive clients on ``GET /api/summary`` for ``--duration`` seconds after a short warm-up,
   ``--runs`` times; a Lua script adds the bearer token and reports p50/p95/p99 from wrk's full
   histogram. The server's CPU time per request (all its processes) is measured too: on a
   shared machine latency follows the other load, CPU per request does not.
4. Meanwhile a ``/api/live`` subscriber timestamps every server-sent event: the delay from
   writing a crossing to the event that counts it is the live latency.
5. Single-client latencies of the report endpoints over the week (median of ``--repeat``).

Needs ``wrk`` (Debian: ``apt-get install wrk``). Everything runs on this machine's loopback.

Usage:
    scripts/bench bench/bench_api.py [--days 7] [--people 10] [--duration 20] [--runs 3] [--workers 1] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import yaml

from storelens.analytics.records import Alert, Direction, FloorPositions, LineCrossing, Visit, ZoneVisit
from storelens.api.accounts import AccountStore
from storelens.storage import CameraInfo, StoreInfo, open_database

TZ = "Europe/London"
OPEN_H = (9, 20)
FLOOR_WH_M = (20.0, 10.0)
DOOR_XY_M = (0.5, 5.0)
CAMERA = "floor"
ZONES = {
    "entrance": [[0, 0], [3, 0], [3, 10], [0, 10]],
    "aisle_1": [[5, 1], [10, 1], [10, 9], [5, 9]],
    "till": [[15, 1], [19, 1], [19, 4], [15, 4]],
}
MEDIAN_STAY_S = 480.0
PASSERS_PER_VISITOR = 3.0
BATCH_FRAMES = 600
LUA = """
wrk.headers["Authorization"] = "Bearer " .. os.getenv("STORELENS_TOKEN")
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "duration_s": %.3f, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f, "mean_ms": %.2f}\\n',
    summary.requests, summary.duration / 1e6, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3, latency.mean / 1e3))
end
"""


def store_yaml() -> dict:
    return {
        "name": "Bench shop",
        "timezone": TZ,
        "floor_plan": {"outline": [[0, 0], [FLOOR_WH_M[0], 0], list(FLOOR_WH_M), [0, FLOOR_WH_M[1]]]},
        "zones": [
            {
                "name": n,
                "kind": "aisle" if n == "aisle_1" else ("entrance" if n == "entrance" else "checkout_queue"),
                "polygon": p,
            }
            for n, p in ZONES.items()
        ],
        "lines": [
            {"name": "door", "kind": "entrance", "a": [0, 3], "b": [0, 7], "in_side": "right"},
            {"name": "pavement", "kind": "passerby", "a": [-2, 0], "b": [-2, 10]},
        ],
    }


def walk(rng: np.random.Generator, n: int) -> np.ndarray:
    """(n, 2) a shopper's positions: from the door, a smoothed random walk kept on the floor."""
    steps = rng.normal(0, 0.5, (n, 2))
    steps[:, 0] += 0.05  # drift into the store
    xy = np.array(DOOR_XY_M) + np.cumsum(steps, axis=0)
    # Reflect at the walls.
    for axis, size in enumerate(FLOOR_WH_M):
        v = np.mod(xy[:, axis], 2 * size)
        xy[:, axis] = np.where(v > size, 2 * size - v, v)
    return xy


def generate(db, days: int, people: float, fps: float, now: datetime, rng: np.random.Generator) -> dict:
    """Write ``days`` of shoppers ending at ``now``; returns counts of what was written."""
    tz = ZoneInfo(TZ)
    counts = dict(points=0, visitors=0, crossings=0, zone_visits=0, alerts=0)
    track = 0
    today = now.astimezone(tz).date()
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        t_open = datetime(day.year, day.month, day.day, OPEN_H[0], tzinfo=tz).astimezone(UTC)
        t_close = min(datetime(day.year, day.month, day.day, OPEN_H[1], tzinfo=tz).astimezone(UTC), now)
        span_s = (t_close - t_open).total_seconds()
        if span_s <= 0:
            continue
        # Little's law: arrivals per second = people present / mean stay.
        mean_stay = MEDIAN_STAY_S * np.exp(0.5 * 0.6**2)
        n_visitors = rng.poisson(people / mean_stay * span_s)
        arrive = np.sort(rng.uniform(0, span_s, n_visitors))
        stay = np.minimum(rng.lognormal(np.log(MEDIAN_STAY_S), 0.6, n_visitors), span_s - arrive + 1)
        ts_list, id_list, xy_list, crossings, visits, zone_visits = [], [], [], [], [], []
        for a, s in zip(arrive, stay):
            track += 1
            n = max(2, int(s * fps))
            ts_list.append(a + np.arange(n) / fps)
            id_list.append(np.full(n, track))
            xy_list.append(walk(rng, n))
            start, end = t_open + timedelta(seconds=float(a)), t_open + timedelta(seconds=float(a + n / fps))
            crossings += [LineCrossing("door", CAMERA, track, start, Direction.IN)]
            if end <= now:
                crossings.append(LineCrossing("door", CAMERA, track, end, Direction.OUT))
            visits.append(Visit(CAMERA, track, start, end, True))
            for zone in rng.choice(list(ZONES), size=rng.integers(1, 4), replace=False):
                enter = start + timedelta(seconds=float(rng.uniform(0, s / 2)))
                dwell = timedelta(seconds=float(rng.uniform(2, max(3.0, s / 2))))
                zone_visits.append(ZoneVisit(str(zone), CAMERA, track, enter, enter + dwell))
        n_passers = rng.poisson(PASSERS_PER_VISITOR * n_visitors)
        for i, p in enumerate(rng.uniform(0, span_s, n_passers)):
            direction = Direction.IN if i % 2 else Direction.OUT
            crossings.append(
                LineCrossing(
                    "pavement", CAMERA, 10_000_000 + track * 10 + i, t_open + timedelta(seconds=float(p)), direction
                )
            )
        ts = np.concatenate(ts_list)
        order = np.argsort(ts, kind="stable")
        ts, ids, xy = ts[order], np.concatenate(id_list)[order], np.concatenate(xy_list)[order]
        ts_us = np.round(ts * 1e6).astype(np.int64)
        instants, starts = np.unique(ts_us, return_index=True)
        bounds = list(starts[1:]) + [len(ts_us)]
        frames = [
            FloorPositions(CAMERA, t_open + timedelta(microseconds=int(t)), ids[a:b], xy[a:b])
            for t, a, b in zip(instants, starts, bounds)
        ]
        for i in range(0, len(frames), BATCH_FRAMES):
            counts["points"] += db.add_positions(frames[i : i + BATCH_FRAMES])
        db.add_line_crossings(crossings)
        db.add_visits(visits)
        db.add_zone_visits(zone_visits)
        alert_times = sorted(rng.uniform(0, span_s, 5))
        ids_ = db.add_alerts(
            [
                Alert(
                    t_open + timedelta(seconds=float(t)), "restricted", "till", CAMERA, None, "someone behind the till"
                )
                for t in alert_times
            ]
        )
        for alert_id in ids_[:3]:
            db.acknowledge_alert(alert_id)
        counts["visitors"] += n_visitors
        counts["crossings"] += len(crossings)
        counts["zone_visits"] += len(zone_visits)
        counts["alerts"] += len(ids_)
    return counts


class Camera(threading.Thread):
    """Writes positions every second and a door crossing every ``crossing_every_s``, like `storelens run`."""

    def __init__(self, url: str, people: int, crossing_every_s: float = 2.0) -> None:
        super().__init__(daemon=True)
        self.url, self.people, self.crossing_every_s = url, people, crossing_every_s
        self.stop = threading.Event()
        self.crossings: list[float] = []  # monotonic time each crossing was committed

    def run(self) -> None:
        rng = np.random.default_rng(1)
        xy = rng.uniform((1, 1), (19, 9), (self.people, 2))
        ids = np.arange(self.people) + 50_000_000
        next_crossing = time.monotonic() + self.crossing_every_s
        with open_database(self.url) as db:
            while not self.stop.wait(1.0):
                now = datetime.now(UTC)
                frames = []
                for half in (0.5, 0.0):
                    xy = np.clip(xy + rng.normal(0, 0.3, xy.shape), (0.2, 0.2), (19.8, 9.8))
                    frames.append(FloorPositions(CAMERA, now - timedelta(seconds=half), ids, xy.copy()))
                db.add_positions(frames)
                if time.monotonic() >= next_crossing:
                    db.add_line_crossings(
                        [LineCrossing("door", CAMERA, int(ids[0]) + len(self.crossings) + 1000, now, Direction.IN)]
                    )
                    self.crossings.append(time.monotonic())
                    next_crossing += self.crossing_every_s


class Subscriber(threading.Thread):
    """Reads /api/live and records (arrival time, entries today) of every event."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.base, self.token = base, token
        self.events: list[tuple[float, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        with (
            httpx.Client(base_url=self.base, timeout=30) as http,
            http.stream("GET", "/api/live", headers=headers) as r,
        ):
            for line in r.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith("data:"):
                    entries = json.loads(line[5:])["summary"]["visitors"]["entries"]
                    self.events.append((time.monotonic(), entries))


def live_latencies(crossings: list[float], events: list[tuple[float, int]]) -> list[float]:
    """Per crossing written: seconds until the first event counting it (entries grew by one per crossing)."""
    if not events:
        return []
    base_t, base = events[0]
    out = []
    for i, written in enumerate(crossings):
        if written < base_t:
            continue
        # The crossing i made entries >= base + (number of crossings written after the first event, up to i).
        need = base + sum(1 for w in crossings[: i + 1] if w >= base_t)
        arrival = next((t for t, n in events if n >= need and t >= written), None)
        if arrival is not None:
            out.append(arrival - written)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, token: str, server: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"storelens serve exited with {server.returncode}")
        try:
            if (
                httpx.get(f"{base}/api/summary", headers={"Authorization": f"Bearer {token}"}, timeout=2).status_code
                == 200
            ):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("storelens serve did not answer in time")


def run_wrk(url: str, token: str, script: Path, connections: int, duration_s: int, threads: int) -> dict:
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration_s}s", "--timeout", "10s", "-s", str(script), url],
        capture_output=True,
        text=True,
        env={**os.environ, "STORELENS_TOKEN": token},
        check=True,
    )
    result = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))[7:])
    result["requests_per_s"] = round(result["requests"] / result["duration_s"], 1)
    return result


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` and its children (uvicorn's workers)."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == pid or int(fields[1]) == pid:
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def serial_latencies(base: str, token: str, paths: list[str], repeat: int) -> dict[str, dict]:
    out = {}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        for path in paths:
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                r = http.get(path)
                times.append((time.perf_counter() - t) * 1e3)
                r.raise_for_status()
            out[path] = {
                "median_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
                "bytes": len(r.content),
            }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--people", type=float, default=10.0, help="shoppers present on average while open")
    parser.add_argument("--fps", type=float, default=1.0, help="stored positions per shopper per second")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (the server shares the 2 cores)")
    parser.add_argument("--duration", type=int, default=20, help="seconds of measured load per run")
    parser.add_argument("--runs", type=int, default=3, help="measured wrk runs")
    parser.add_argument("--workers", type=int, default=1, help="server processes (storelens serve --workers)")
    parser.add_argument("--repeat", type=int, default=10, help="requests per report endpoint, single client")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")

    with tempfile.TemporaryDirectory(prefix="storelens-bench-api-") as tmp:
        config = Path(tmp) / "store.yaml"
        config.write_text(yaml.safe_dump(store_yaml(), sort_keys=False))
        url = f"sqlite:///{Path(tmp) / 'store.db'}"
        t0 = time.perf_counter()
        now = datetime.now(UTC)
        with open_database(url) as db:
            db.upsert_store(StoreInfo("bench-shop", "Bench shop", TZ))
            db.upsert_camera(CameraInfo(CAMERA, "Floor", "rtsp://camera/floor", args.fps, "bench-shop"))
            data = generate(db, args.days, args.people, args.fps, now, np.random.default_rng(0))
            accounts = AccountStore(db.engine)
            accounts.add_user("bench", "viewer", "bench-password-123")
            _, token = accounts.create_token("bench", "wrk")
        data["generate_s"] = round(time.perf_counter() - t0, 1)
        data["db_mb"] = round((Path(tmp) / "store.db").stat().st_size / 1e6, 1)

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [sys.executable, "-m", "storelens.cli", "serve", str(config), "--db", url, "--port", str(port)]
            + ["--workers", str(args.workers)],
            stdout=subprocess.DEVNULL,
        )
        camera = Camera(url, people=int(args.people))
        try:
            wait_ready(base, token, server)
            camera.start()
            script = Path(tmp) / "bearer.lua"
            script.write_text(LUA)
            run_wrk(f"{base}/api/summary", token, script, args.connections, 3, args.threads)  # warm-up
            subscriber = Subscriber(base, token)
            subscriber.start()
            time.sleep(1.0)
            runs = []
            for _ in range(args.runs):
                cpu0 = cpu_seconds(server.pid)
                run = run_wrk(f"{base}/api/summary", token, script, args.connections, args.duration, args.threads)
                run["server_cpu_us_per_request"] = round((cpu_seconds(server.pid) - cpu0) / run["requests"] * 1e6)
                run["load_average_1min"] = os.getloadavg()[0]
                runs.append(run)
            latencies = live_latencies(camera.crossings, subscriber.events)
            subscriber.stop.set()
            camera.stop.set()
            camera.join(5)
            week_ago = (now - timedelta(days=args.days)).astimezone(ZoneInfo(TZ)).date().isoformat()
            reports = serial_latencies(
                base,
                token,
                [
                    "/api/summary",
                    "/api/cameras",
                    "/api/positions/live",
                    "/api/traffic",
                    f"/api/traffic?from={week_ago}&bucket=day",
                    f"/api/zones?from={week_ago}",
                    f"/api/heatmap?from={week_ago}",
                    "/api/heatmap.png",
                    f"/api/alerts?from={week_ago}",
                ],
                args.repeat,
            )
        finally:
            camera.stop.set()
            server.terminate()
            server.wait(15)

    result = {
        "machine": f"{os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}",
        "data": data,
        "summary_under_load": {"connections": args.connections, "workers": args.workers, "runs": runs},
        "live_event_latency_s": {
            "events_timed": len(latencies),
            "median": round(statistics.median(latencies), 3) if latencies else None,
            "max": round(max(latencies), 3) if latencies else None,
        },
        "single_client": reports,
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"{result['machine']}; data: {data}")
    print(f"GET /api/summary, {args.connections} connections, {args.workers} worker(s), {args.duration} s per run:")
    for s in runs:
        print(
            f"  {s['requests_per_s']} req/s, p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, p99 {s['p99_ms']} ms, "
            f"max {s['max_ms']} ms, non-2xx {s['non_2xx']}, socket errors {s['socket_errors']}, "
            f"server CPU {s['server_cpu_us_per_request']} us/request, load average {s['load_average_1min']:.1f}"
        )
    lat = result["live_event_latency_s"]
    print(f"/api/live: {lat['events_timed']} crossings, write -> event median {lat['median']} s, max {lat['max']} s")
    for path, r in reports.items():
        print(f"  {path}: median {r['median_ms']} ms, max {r['max_ms']} ms, {r['bytes']} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
