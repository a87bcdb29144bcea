"""What a store manager asks, answered from the database for a time range.

Staff are left out of every count of visitors, visits and dwell (`storelens.reports.people`),
and reported on their own: staff-hours, staff on duty and visitors per staff member. Entries are
counted as people and as buying units.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from storelens.analytics import Direction, zone_paths
from storelens.analytics.capture import capture_rate
from storelens.analytics.staff import Role
from storelens.config import StoreConfig
from storelens.demographics import AGE_BANDS
from storelens.reports.conversion import ConversionReport, conversion_report
from storelens.reports.heatmap import heatmap_report
from storelens.reports.people import entries_of, split_staff, staff_presence, staff_visits, units_of
from storelens.storage import STORE_CAMERA_ID, StoreDatabase, ZoneStats
from storelens.storage.labels import labelled_crossings
from storelens.storage.times import HOUR_US, from_us, to_us

__all__ = ["StoreStats", "store_stats"]

TOP_N = 5
"""Paths and path steps listed in the text report."""


@dataclass(slots=True)
class StoreStats:
    """Counts, dwell and occupancy for a time range.

    Attributes:
        start / end: The range (aware datetimes).
        timezone: The store's IANA time zone; the text and JSON give their times in it (JSON as
            ISO times with the offset, text as local times with the zone named once).
        entries / exits: Per entrance line, people crossing inwards / outwards.
        passers_by: Per passer-by line, crossings in either direction.
        capture_rate: Of the people seen at the front (passer-by line or door), the share who
            came in (`storelens.analytics.capture`); None without passers-by.
        visits: Tracks the analytics followed (fused visitors on a several-camera store), each
            stored as a visit; ``entered_visits`` of them came into the store (``visits`` minus
            those are people seen only outside, passers-by).
        median_visit_s: Median time on the floor per visit that came in.
        zones: Visits and dwell per zone.
        peak_occupancy: Most people at once on the floor, per camera (``store``: the fused store).
        zone_heat: Visitor-minutes per m2 of walkable floor per zone, hottest first (staff-only
            zones left out, as on the heatmap).
        transitions: (from zone, to zone, people) rows, most travelled first.
        top_paths: (zones in order, people) for the most common whole paths.
        hourly: (hour, line, direction, count) rows; the hour is an ISO time with the store's offset.
        alerts: Alerts raised in the range, {zone: {kind: count}}.
        demographics: Visits with an age and gender estimate (cameras with demographics on),
            {age band: {gender: count}}.
        conversion: Receipts against buying units, per zone (`storelens.reports.conversion`), per
            hour for a range of up to two days, per day beyond.
        units: Buying units among the entries (people who came in together and stayed together
            count once); ``provisional_units`` of them still have visitors inside.
        staff_hours: Staff-hours on the floor (visits recognised as staff); ``staff_on_duty`` the
            mean number of staff over the minutes any was, ``visitors_per_staff`` the entries over
            that (None without staff).
    """

    start: datetime
    end: datetime
    timezone: str = "UTC"
    entries: dict[str, int] = field(default_factory=dict)
    exits: dict[str, int] = field(default_factory=dict)
    passers_by: dict[str, int] = field(default_factory=dict)
    capture_rate: float | None = None
    visits: int = 0
    entered_visits: int = 0
    median_visit_s: float | None = None
    zones: dict[str, ZoneStats] = field(default_factory=dict)
    peak_occupancy: dict[str, int] = field(default_factory=dict)
    zone_heat: dict[str, float] = field(default_factory=dict)
    transitions: list[tuple[str, str, int]] = field(default_factory=list)
    top_paths: list[tuple[list[str], int]] = field(default_factory=list)
    hourly: list[tuple[str, str, str, int]] = field(default_factory=list)
    alerts: dict[str, dict[str, int]] = field(default_factory=dict)
    demographics: dict[str, dict[str, int]] = field(default_factory=dict)
    conversion: ConversionReport | None = None
    units: int = 0
    provisional_units: int = 0
    staff_hours: float = 0.0
    staff_on_duty: float = 0.0
    visitors_per_staff: float | None = None

    def to_dict(self) -> dict[str, object]:
        out = asdict(self)
        out["start"], out["end"] = (self._local(t).isoformat() for t in (self.start, self.end))
        out["conversion"] = None if self.conversion is None else self.conversion.to_dict()
        return out

    def _local(self, t: datetime) -> datetime:
        return t.astimezone(ZoneInfo(self.timezone))

    def to_text(self) -> str:
        start, end = self._local(self.start), self._local(self.end)
        end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
        lines = [f"{start:%Y-%m-%d %H:%M} to {end_text} ({self.timezone} time)"]
        for name in sorted(set(self.entries) | set(self.exits)):
            lines.append(f"entrance {name}: {self.entries.get(name, 0)} in, {self.exits.get(name, 0)} out")
        for name, n in sorted(self.passers_by.items()):
            lines.append(f"passers-by {name}: {n}")
        if self.capture_rate is not None:
            lines.append(f"capture rate: {self.capture_rate:.1%} of the people passing the front came in")
        provisional = f" ({self.provisional_units} provisional: still inside)" if self.provisional_units else ""
        people = sum(self.entries.values())
        lines.append(f"visitors in: {people} people, {self.units} buying units{provisional} (staff left out)")
        if self.staff_hours:
            per_staff = f"{self.visitors_per_staff:.1f}" if self.visitors_per_staff is not None else "n/a"
            lines.append(
                f"staff: {self.staff_hours:.1f} staff-hours on the floor, {self.staff_on_duty:.1f} on duty on "
                f"average, {per_staff} visitors per staff member"
            )
        median = f", median {self.median_visit_s:.0f} s on the floor" if self.median_visit_s is not None else ""
        lines.append(f"visits into the store: {self.entered_visits}{median}")
        lines.append(f"people seen only outside (passers-by): {self.visits - self.entered_visits}")
        for cam, peak in sorted(self.peak_occupancy.items()):
            lines.append(f"peak occupancy ({cam}): {peak}")
        for name, z in sorted(self.zones.items()):
            lines.append(
                f"zone {name}: {z.visits} visits, dwell median {z.median_dwell_s:.1f} s, "
                f"mean {z.mean_dwell_s:.1f} s, p90 {z.p90_dwell_s:.1f} s"
            )
        if self.zone_heat:
            ranked = ", ".join(f"{name} {v:.3g}" for name, v in self.zone_heat.items())
            lines.append(f"zone heat, visitor-minutes per m2, hottest first: {ranked}")
        for a, b, n in self.transitions[:TOP_N]:
            lines.append(f"path step {a} -> {b}: {n}")
        for zones, n in self.top_paths:
            lines.append(f"path {' -> '.join(zones)}: {n}")
        for zone, kinds in sorted(self.alerts.items()):
            lines.append(f"alerts {zone}: " + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())))
        if self.demographics:
            total = sum(n for genders in self.demographics.values() for n in genders.values())
            lines.append(f"visits with an age and gender estimate: {total}")
        for band, genders in self.demographics.items():
            lines.append(f"age {band}: " + ", ".join(f"{n} {gender}" for gender, n in sorted(genders.items())))
        if self.conversion is not None:
            lines.extend(self.conversion.text_lines())
        lines.extend(self._hourly_text(start.date() != (end - timedelta(microseconds=1)).date()))
        return "\n".join(lines)

    def _hourly_text(self, with_date: bool) -> list[str]:
        """One row per hour with crossings, in local time: entrances in/out, then passers-by."""
        kinds = {name: "passerby" for name in self.passers_by}
        hours: dict[str, dict[str, dict[str, int]]] = {}
        for hour, line, direction, n in self.hourly:
            hours.setdefault(hour, {}).setdefault(line, {})[direction] = n
        rows = []
        for hour, per_line in hours.items():
            t = datetime.fromisoformat(hour)
            label = f"{t:%Y-%m-%d %H:%M}" if with_date else f"{t:%H:%M}"
            parts = []
            for line, counts in sorted(per_line.items(), key=lambda kv: (kv[0] in kinds, kv[0])):
                if line in kinds:
                    parts.append(f"{line} {sum(counts.values())} passers-by")
                else:
                    parts.append(f"{line} {counts.get('in', 0)} in, {counts.get('out', 0)} out")
            rows.append(f"hour {label}: " + "; ".join(parts))
        return rows


def store_stats(config: StoreConfig, db: StoreDatabase, start: datetime, end: datetime) -> StoreStats:
    """Counts, dwell and occupancy of ``config``'s store between ``start`` and ``end``."""
    stats = StoreStats(start, end, timezone=config.timezone)
    kinds = {line.name: str(line.kind) for line in config.lines}
    visitors, _ = split_staff(labelled_crossings(db.engine, start, end))
    crossings = [c.crossing for c in visitors]
    per_hour = Counter((to_us(c.ts) // HOUR_US, c.line, Direction(c.direction)) for c in crossings)
    for (hour_us, line, direction), n in sorted(per_hour.items(), key=lambda kv: (kv[0][0], kv[0][1], kv[0][2].value)):
        hour = from_us(hour_us * HOUR_US).astimezone(config.tz).isoformat()
        stats.hourly.append((hour, line, direction.value, n))
        if kinds.get(line) == "passerby":
            stats.passers_by[line] = stats.passers_by.get(line, 0) + n
        elif direction is Direction.IN:
            stats.entries[line] = stats.entries.get(line, 0) + n
        else:
            stats.exits[line] = stats.exits.get(line, 0) + n
    passerby = {name for name, kind in kinds.items() if kind == "passerby"}
    stats.capture_rate = capture_rate(crossings, passerby)
    units = units_of(entries_of(visitors, passerby), config.units.enter_gap_s)
    stats.units, stats.provisional_units = units.units, units.provisional
    staff = staff_presence(staff_visits(db.engine, start, end), [start], end)
    stats.staff_hours, stats.staff_on_duty = round(float(staff.hours[0]), 3), round(float(staff.on_duty[0]), 3)
    stats.visitors_per_staff = staff.visitors_per_staff([sum(stats.entries.values())])[0]
    visits = [v for v in db.visits(start, end) if v.role != Role.STAFF]
    stats.visits = len(visits)
    came_in = [v.duration_s for v in visits if v.entered]
    stats.entered_visits = len(came_in)
    if came_in:
        stats.median_visit_s = float(np.median(came_in))
    stats.zones = db.zone_stats(start, end)
    for count in db.demographic_counts(start, end):
        genders = stats.demographics.setdefault(count.age_band, {})
        genders[count.gender] = genders.get(count.gender, 0) + count.visits
    stats.demographics = {band: stats.demographics[band] for band in AGE_BANDS if band in stats.demographics}
    for camera in [*config.cameras, STORE_CAMERA_ID]:  # a several-camera store's records are the fused "store"
        series = db.occupancy(start, end, camera_id=camera)
        if len(series):
            stats.peak_occupancy[camera] = int(series.max_occupancy.max())
    transitions, paths = zone_paths(db.zone_visits(start, end))
    stats.transitions = [(a, b, n) for (a, b), n in transitions.most_common()]
    stats.top_paths = [(list(p), n) for p, n in paths.most_common(TOP_N)]
    stats.zone_heat = {z.name: z.minutes_per_m2 for z in heatmap_report(config, db, start, end).zones}
    for stored in db.alerts(start, end):
        kinds = stats.alerts.setdefault(stored.alert.zone, {})
        kinds[stored.alert.kind] = kinds.get(stored.alert.kind, 0) + 1
    stats.conversion = conversion_report(config, db, start, end, "hour" if end - start <= timedelta(days=2) else "day")
    return stats
