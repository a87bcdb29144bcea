"""Exact ground truth from the simulated positions: what perfect analytics would report.

Everything here is measured on the frame-sampled positions the cameras would see (the same
sampling the pipeline gets), with no hysteresis, inertia or debounce: line crossings are
exact segment intersections between consecutive frames, zone visits are the contiguous runs
of frames inside a polygon. The simulator's own plan (``PeopleLog.plan``) is the other half
of the truth; tests check the two agree.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from storelens.geometry.polygons import points_in_polygon, side_of_line
from storelens.sim.layout import SimLine, SimStore, SimZone
from storelens.sim.people_log import PeopleLog, QueueVisits

__all__ = [
    "Crossings",
    "StoreVisits",
    "Units",
    "ZoneVisits",
    "buying_units",
    "line_crossings",
    "occupancy",
    "queue_waits",
    "store_visits",
    "zone_visits",
]

STORE_KEY = ""
"""Key of the whole store in :func:`occupancy`, as the analytics name it."""

_CHUNK_ROWS = 500_000
"""Polygon tests run on this many positions at a time, bounding their (rows, vertices) temporaries."""


@dataclass(frozen=True, eq=False)
class Crossings:
    """Line crossings, sorted by time. ``direction`` is "in" towards the line's in_side
    (left when it has none, as the analytics default), else "out"."""

    line: np.ndarray
    person_id: np.ndarray
    t_s: np.ndarray
    direction: np.ndarray

    def __len__(self) -> int:
        return len(self.t_s)

    def count(self, line: str, direction: str | None = None) -> int:
        """Crossings of ``line`` (in one direction, or both)."""
        hit = self.line == line
        if direction is not None:
            hit &= self.direction == direction
        return int(hit.sum())


@dataclass(frozen=True, eq=False)
class StoreVisits:
    """Visits through the entrance: in-crossing to the next out-crossing (NaN: still inside)."""

    person_id: np.ndarray
    enter_s: np.ndarray
    leave_s: np.ndarray


@dataclass(frozen=True, eq=False)
class Units:
    """Buying units: the groups of shoppers that came in (one row per group), by first entry.

    Attributes:
        group_id: (u,) the group.
        enter_s: (u,) when its first member crossed the entrance inwards.
        people: (u,) how many of its members came in.
    """

    group_id: np.ndarray
    enter_s: np.ndarray
    people: np.ndarray

    def __len__(self) -> int:
        return len(self.group_id)


@dataclass(frozen=True, eq=False)
class ZoneVisits:
    """Contiguous stays in a zone: first and last frame inside, seconds from the start."""

    zone: np.ndarray
    person_id: np.ndarray
    enter_s: np.ndarray
    exit_s: np.ndarray

    @property
    def dwell_s(self) -> np.ndarray:
        return self.exit_s - self.enter_s


@dataclass(frozen=True, eq=False)
class _Steps:
    """Each person's consecutive-frame movements p0 -> p1 (t0 -> t1)."""

    person_id: np.ndarray
    p0: np.ndarray
    p1: np.ndarray
    t0: np.ndarray
    t1: np.ndarray


def _steps(log: PeopleLog) -> _Steps:
    order = log.by_person()
    pid, xy, t = log.person_id[order], log.xy_m[order], log.frame_index[order] / log.fps
    same = pid[1:] == pid[:-1]
    return _Steps(pid[1:][same], xy[:-1][same], xy[1:][same], t[:-1][same], t[1:][same])


def line_crossings(log: PeopleLog, lines: Sequence[SimLine]) -> Crossings:
    """Every crossing of every line by the movement between a person's consecutive frames.

    A position exactly on a line counts as on its right-hand side (the sides are half-planes
    that share no point), so each passage from one side to the other counts once.
    """
    steps = _steps(log)
    parts = []
    for line in lines:
        a, b = np.asarray(line.a, dtype=np.float64), np.asarray(line.b, dtype=np.float64)
        s0, s1 = side_of_line(steps.p0, a, b), side_of_line(steps.p1, a, b)
        idx = np.flatnonzero((s0 > 0) != (s1 > 0))
        u = s0[idx] / (s0[idx] - s1[idx])
        hit = steps.p0[idx] + u[:, None] * (steps.p1[idx] - steps.p0[idx])
        along = (hit - a) @ (b - a) / float((b - a) @ (b - a))
        ok = (along >= 0) & (along <= 1)
        idx, u = idx[ok], u[ok]
        towards_left = s1[idx] > 0
        inward = towards_left if (line.in_side or "left") == "left" else ~towards_left
        t = steps.t0[idx] + u * (steps.t1[idx] - steps.t0[idx])
        parts.append((np.full(len(idx), line.name), steps.person_id[idx], t, np.where(inward, "in", "out")))
    if not parts:
        return Crossings(np.zeros(0, str), np.zeros(0, np.int64), np.zeros(0), np.zeros(0, str))
    line_col, pid, t, direction = (np.concatenate(col) for col in zip(*parts))
    order = np.lexsort((pid, t))
    return Crossings(line_col[order], pid[order], t[order], direction[order])


