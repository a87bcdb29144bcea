"""A month of simulated history for the daily report's tests, written in seconds.

The demo's shop (`storelens.sim.build_store`) open two hours a day. The report's day and the same
weekday a week before (the two days a daily report reads) are simulated in full
(`storelens.sim.simulate_people`, the demo's traffic profile scaled down) and their exact records
written as the pipeline stores them under the fused ``store`` camera: line crossings, visits
(staff as staff, groups as buying units) and zone visits from the simulator's truth
(`storelens.sim.truth`), heat from every position, and the till's receipts
(`storelens.sim.receipts`). The
other days of the month are those two days' records moved to their date, a random share of the
people kept, so every day differs. (`storelens.sim.history` runs people through the analytics
instead, a minute per day: too slow for a month in a test.)
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from storelens.analytics.records import Alert, Direction, FloorPositions, LineCrossing, Visit, ZoneVisit
from storelens.config import StoreConfig, load_config
from storelens.config.identity import store_id_of
from storelens.pos.receipts import Receipt, to_rows
from storelens.runner import open_store_database
from storelens.sim import build_store, simulate_people, write_store_config
from storelens.sim.arrivals import TrafficProfile
from storelens.sim.history import WEEKDAYS
from storelens.sim.layout import SimStore
from storelens.sim.receipts import simulate_receipts
from storelens.sim.truth import line_crossings, store_visits, zone_visits
from storelens.storage import STORE_CAMERA_ID, StoreDatabase
from storelens.storage.receipts import save_receipts

OPEN, CLOSE = time(12), time(14)
SCALE = 0.35
"""Share of the demo shop's traffic: a couple of hundred visitors a day."""
ID_STRIDE = 1_000_000
"""Track ids of day d start at d.toordinal() * ID_STRIDE, so days never share one."""
HEAT_FRAMES_PER_WRITE = 600
PASSERBY = "passerby"


@dataclass(frozen=True, slots=True)
class DayTruth:
    """What one day put in the database: door and pavement counts, entries per local hour."""

    entries: int
    exits: int
    passers_by: int
    entries_by_hour: dict[int, int]
    receipts: int
    sales: float


@dataclass(frozen=True, eq=False)
class DayRecords:
    """One day's records, as written."""

    crossings: list[LineCrossing]
    visits: list[Visit]
    zone_visits: list[ZoneVisit]
    receipts: list[Receipt]
    payers: list[int]
    """Track id of who paid each receipt."""
    positions: list[FloorPositions] = field(default_factory=list)

    def truth(self, store: SimStore) -> DayTruth:
        """Counts with staff left out, as every report counts."""
        tz = ZoneInfo(store.timezone)
        passerby = {line.name for line in store.lines if line.kind == PASSERBY}
        staff = {v.track_id for v in self.visits if v.role == "staff"}
        visitors = [c for c in self.crossings if c.track_id not in staff]
        door = [c for c in visitors if c.line not in passerby]
        inward = [c for c in door if c.direction is Direction.IN]
        hours = np.array([c.ts.astimezone(tz).hour for c in inward], dtype=np.int64)
        values, counts = np.unique(hours, return_counts=True)
        return DayTruth(
            entries=len(inward),
            exits=len(door) - len(inward),
            passers_by=len(visitors) - len(door),
            entries_by_hour={int(h): int(n) for h, n in zip(values, counts)},
            receipts=len(self.receipts),
            sales=sum(r.total for r in self.receipts),
        )

    def moved(self, days: int, keep: float, rng: np.random.Generator) -> DayRecords:
        """The records ``days`` later, of a random ``keep`` share of the shoppers (staff all kept;
        no positions)."""
        staff = {v.track_id for v in self.visits if v.role == "staff"}
        people = sorted({c.track_id for c in self.crossings} | {v.track_id for v in self.visits})
        kept = {p for p in people if p in staff or rng.random() < keep}
        shift, ids = timedelta(days=days), days * ID_STRIDE
        return DayRecords(
            crossings=[
                dataclasses.replace(c, track_id=c.track_id + ids, ts=c.ts + shift)
                for c in self.crossings
                if c.track_id in kept
            ],
            visits=[
                dataclasses.replace(
                    v,
                    track_id=v.track_id + ids,
                    start_ts=v.start_ts + shift,
                    end_ts=v.end_ts + shift,
                    unit_id=None if v.unit_id is None else v.unit_id + ids,
                )
                for v in self.visits
                if v.track_id in kept
            ],
            zone_visits=[
                dataclasses.replace(
                    z, track_id=z.track_id + ids, enter_ts=z.enter_ts + shift, exit_ts=z.exit_ts + shift
                )
                for z in self.zone_visits
                if z.track_id in kept
            ],
            receipts=[
                Receipt(f"{r.receipt_id}-d{days}", r.ts + shift, r.till, r.total, r.lines)
                for r, payer in zip(self.receipts, self.payers)
                if payer in kept
            ],
            payers=[payer + ids for payer in self.payers if payer in kept],
        )

    def write(self, db: StoreDatabase, store_id: str) -> None:
        db.add_line_crossings(self.crossings)
        db.add_visits(self.visits)
        db.add_zone_visits(self.zone_visits)
        if self.receipts:
            save_receipts(db, store_id, to_rows(self.receipts))
        for k in range(0, len(self.positions), HEAT_FRAMES_PER_WRITE):
            db.add_positions(self.positions[k : k + HEAT_FRAMES_PER_WRITE], heat_only=True)


