"""One camera's (or the fused store's) analytics, frame by frame.

`StoreAnalytics.update` takes where tracked people stand at an instant and returns what
happened: counted line crossings, finished zone visits, finished store visits, occupancy
samples and restricted-zone alerts. The same inputs in the same order always give the same
outputs, so a live run and an offline re-run of the recorded tracks agree.

With staff recognition on (`AnalyticsSpec.staff`), each visit gets its role when it ends, and a
track's zone visits are held until then: staff's zone visits are dropped, so dwell, zone stats
and paths are the visitors' alone. With buying units on (`AnalyticsSpec.units`), the visit of a
visitor who came in through an entrance is held until its unit is settled (at most
``enter_gap_s + decide_after_s`` after it came in) and carries the unit's id.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

import numpy as np

from storelens.analytics.alerts import ZoneAlerts
from storelens.analytics.lines import LineCounter, LineSpec
from storelens.analytics.queue import QueueAlerts
from storelens.analytics.records import (
    Alert,
    Direction,
    FloorPositions,
    LineCrossing,
    OccupancySample,
    Visit,
    ZoneVisit,
)
from storelens.analytics.staff import Role, StaffRecogniser, StaffRule, staff_camera_id
from storelens.analytics.units import UnitRule, UnitTracker
from storelens.analytics.zones import ZoneSpec, ZoneTracker
from storelens.geometry.polygons import points_in_polygon

__all__ = ["AnalyticsSpec", "AnalyticsEvents", "StoreAnalytics", "STORE_ZONE"]

STORE_ZONE = ""
"""Zone name of store-wide occupancy samples."""


@dataclass(frozen=True, slots=True)
class AnalyticsSpec:
    """What to measure.

    Attributes:
        lines: Counting lines.
        zones: Zones.
        store_polygon_m: Floor outline of the store; people outside it (on the street) do not
            count towards store occupancy. None: everyone seen is inside.
        track_timeout_s: A track unseen this long has left (ends its visit and zone stays).
            Longer than the tracker's lost-track wait, so a re-found track is the same visit.
        occupancy_every_s: Interval of occupancy samples.
        staff: When a visit is staff (with the ``staff_only`` and ``staff_door`` zones); None:
            everyone is a visitor.
        units: When entrants are one buying unit; None: no units.
    """

    lines: tuple[LineSpec, ...] = ()
    zones: tuple[ZoneSpec, ...] = ()
    store_polygon_m: tuple[tuple[float, float], ...] | None = None
    track_timeout_s: float = 10.0
    occupancy_every_s: float = 1.0
    staff: StaffRule | None = None
    units: UnitRule | None = None


@dataclass(slots=True)
class AnalyticsEvents:
    """What one update (or the final flush) produced."""

    crossings: list[LineCrossing] = field(default_factory=list)
    zone_visits: list[ZoneVisit] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)
    occupancy: list[OccupancySample] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)

    def extend(self, other: AnalyticsEvents) -> None:
        self.crossings += other.crossings
        self.zone_visits += other.zone_visits
        self.visits += other.visits
        self.occupancy += other.occupancy
        self.alerts += other.alerts


@dataclass(slots=True)
class _Seen:
    first: datetime
    last: datetime
    entered: bool = False


class StoreAnalytics:
    """Lines, zones, visits, occupancy and restricted-zone alerts for one stream of tracks."""

    def __init__(self, spec: AnalyticsSpec, camera_id: str) -> None:
        self.spec = spec
        self.camera_id = camera_id
        self._lines = [LineCounter(line, camera_id) for line in spec.lines]
        self._entrances = {line.name for line in spec.lines if line.kind == "entrance"}
        self._zones = ZoneTracker(list(spec.zones), camera_id)
        self._alerts = ZoneAlerts(list(spec.zones), camera_id)
        self._queues = QueueAlerts(list(spec.zones), camera_id)
        self._store = None if spec.store_polygon_m is None else np.asarray(spec.store_polygon_m, dtype=np.float64)
        self._seen: dict[int, _Seen] = {}
        self._store_inside: set[int] = set()
        self._next_sample: datetime | None = None
        staff = None
        if spec.staff is not None:
            zones = [z.polygon_m for z in spec.zones if z.kind == "staff_only"]
            doors = [z.polygon_m for z in spec.zones if z.kind == "staff_door"]
            staff = StaffRecogniser(spec.staff, zones, doors)
        self._staff = staff if staff is not None and staff.active else None
        self._units = UnitTracker(spec.units) if spec.units is not None else None
        self._held_stays: dict[int, list[ZoneVisit]] = {}  # zone visits of live tracks, until their role is known
        self._pending: list[Visit] = []  # entrants' visits, until their unit is settled

    def update(self, positions: FloorPositions, appearance: np.ndarray | None = None) -> AnalyticsEvents:
        """Feed one instant: where the tracks are and (optionally) their (n, 96) colour descriptors,
        which the uniform cue of staff recognition reads."""
        ts = positions.ts
        out = AnalyticsEvents()
        for tid in positions.track_id.tolist():
            seen = self._seen.get(tid)
            if seen is None:
                self._seen[tid] = _Seen(ts, ts)
            else:
                seen.last = ts
        for counter in self._lines:
            out.crossings += counter.update(positions)
        out.zone_visits += self._hold_stays(self._zones.update(positions))
        out.alerts += self._alerts.update(positions, self._zones)
        out.alerts += self._queues.update(ts, self._zones.occupancy())
        if self._store is not None and len(positions):
            inside = points_in_polygon(positions.floor_xy_m, self._store)
            on_floor = positions.track_id[inside].tolist()
            self._store_inside -= set(positions.track_id[~inside].tolist())
            self._store_inside |= set(on_floor)
            # On the store floor is in the store, door or not: a track that starts inside continues
            # someone who came in earlier (an identity broken by occlusion), or is staff.
            for tid in on_floor:
                self._seen[tid].entered = True
        self._record(out)
        if self._staff is not None:
            self._staff.update(positions, appearance)
        if self._units is not None:
            self._units.update(positions)
        gone = [tid for tid, s in self._seen.items() if (ts - s.last).total_seconds() > self.spec.track_timeout_s]
        out.extend(self._end(gone, ts))
        out.visits += self._settled(ts)
        out.occupancy += self._sample(ts)
        return out

    def flush(self) -> AnalyticsEvents:
        """End every track (end of stream) and release everything held back."""
        out = AnalyticsEvents()
        for counter in self._lines:
            out.crossings += counter.flush()
        self._record(out)
        last = max((s.last for s in self._seen.values()), default=None)
        if last is not None:
            out.extend(self._end(list(self._seen), last))
        if self._units is not None:
            out.visits += [self._with_unit(v, self._units.flush(v.track_id)) for v in self._pending]
        self._pending = []
        return out

    def split_staff(self, positions: FloorPositions) -> tuple[FloorPositions, FloorPositions]:
        """(visitors, staff): the positions of the tracks taken for staff now (`roles_now`) apart,
        under their own camera id (`staff_camera_id`), so that heat and live views can leave them out."""
        staff = self.roles_now(positions.track_id)
        ids, xy = positions.track_id, positions.floor_xy_m
        return (
            FloorPositions(positions.camera_id, positions.ts, ids[~staff], xy[~staff]),
            FloorPositions(staff_camera_id(positions.camera_id), positions.ts, ids[staff], xy[staff]),
        )

    def roles_now(self, track_ids: np.ndarray) -> np.ndarray:
        """(n,) bool: which live tracks are taken for staff now (provisionally: a visit's role is
        final when it ends). All False without staff recognition."""
        if self._staff is None:
            return np.zeros(len(track_ids), bool)
        return np.array([self._staff.role_now(tid) == Role.STAFF for tid in np.asarray(track_ids).tolist()], bool)

    def occupancy_now(self) -> dict[str, int]:
        """Live occupancy: the store (key ``STORE_ZONE``) and each zone."""
        store = len(self._store_inside) if self._store is not None else len(self._seen)
        return {STORE_ZONE: store, **self._zones.occupancy()}

    def _record(self, events: AnalyticsEvents) -> None:
        """Remember which live tracks came in through an entrance (for their visit record; without a
        store outline the entrance is the only sign of it), and make them entrants of a unit."""
        for c in events.crossings:
            if c.line in self._entrances and c.direction is Direction.IN and c.track_id in self._seen:
                self._seen[c.track_id].entered = True
                if self._units is not None:
                    self._units.enter(c.track_id, c.ts)

    def _hold_stays(self, stays: list[ZoneVisit]) -> list[ZoneVisit]:
        """Zone visits to report now: all of them without staff recognition; else none (they wait
        for their track's role)."""
        if self._staff is None:
            return stays
        for stay in stays:
            self._held_stays.setdefault(stay.track_id, []).append(stay)
        return []

    def _settled(self, ts: datetime) -> list[Visit]:
        """The held visits whose unit is settled now, with it."""
        if not self._pending:
            return []
        assert self._units is not None
        out, waiting = [], []
        for visit in self._pending:
            unit = self._units.unit_of(visit.track_id, ts)
            if unit is None:
                waiting.append(visit)
            else:
                out.append(self._with_unit(visit, unit))
        self._pending = waiting
        return out

    @staticmethod
    def _with_unit(visit: Visit, unit: int) -> Visit:
        return replace(visit, unit_id=unit if visit.role == Role.VISITOR else None)

    def _end(self, track_ids: list[int], ts: datetime) -> AnalyticsEvents:
        out = AnalyticsEvents()
        if not track_ids:
            return out
        for counter in self._lines:
            counter.end_tracks(track_ids, ts)
        out.zone_visits = self._hold_stays(self._zones.end_tracks(track_ids))
        self._alerts.end_tracks(track_ids)
        if self._units is not None:
            for tid in track_ids:
                self._units.end(tid)
        for tid in track_ids:
            seen = self._seen.pop(tid)
            self._store_inside.discard(tid)
            role = Role.VISITOR
            if self._staff is not None:
                role = self._staff.end(tid)
                stays = self._held_stays.pop(tid, [])
                if role == Role.VISITOR:
                    out.zone_visits += stays
            visit = Visit(self.camera_id, tid, seen.first, seen.last, seen.entered, role)
            if self._units is not None and self._units.is_entrant(tid):
                self._pending.append(visit)
            else:
                out.visits.append(visit)
        return out

    def _sample(self, ts: datetime) -> list[OccupancySample]:
        """Occupancy of the store and each zone every ``occupancy_every_s``."""
        if self._next_sample is not None and ts < self._next_sample:
            return []
        self._next_sample = ts + timedelta(seconds=self.spec.occupancy_every_s)
        return [OccupancySample(ts, zone, count) for zone, count in self.occupancy_now().items()]
