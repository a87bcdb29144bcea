"""Who is on the floor now: the newest stored point of each track, per camera.

"Now" is each camera's newest stored point, not the wall clock: cameras write a second or so
behind, and a replayed clip may run ahead of the clock. A camera whose newest point is a minute
older than the clock shows nobody. Every query is a range on the time index of ``positions``
(no scan of the table), so these stay cheap however much history is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from storelens.storage import schema
from storelens.storage.engine import storage_errors
from storelens.storage.times import DAY_US, SECOND_US

__all__ = ["LAST_SEEN_LOOKBACK_US", "LIVE_WINDOW_US", "STALE_US", "LivePoint", "camera_last_seen", "live_points"]

LIVE_WINDOW_US = 3 * SECOND_US
"""A track with a point this close to its camera's newest point is still there (points come at
up to 2 Hz, written in batches of about a second)."""
STALE_US = 60 * SECOND_US
"""A camera whose newest point is older than this shows nobody: it has stopped, or the floor is empty."""
LAST_SEEN_LOOKBACK_US = DAY_US
"""How far back a camera's last point is looked for; older is reported as none."""


@dataclass(frozen=True, slots=True)
class LivePoint:
    camera_id: str
    track_id: int
    ts_us: int
    x_m: float
    y_m: float


def live_points(engine: Engine, now_us: int) -> list[LivePoint]:
    """The newest point of every track still present, by camera then track."""
    p = schema.positions
    with storage_errors(engine.url, "read live positions"), engine.connect() as conn:
        newest = conn.execute(sa.select(sa.func.max(p.c.ts_us))).scalar()
        if newest is None or newest < now_us - STALE_US:
            return []
        lo = max(now_us, newest) - STALE_US
        per_camera = dict(
            conn.execute(
                sa.select(p.c.camera_id, sa.func.max(p.c.ts_us)).where(p.c.ts_us >= lo).group_by(p.c.camera_id)
            ).all()
        )
        since = min(per_camera.values()) - LIVE_WINDOW_US
        rows = conn.execute(
            sa.select(p.c.camera_id, p.c.track_id, p.c.ts_us, p.c.x_m, p.c.y_m)
            .where(p.c.ts_us >= since)
            .order_by(p.c.ts_us)
        ).all()
    latest: dict[tuple[str, int], LivePoint] = {}
    for camera_id, track_id, ts_us, x_m, y_m in rows:
        if camera_id in per_camera and ts_us >= per_camera[camera_id] - LIVE_WINDOW_US:
            latest[(camera_id, track_id)] = LivePoint(camera_id, int(track_id), int(ts_us), float(x_m), float(y_m))
    return [latest[key] for key in sorted(latest)]


def camera_last_seen(engine: Engine, camera_ids: list[str], now_us: int) -> dict[str, int | None]:
    """Time (us) of each camera's newest stored point within :data:`LAST_SEEN_LOOKBACK_US`, or None.

    One backwards walk of the time index per camera, stopping at its first point: instant for
    a working camera; for one that has been off for hours it walks those hours of others' points.
    """
    p = schema.positions
    seen = {}
    with storage_errors(engine.url, "read camera activity"), engine.connect() as conn:
        for camera_id in camera_ids:
            seen[camera_id] = conn.execute(
                sa.select(p.c.ts_us)
                .where(p.c.camera_id == camera_id, p.c.ts_us >= now_us - LAST_SEEN_LOOKBACK_US)
                .order_by(p.c.ts_us.desc())
                .limit(1)
            ).scalar()
    return seen
