"""Score what storelens stored for a simulated store against the simulator's exact truth.

The truth comes from the simulated positions themselves (`storelens.sim.truth`), never from
constants: the same seed gives the same people, and the pipeline (detections -> tracking ->
fusion -> analytics -> storage) is judged on what it wrote to the database.

Every stored record counts: a visitor the pipeline broke into three ids shows up as three ids,
three zone stays and three short dwells, never only as the fragment that pairs best.

* Line counts: counted crossings per line and direction against the exact crossings, for the run
  and for each hour of it.
* Zones: stored stays against true stays per zone: their number, total dwell and median dwell
  over all stays; and, for the paired stays (each true stay with the stored stay that overlaps
  it most, one to one), the dwell error relative to the true dwell.
* Occupancy: people on the store floor at each whole second, from the stored fused positions
  (a track counts while it has a point inside the outline in that second), and the peak of each
  minute of the stored occupancy history (the visits that entered, as the dashboard shows it),
  against the truth.
* Visitors: ids per person, continuity, store IDF1 and paths (`storelens.eval.sim_visitors`).
* People: visitor counts with staff left out, staff recognition, staff on the floor and buying
  units (`storelens.eval.sim_people`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from storelens.analytics.records import LineCrossing, Visit, ZoneVisit
from storelens.analytics.staff import staff_camera_id
from storelens.eval.sim_people import PeopleScore, score_people
from storelens.eval.sim_visitors import VisitorScore, score_visitors
from storelens.fusion import STORE_CAMERA_ID
from storelens.geometry.polygons import points_in_polygon
from storelens.sim import truth
from storelens.sim.layout import SimStore
from storelens.sim.people_log import PeopleLog
from storelens.storage.aggregates import minute_counts
from storelens.storage.models import TrackPoints
from storelens.storage.repository import StoreDatabase
from storelens.storage.times import MINUTE_US, to_us

__all__ = [
    "LineScore",
    "SimScore",
    "StoredRecords",
    "ZoneDwellScore",
    "evaluate_simulation",
    "score_simulation",
]

TRACK_TAIL_S = 60.0
"""Records of the last visitors are stamped up to this long after the simulation's end."""

MIN_VISIT_OVERLAP = 0.3
"""Least time IoU at which a stored zone stay can be the same stay as a true one."""


@dataclass(frozen=True, slots=True)
class StoredRecords:
    """What a run stored for the fused store (camera ``store``; positions of the people taken for
    staff under ``store.staff``): the records that are scored."""

    crossings: Sequence[LineCrossing]
    zone_visits: Sequence[ZoneVisit]
    visits: Sequence[Visit]
    positions: TrackPoints

    @classmethod
    def read(cls, db: StoreDatabase, start: datetime, end: datetime) -> StoredRecords:
        """Every record of camera ``store`` (and ``store.staff``) in ``[start, end)``."""
        points = db.positions(start, end)
        mine = np.isin(points.camera_id, [STORE_CAMERA_ID, staff_camera_id(STORE_CAMERA_ID)])
        return cls(
            crossings=[c for c in db.line_crossings(start, end) if c.camera_id == STORE_CAMERA_ID],
            zone_visits=[v for v in db.zone_visits(start, end) if v.camera_id == STORE_CAMERA_ID],
            visits=[v for v in db.visits(start, end) if v.camera_id == STORE_CAMERA_ID],
            positions=TrackPoints(
                points.camera_id[mine], points.track_id[mine], points.ts_us[mine], points.floor_xy_m[mine]
            ),
        )


@dataclass(frozen=True, slots=True)
class LineScore:
    """Counted against true crossings of one line in one direction (``hour``: from the start; -1: the run)."""

    line: str
    direction: str
    truth: int
    measured: int
    hour: int = -1

    @property
    def error(self) -> float:
        """Relative count error (0 when both are 0)."""
        return abs(self.measured - self.truth) / self.truth if self.truth else float(self.measured > 0)


