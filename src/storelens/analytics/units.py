"""Groups as buying units: people who come in together and stay together buy as one.

A family of four makes one purchase, not four: conversion divides receipts by buying units, so
visitors are joined into units as they come in.

1. **Candidates.** Two visitors whose inward crossings of an entrance line are at most
   ``enter_gap_s`` apart may have come together (members of a group walk through a door a
   second or less behind each other; separate parties are seconds to minutes apart).
2. **Together.** While both are on the floor, their common time and the part of it spent within
   ``together_m`` of each other are summed. The pair is judged once it has ``decide_after_s`` of
   common time, or when either visit ends: linked if together for ``together_share`` of it, or
   if they had less than ``min_common_s`` of common time. Two people who came in together are
   one unit unless they are seen apart: in a busy store a visitor's identity often breaks within
   seconds of the door, and a group is then only seen together for a moment, while two parties
   who came in at the same moment by chance head for different displays. A group splits up
   later (the payer queues, the others wait by the door), so the pair is judged on its first
   ``decide_after_s`` together, not on the whole visit.
3. **Units.** Linked visitors form a unit (connected components); its id is the lowest track id
   among its members. A unit is *settled* once every pair touching it is judged and no newcomer
   can join (``enter_gap_s`` after its last member came in); until then a live count treats it
   as provisional.

`pair_linked` and `group_units` are the pure decisions; `UnitTracker` runs them on a stream.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from storelens.analytics.records import FloorPositions

__all__ = ["PairTime", "UnitRule", "UnitTracker", "group_units", "pair_linked"]


@dataclass(frozen=True, slots=True)
class UnitRule:
    """When two visitors are one buying unit (see the module docstring)."""

    enter_gap_s: float = 4.0
    together_m: float = 3.0
    together_share: float = 0.5
    decide_after_s: float = 60.0
    min_common_s: float = 30.0
    enabled: bool = True


@dataclass(slots=True)
class PairTime:
    """Common time of two candidate visitors so far: both on the floor, and within reach of each other."""

    common_s: float = 0.0
    together_s: float = 0.0


def pair_linked(time: PairTime, rule: UnitRule) -> bool:
    """Whether two visitors who came in together are one unit: together for ``together_share`` of
    their common time, or seen together too briefly (under ``min_common_s``) to tell them apart.

    >>> rule = UnitRule(together_share=0.5, min_common_s=30.0)
    >>> [pair_linked(PairTime(*t), rule) for t in ((60.0, 40.0), (60.0, 20.0), (10.0, 0.0))]
    [True, False, True]
    """
    return time.common_s < rule.min_common_s or time.together_s >= rule.together_share * time.common_s


def group_units(members: Iterable[int], links: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Unit id of every member: the lowest id of its connected component under ``links``.

    >>> group_units([5, 6, 7, 9], [(6, 5), (7, 6)])
    {5: 5, 6: 5, 7: 5, 9: 9}
    """
    parent = {m: m for m in members}

    def root(m: int) -> int:
        while parent[m] != m:
            parent[m] = parent[parent[m]]
            m = parent[m]
        return m

    for a, b in links:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {m: root(m) for m in parent}


@dataclass(slots=True)
class _Pair:
    a: int
    b: int
    time: PairTime
    linked: bool | None = None  # None: not judged yet


@dataclass(slots=True)
class _Entrant:
    ts: datetime
    live: bool = True
    answered: bool = False  # its settled unit was handed out


