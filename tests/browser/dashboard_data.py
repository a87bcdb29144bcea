"""A shop with two weeks of records around a fixed "now", users, and a live server, for the browser tests.

Records are written with the ``StoreDatabase.add_*`` methods, as the pipeline writes them, and are
deterministic (seeded). ``python tests/browser/dashboard_data.py`` serves the same data on
http://127.0.0.1:8765 for looking at the dashboard by hand (users as in :data:`PASSWORDS`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import numpy as np
import uvicorn
from web_server import serving_app

from storelens.analytics.records import Alert, Direction, FloorPositions, LineCrossing, Visit, ZoneVisit
from storelens.api.accounts import AccountStore
from storelens.api.app import create_app
from storelens.api.context import ApiSettings
from storelens.config import StoreConfig
from storelens.demographics import AGE_BANDS, GENDERS, VisitDemographics
from storelens.storage import CameraInfo, SpoolHealth, StoreDatabase, StoreInfo, open_database

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
"""A Wednesday, 15:00 in London (GMT in March: local time = UTC)."""
PASSWORDS = {"alice": "copper-kettle-41", "mia": "violet-harbour-52", "vic": "quiet-lantern-63"}
ROLES = {"alice": "admin", "mia": "manager", "vic": "viewer"}
OPEN_HOURS = range(9, 19)
HOURLY_WEIGHT = {9: 0.5, 10: 0.8, 11: 1.0, 12: 1.6, 13: 1.5, 14: 1.0, 15: 0.9, 16: 1.1, 17: 1.7, 18: 0.9}
ZONE_SPOTS = {"aisle_1": (7.5, 5.0), "aisle_2": (12.5, 7.0), "till": (17.0, 2.5)}
LIVE_PEOPLE = [(1001, (6.2, 3.0)), (1002, (8.4, 7.1)), (1003, (12.0, 6.5)), (1004, (16.5, 2.0)), (1005, (-2.0, 4.0))]
"""Tracks in view at "now": four in the store (two in aisle_1, one in aisle_2, one at the till), one outside."""


def store_config() -> StoreConfig:
    """A 20 x 10 m shop: a door on the left wall, a pavement line outside it, five zones."""
    return StoreConfig.model_validate(
        {
            "name": "Corner shop",
            "timezone": "Europe/London",
            "floor_plan": {"outline": [[0, 0], [20, 0], [20, 10], [0, 10]]},
            "cameras": {
                "door": {
                    "source": "door.mp4",
                    "fps": 10,
                    "demographics": True,
                    "calibration": {
                        "kind": "homography",
                        "points": [
                            {"image_px": [100, 400], "floor_m": [0, 0]},
                            {"image_px": [500, 400], "floor_m": [4, 0]},
                            {"image_px": [450, 200], "floor_m": [4, 6]},
                            {"image_px": [150, 200], "floor_m": [0, 6]},
                        ],
                    },
                },
                "back": {"source": "back.mp4", "fps": 10},
            },
            "zones": [
                {"name": "entrance", "kind": "entrance", "polygon": [[0, 0], [3, 0], [3, 10], [0, 10]]},
                {"name": "aisle_1", "kind": "aisle", "polygon": [[5, 1], [10, 1], [10, 9], [5, 9]]},
                {"name": "aisle_2", "kind": "aisle", "polygon": [[11, 5], [14, 5], [14, 9], [11, 9]]},
                {"name": "till", "kind": "checkout_queue", "polygon": [[15, 1], [19, 1], [19, 4], [15, 4]]},
                {"name": "stockroom", "kind": "restricted", "polygon": [[16, 6], [19, 6], [19, 9], [16, 9]]},
            ],
            "lines": [
                {"name": "door", "kind": "entrance", "a": [0, 2], "b": [0, 5], "in_side": "right"},
                {"name": "pavement", "kind": "passerby", "a": [-2, 0], "b": [-2, 10]},
            ],
        }
    )


def _walk(rng: random.Random, stops: list[tuple[float, float]], start: datetime, step_s: float = 0.5):
    """Times and points of a walk through ``stops`` at about 1 m/s, pausing a little at each."""
    ts, pts, t = [], [], start
    x, y = 0.5, 3.5
    for sx, sy in stops:
        tx = min(19.5, max(0.5, sx + rng.uniform(-1.2, 1.2)))
        ty = min(9.5, max(0.5, sy + rng.uniform(-1.5, 1.5)))
        n = max(2, int(math.hypot(tx - x, ty - y) / 0.5))
        for i in range(1, n + 1):
            pts.append((x + (tx - x) * i / n, y + (ty - y) * i / n))
            ts.append(t)
            t += timedelta(seconds=step_s)
        x, y = tx, ty
        for _ in range(rng.randint(4, 30)):  # browsing
            pts.append((x + rng.uniform(-0.3, 0.3), y + rng.uniform(-0.3, 0.3)))
            ts.append(t)
            t += timedelta(seconds=step_s)
    return ts, pts


def fill(db: StoreDatabase, config: StoreConfig, seed: int = 7) -> None:
    """Two weeks of crossings and zone visits (today up to 15:00), today's walks on the floor,
    three alerts (one acknowledged), the people of :data:`LIVE_PEOPLE` in view a second ago, and
    a run's write report: catching up after a 75 s database outage that filled its spool."""
    rng = random.Random(seed)
    db.upsert_store(StoreInfo("corner-shop", config.name, config.timezone))
    db.upsert_camera(CameraInfo("door", "Door", "door.mp4", 10.0, "corner-shop"))
    db.upsert_camera(CameraInfo("back", "Back of shop", "back.mp4", 10.0, "corner-shop"))
    crossings, visits, demographics, track = [], [], [], 1
    today = NOW.replace(hour=0)
    for day in range(-13, 1):
        midnight = today + timedelta(days=day)
        busy = 1.3 if (midnight.weekday() >= 5) else 1.0
        for hour in OPEN_HOURS:
            for _ in range(int(rng.gauss(6 * HOURLY_WEIGHT[hour] * busy, 1.5) + 0.5)):
                t_in = midnight + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
                stay = timedelta(seconds=rng.uniform(120, 1500))
                if t_in + stay >= NOW:
                    continue
                crossings.append(LineCrossing("door", "door", track, t_in, Direction.IN))
                crossings.append(LineCrossing("door", "door", track, t_in + stay, Direction.OUT))
                if rng.random() < 0.6:  # visitors who showed their face to the door camera
                    band, gender = rng.choice(AGE_BANDS[1:]), rng.choice(GENDERS)
                    demographics.append(VisitDemographics("door", track, t_in, t_in + stay, band, 0.6, gender, 0.9, 9))
                t = t_in + timedelta(seconds=2)
                path = ["entrance", "aisle_1"] + (["aisle_2"] if rng.random() < 0.5 else []) + ["till", "entrance"]
                for zone in path:
                    dwell = {"entrance": rng.uniform(2, 12), "till": rng.uniform(30, 300)}.get(
                        zone, rng.expovariate(1 / 90)
                    )
                    visits.append(ZoneVisit(zone, "door", track, t, t + timedelta(seconds=dwell)))
                    t += timedelta(seconds=dwell + rng.uniform(3, 20))
                track += 1
            for _ in range(int(rng.gauss(22 * HOURLY_WEIGHT[hour], 4))):
                t = midnight + timedelta(hours=hour, seconds=rng.uniform(0, 3600))
                if t < NOW:
                    crossings.append(LineCrossing("pavement", "door", 100000 + track, t, Direction.IN))
                    track += 1
    db.add_line_crossings(crossings)
    db.add_visits(_staff_on_duty(today))
    db.add_demographics(demographics)
    db.add_zone_visits(visits)
    # Today's walks through the shop, for the heatmap (one batch: heat is summed per call).
    frames = []
    for i in range(60):
        start = today + timedelta(hours=9, minutes=rng.uniform(0, 340))
        stops = [ZONE_SPOTS["aisle_1"]] + ([ZONE_SPOTS["aisle_2"]] if i % 2 else []) + [ZONE_SPOTS["till"], (1.0, 3.5)]
        for ts, xy in zip(*_walk(rng, stops, start)):
            frames.append(FloorPositions("back", ts, np.array([5000 + i]), np.array([xy], dtype=float)))
    db.add_positions(frames)
    add_live_people(db, NOW - timedelta(seconds=1))
    stock_id, *_ = db.add_alerts(
        [
            Alert(NOW - timedelta(days=1, hours=2), "restricted", "stockroom", "back", 88, "someone in the stockroom"),
            Alert(NOW - timedelta(minutes=25), "queue", "till", "door", None, "queue of 6 at the till"),
            Alert(NOW - timedelta(minutes=3), "restricted", "stockroom", "back", 1003, "someone entered the stockroom"),
        ]
    )
    db.acknowledge_alert(stock_id)
    outage = NOW - timedelta(minutes=20)
    report = SpoolHealth("corner-shop", NOW - timedelta(seconds=2), 3, 700_000, 40, outage, 75.0, "database is locked")
    db.set_spool_health(report)