@dataclass(frozen=True, slots=True)
class ZoneDwellScore:
    """Stays in one zone: how many, their total and median dwell (all of them), and the dwell
    errors of the stays that pair one to one."""

    zone: str
    truth_visits: int
    measured_visits: int
    matched: int
    median_truth_dwell_s: float
    median_measured_dwell_s: float
    median_abs_error_s: float
    median_rel_error: float
    total_truth_dwell_s: float = 0.0
    total_measured_dwell_s: float = 0.0

    @property
    def count_error(self) -> float:
        """Signed relative error of the number of stays."""
        return _signed(self.measured_visits, self.truth_visits)

    @property
    def total_dwell_error(self) -> float:
        """Signed relative error of the summed dwell."""
        return _signed(self.total_measured_dwell_s, self.total_truth_dwell_s)

    @property
    def median_dwell_error(self) -> float:
        """Signed relative error of the median dwell over all stays."""
        return _signed(self.median_measured_dwell_s, self.median_truth_dwell_s)


@dataclass(frozen=True, slots=True)
class SimScore:
    """Everything `score_simulation` measured."""

    lines: list[LineScore] = field(default_factory=list)
    hourly_lines: list[LineScore] = field(default_factory=list)
    """Entrance lines per hour from the start (the last hour may be partial)."""
    zones: list[ZoneDwellScore] = field(default_factory=list)
    dwell_median_rel_error: float = float("nan")
    """Median relative dwell error over every paired stay of the scored zones."""
    occupancy_abs_error_p95: float = float("nan")
    """Per second, from the stored positions."""
    occupancy_abs_error_max: float = float("nan")
    occupancy_truth_max: int = 0
    occupancy_minute_error_p95: float = float("nan")
    """Per minute: the stored history's peak against the true peak of the minute."""
    occupancy_minute_stored_max: int = 0
    visitors_truth: int = 0
    visitors: VisitorScore | None = None
    people: PeopleScore | None = None

    def line(self, name: str, direction: str) -> LineScore:
        return next(s for s in self.lines if s.line == name and s.direction == direction)

    @property
    def worst_hourly_entrance_error(self) -> float:
        """Largest relative error of an entrance line in one direction in any hour of the run."""
        return max((s.error for s in self.hourly_lines if s.truth), default=float("nan"))

    def to_dict(self) -> dict:
        out = asdict(self)
        out["lines"] = [asdict(s) | {"error": round(s.error, 4)} for s in self.lines]
        out["hourly_lines"] = [asdict(s) | {"error": round(s.error, 4)} for s in self.hourly_lines]
        out["zones"] = [
            asdict(z) | {k: round(getattr(z, k), 4) for k in ("count_error", "total_dwell_error", "median_dwell_error")}
            for z in self.zones
        ]
        return out

    def text(self) -> str:
        rows = ["line                 dir  truth  measured  error"]
        rows += [f"{s.line:<20} {s.direction:<4} {s.truth:>5}  {s.measured:>8}  {s.error:6.1%}" for s in self.lines]
        if len({s.hour for s in self.hourly_lines}) > 1:
            rows += [
                f"  hour {s.hour:<2} {s.line:<12} {s.direction:<4} {s.truth:>5}  {s.measured:>8}  {s.error:6.1%}"
                for s in self.hourly_lines
            ]
        rows.append("")
        rows.append("zone             stays true/stored (err)  total dwell true/stored (err)  "
                    "median dwell true/stored (err)  paired  paired median error")
        rows += [
            f"{z.zone:<16} {z.truth_visits:>5}/{z.measured_visits:<5} ({z.count_error:+6.1%})  "
            f"{z.total_truth_dwell_s:7.0f}/{z.total_measured_dwell_s:<7.0f} s ({z.total_dwell_error:+6.1%})  "
            f"{z.median_truth_dwell_s:6.1f}/{z.median_measured_dwell_s:<6.1f} s ({z.median_dwell_error:+6.1%})  "
            f"{z.matched:>6}  {z.median_abs_error_s:5.1f} s ({z.median_rel_error:.1%})"
            for z in self.zones
        ]
        rows.append("")
        rows.append(f"visitors (true entries): {self.visitors_truth}")
        if self.visitors is not None:
            v = self.visitors
            rows.append(
                f"stored ids inside the store: {v.stored_ids} for {v.true_people} people "
                f"= {v.ids_per_person:.2f} per person"
            )
            rows.append(
                f"continuity: {v.continuity:.1%} of {v.shoppers} shoppers covered >= 90 % by one id "
                f"(median cover {v.median_cover:.1%}); store IDF1 {v.idf1:.3f} (IDP {v.idp:.3f}, IDR {v.idr:.3f})"
            )
            rows.append(
                f"paths: {v.path_exact:.1%} of {v.paths_scored} shoppers' zone sequences exact, "
                f"mean edit distance {v.path_mean_edit:.2f}"
            )
        if self.people is not None:
            rows.append(self.people.text())
        rows.append(f"median dwell error over all paired stays: {self.dwell_median_rel_error:.1%}")
        rows.append(
            f"store occupancy error per second: p95 {self.occupancy_abs_error_p95:.1f}, "
            f"max {self.occupancy_abs_error_max:.0f} people (true peak {self.occupancy_truth_max})"
        )
        rows.append(
            f"stored occupancy history per minute: peak error p95 {self.occupancy_minute_error_p95:.1f} "
            f"(stored peak {self.occupancy_minute_stored_max}, true peak {self.occupancy_truth_max})"
        )
        return "\n".join(rows)