class UnitTracker:
    """Buying units of a stream of tracks (see the module docstring).

    Call `enter` for each inward entrance crossing, `update` with every instant's positions,
    `end` when a track ends, and `unit_of` to get a settled unit (None while it is provisional).
    State is bounded: an entrant is forgotten once its unit is settled and it has ended.

    Args:
        rule: When visitors are one unit.
        max_step_s: Longest time one update stands for.
    """

    def __init__(self, rule: UnitRule, max_step_s: float = 1.0) -> None:
        self.rule = rule
        self.max_step_s = max_step_s
        self._entrants: dict[int, _Entrant] = {}
        self._pairs: list[_Pair] = []
        self._settled: dict[int, int] = {}  # unit of each member of a settled, forgotten unit, until asked
        self._last_ts: datetime | None = None

    def enter(self, track_id: int, ts: datetime) -> None:
        """A track crossed an entrance line inwards (its first such crossing makes it an entrant)."""
        if track_id in self._entrants:
            return
        if self.rule.enabled:
            for other, e in self._entrants.items():
                if abs((ts - e.ts).total_seconds()) <= self.rule.enter_gap_s:
                    # one already gone: never seen together, nor apart (an identity broken at the door)
                    judged = None if e.live else pair_linked(PairTime(), self.rule)
                    self._pairs.append(_Pair(other, track_id, PairTime(), judged))
        self._entrants[track_id] = _Entrant(ts)

    def is_entrant(self, track_id: int) -> bool:
        return track_id in self._entrants or track_id in self._settled

    def update(self, positions: FloorPositions) -> None:
        """Add one instant's common time to the open pairs; judge those that have enough."""
        ts = positions.ts
        dt = 0.0 if self._last_ts is None else min((ts - self._last_ts).total_seconds(), self.max_step_s)
        self._last_ts = ts
        open_pairs = [p for p in self._pairs if p.linked is None]
        if not open_pairs or dt <= 0:
            return
        row = {tid: i for i, tid in enumerate(positions.track_id.tolist())}
        xy = positions.floor_xy_m
        both = [(p, row[p.a], row[p.b]) for p in open_pairs if p.a in row and p.b in row]
        if both:
            ia = np.array([i for _, i, _ in both])
            ib = np.array([j for _, _, j in both])
            near = np.hypot(*(xy[ia] - xy[ib]).T) <= self.rule.together_m
            for (p, _, _), close in zip(both, near.tolist()):
                p.time.common_s += dt
                p.time.together_s += dt if close else 0.0
                if p.time.common_s >= self.rule.decide_after_s:
                    p.linked = pair_linked(p.time, self.rule)

    def end(self, track_id: int) -> None:
        """A track ended: its open pairs are judged on the common time they had."""
        e = self._entrants.get(track_id)
        if e is None:
            return
        e.live = False
        for p in self._pairs:
            if p.linked is None and track_id in (p.a, p.b):
                p.linked = pair_linked(p.time, self.rule)

    def unit_of(self, track_id: int, now: datetime) -> int | None:
        """The settled unit id of an entrant that ended, or None while its unit is provisional.

        Settling forgets the unit's entrants once all have ended (each one's unit is asked for
        once, when its visit is written).
        """
        if track_id in self._settled:
            return self._settled.pop(track_id)
        members = self._component(track_id)
        pairs = [p for p in self._pairs if p.a in members or p.b in members]
        if any(p.linked is None for p in pairs):
            return None
        newest = max(self._entrants[m].ts for m in members)
        if (now - newest).total_seconds() <= self.rule.enter_gap_s:
            return None
        unit = min(members)
        self._entrants[track_id].answered = True
        if not any(self._entrants[m].live for m in members):
            for m in members:
                if not self._entrants.pop(m).answered:
                    self._settled[m] = unit
            self._pairs = [p for p in self._pairs if p.a not in members and p.b not in members]
        return unit

    def flush(self, track_id: int) -> int:
        """The unit of an entrant at the end of the stream: every open pair judged as it stands."""
        if track_id in self._settled:
            return self._settled.pop(track_id)
        for p in self._pairs:
            if p.linked is None:
                p.linked = pair_linked(p.time, self.rule)
        members = self._component(track_id)
        return min(members)

    def tracked(self) -> int:
        """Entrants remembered (bounded: see the class docstring)."""
        return len(self._entrants) + len(self._settled)

    def _component(self, track_id: int) -> set[int]:
        """The entrants linked to ``track_id``, directly or through others, itself included."""
        units = group_units(self._entrants, [(p.a, p.b) for p in self._pairs if p.linked])
        return {m for m, unit in units.items() if unit == units[track_id]}
