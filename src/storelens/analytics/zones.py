"""Zones: who is in each area of the floor, for how long, and how full it is.

Entering and leaving use inertia (as Frigate's zones do): a person must be inside for
``inertia_s`` before the visit starts and outside for ``inertia_s`` before it ends, so a foot
point wobbling across a zone edge makes one visit, not ten. The visit's times are the first
and last moments actually inside, so inertia delays the event but does not bias the dwell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from storelens.analytics.records import FloorPositions, ZoneVisit
from storelens.geometry.polygons import points_in_polygon

__all__ = ["ZoneSpec", "ZoneTracker"]


@dataclass(frozen=True, slots=True)
class ZoneSpec:
    """An area of the floor.

    Attributes:
        name: Zone name (unique in the store).
        polygon_m: ((x, y), ...) vertices, metres.
        kind: entrance, aisle, display, checkout_queue, staff_only or restricted.
        inertia_s: Time inside (outside) before entering (leaving) counts.
        min_dwell_s: Visits shorter than this are not reported (passing through).
        alert_distance_m: Restricted zones: coming this close raises an approach alert; 0
            alerts on entry only.
        open_till_at: Checkout queues: this many people for ``open_till_after_s`` raise an
            "open a till" alert; 0 never.
        open_till_after_s: See ``open_till_at``.
    """

    name: str
    polygon_m: tuple[tuple[float, float], ...]
    kind: str = "aisle"
    inertia_s: float = 1.0
    min_dwell_s: float = 0.0
    alert_distance_m: float = 0.0
    open_till_at: int = 0
    open_till_after_s: float = 60.0


@dataclass(slots=True)
class _Presence:
    inside: bool = False
    since: datetime | None = None  # start of the current unconfirmed change
    enter_ts: datetime | None = None
    last_inside: datetime | None = None


class ZoneTracker:
    """Enter/exit with inertia, visits with dwell, and live occupancy for a set of zones."""

    def __init__(self, zones: list[ZoneSpec], camera_id: str) -> None:
        self.zones = zones
        self.camera_id = camera_id
        self._polygons = [np.asarray(z.polygon_m, dtype=np.float64) for z in zones]
        self._boxes = [np.stack([poly.min(axis=0), poly.max(axis=0)]) for poly in self._polygons]
        self._state: list[dict[int, _Presence]] = [{} for _ in zones]

    def occupancy(self) -> dict[str, int]:
        """People currently inside each zone (after inertia)."""
        return {z.name: sum(p.inside for p in s.values()) for z, s in zip(self.zones, self._state)}

    def inside_tracks(self, zone: str) -> list[int]:
        """Track ids currently inside ``zone``."""
        i = [z.name for z in self.zones].index(zone)
        return [tid for tid, p in self._state[i].items() if p.inside]

    def update(self, positions: FloorPositions) -> list[ZoneVisit]:
        """Feed one instant; returns the visits that ended."""
        ts = positions.ts
        done: list[ZoneVisit] = []
        xy, ids = positions.floor_xy_m, positions.track_id
        for zone, polygon, box, state in zip(self.zones, self._polygons, self._boxes, self._state):
            # Only people inside the zone's bounding box, or already in (or entering) it, can
            # change anything: everyone else stays outside with nothing to record.
            near = np.flatnonzero(((xy >= box[0]) & (xy <= box[1])).all(axis=1))
            inside = np.zeros(len(ids), bool)
            if len(near):
                inside[near] = points_in_polygon(xy[near], polygon)
            watch = inside.copy()
            if state:
                watch |= np.fromiter((tid in state for tid in ids.tolist()), bool, len(ids))
            for tid, now_in in zip(ids[watch].tolist(), inside[watch].tolist()):
                p = state.setdefault(tid, _Presence())
                if now_in:
                    p.last_inside = ts
                if now_in == p.inside:
                    p.since = None
                    continue
                if p.since is None:
                    p.since = ts
                if (ts - p.since).total_seconds() < zone.inertia_s:
                    continue
                if now_in:
                    p.inside, p.enter_ts, p.since = True, p.since, None
                else:
                    visit = self._close(zone, tid, p)
                    if visit is not None:
                        done.append(visit)
                    state[tid] = _Presence()
        return done

    def end_tracks(self, track_ids: list[int]) -> list[ZoneVisit]:
        """Tracks that are gone leave every zone at the last moment they were inside it."""
        done = []
        for zone, state in zip(self.zones, self._state):
            for tid in track_ids:
                p = state.pop(tid, None)
                if p is not None and p.inside:
                    visit = self._close(zone, tid, p)
                    if visit is not None:
                        done.append(visit)
        return done

    def _close(self, zone: ZoneSpec, tid: int, p: _Presence) -> ZoneVisit | None:
        assert p.enter_ts is not None and p.last_inside is not None
        visit = ZoneVisit(zone.name, self.camera_id, tid, p.enter_ts, p.last_inside)
        return visit if visit.dwell_s >= zone.min_dwell_s else None