def score_simulation(
    store: SimStore,
    log: PeopleLog,
    stored: StoredRecords,
    zones: Sequence[str] | None = None,
    end_s: float | None = None,
) -> SimScore:
    """Compare every record a simulated run stored with the truth of the same simulation.

    Args:
        store, log: The simulation.
        stored: What the run stored for the fused store (camera "store").
        zones: Zones whose dwell is scored; None: those with a minimum dwell (displays, queue).
        end_s: Score up to this many seconds after the start (default: the whole log). Stays
            still open at the end are left out on both sides.
    """
    end_s = log.n_frames / log.fps if end_s is None else end_s
    scored_zones = [z for z in store.zones if (z.name in zones if zones is not None else z.min_dwell_s > 0)]
    true_cross = truth.line_crossings(log, store.lines)
    lines = [
        LineScore(
            line.name, direction, true_cross.count(line.name, direction), _count(stored.crossings, line.name, direction)
        )
        for line in store.lines
        for direction in ("in", "out")
    ]
    entrance = [line.name for line in store.lines if line.kind == "entrance"]
    visitors = sum(true_cross.count(name, "in") for name in entrance)
    zone_scores, rel_errors = _score_zones(log, scored_zones, stored.zone_visits, end_s)
    true_counts = truth.occupancy(log, store)[truth.STORE_KEY]  # people on the floor at every frame
    occ_err, occ_truth_max = _occupancy_errors(store, log, true_counts, stored.positions)
    minute_err, minute_stored_max = _minute_occupancy_errors(log, true_counts, stored.visits, end_s)
    return SimScore(
        lines=lines,
        hourly_lines=_hourly_lines(log, true_cross, stored.crossings, entrance, end_s),
        zones=zone_scores,
        dwell_median_rel_error=float(np.median(rel_errors)) if len(rel_errors) else float("nan"),
        occupancy_abs_error_p95=float(np.percentile(occ_err, 95)) if len(occ_err) else float("nan"),
        occupancy_abs_error_max=float(occ_err.max()) if len(occ_err) else float("nan"),
        occupancy_truth_max=occ_truth_max,
        occupancy_minute_error_p95=float(np.percentile(minute_err, 95)) if len(minute_err) else float("nan"),
        occupancy_minute_stored_max=minute_stored_max,
        visitors_truth=visitors,
        visitors=score_visitors(store, log, stored.positions, stored.zone_visits, end_s),
        people=score_people(store, log, stored.crossings, stored.visits, stored.positions, end_s),
    )


