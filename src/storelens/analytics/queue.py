"""Checkout queues: how long the queue is, how long people wait, and when to open another till.

A queue's length is the occupancy of its ``checkout_queue`` zone (drawn over the queue line,
not the service point, so the person paying is not "waiting"). Its wait is estimated with
Little's law, wait = mean length / throughput, over a window: that needs only the zone's
occupancy and how many people left it, both robust to a track broken in the queue, where the
dwell of single zone visits is not (a broken track turns one long wait into two short ones).

The "open a till" alert follows the length with a hold time on both sides, as the zone's
inertia does for a person: the queue must stay at ``open_till_at`` or longer for
``open_till_after_s`` to raise it, and shorter for as long to re-arm it, so one busy spell is
one alert.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from storelens.analytics.records import Alert
from storelens.analytics.zones import ZoneSpec

__all__ = ["QUEUE_KIND", "QUEUE_LONG", "QueueAlerts", "littles_wait_s", "queue_lengths"]

QUEUE_KIND = "checkout_queue"
"""Zone kind of checkout queues."""
QUEUE_LONG = "queue_long"
"""Alert kind: a checkout queue stayed at its ``open_till_at`` length: open a till."""


def queue_lengths(enter_us: np.ndarray, exit_us: np.ndarray, at_us: np.ndarray) -> np.ndarray:
    """(m,) people in the zone at each of ``at_us`` from its visits' (n,) enter and exit times.

    A visit counts from its enter up to and including its exit instant.
    """
    enters = np.sort(np.asarray(enter_us, np.int64))
    exits = np.sort(np.asarray(exit_us, np.int64))
    at = np.asarray(at_us, np.int64)
    return np.searchsorted(enters, at, side="right") - np.searchsorted(exits, at, side="left")


def littles_wait_s(mean_length: float, served: int, duration_s: float) -> float | None:
    """Mean wait (seconds) in a queue that held ``mean_length`` people on average while ``served``
    people left it over ``duration_s``; None when nobody left (no throughput to divide by)."""
    if served <= 0 or duration_s <= 0:
        return None
    return float(mean_length) * duration_s / served


@dataclass(slots=True)
class _Spell:
    long: bool = False  # alerted and not re-armed
    since: datetime | None = None  # start of the current unconfirmed change


class QueueAlerts:
    """"Open a till" alerts for the checkout queue zones among ``zones`` with ``open_till_at`` > 0.

    Args:
        zones: The store's zones (others are ignored).
        camera_id: Camera stamped on the alerts.
    """

    def __init__(self, zones: list[ZoneSpec], camera_id: str) -> None:
        self.zones = [z for z in zones if z.kind == QUEUE_KIND and z.open_till_at > 0]
        self.camera_id = camera_id
        self._spells = {z.name: _Spell() for z in self.zones}

    def update(self, ts: datetime, occupancy: dict[str, int]) -> list[Alert]:
        """Alerts of one instant from each zone's occupancy now."""
        out = []
        for zone in self.zones:
            spell, length = self._spells[zone.name], occupancy.get(zone.name, 0)
            if (length >= zone.open_till_at) == spell.long:
                spell.since = None  # as it is: nothing pending
                continue
            spell.since = spell.since or ts
            if (ts - spell.since).total_seconds() < zone.open_till_after_s:
                continue
            spell.long, spell.since = not spell.long, None
            if spell.long:
                message = (
                    f"open a till: {length} people in queue {zone.name} "
                    f"(at least {zone.open_till_at} for {zone.open_till_after_s:g} s)"
                )
                out.append(Alert(ts, QUEUE_LONG, zone.name, self.camera_id, None, message))
        return out
