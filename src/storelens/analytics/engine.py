"""One camera's (or the fused store's) analytics, frame by frame.

`StoreAnalytics.update` takes where tracked people stand at an instant and returns what
happened: counted line crossings, finished zone visits, finished store visits, occupancy
samples and restricted-zone alerts. The same inputs in the same order always give the same
outputs, so a live run and an offline re-run of the recorded tracks agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from storelens.analytics.alerts import ZoneAlerts
from storelens.analytics.lines import LineCounter, LineSpec
from storelens.analytics.records import (
    Alert,
    Direction,
    FloorPositions,
    LineCrossing,
    OccupancySample,
    Visit,
    ZoneVisit,
)
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
    """

    lines: tuple[LineSpec, ...] = ()
    zones: tuple[ZoneSpec, ...] = ()
    store_polygon_m: tuple[tuple[float, float], ...] | None = None
    track_timeout_s: float = 10.0
    occupancy_every_s: float = 1.0


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
        self._store = None if spec.store_polygon_m is None else np.asarray(spec.store_polygon_m, dtype=np.float64)
        self._seen: dict[int, _Seen] = {}
        self._store_inside: set[int] = set()
        self._next_sample: datetime | None = None

    def update(self, positions: FloorPositions) -> AnalyticsEvents:
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
        out.zone_visits += self._zones.update(positions)
        out.alerts += self._alerts.update(positions, self._zones)
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
        gone = [tid for tid, s in self._seen.items() if (ts - s.last).total_seconds() > self.spec.track_timeout_s]
        out.extend(self._end(gone, ts))
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
        return out

    def occupancy_now(self) -> dict[str, int]:
        """Live occupancy: the store (key ``STORE_ZONE``) and each zone."""
        store = len(self._store_inside) if self._store is not None else len(self._seen)
        return {STORE_ZONE: store, **self._zones.occupancy()}

    def _record(self, events: AnalyticsEvents) -> None:
        """Remember which live tracks came in through an entrance (for their visit record; without a
        store outline the entrance is the only sign of it)."""
        for c in events.crossings:
            if c.line in self._entrances and c.direction is Direction.IN and c.track_id in self._seen:
                self._seen[c.track_id].entered = True

    def _end(self, track_ids: list[int], ts: datetime) -> AnalyticsEvents:
        out = AnalyticsEvents()
        if not track_ids:
            return out
        for counter in self._lines:
            counter.end_tracks(track_ids, ts)
        out.zone_visits = self._zones.end_tracks(track_ids)
        self._alerts.end_tracks(track_ids)
        for tid in track_ids:
            seen = self._seen.pop(tid)
            self._store_inside.discard(tid)
            out.visits.append(Visit(self.camera_id, tid, seen.first, seen.last, seen.entered))
        return out

    def _sample(self, ts: datetime) -> list[OccupancySample]:
        """Occupancy of the store and each zone every ``occupancy_every_s``."""
        if self._next_sample is not None and ts < self._next_sample:
            return []
        self._next_sample = ts + timedelta(seconds=self.spec.occupancy_every_s)
        return [OccupancySample(ts, zone, count) for zone, count in self.occupancy_now().items()]
