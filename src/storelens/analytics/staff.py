"""Staff told from shoppers without faces: where a person goes, which door they use, what they wear.

Each visit (a track of the store's fused visitors, or of a lone camera) gathers evidence while it
lasts, and is judged staff by the first cue that holds:

1. **Staff door.** The visit begins or ends in a ``staff_door`` zone (the floor just inside a door
   only staff use): the person came in or left through it. A badge reader at that door (issue 17)
   would bind its badge events to the track passing it; that is a cue of the same kind.
2. **Uniform.** The visit's upper-body colours (the tracker's hue-saturation histograms, averaged
   over the visit) fall within a uniform colour for at least ``uniform_match`` of their mass:
   configured (``staff.uniform_colours``), or learned from the people seen in staff-only zones
   (``staff.learn_uniform``).
3. **Staff zones.** ``staff_zone_s`` seconds or more in ``staff_only`` zones (behind the counter,
   the stockroom): shoppers do not go there, and a few seconds at an edge is position noise. But
   when there is a uniform and the visit is plainly out of it (under ``not_uniform``), the staff
   zones must hold most of the visit: fusion sometimes hands the cashier's identity to the
   customer being served across the counter, who then walks off with it.

`is_staff` is the pure decision; `StaffRecogniser` gathers the evidence track by track, and also
answers while a visit lasts (a provisional role, which the run uses to keep staff out of the
heatmap from the moment they are recognised).
"""

from __future__ import annotations

import colorsys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import numpy as np

from storelens.analytics.records import FloorPositions
from storelens.geometry.polygons import points_in_polygon

__all__ = [
    "HUE_BINS",
    "SAT_BINS",
    "STAFF_CAMERA_SUFFIX",
    "Role",
    "StaffEvidence",
    "StaffRecogniser",
    "StaffRule",
    "UniformColour",
    "is_staff",
    "learned_uniform",
    "staff_camera_id",
    "uniform_share",
    "upper_body_histograms",
]

HUE_BINS, SAT_BINS = 12, 4
"""The tracker's colour histograms per body part: 12 hues x 4 saturations, hue-major
(`storelens.track.appearance`); the upper body comes first."""
_PER_PART = HUE_BINS * SAT_BINS

LEARN_AFTER_S = 60.0
"""Person-seconds in staff-only zones before a learned uniform is trusted."""

STAFF_CAMERA_SUFFIX = ".staff"
"""Positions (and so heat) of people taken for staff are stored under their camera's id plus this
(``store.staff``): the visitors' heatmap leaves them out, and no real camera id has a dot."""

STAFF_ZONE_MAJORITY = 0.5
"""Share of a visit out of uniform that its time in staff zones must reach for it to be staff."""

LEARNED_MIN_SHARE = 0.35
"""A uniform is learned only from staff whose colours it holds clearly: staff in their own, varied
clothes spread over many hues, and no window of them should become a "uniform"."""

MIN_UNIFORM_SATURATION = 1.0
"""A learned uniform must be coloured (saturation bins from this up): black, grey and white tops are
what most shoppers wear too, so they cannot tell staff apart."""


class Role:
    """A visit's role, as stored (``visits.role``)."""

    VISITOR = "visitor"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class UniformColour:
    """A uniform colour in the histogram's units: hue and saturation in bins (12 hues, 4 saturations)."""

    hue: float
    saturation: float

    @classmethod
    def from_hex(cls, colour: str) -> UniformColour:
        """``#rrggbb`` -> its hue (0-12, bins of 30 degrees) and HSV saturation (0-4 bins).

        >>> UniformColour.from_hex("#2e7d32")
        UniformColour(hue=4.1, saturation=2.53)
        """
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        h, s, _ = colorsys.rgb_to_hsv(r, g, b)
        return cls(round(h * HUE_BINS, 2), round(s * SAT_BINS, 2))