def _staff_on_duty(today: datetime) -> list[Visit]:
    """Two members of staff every day through the opening hours, a third over the lunch peak
    (until now, today): their visits, recognised as staff."""
    out = []
    for day in range(-13, 1):
        midnight = today + timedelta(days=day)
        shifts = [(OPEN_HOURS[0], OPEN_HOURS[-1] + 1)] * 2 + [(12, 14)]
        for k, (start, end) in enumerate(shifts):
            begin, finish = midnight + timedelta(hours=start), min(midnight + timedelta(hours=end), NOW)
            if begin < finish:
                out.append(Visit("door", 900_000 + 10 * (day + 13) + k, begin, finish, True, "staff"))
    return out


def add_live_people(db: StoreDatabase, at: datetime, moved_m: float = 0.0, extra=()) -> None:
    """Two seconds of :data:`LIVE_PEOPLE` (and ``extra`` (track, (x, y)) pairs) up to ``at``."""
    people = list(LIVE_PEOPLE) + list(extra)
    ids = np.array([p[0] for p in people])
    frames = []
    for k in range(5):
        xy = np.array([(x + moved_m + 0.05 * k, y) if x > 0 else (x, y + 0.1 * k) for _, (x, y) in people], dtype=float)
        frames.append(FloorPositions("door", at - timedelta(seconds=2 - 0.5 * k), ids, xy))
    db.add_positions(frames)