def store_visits(log: PeopleLog, store: SimStore, roles: Collection[str] | None = ("shopper",)) -> StoreVisits:
    """Visits: each inward crossing of an entrance line paired with that person's next crossing
    if it is outward (NaN leave if they are still inside at the end).

    Args:
        roles: Whose crossings count: shoppers by default (staff who step out to the pavement
            and come back are not visits); None: everyone's.
    """
    crossings = line_crossings(log, [line for line in store.lines if line.kind == "entrance"])
    if roles is not None:
        keep = np.isin(log.persons.role[crossings.person_id], list(roles))
        crossings = Crossings(*(getattr(crossings, f)[keep] for f in ("line", "person_id", "t_s", "direction")))
    order = np.lexsort((crossings.t_s, crossings.person_id))
    pid, t, inward = crossings.person_id[order], crossings.t_s[order], crossings.direction[order] == "in"
    nxt_same = np.append(pid[1:] == pid[:-1], False)
    nxt_out = np.append(~inward[1:], False)
    idx = np.flatnonzero(inward)
    leave = np.where(nxt_same[idx] & nxt_out[idx], np.append(t[1:], np.nan)[idx], np.nan)
    return StoreVisits(pid[idx], t[idx], leave)


def buying_units(log: PeopleLog, store: SimStore) -> Units:
    """The groups of shoppers that came in through the entrance: each is one buying unit (one
    member pays), whatever its size, as long as at least one member came in."""
    visits = store_visits(log, store)
    if not len(visits.person_id):
        return Units(np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.int64))
    group = log.persons.group_id[visits.person_id]
    order = np.lexsort((visits.enter_s, group))
    group, enter, person = group[order], visits.enter_s[order], visits.person_id[order]
    first = np.append(True, group[1:] != group[:-1])
    people = np.array([len(np.unique(p)) for p in np.split(person, np.flatnonzero(first)[1:])], dtype=np.int64)
    by_time = np.argsort(enter[first], kind="stable")
    return Units(group[first][by_time], enter[first][by_time], people[by_time] if len(people) else people)


def _inside(xy: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Polygon membership of many points; only those in its bounding box are tested exactly."""
    lo, hi = polygon.min(axis=0), polygon.max(axis=0)
    candidates = np.flatnonzero(np.all((xy >= lo) & (xy <= hi), axis=1))
    inside = np.zeros(len(xy), bool)
    for i in range(0, len(candidates), _CHUNK_ROWS):
        rows = candidates[i : i + _CHUNK_ROWS]
        inside[rows] = points_in_polygon(xy[rows], polygon)
    return inside


def zone_visits(log: PeopleLog, zones: Sequence[SimZone]) -> ZoneVisits:
    """Each person's contiguous runs of frames inside each zone, dropping runs shorter than
    the zone's ``min_dwell_s`` (passing through), sorted by enter time."""
    order = log.by_person()
    pid, xy, frame = log.person_id[order], log.xy_m[order], log.frame_index[order]
    joined = np.append(False, (pid[1:] == pid[:-1]) & (np.diff(frame) == 1))
    parts = []
    for zone in zones:
        inside = _inside(xy, zone.polygon)
        starts = np.flatnonzero(inside & ~(joined & np.append(False, inside[:-1])))
        ends = np.flatnonzero(inside & ~(np.append(joined[1:], False) & np.append(inside[1:], False)))
        enter, leave = frame[starts] / log.fps, frame[ends] / log.fps
        keep = leave - enter >= zone.min_dwell_s
        parts.append((np.full(int(keep.sum()), zone.name), pid[starts][keep], enter[keep], leave[keep]))
    if not parts:
        return ZoneVisits(np.zeros(0, str), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    name, person, enter, leave = (np.concatenate(col) for col in zip(*parts))
    order = np.lexsort((person, enter))
    return ZoneVisits(name[order], person[order], enter[order], leave[order])


def occupancy(log: PeopleLog, store: SimStore, roles: Collection[str] | None = None) -> dict[str, np.ndarray]:
    """People inside the store outline (key ``""``) and inside each zone at every frame.

    Args:
        roles: Count only these roles (e.g. ``{"shopper"}``); None counts everyone, staff
            included, as cameras do.

    Returns:
        Name -> (n_frames,) int64 counts.
    """
    rows = np.ones(len(log), bool) if roles is None else np.isin(log.persons.role[log.person_id], list(roles))
    xy, frame = log.xy_m[rows], log.frame_index[rows]
    areas = {STORE_KEY: store.outline} | {zone.name: zone.polygon for zone in store.zones}
    return {name: np.bincount(frame[_inside(xy, polygon)], minlength=log.n_frames) for name, polygon in areas.items()}


def queue_waits(log: PeopleLog) -> QueueVisits:
    """Checkout visits from the simulation's queue pass: join, service start and end (FIFO order)."""
    return log.plan.queue