def _signed(measured: float, true: float) -> float:
    return (measured - true) / true if true else float(measured > 0)


def _count(crossings: Sequence[LineCrossing], line: str, direction: str) -> int:
    return sum(1 for c in crossings if c.line == line and c.direction.value == direction)


def _hourly_lines(
    log: PeopleLog, true_cross: truth.Crossings, stored: Sequence[LineCrossing], entrance: Sequence[str], end_s: float
) -> list[LineScore]:
    """Entrance crossings per hour from the start, true against stored."""
    hours = max(int(np.ceil(end_s / 3600)), 1)
    out = []
    for hour in range(hours):
        lo, hi = hour * 3600.0, (hour + 1) * 3600.0
        in_hour = [c for c in stored if lo <= _seconds(c.ts, log.start) < hi]
        for name in entrance:
            for direction in ("in", "out"):
                hit = (true_cross.line == name) & (true_cross.direction == direction)
                n_true = int((hit & (true_cross.t_s >= lo) & (true_cross.t_s < hi)).sum())
                out.append(LineScore(name, direction, n_true, _count(in_hour, name, direction), hour))
    return out


def _seconds(ts: datetime, start: datetime) -> float:
    return (ts - start) / timedelta(seconds=1)


def _score_zones(
    log: PeopleLog, zones: Sequence, stored: Sequence[ZoneVisit], end_s: float
) -> tuple[list[ZoneDwellScore], np.ndarray]:
    true_visits = truth.zone_visits(log, zones)
    cutoff_s = min(end_s, (log.n_frames - 1) / log.fps)  # stays still open then are left out on both sides
    scores, all_rel = [], []
    for zone in zones:
        hit = (true_visits.zone == zone.name) & (true_visits.exit_s < cutoff_s)
        t0, t1 = true_visits.enter_s[hit], true_visits.exit_s[hit]
        mine = [v for v in stored if v.zone == zone.name]  # every stored stay, fragments included
        m0 = np.array([_seconds(v.enter_ts, log.start) for v in mine])
        m1 = np.array([_seconds(v.exit_ts, log.start) for v in mine])
        keep = m1 < cutoff_s if len(mine) else np.zeros(0, bool)
        m0, m1 = m0[keep], m1[keep]
        rows, cols = _pair_by_overlap(t0, t1, m0, m1)
        true_dwell, got_dwell = t1[rows] - t0[rows], m1[cols] - m0[cols]
        abs_err = np.abs(got_dwell - true_dwell)
        rel = abs_err / np.maximum(true_dwell, 1e-9)
        all_rel.append(rel)
        scores.append(
            ZoneDwellScore(
                zone=zone.name,
                truth_visits=len(t0),
                measured_visits=len(m0),
                matched=len(rows),
                median_truth_dwell_s=_median(t1 - t0),
                median_measured_dwell_s=_median(m1 - m0),
                median_abs_error_s=_median(abs_err),
                median_rel_error=_median(rel),
                total_truth_dwell_s=float((t1 - t0).sum()),
                total_measured_dwell_s=float((m1 - m0).sum()),
            )
        )
    return scores, np.concatenate(all_rel) if all_rel else np.zeros(0)


def _median(values: np.ndarray) -> float:
    return float(np.median(values)) if len(values) else float("nan")


