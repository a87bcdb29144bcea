"""Restricted-zone alerts: a person entering a restricted zone, or coming close to one.

An entry alert is raised when the zone tracker counts the entry, so the zone's inertia that
keeps a wobbling foot point to one visit also keeps it to one alert. An approach alert is
raised once when a person comes within the zone's ``alert_distance_m`` (inside counts as
within) and is re-armed only once they are ``hysteresis_m`` further away, so someone pacing
along the boundary raises one alert, not one per step.
"""

from __future__ import annotations

import numpy as np

from storelens.analytics.records import Alert, FloorPositions
from storelens.analytics.zones import ZoneSpec, ZoneTracker
from storelens.geometry.polygons import distance_to_boundary, points_in_polygon

__all__ = ["APPROACH_HYSTERESIS_M", "RESTRICTED_APPROACH", "RESTRICTED_ENTRY", "RESTRICTED_KIND", "ZoneAlerts"]

RESTRICTED_KIND = "restricted"
"""Zone kind whose presence raises alerts."""
RESTRICTED_ENTRY = "restricted_entry"
"""Alert kind: a person entered a restricted zone (after the zone's inertia)."""
RESTRICTED_APPROACH = "restricted_approach"
"""Alert kind: a person came within the zone's alert distance."""
APPROACH_HYSTERESIS_M = 0.5
"""Beyond the alert distance a person must be this much further away before approaching again
alerts again: more than a foot point's jitter, less than a step back and forth."""


class ZoneAlerts:
    """Entry and approach alerts for the restricted zones among ``zones``; others are ignored.

    Args:
        zones: The zones the tracker of :meth:`update` follows.
        camera_id: Camera stamped on the alerts.
        hysteresis_m: See :data:`APPROACH_HYSTERESIS_M`.
    """

    def __init__(self, zones: list[ZoneSpec], camera_id: str, hysteresis_m: float = APPROACH_HYSTERESIS_M) -> None:
        self.zones = [z for z in zones if z.kind == RESTRICTED_KIND]
        self.camera_id = camera_id
        self.hysteresis_m = hysteresis_m
        self._polygons = [np.asarray(z.polygon_m, dtype=np.float64) for z in self.zones]
        self._inside: list[set[int]] = [set() for _ in self.zones]  # counted inside at the last update
        self._near: list[set[int]] = [set() for _ in self.zones]  # approach alerted, not yet re-armed

    def update(self, positions: FloorPositions, tracker: ZoneTracker) -> list[Alert]:
        """Alerts of one instant; call after ``tracker.update(positions)``."""
        out: list[Alert] = []
        for i, (zone, polygon) in enumerate(zip(self.zones, self._polygons)):
            if zone.alert_distance_m > 0 and len(positions):
                out += self._approaches(zone, polygon, self._near[i], positions)
            inside = set(tracker.inside_tracks(zone.name))
            for tid in sorted(inside - self._inside[i]):
                message = f"person {tid} entered restricted zone {zone.name}"
                out.append(Alert(positions.ts, RESTRICTED_ENTRY, zone.name, self.camera_id, tid, message))
            self._inside[i] = inside
        return out

    def end_tracks(self, track_ids: list[int]) -> None:
        """Forget tracks that are gone."""
        for tracked in (*self._inside, *self._near):
            tracked.difference_update(track_ids)

    def _approaches(self, zone: ZoneSpec, polygon: np.ndarray, near: set[int], pos: FloorPositions) -> list[Alert]:
        """Approach alerts of one zone; ``near`` holds who was alerted and has not left yet."""
        distance = np.where(
            points_in_polygon(pos.floor_xy_m, polygon), 0.0, distance_to_boundary(pos.floor_xy_m, polygon)
        )
        out = []
        for tid, d in zip(pos.track_id.tolist(), distance.tolist()):
            if d <= zone.alert_distance_m and tid not in near:
                near.add(tid)
                message = f"person {tid} came within {zone.alert_distance_m:g} m of restricted zone {zone.name}"
                out.append(Alert(pos.ts, RESTRICTED_APPROACH, zone.name, self.camera_id, tid, message))
            elif d > zone.alert_distance_m + self.hysteresis_m:
                near.discard(tid)
        return out