@dataclass(frozen=True, slots=True)
class StaffRule:
    """When a visit is staff (see the module docstring).

    Attributes:
        staff_zone_s: Seconds in staff-only zones that make a visit staff.
        uniforms: Uniform colours; empty: no configured uniform.
        learn_uniform: Learn a uniform colour from the people seen in staff-only zones.
        uniform_match: Share of the upper-body histogram within a uniform's window that makes a
            visit staff: higher takes fewer shoppers in similar clothes for staff, and misses
            more staff seen in poor light or half hidden.
        uniform_min_s: Seconds of colours a visit needs before the uniform cue counts.
        not_uniform: Below this uniform share a visit is out of uniform, and its time in staff
            zones makes it staff only when that is most of the visit.
        hue_window: Half-width (bins) of a uniform's hue window: lighting and camera white
            balance move hues by a fraction of a bin, fabrics by up to one.
        saturation_window: Half-width (bins) of its saturation window.
    """

    staff_zone_s: float = 20.0
    uniforms: tuple[UniformColour, ...] = ()
    learn_uniform: bool = False
    uniform_match: float = 0.25
    uniform_min_s: float = 4.0
    not_uniform: float = 0.2
    hue_window: float = 1.0
    saturation_window: float = 1.0


@dataclass(slots=True)
class StaffEvidence:
    """What one visit has shown so far.

    Attributes:
        staff_zone_s: Seconds inside staff-only zones.
        staff_door: Began (or, once ended, ended) in a staff-door zone.
        colour_s: Seconds with a colour histogram.
        upper: (48,) time-weighted sum of the upper-body histograms (each summing to 1).
        seen_s: Seconds on the floor.
    """

    staff_zone_s: float = 0.0
    staff_door: bool = False
    colour_s: float = 0.0
    upper: np.ndarray = field(default_factory=lambda: np.zeros(_PER_PART))
    seen_s: float = 0.0

    def mean_upper(self) -> np.ndarray | None:
        """(48,) the visit's mean upper-body histogram, or None without colours."""
        total = float(self.upper.sum())
        return self.upper / total if total > 0 else None


@lru_cache(maxsize=64)
def _windows(colour: UniformColour, hue_window: float, saturation_window: float) -> np.ndarray:
    """(48,) bool: the histogram bins whose centres lie within the colour's hue and saturation windows
    (cached: every visit is matched against the same few colours, at every instant)."""
    hue_centres = np.arange(HUE_BINS) + 0.5
    sat_centres = np.arange(SAT_BINS) + 0.5
    dh = np.abs((hue_centres - colour.hue + HUE_BINS / 2) % HUE_BINS - HUE_BINS / 2)
    ds = np.abs(sat_centres - colour.saturation)
    return ((dh <= hue_window)[:, None] & (ds <= saturation_window)[None, :]).reshape(-1)


def uniform_share(
    upper: np.ndarray, colour: UniformColour, hue_window: float = 1.0, saturation_window: float = 1.0
) -> float:
    """Share of an upper-body histogram (48 bins summing to 1) inside a uniform colour's window.

    >>> h = np.zeros(48); h[4 * 4 + 2] = 0.7; h[0] = 0.3   # hue bin 4 (120-150 deg), saturation bin 2
    >>> uniform_share(h, UniformColour(4.1, 2.5))
    0.7
    """
    return float(np.asarray(upper)[_windows(colour, hue_window, saturation_window)].sum())