def month_store(folder: Path) -> tuple[SimStore, StoreConfig]:
    store = dataclasses.replace(build_store(4), opening_hours={d: (f"{OPEN:%H:%M}-{CLOSE:%H:%M}",) for d in WEEKDAYS})
    return store, load_config(write_store_config(store, folder))


def simulate_day(store: SimStore, day: date, seed: int = 0) -> DayRecords:
    """The day's opening hours simulated, as records (and positions for the heat)."""
    tz = ZoneInfo(store.timezone)
    start = datetime.combine(day, OPEN, tz)
    log = simulate_people(
        store,
        start,
        (datetime.combine(day, CLOSE, tz) - start).total_seconds(),
        fps=1.0,
        seed=seed + day.toordinal(),
        profile=TrafficProfile(scale=SCALE),
    )
    offset = day.toordinal() * ID_STRIDE
    at = lambda s: start + timedelta(seconds=float(s))  # noqa: E731
    persons = log.persons
    crossings = line_crossings(log, store.lines)
    visits = store_visits(log, store)
    stays = zone_visits(log, store.zones)
    receipts = simulate_receipts(store, log, seed)
    end_s = log.n_frames / log.fps
    staff = set(persons.with_role("staff").tolist())
    # A group's buying unit is its lowest id (as storelens.analytics.units names units).
    unit = {int(g): int(persons.id[persons.group_id == g].min()) for g in np.unique(persons.group_id) if g >= 0}
    shopper_visits = [
        Visit(STORE_CAMERA_ID, int(p) + offset, at(a), at(b if np.isfinite(b) else end_s), True,
              unit_id=unit[int(persons.group_id[p])] + offset)
        for p, a, b in zip(visits.person_id, visits.enter_s, visits.leave_s)
        if int(p) not in staff
    ]
    staff_visits = [
        Visit(STORE_CAMERA_ID, p + offset, at(max(persons.appear_s[p], 0)), at(min(persons.leave_s[p], end_s)), True,
              role="staff")
        for p in sorted(staff)
    ]
    return DayRecords(
        crossings=[
            LineCrossing(str(line), STORE_CAMERA_ID, int(p) + offset, at(t), Direction(str(d)))
            for line, p, t, d in zip(crossings.line, crossings.person_id, crossings.t_s, crossings.direction)
        ],
        visits=shopper_visits + staff_visits,
        zone_visits=[
            ZoneVisit(str(z), STORE_CAMERA_ID, int(p) + offset, at(a), at(b))
            for z, p, a, b in zip(stays.zone, stays.person_id, stays.enter_s, stays.exit_s)
            if int(p) not in staff
        ],
        receipts=receipts.to_receipts(start),
        payers=[int(p) + offset for p in receipts.payer],
        positions=[
            FloorPositions(STORE_CAMERA_ID, log.ts(k), log.person_id[rows] + offset, log.xy_m[rows])
            for k in range(log.n_frames)
            for rows in [log.frame_rows(k)]
        ],
    )


def fill_month(
    folder: Path, day: date, days: int = 28, seed: int = 0
) -> tuple[SimStore, StoreConfig, dict[date, DayTruth]]:
    """``days`` days of history ending the day after ``day`` (a report never reads ahead), in a
    new store in ``folder``; alerts: two on ``day`` (one acknowledged), one the day before.
    Returns each day's counts."""
    store, config = month_store(folder)
    tz = ZoneInfo(store.timezone)
    rng = np.random.default_rng(seed)
    week_ago = day - timedelta(days=7)
    simulated = {day: simulate_day(store, day, seed), week_ago: simulate_day(store, week_ago, seed)}
    truth = {}
    with open_store_database(config) as db:
        for k in range(days):
            d = day + timedelta(days=1) - timedelta(days=days - 1 - k)
            if d in simulated:
                records = simulated[d]
            else:
                template = day if d > week_ago else week_ago
                records = simulated[template].moved((d - template).days, rng.uniform(0.5, 0.95), rng)
            records.write(db, store_id_of(config))
            truth[d] = records.truth(store)
        noon = datetime.combine(day, time(12, 30), tz)
        ids = db.add_alerts([
            Alert(noon, "restricted_zone", "back_room", STORE_CAMERA_ID, 7, "someone went into the back room"),
            Alert(noon + timedelta(minutes=50), "crowding", "checkout_queue", STORE_CAMERA_ID, None, "queue of 6"),
            Alert(noon - timedelta(days=1), "crowding", "promo", STORE_CAMERA_ID, None, "crowd at the promo stand"),
        ])
        db.acknowledge_alert(ids[0])
    return store, config, truth