def add_users(engine) -> None:
    accounts = AccountStore(engine)
    for name, role in ROLES.items():
        accounts.add_user(name, role, PASSWORDS[name])


def fixed_clock(now: datetime = NOW):
    return lambda: now.timestamp()


@contextmanager
def serving(db_url: str, settings: ApiSettings | None = None, now: datetime = NOW) -> Iterator[str]:
    """The dashboard and API on a free loopback port (uvicorn in a thread), clock fixed at ``now``; yields the base URL.

    A ``now`` a week before :data:`NOW` is a day whose same weekday last week has no records."""
    db = open_database(db_url)
    app = create_app(store_config(), db, settings or ApiSettings(), clock=fixed_clock(now))
    try:
        with serving_app(app) as base:
            yield base
    finally:
        db.close()


def make_database(path) -> str:
    url = f"sqlite:///{path}"
    with open_database(url) as db:
        fill(db, store_config())
        add_users(db.engine)
    return url


if __name__ == "__main__":  # serve the test data for a look by hand
    import sys
    import tempfile
    from pathlib import Path

    tmp = Path(tempfile.mkdtemp(prefix="storelens-dashboard-"))
    url = make_database(tmp / "store.db")
    db = open_database(url)
    app = create_app(store_config(), db, ApiSettings(), clock=fixed_clock())
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8765
    print(f"http://127.0.0.1:{port}  users: {PASSWORDS}  db: {url}")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