def learned_uniform(upper: np.ndarray, rule: StaffRule) -> UniformColour | None:
    """The coloured uniform that the staff's mean upper-body histogram holds, or None if no window
    of coloured bins (saturation from `MIN_UNIFORM_SATURATION`) holds `LEARNED_MIN_SHARE` of it (or
    ``rule.uniform_match``, if higher).

    The window with most coloured mass is found over every hue and saturation, and the colour put
    at the mass-weighted centre of the bins inside it.
    """
    coloured = np.asarray(upper, dtype=np.float64).reshape(HUE_BINS, SAT_BINS).copy()
    coloured[:, : int(MIN_UNIFORM_SATURATION)] = 0.0
    coloured = coloured.reshape(-1)
    best, best_share = None, 0.0
    for hue in np.arange(HUE_BINS) + 0.5:
        for sat in np.arange(MIN_UNIFORM_SATURATION, SAT_BINS) + 0.5:
            colour = UniformColour(float(hue), float(sat))
            share = uniform_share(coloured, colour, rule.hue_window, rule.saturation_window)
            if share > best_share:
                best, best_share = colour, share
    if best is None or best_share < max(rule.uniform_match, LEARNED_MIN_SHARE):
        return None
    mass = np.where(_windows(best, rule.hue_window, rule.saturation_window), coloured, 0.0).reshape(HUE_BINS, SAT_BINS)
    angle = 2 * np.pi * (np.arange(HUE_BINS) + 0.5) / HUE_BINS
    per_hue = mass.sum(axis=1)
    hue = np.arctan2(per_hue @ np.sin(angle), per_hue @ np.cos(angle)) % (2 * np.pi) * HUE_BINS / (2 * np.pi)
    sat = mass.sum(axis=0) @ (np.arange(SAT_BINS) + 0.5) / mass.sum()
    return UniformColour(round(float(hue), 2), round(float(sat), 2))


def is_staff(evidence: StaffEvidence, rule: StaffRule, learned: UniformColour | None = None) -> bool:
    """Whether a visit with this evidence is staff (the first cue that holds, see the module)."""
    if evidence.staff_door:
        return True
    colours = rule.uniforms + ((learned,) if learned is not None else ())
    upper = evidence.mean_upper()
    share = None  # how much the visit looks like the uniform; None: no uniform, or not seen long enough
    if colours and upper is not None and evidence.colour_s >= rule.uniform_min_s:
        share = max(uniform_share(upper, c, rule.hue_window, rule.saturation_window) for c in colours)
        if share >= rule.uniform_match:
            return True
    if evidence.staff_zone_s < rule.staff_zone_s:
        return False
    in_uniform = share is None or share >= rule.not_uniform
    return in_uniform or evidence.staff_zone_s >= STAFF_ZONE_MAJORITY * evidence.seen_s


def upper_body_histograms(appearance: np.ndarray) -> np.ndarray:
    """(n, 48) upper-body histograms, each summing to 1 (zeros where unknown), from (n, 96) tracker
    descriptors: L1 histograms per part, or the fused visitors' unit vectors of them (the same
    histograms up to a scale, which the sum removes)."""
    upper = np.maximum(np.asarray(appearance, dtype=np.float64)[:, :_PER_PART], 0.0)
    total = upper.sum(axis=1, keepdims=True)
    return np.divide(upper, total, out=np.zeros_like(upper), where=total > 0)


