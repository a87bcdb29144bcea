"""Time buckets: which camera frames belong to which store tick, and when a tick is complete.

Cameras deliver in their own time order and at their own pace. Tick ``k`` (time ``k * tick``
since the Unix epoch) holds the frames captured in ``((k - 1) * tick, k * tick]``; it is complete
once every camera has delivered a frame at or after its time (so nothing more can arrive for
it), or once the newest frame of any camera is ``latency`` past it (a camera lagging or down
must not hold the store back). Times are whole microseconds, so the bucketing is exact: the same
frames give the same ticks on every machine.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, timezone

from storelens.fusion.observations import CameraObservations

__all__ = ["TickBuffer", "from_us", "to_us"]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_US = timedelta(microseconds=1)


def to_us(ts: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact)."""
    return (ts - EPOCH) // _US


def from_us(us: int) -> datetime:
    """UTC datetime of microseconds since the Unix epoch."""
    return EPOCH + timedelta(microseconds=us)


class TickBuffer:
    """Collects camera frames per tick and releases complete ticks in time order.

    Args:
        camera_ids: Every camera that will deliver; a tick waits for all of them.
        tick_us: Tick length, microseconds.
        latency_us: Longest wait behind the newest frame, microseconds; None waits for every camera.
    """

    def __init__(self, camera_ids: Sequence[str], tick_us: int, latency_us: int | None) -> None:
        if tick_us <= 0:
            raise ValueError(f"tick must be positive, got {tick_us} us")
        self.tick_us = tick_us
        self.latency_us = latency_us
        self._seen: dict[str, float] = {c: -float("inf") for c in camera_ids}
        self._newest = -float("inf")
        self._ticks: dict[int, list[CameraObservations]] = {}
        self._order: list[int] = []  # heap of the tick indices held
        self._released = -float("inf")  # last tick index released
        self.dropped = 0
        """Frames refused because their tick was already released or they went back in time."""

    def push(self, obs: CameraObservations) -> None:
        """File one camera frame under its tick; frames too late for it are counted in ``dropped``."""
        if obs.camera_id not in self._seen:
            raise ValueError(f"unknown camera {obs.camera_id!r}; expected one of {', '.join(self._seen)}")
        us = to_us(obs.ts)
        k = -(-us // self.tick_us)
        if us <= self._seen[obs.camera_id] or k <= self._released:
            self.dropped += 1
            return
        self._seen[obs.camera_id] = us
        self._newest = max(self._newest, us)
        if k not in self._ticks:
            self._ticks[k] = []
            heapq.heappush(self._order, k)
        self._ticks[k].append(obs)

    def end_camera(self, camera_id: str) -> None:
        """The camera will deliver nothing more: ticks no longer wait for it."""
        self._seen[camera_id] = float("inf")

    def pop_ready(self) -> list[tuple[int, list[CameraObservations]]]:
        """Complete ticks, oldest first, as (tick time in microseconds, frames)."""
        done_us = min(self._seen.values())
        if self.latency_us is not None:
            done_us = max(done_us, self._newest - self.latency_us)
        return self._pop(lambda k: k * self.tick_us <= done_us)

    def pop_all(self) -> list[tuple[int, list[CameraObservations]]]:
        """Every tick held, oldest first (end of all streams)."""
        return self._pop(lambda k: True)

    def _pop(self, ready: Callable[[int], bool]) -> list[tuple[int, list[CameraObservations]]]:
        out = []
        while self._order and ready(self._order[0]):
            k = heapq.heappop(self._order)
            out.append((k * self.tick_us, self._ticks.pop(k)))
            self._released = k
        return out
