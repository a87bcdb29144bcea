"""Staff and buying units of a simulated store against its truth, on every stored record.

* **Visitor counts**: the shoppers' inward (and outward) crossings of the entrance against the
  stored ones with staff left out, as every report counts them (`storelens.reports.people`); the
  count with staff left in is given beside, to show what leaving them out is worth.
* **Staff**: each true person's seconds inside the store outline are matched to stored ids
  (`storelens.eval.sim_visitors.match_seconds`); the staff share recognised is the share of the
  staff's seconds spent on ids whose visit ended as staff (unmatched seconds count as missed), and
  the shoppers taken for staff the share of shoppers' seconds on such ids (and of shoppers with
  most of their matched seconds on them). Staff on the floor: the true mean number of staff inside
  the outline against the mean the staffing view reads from the staff visits.
* **Buying units**: the groups of shoppers that came in (`storelens.sim.truth.buying_units`)
  against the stored units of the counted entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from storelens.analytics.records import LineCrossing, Visit
from storelens.analytics.staff import Role
from storelens.config import UnitsConfig
from storelens.eval.sim_visitors import match_seconds
from storelens.reports.people import entries_of, split_staff, staff_presence, units_of
from storelens.sim import truth
from storelens.sim.layout import SimStore
from storelens.sim.people_log import PeopleLog
from storelens.storage.labels import LabelledCrossing, VisitLabel, label_at
from storelens.storage.models import TrackPoints
from storelens.storage.times import to_us

__all__ = ["PeopleScore", "score_people"]


@dataclass(frozen=True, slots=True)
class PeopleScore:
    """Visitor counts with staff present, staff recognition and buying units (see the module)."""

    true_entries: int
    entries: int
    entries_with_staff: int
    true_exits: int
    exits: int
    staff_s: int
    """True staff person-seconds inside the store outline."""
    staff_recognised: float
    shopper_s: int
    shopper_s_as_staff: float
    shoppers: int
    shoppers_as_staff: float
    true_staff_on_floor: float
    staff_on_floor: float
    true_units: int
    units: int
    true_unit_people: int
    """Shoppers' entries of the true units (equals ``true_entries``)."""

    @property
    def entries_error(self) -> float:
        return _signed(self.entries, self.true_entries)

    @property
    def exits_error(self) -> float:
        return _signed(self.exits, self.true_exits)

    @property
    def units_error(self) -> float:
        return _signed(self.units, self.true_units)

    def text(self) -> str:
        return "\n".join(
            [
                f"visitors in (staff left out): {self.entries} / true {self.true_entries} ({self.entries_error:+.1%}); "
                f"with staff {self.entries_with_staff}; out {self.exits} / {self.true_exits} ({self.exits_error:+.1%})",
                f"staff recognised: {self.staff_recognised:.1%} of {self.staff_s} staff-seconds; shoppers taken for "
                f"staff: {self.shopper_s_as_staff:.2%} of {self.shopper_s} shopper-seconds, "
                f"{self.shoppers_as_staff:.2%} of {self.shoppers} shoppers",
                f"staff on the floor: {self.staff_on_floor:.2f} / true {self.true_staff_on_floor:.2f}",
                f"buying units: {self.units} / true {self.true_units} ({self.units_error:+.1%}) for "
                f"{self.true_unit_people} people",
            ]
        )


def score_people(
    store: SimStore,
    log: PeopleLog,
    crossings: Sequence[LineCrossing],
    visits: Sequence[Visit],
    positions: TrackPoints,
    end_s: float,
    enter_gap_s: float = UnitsConfig().enter_gap_s,
) -> PeopleScore:
    """Score the stored records of the fused store (one run) against the simulation's truth."""
    labels: dict[int, list[tuple[int, int, VisitLabel]]] = {}
    for v in visits:
        if v.role != Role.VISITOR or v.unit_id is not None:
            span = (to_us(v.start_ts), to_us(v.end_ts))
            labels.setdefault(v.track_id, []).append((*span, VisitLabel(v.role, v.unit_id)))
    labelled = [LabelledCrossing(c, 0, label_at(labels.get(c.track_id, []), to_us(c.ts))) for c in crossings]
    visitors, _ = split_staff(labelled)
    passerby = {line.name for line in store.lines if line.kind == "passerby"}
    entrance = {line.name for line in store.lines if line.kind == "entrance"}
    entries = entries_of(visitors, passerby)
    exits = [c for c in visitors if c.crossing.line in entrance and c.crossing.direction.value == "out"]
    true_cross = truth.line_crossings(log, [line for line in store.lines if line.name in entrance])
    shopper = log.persons.role[true_cross.person_id] == "shopper"
    in_time = true_cross.t_s < end_s
    true_units = truth.buying_units(log, store)
    return PeopleScore(
        true_entries=int((shopper & in_time & (true_cross.direction == "in")).sum()),
        entries=len(entries),
        entries_with_staff=len(entries_of(labelled, passerby)),
        true_exits=int((shopper & in_time & (true_cross.direction == "out")).sum()),
        exits=len(exits),
        **_staff(store, log, visits, positions, end_s),
        true_units=int((true_units.enter_s < end_s).sum()),
        units=units_of(entries, enter_gap_s).units,
        true_unit_people=int(true_units.people[true_units.enter_s < end_s].sum()),
    )


def _staff(store: SimStore, log: PeopleLog, visits: Sequence[Visit], positions: TrackPoints, end_s: float) -> dict:
    matched = match_seconds(store, log, positions, end_s)
    longest: dict[int, Visit] = {}  # an id found again after its visit ended has several: the longest says
    for v in visits:
        if v.track_id not in longest or v.duration_s > longest[v.track_id].duration_s:
            longest[v.track_id] = v
    staff_ids = {tid for tid, v in longest.items() if v.role == Role.STAFF}
    role = log.persons.role
    on_staff: dict[int, int] = {}
    on_any: dict[int, int] = {}
    for (person, sid), n in matched.pairs.items():
        on_any[person] = on_any.get(person, 0) + n
        if sid in staff_ids:
            on_staff[person] = on_staff.get(person, 0) + n

    def share(people: list[int]) -> tuple[int, float]:
        total = sum(matched.seconds[p] for p in people)
        return total, sum(on_staff.get(p, 0) for p in people) / total if total else float("nan")

    staff = [p for p in matched.seconds if role[p] == "staff"]
    shoppers = [p for p in matched.seconds if role[p] == "shopper"]
    staff_s, recognised = share(staff)
    shopper_s, as_staff = share(shoppers)
    taken = [on_staff.get(p, 0) > 0.5 * on_any[p] for p in shoppers if on_any.get(p)]
    start, end = log.start, log.start + timedelta(seconds=end_s)
    spans = [(to_us(v.start_ts), to_us(v.end_ts)) for v in visits if v.role == Role.STAFF]
    n_seconds = int(end_s)
    return {
        "staff_s": staff_s,
        "staff_recognised": recognised,
        "shopper_s": shopper_s,
        "shopper_s_as_staff": as_staff,
        "shoppers": len(shoppers),
        "shoppers_as_staff": float(np.mean(taken)) if taken else float("nan"),
        "true_staff_on_floor": staff_s / n_seconds if n_seconds else float("nan"),
        "staff_on_floor": float(staff_presence(spans, [start], end).hours[0] * 3600 / end_s),
    }


def _signed(measured: float, true: float) -> float:
    return (measured - true) / true if true else float(measured > 0)
