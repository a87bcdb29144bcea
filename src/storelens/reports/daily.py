"""The daily report's content: what a store manager reads over coffee about one day of the store.

Each section is read from the database for one local day by its own function (traffic, visits,
zones, alerts), so the HTML and PDF pages (`storelens.reports.daily_html`,
`storelens.reports.daily_pdf`) only lay out numbers worked out once. Days are the store's local
calendar days; last week is the same weekday seven days earlier, compared only when something
was recorded then ("no data", not "+120 vs 0").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from storelens.analytics.capture import capture_rate
from storelens.analytics.staff import Role
from storelens.config import WEEKDAYS, StoreConfig, ZoneKind
from storelens.config.identity import store_id_of
from storelens.pos.conversion import Figures, ZoneFigures
from storelens.reports.conversion import period_conversion
from storelens.reports.crossings import day_bounds, hourly_counts, local_hours, passerby_lines
from storelens.reports.flows import store_people
from storelens.reports.heatmap import HeatmapReport, heatmap_report
from storelens.reports.people import entries_of, split_staff, staff_presence, staff_visits, units_of
from storelens.reports.queue import queue_report
from storelens.storage import STORE_CAMERA_ID, StoreDatabase
from storelens.storage.labels import labelled_crossings
from storelens.storage.times import from_us

__all__ = [
    "MAX_ALERTS_LISTED",
    "AlertRow",
    "DailyReport",
    "DayTraffic",
    "QueueDay",
    "SalesDay",
    "StaffDay",
    "VisitsDay",
    "ZoneDay",
    "ZonesDay",
    "alerts_of_day",
    "change_text",
    "daily_report",
    "duration_text",
    "queues_of_day",
    "report_stem",
    "sales_of_day",
    "staff_of_day",
    "traffic_of_day",
    "visits_of_day",
    "zones_of_day",
]

MAX_ALERTS_LISTED = 15
"""Alerts listed one by one; beyond these the report gives counts per kind and zone only."""


@dataclass(frozen=True, slots=True)
class DayTraffic:
    """Door and pavement counts of one local day.

    Attributes:
        day: The local date.
        recorded: Whether anything was counted that day (a run covered it or a line was crossed):
            False means "no data", not zero visitors.
        entries / exits / passers_by: Crossings inwards and outwards of entrance lines, and of
            passer-by lines in either direction; staff left out (`storelens.reports.people`).
        units: Buying units among ``entries`` (a group who came in together counts once).
        capture_rate: Of the people seen at the front, the share who came in; None without
            passers-by (`storelens.analytics.capture`).
        hours: Local hour of day of each hourly bucket (0-23; an hour repeats on the day
            clocks go back, one is missing on the day they go forward).
        hourly: (len(hours), 3) int64 entries, exits and passers-by per bucket.
    """

    day: date
    recorded: bool
    entries: int
    exits: int
    passers_by: int
    units: int
    capture_rate: float | None
    hours: tuple[int, ...]
    hourly: np.ndarray

    def entries_by_hour(self) -> np.ndarray:
        """(24,) int64 entries per local hour of day (a repeated hour summed)."""
        return np.bincount(np.asarray(self.hours, dtype=np.int64), weights=self.hourly[:, 0], minlength=24).astype(
            np.int64
        )

    def busiest_hour(self) -> tuple[int, int] | None:
        """(local hour, entries) of the hour with the most entries; None when nobody came in."""
        by_hour = self.entries_by_hour()
        if not by_hour.any():
            return None
        hour = int(np.argmax(by_hour))
        return hour, int(by_hour[hour])


@dataclass(frozen=True, slots=True)
class VisitsDay:
    """Visits that began on the day, staff left out.

    Attributes:
        entered: Visits that came into the store (the store's fused visitors on a several-camera store).
        median_s: Their median time on the floor, or None without any.
        peak_people: Most people on the floor at once (per-minute maximum), or None without records.
        peak_at: Local start of the minute it was reached.
    """

    entered: int
    median_s: float | None
    peak_people: int | None
    peak_at: datetime | None


@dataclass(frozen=True, slots=True)
class StaffDay:
    """Staff on the floor over the day (`storelens.reports.people`: the staffing view).

    Attributes:
        hours: Staff-hours on the floor.
        on_duty: Mean staff on the floor over the minutes any was (the open hours' staffing).
        visitors_per_staff: The day's entries per member of staff on duty, None without staff.
    """

    hours: float
    on_duty: float
    visitors_per_staff: float | None


@dataclass(frozen=True, slots=True)
class SalesDay:
    """Till receipts of the day against its buying units (`storelens.reports.conversion`).

    Attributes:
        receipts: Every receipt of the day (sales, returns and voids): 0 means no sales data.
        totals: Conversion, average ticket, sales, sales per unit (None where undefined).
        zones: Per-zone conversion of the zones with categories.
        matched: Receipts matched to the unit that paid them at the till.
    """

    receipts: int
    totals: Figures
    zones: list[ZoneFigures]
    matched: int

    @property
    def recorded(self) -> bool:
        return self.receipts > 0


@dataclass(frozen=True, slots=True)
class QueueDay:
    """One checkout queue over the day (`storelens.reports.queue`: length from its zone visits,
    wait by Little's law).

    Attributes:
        zone: The checkout queue zone.
        open_till_at: Its "open a till" length (0: no alert).
        hours: Local hour of day of each hourly bucket.
        max_length / mean_length: (len(hours),) longest and mean queue in each hour.
        wait_s: Each hour's wait, None in hours nobody was served.
        served: People served over the day.
        day_wait_s: The day's wait (its mean length over its served), None if nobody was.
    """

    zone: str
    open_till_at: int
    hours: tuple[int, ...]
    max_length: np.ndarray
    mean_length: np.ndarray
    wait_s: list[float | None]
    served: int
    day_wait_s: float | None

    @property
    def peak(self) -> tuple[int, int]:
        """(local hour, length) of the longest queue of the day (the first hour it was reached)."""
        i = int(np.argmax(self.max_length))
        return self.hours[i], int(self.max_length[i])

    def longest_wait(self) -> tuple[int, float] | None:
        """(local hour, wait) of the hour with the longest wait, None if nobody was served."""
        waits = [(w, h) for h, w in zip(self.hours, self.wait_s) if w is not None]
        if not waits:
            return None
        wait, hour = max(waits)
        return hour, wait


@dataclass(frozen=True, slots=True)
class ZoneDay:
    """One shoppers' zone on the day.

    Attributes:
        name / kind: The zone.
        visitors: People with a visit to it.
        share: ``visitors`` over the people who came in, or None if none did.
        minutes_per_m2: Visitor-minutes per m2 of its walkable floor: what hot and cold are ranked by.
        visits: Zone visits (a person can visit twice).
        median_dwell_s / p90_dwell_s: Dwell per visit, None without visits.
    """

    name: str
    kind: str
    visitors: int
    share: float | None
    minutes_per_m2: float
    visits: int
    median_dwell_s: float | None
    p90_dwell_s: float | None


@dataclass(frozen=True, eq=False)
class ZonesDay:
    """Zones hottest first, the heatmap they are ranked from, and the staff-only zones left out."""

    zones: list[ZoneDay]
    heatmap: HeatmapReport
    left_out: list[str]

    @property
    def hot(self) -> ZoneDay | None:
        """The hottest zone, if any time was spent in one."""
        return self.zones[0] if len(self.zones) > 1 and self.zones[0].minutes_per_m2 > 0 else None

    @property
    def cold(self) -> ZoneDay | None:
        """The coldest zone (of two or more)."""
        return self.zones[-1] if len(self.zones) > 1 else None


@dataclass(frozen=True, slots=True)
class AlertRow:
    """An alert of the day, its time on the store's clock."""

    ts: datetime
    kind: str
    zone: str
    message: str
    acknowledged: bool


@dataclass(frozen=True, eq=False)
class DailyReport:
    """Everything the daily report shows about ``day``.

    Attributes:
        store_name / store_id: The store (the id names the files).
        day: The local date reported.
        timezone: The store's IANA time zone.
        generated_at: When the report was made (UTC).
        today / last_week: Counts of the day and of the same weekday a week earlier.
        visits: Visits, time in store and the busiest minute.
        zones: Zones ranked, with the day's heatmap.
        sales / sales_last_week: Receipts against buying units, of the day and of last week's.
        staff: Staff on the floor, and visitors per member of staff.
        queues: The checkout queues that had anyone in them.
        queue_zones: Checkout queue zones in the config (none: the store measures no queue).
        alerts: The day's alerts in time order; ``alert_counts`` counts all of them per (kind, zone).
        opening: Local opening intervals of the day as (start, end) minutes after midnight;
            empty when the config gives no opening hours.
    """

    store_name: str
    store_id: str
    day: date
    timezone: str
    generated_at: datetime
    today: DayTraffic
    last_week: DayTraffic
    visits: VisitsDay
    zones: ZonesDay
    sales: SalesDay
    sales_last_week: SalesDay
    staff: StaffDay
    queues: list[QueueDay]
    queue_zones: int
    alerts: list[AlertRow]
    alert_counts: dict[tuple[str, str], int]
    opening: list[tuple[int, int]] = field(default_factory=list)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def weekday(self) -> str:
        """The day's weekday, capitalised ("Saturday")."""
        return WEEKDAYS[self.day.weekday()].capitalize()

    @property
    def title(self) -> str:
        return f"{self.store_name}: daily report for {self.weekday} {self.day.day} {self.day:%B %Y}"

    @property
    def stem(self) -> str:
        """File name of the report without its extension: ``<store id>-<YYYY-MM-DD>``."""
        return report_stem(self.store_id, self.day)

    def chart_hours(self) -> range:
        """Local hours the hourly chart shows: the opening hours, widened to any hour with
        entries on either day; 08:00-20:00 when there are neither."""
        hours = [h for h in range(24) if self.today.entries_by_hour()[h] or self.last_week.entries_by_hour()[h]]
        if self.opening:
            hours += [self.opening[0][0] // 60, (self.opening[-1][1] - 1) // 60]
        if not hours:
            return range(8, 20)
        return range(min(hours), max(hours) + 1)


def report_stem(store_id: str, day: date) -> str:
    """``<store id>-<YYYY-MM-DD>``: the report files' names without extension."""
    return f"{store_id}-{day.isoformat()}"


def change_text(
    now: float, before: float | None, weekday: str, percent_points: bool = False, digits: int = 0
) -> str:
    """How ``now`` compares with last week, as the dashboard writes it: "+12 (+5%) vs 230 last Saturday".

    Args:
        percent_points: ``now`` and ``before`` are rates: their difference in points.
        digits: Decimals of the numbers (2 for money).

    >>> change_text(242, 230, "Saturday")
    '+12 (+5%) vs 230 last Saturday'
    >>> change_text(0.31, 0.335, "Monday", percent_points=True)
    '−2.5 points vs 33.5% last Monday'
    >>> change_text(13.15, 12.3, "Monday", digits=2)
    '+0.85 (+7%) vs 12.30 last Monday'
    >>> change_text(10, None, "Monday")
    'no data for last Monday'
    """
    if before is None:
        return f"no data for last {weekday}"
    diff = now - before
    sign = "+" if diff > 0 else "−" if diff < 0 else "±"
    if percent_points:
        return f"{sign}{abs(100 * diff):.1f} points vs {100 * before:.1f}% last {weekday}"
    pct = f" ({sign}{abs(round(100 * diff / before))}%)" if before > 0 else ""
    return f"{sign}{abs(diff):,.{digits}f}{pct} vs {before:,.{digits}f} last {weekday}"


def duration_text(seconds: float | None, compact: bool = False) -> str:
    """Seconds as the dashboard writes them: "45 s", "3 min 20 s", "1 h 05 min" ("–" for None);
    ``compact``: "45s", "3m20s", "1h05m" (chart labels).

    >>> [duration_text(s) for s in (4.26, 45, 200, 3900, None)]
    ['4.3 s', '45 s', '3 min 20 s', '1 h 05 min', '–']
    >>> [duration_text(s, compact=True) for s in (4.26, 200, 3900)]
    ['4.3s', '3m20s', '1h05m']
    """
    if seconds is None:
        return "–"
    sec, mins, hours = ("s", "m", "h") if compact else (" s", " min", " h")
    gap = "" if compact else " "
    if seconds < 9.95:
        return f"{seconds:.1f}{sec}"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}{sec}"
    if whole < 3600:
        m, s = divmod(whole, 60)
        return f"{m}{mins}{gap}{s}{sec}" if s else f"{m}{mins}"
    minutes = round(seconds / 60)
    return f"{minutes // 60}{hours}{gap}{minutes % 60:02d}{mins}"


def traffic_of_day(config: StoreConfig, db: StoreDatabase, day: date) -> DayTraffic:
    """Entries, exits, passers-by, buying units and capture rate of the local ``day``, in total and
    per local hour, staff left out (crossings read once: the capture rate counts people, so it
    needs each crossing's track)."""
    start, end = day_bounds(day, config.tz)
    visitors, _ = split_staff(labelled_crossings(db.engine, start, end))
    crossings = [c.crossing for c in visitors]
    starts = local_hours(day, config.tz)
    hourly = hourly_counts(config, crossings, starts)
    entries, exits, passers = (int(n) for n in hourly.sum(axis=0))
    passerby = passerby_lines(config)
    return DayTraffic(
        day=day,
        recorded=bool(crossings) or db.recorded(start, end),
        entries=entries,
        exits=exits,
        passers_by=passers,
        units=units_of(entries_of(visitors, passerby), config.units.enter_gap_s).units,
        capture_rate=capture_rate(crossings, passerby),
        hours=tuple(t.astimezone(config.tz).hour for t in starts),
        hourly=hourly,
    )


def staff_of_day(config: StoreConfig, db: StoreDatabase, day: date, entries: int) -> StaffDay:
    """Staff-hours and staff on duty over the day, and ``entries`` per member of staff on duty."""
    start, end = day_bounds(day, config.tz)
    presence = staff_presence(staff_visits(db.engine, start, end), [start], end)
    return StaffDay(
        hours=float(presence.hours[0]),
        on_duty=float(presence.on_duty[0]),
        visitors_per_staff=presence.visitors_per_staff([entries])[0],
    )


def sales_of_day(config: StoreConfig, db: StoreDatabase, day: date) -> SalesDay:
    """The day's receipts against its buying units, in all and per zone."""
    p = period_conversion(config, db, *day_bounds(day, config.tz), "day")
    return SalesDay(receipts=p.receipts_all, totals=p.totals, zones=list(p.zones), matched=p.receipts_matched)


def queues_of_day(config: StoreConfig, db: StoreDatabase, day: date) -> list[QueueDay]:
    """Each checkout queue zone per local hour of the day, those that had anyone in them."""
    starts = local_hours(day, config.tz)
    hours = tuple(t.astimezone(config.tz).hour for t in starts)
    out = []
    for q in queue_report(config, db, starts, day_bounds(day, config.tz)[1]):
        longest = np.array([b.max_length for b in q.buckets], dtype=np.int64)
        if not longest.any():
            continue
        out.append(
            QueueDay(
                zone=q.zone,
                open_till_at=q.open_till_at,
                hours=hours,
                max_length=longest,
                mean_length=np.array([b.mean_length for b in q.buckets]),
                wait_s=[b.wait_s for b in q.buckets],
                served=q.total.served,
                day_wait_s=q.total.wait_s,
            )
        )
    return out


def visits_of_day(config: StoreConfig, db: StoreDatabase, day: date) -> VisitsDay:
    """Visits into the store, their median length, and the most people on the floor at once."""
    start, end = day_bounds(day, config.tz)
    visits = db.visits(start, end)
    if any(v.camera_id == STORE_CAMERA_ID for v in visits):  # the fused visitors, not each camera's view
        visits = [v for v in visits if v.camera_id == STORE_CAMERA_ID]
    came_in = np.array([v.duration_s for v in visits if v.entered and v.role != Role.STAFF], dtype=np.float64)
    peak_people = peak_at = None
    for camera in [STORE_CAMERA_ID, *config.cameras]:
        series = db.occupancy(start, end, camera_id=camera)
        if len(series):
            i = int(np.argmax(series.max_occupancy))
            peak_people = int(series.max_occupancy[i])
            peak_at = from_us(int(series.minute_us[i])).astimezone(config.tz)
            break  # the store's fused count where there is one, else the first camera with records
    return VisitsDay(
        entered=len(came_in),
        median_s=float(np.median(came_in)) if len(came_in) else None,
        peak_people=peak_people,
        peak_at=peak_at,
    )


def zones_of_day(config: StoreConfig, db: StoreDatabase, day: date) -> ZonesDay:
    """Shoppers' zones ranked by time spent per m2 (the heatmap's ranking), with their reach and dwell."""
    start, end = day_bounds(day, config.tz)
    heat = heatmap_report(config, db, start, end)
    dwell: dict[str, list[float]] = {}
    for v in store_people(db.zone_visits(start, end)):
        dwell.setdefault(v.zone, []).append(v.dwell_s)
    zones = []
    for z in heat.zones:
        seconds = np.array(dwell.get(z.name, []), dtype=np.float64)
        median, p90 = (float(s) for s in np.percentile(seconds, [50, 90])) if len(seconds) else (None, None)
        zones.append(ZoneDay(z.name, z.kind, z.visitors, z.share, z.minutes_per_m2, len(seconds), median, p90))
    return ZonesDay(zones=zones, heatmap=heat, left_out=heat.left_out)


def alerts_of_day(
    config: StoreConfig, db: StoreDatabase, day: date
) -> tuple[list[AlertRow], dict[tuple[str, str], int]]:
    """The day's alerts in time order, and how many of each (kind, zone)."""
    start, end = day_bounds(day, config.tz)
    rows, counts = [], {}
    for stored in db.alerts(start, end):
        a = stored.alert
        rows.append(AlertRow(a.ts.astimezone(config.tz), a.kind, a.zone, a.message, stored.acknowledged))
        counts[(a.kind, a.zone)] = counts.get((a.kind, a.zone), 0) + 1
    return rows, counts


def daily_report(config: StoreConfig, db: StoreDatabase, day: date, now: datetime | None = None) -> DailyReport:
    """The report of the local ``day`` of ``config``'s store, read from ``db``.

    Args:
        now: When it is made (default: the clock), printed on it.
    """
    alerts, alert_counts = alerts_of_day(config, db, day)
    today = traffic_of_day(config, db, day)
    hours = config.opening_hours
    return DailyReport(
        store_name=config.name,
        store_id=store_id_of(config),
        day=day,
        timezone=config.timezone,
        generated_at=(now or datetime.now(UTC)).astimezone(UTC),
        today=today,
        last_week=traffic_of_day(config, db, day - timedelta(days=7)),
        visits=visits_of_day(config, db, day),
        zones=zones_of_day(config, db, day),
        sales=sales_of_day(config, db, day),
        sales_last_week=sales_of_day(config, db, day - timedelta(days=7)),
        staff=staff_of_day(config, db, day, today.entries),
        queues=queues_of_day(config, db, day),
        queue_zones=sum(z.kind is ZoneKind.CHECKOUT_QUEUE for z in config.zones),
        alerts=alerts,
        alert_counts=alert_counts,
        opening=hours.minutes(day.weekday()) if hours is not None else [],
    )