def _pair_by_overlap(t0: np.ndarray, t1: np.ndarray, m0: np.ndarray, m1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One-to-one pairs of true and stored stays maximising time IoU (pairs below the floor dropped)."""
    if len(t0) == 0 or len(m0) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    inter = np.clip(np.minimum(t1[:, None], m1[None, :]) - np.maximum(t0[:, None], m0[None, :]), 0, None)
    union = np.maximum(t1[:, None], m1[None, :]) - np.minimum(t0[:, None], m0[None, :])
    iou = inter / np.maximum(union, 1e-9)
    rows, cols = linear_sum_assignment(-iou)
    ok = iou[rows, cols] >= MIN_VISIT_OVERLAP
    return rows[ok], cols[ok]


def _occupancy_errors(
    store: SimStore, log: PeopleLog, true_counts: np.ndarray, positions: TrackPoints
) -> tuple[np.ndarray, int]:
    """|stored - true| people on the store floor at each whole second of the log."""
    step = max(int(round(log.fps)), 1)
    seconds = np.arange(0, log.n_frames, step)
    true_at = true_counts[seconds]
    start_us = int(log.start.timestamp() * 1e6)
    sec = (positions.ts_us - start_us) // 1_000_000
    inside = points_in_polygon(positions.floor_xy_m, np.asarray(store.outline)) if len(positions) else np.zeros(0, bool)
    ok = inside & (sec >= 0) & (sec < len(seconds))
    pairs = np.unique(np.stack([sec[ok], positions.track_id[ok]], axis=1), axis=0) if ok.any() else np.zeros((0, 2))
    stored_at = np.bincount(pairs[:, 0].astype(np.int64), minlength=len(seconds))[: len(seconds)]
    return np.abs(stored_at - true_at).astype(np.float64), int(true_at.max()) if len(true_at) else 0


def _minute_occupancy_errors(
    log: PeopleLog, true_counts: np.ndarray, visits: Sequence[Visit], end_s: float
) -> tuple[np.ndarray, int]:
    """|stored - true| peak occupancy of each whole minute, the stored one as the dashboard's history
    computes it (from the visits that entered, `storelens.storage.aggregates.minute_counts`)."""
    frames_per_minute = int(round(60 * log.fps))
    n_minutes = int(min(end_s, log.n_frames / log.fps) // 60)
    if n_minutes == 0:
        return np.zeros(0), 0
    true_peak = true_counts[: n_minutes * frames_per_minute].reshape(n_minutes, frames_per_minute).max(axis=1)
    entered = [v for v in visits if v.entered]
    enter_us = np.array([to_us(v.start_ts) for v in entered], dtype=np.int64)
    exit_us = np.array([to_us(v.end_ts) for v in entered], dtype=np.int64)
    first_minute = to_us(log.start) // MINUTE_US * MINUTE_US
    stored = minute_counts(enter_us, exit_us, first_minute, n_minutes).max_occupancy
    return np.abs(stored - true_peak).astype(np.float64), int(stored.max())


def evaluate_simulation(
    directory: Path,
    n_cameras: int = 4,
    duration_s: float = 3600.0,
    seed: int = 0,
    start: datetime | None = None,
    url: str | None = None,
) -> SimScore:
    """Simulate a store, run the full pipeline on its cameras into a fresh database, and score it.

    Args:
        directory: Folder for the simulated store's config and (default) SQLite database,
            which is emptied first.
        n_cameras, duration_s, seed, start: The simulation (see `make_scenario`).
        url: Database instead of SQLite in ``directory`` (it should be empty: records already
            there would be scored too).
    """
    from storelens.runner import open_store_database
    from storelens.sim.scenario import make_scenario

    scenario = make_scenario(directory, n_cameras=n_cameras, start=start, duration_s=duration_s, seed=seed)
    if url is None:
        db_path = directory / "eval-sim.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{db_path}"
    log = scenario.log
    begin, end = log.start, log.start + timedelta(seconds=duration_s + TRACK_TAIL_S)
    with open_store_database(scenario.config, url) as db:
        scenario.run(db, evaluate=True)
        return score_simulation(scenario.store, log, StoredRecords.read(db, begin, end))