class StaffRecogniser:
    """Gathers each live track's staff evidence and judges it (see the module docstring).

    Args:
        rule: When a visit is staff.
        staff_zones: Floor polygons of the staff-only zones, metres.
        door_zones: Floor polygons of the staff-door zones, metres.
        max_step_s: Longest time one update stands for (a stream that pauses does not credit
            the pause to whoever was last seen).
        keep_ended_s: How long an ended track's evidence is kept: fusion may find a visitor
            again under the same id after the analytics ended its visit (it waits up to 15 s
            for a visitor lost inside the store, the analytics 10 s), and the new visit goes on
            with the evidence of the old one (the cashier hidden by a queue for a while is
            still the cashier).
    """

    def __init__(
        self,
        rule: StaffRule,
        staff_zones: Sequence[np.ndarray],
        door_zones: Sequence[np.ndarray],
        max_step_s: float = 1.0,
        keep_ended_s: float = 30.0,
    ) -> None:
        self.rule = rule
        self._staff_zones = [np.asarray(p, dtype=np.float64) for p in staff_zones]
        self._door_zones = [np.asarray(p, dtype=np.float64) for p in door_zones]
        self.max_step_s = max_step_s
        self.keep_ended_s = keep_ended_s
        self._evidence: dict[int, StaffEvidence] = {}
        self._at_door: dict[int, bool] = {}  # whether the track's latest position is in a staff door
        self._ended: dict[int, datetime] = {}  # tracks whose visit ended, and when: kept a while
        self._learned_upper = np.zeros(_PER_PART)
        self._learned_s = 0.0
        self._learned: UniformColour | None = None
        self._last_ts = None

    @property
    def active(self) -> bool:
        """Whether any cue is configured: otherwise everyone is a visitor."""
        return bool(self._staff_zones or self._door_zones or self.rule.uniforms or self.rule.learn_uniform)

    @property
    def learned(self) -> UniformColour | None:
        """The uniform learned from staff-only zones so far (``learn_uniform``), or None."""
        return self._learned

    def update(self, positions: FloorPositions, appearance: np.ndarray | None = None) -> None:
        """Add one instant's evidence.

        Args:
            positions: Where the tracks are.
            appearance: (n, 96) their colour descriptors (rows of zeros: unknown), or None.
        """
        dt = 0.0 if self._last_ts is None else min((positions.ts - self._last_ts).total_seconds(), self.max_step_s)
        self._last_ts = positions.ts
        ids, xy = positions.track_id.tolist(), positions.floor_xy_m
        if self._ended:
            for tid in ids:
                self._ended.pop(tid, None)  # found again: its evidence goes on
            old = [t for t, at in self._ended.items() if (positions.ts - at).total_seconds() > self.keep_ended_s]
            for tid in old:
                del self._ended[tid], self._evidence[tid]
                self._at_door.pop(tid, None)
        n = len(ids)
        in_staff = _inside_any(xy, self._staff_zones)
        at_door = _inside_any(xy, self._door_zones)
        upper = upper_body_histograms(appearance) if appearance is not None and n else np.zeros((n, _PER_PART))
        known = upper.sum(axis=1) > 0
        for i, tid in enumerate(ids):
            ev = self._evidence.get(tid)
            if ev is None:
                ev = self._evidence[tid] = StaffEvidence(staff_door=bool(at_door[i]))
            self._at_door[tid] = bool(at_door[i])
            ev.seen_s += dt
            if in_staff[i]:
                ev.staff_zone_s += dt
            if known[i]:
                ev.colour_s += dt
                ev.upper += dt * upper[i]
        if self.rule.learn_uniform and dt > 0:
            learn = in_staff & known
            if learn.any():
                self._learned_upper += dt * upper[learn].sum(axis=0)
                self._learned_s += dt * int(learn.sum())
                if self._learned_s >= LEARN_AFTER_S:
                    self._learned = learned_uniform(self._learned_upper / self._learned_upper.sum(), self.rule)

    def role_now(self, track_id: int) -> str:
        """The provisional role of a live track (visitor until its evidence says staff)."""
        ev = self._evidence.get(track_id)
        return Role.STAFF if ev is not None and is_staff(ev, self.rule, self._learned) else Role.VISITOR

    def end(self, track_id: int) -> str:
        """The role of a track whose visit ended (a track never seen is a visitor); its evidence
        is kept ``keep_ended_s`` in case the track comes back."""
        ev = self._evidence.get(track_id)
        if ev is None:
            return Role.VISITOR
        ev.staff_door |= self._at_door.get(track_id, False)
        if self._last_ts is not None:
            self._ended[track_id] = self._last_ts
        return Role.STAFF if is_staff(ev, self.rule, self._learned) else Role.VISITOR

    def tracked(self) -> int:
        """Tracks with evidence (bounded: a track's goes ``keep_ended_s`` after its visit ended)."""
        return len(self._evidence)


def staff_camera_id(camera_id: str) -> str:
    """Where the positions of the people ``camera_id`` takes for staff are stored."""
    return camera_id + STAFF_CAMERA_SUFFIX


def _inside_any(xy: np.ndarray, polygons: Sequence[np.ndarray]) -> np.ndarray:
    inside = np.zeros(len(xy), bool)
    for polygon in polygons:
        if len(xy):
            inside |= points_in_polygon(xy, polygon)
    return inside
