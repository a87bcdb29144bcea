"""A small store, its records around a fixed "now", and accounts, for the API tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from storelens.analytics.records import Alert, Direction, FloorPositions, LineCrossing, Visit, ZoneVisit
from storelens.api.accounts import AccountStore
from storelens.config import StoreConfig
from storelens.storage import CameraInfo, StoreDatabase, StoreInfo

NOW = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)
"""A Wednesday, 15:00 in London (GMT in March, so local time = UTC)."""
LAST_WEEK = NOW - timedelta(days=7)
PASSWORDS = {"alice": "copper-kettle-41", "mia": "violet-harbour-52", "vic": "quiet-lantern-63"}
ROLES = {"alice": "admin", "mia": "manager", "vic": "viewer"}


def fixed_clock(now: datetime = NOW):
    """A clock the tests can move: ``clock()`` is seconds since the epoch, ``clock.advance(s)`` moves it."""

    class Clock:
        t = now.timestamp()

        def __call__(self) -> float:
            return self.t

        def advance(self, seconds: float) -> None:
            self.t += seconds

    return Clock()


def store_config(**sections) -> StoreConfig:
    """A 20 x 10 m shop: a door (entrance line) on the left wall, a pavement line outside it, three zones;
    ``sections`` are added to (or replace) its top-level keys."""
    return StoreConfig.model_validate(
        {
            "name": "Corner shop",
            "timezone": "Europe/London",
            "floor_plan": {"outline": [[0, 0], [20, 0], [20, 10], [0, 10]]},
            "cameras": {
                "door": {
                    "source": "door.mp4",
                    "fps": 10,
                    "calibration": {
                        "kind": "homography",
                        "points": [
                            {"image_px": [100, 400], "floor_m": [0, 0]},
                            {"image_px": [500, 400], "floor_m": [4, 0]},
                            {"image_px": [450, 200], "floor_m": [4, 6]},
                            {"image_px": [150, 200], "floor_m": [0, 6]},
                        ],
                    },
                }
            },
            "zones": [
                {"name": "entrance", "kind": "entrance", "polygon": [[0, 0], [3, 0], [3, 10], [0, 10]]},
                {"name": "aisle_1", "kind": "aisle", "polygon": [[5, 1], [10, 1], [10, 9], [5, 9]]},
                {"name": "till", "kind": "checkout_queue", "polygon": [[15, 1], [19, 1], [19, 4], [15, 4]]},
            ],
            "lines": [
                {"name": "door", "kind": "entrance", "a": [0, 2], "b": [0, 5], "in_side": "right"},
                {"name": "pavement", "kind": "passerby", "a": [-2, 0], "b": [-2, 10]},
            ],
            **sections,
        }
    )


def at(seconds: float, base: datetime = NOW) -> datetime:
    return base + timedelta(seconds=seconds)


def crossing(line: str, track: int, ts: datetime, direction: Direction = Direction.IN) -> LineCrossing:
    return LineCrossing(line, "door", track, ts, direction)


def fill(db: StoreDatabase, config: StoreConfig) -> None:
    """Today: 3 in and 2 out at the door, 10 passers-by, zone visits, 2 alerts (1 acknowledged), and
    3 people in view a second ago (2 in aisle_1, 1 on the pavement outside). Last week: 2 in before
    15:00 and 1 after."""
    db.upsert_store(StoreInfo("corner-shop", config.name, config.timezone))
    db.upsert_camera(CameraInfo("door", "Door", "door.mp4", 10.0, "corner-shop"))
    today = [crossing("door", t, at(-3600 * h)) for t, h in ((1, 5), (2, 3), (3, 1))]
    today += [crossing("door", t, at(-1800 * t), Direction.OUT) for t in (1, 2)]
    today += [crossing("pavement", 100 + i, at(-600 * i)) for i in range(10)]
    last_week = [crossing("door", 50, at(-7200, LAST_WEEK)), crossing("door", 51, at(-60, LAST_WEEK))]
    last_week.append(crossing("door", 52, at(3600, LAST_WEEK)))  # after 15:00: not in the comparison
    db.add_line_crossings(today + last_week)
    db.add_visits([Visit("door", 1, at(-3600 * 5), at(-3600 * 4), True)])
    db.add_zone_visits(
        [
            ZoneVisit("entrance", "door", 1, at(-3000), at(-2990)),
            ZoneVisit("aisle_1", "door", 1, at(-2980), at(-2940)),
            ZoneVisit("till", "door", 1, at(-2900), at(-2895)),
            ZoneVisit("aisle_1", "door", 2, at(-2000), at(-1990)),
            ZoneVisit("aisle_1", "door", 3, at(-1000), at(-900)),
        ]
    )
    ack_id, _ = db.add_alerts(
        [
            Alert(at(-1200), "restricted", "till", "door", 2, "someone behind the till"),
            Alert(at(-60), "queue", "till", "door", None, "queue of 6"),
        ]
    )
    db.acknowledge_alert(ack_id)
    frames = [
        FloorPositions("door", at(-2 + 0.5 * i), [7, 8, 9], [[6.0 + 0.1 * i, 2.0], [8.0, 7.0], [-2.0, 5.0]])
        for i in range(4)
    ]
    db.add_positions(frames)


def add_users(engine) -> dict[str, str]:
    """The three users of :data:`ROLES`, and an API token for each; returns user -> token."""
    accounts = AccountStore(engine)
    tokens = {}
    for name, role in ROLES.items():
        accounts.add_user(name, role, PASSWORDS[name])
        tokens[name] = accounts.create_token(name, f"{name}-script")[1]
    return tokens


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def frame_at(ts: datetime, track_ids, xy) -> FloorPositions:
    return FloorPositions("door", ts, np.asarray(track_ids), np.asarray(xy, dtype=float))


def login(client, user: str) -> str:
    """Log ``user`` in on a TestClient (it keeps the cookies); returns the CSRF token."""
    response = client.post("/api/login", json={"username": user, "password": PASSWORDS[user]})
    assert response.status_code == 200, response.text
    return response.json()["csrf_token"]
