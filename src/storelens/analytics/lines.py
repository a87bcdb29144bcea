"""Counting lines: people crossing a door or a pavement line, each visit counted once.

Users of the open counters report three ways a line double-counts or misses (supervision's
LineZone issues): a foot point jittering on the line, a person who steps in and straight back
out, and a track that breaks in two right at the door. The counter answers each:

* **hysteresis**: a side only counts once the person is ``hysteresis_m`` clear of the line, so
  jitter inside that band changes nothing;
* **debounce**: a crossing is held for ``debounce_s``; crossing back within it cancels both;
* **stitching**: a track that starts within ``stitch_radius_m`` of where another track was
  last seen at most ``stitch_s`` before (ended, or still live but unseen since: the engine ends
  a track only after its own, longer timeout) takes over that track's side, so a break costs
  neither a miss nor a double count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from storelens.analytics.records import Direction, FloorPositions, LineCrossing
from storelens.geometry.polygons import segments_cross, side_of_line

__all__ = ["LineSpec", "LineCounter"]


@dataclass(frozen=True, slots=True)
class LineSpec:
    """A counting line on the floor.

    Attributes:
        name: Line name (unique in the store).
        a_m: (x, y) one end, metres.
        b_m: (x, y) other end, metres.
        in_side: "left" or "right" of the direction a -> b: the side that counts as inside.
        kind: "entrance" (visitors in and out) or "passerby" (foot traffic outside).
        debounce_s: A crossing reversed within this time is cancelled.
        hysteresis_m: How far past the line a person must be for their side to change.
        stitch_radius_m: A track starting this close to where another was last seen takes over
            its side...
        stitch_s: ...if that track was last seen at most this long before (and not since).
        max_speed_m_per_s: A track whose position jumps across the line faster than this (a
            tracker re-finding the identity far away, or on someone else) is not counted: nobody
            walked that path.
    """

    name: str
    a_m: tuple[float, float]
    b_m: tuple[float, float]
    in_side: str = "left"
    kind: str = "entrance"
    debounce_s: float = 2.0
    hysteresis_m: float = 0.3
    stitch_radius_m: float = 1.0
    stitch_s: float = 3.0
    max_speed_m_per_s: float = 3.0

    def __post_init__(self) -> None:
        if self.in_side not in ("left", "right"):
            raise ValueError(f"line {self.name!r}: in_side must be 'left' or 'right', got {self.in_side!r}")
        if self.kind not in ("entrance", "passerby"):
            raise ValueError(f"line {self.name!r}: kind must be 'entrance' or 'passerby', got {self.kind!r}")


@dataclass(slots=True)
class _TrackSide:
    side: int  # +1 inside, -1 outside, 0 not yet clear of the band
    anchor: np.ndarray  # last position clear of the band on ``side``
    anchor_ts: datetime
    last_seen: datetime
    last_pos: np.ndarray


@dataclass(slots=True)
class _Pending:
    crossing: LineCrossing
    due: datetime


class LineCounter:
    """Counts crossings of one line by the tracks of one camera (or of the fused store)."""

    def __init__(self, spec: LineSpec, camera_id: str) -> None:
        self.spec = spec
        self.camera_id = camera_id
        self._a = np.asarray(spec.a_m, dtype=np.float64)
        self._b = np.asarray(spec.b_m, dtype=np.float64)
        self._sign = 1.0 if spec.in_side == "left" else -1.0
        self._tracks: dict[int, _TrackSide] = {}
        self._ended: dict[int, _TrackSide] = {}
        self._pending: list[_Pending] = []

    def update(self, positions: FloorPositions) -> list[LineCrossing]:
        """Feed one instant; returns crossings whose debounce has run out."""
        ts = positions.ts
        if len(positions):
            dist = self._sign * side_of_line(positions.floor_xy_m, self._a, self._b)
            clear = np.where(dist >= self.spec.hysteresis_m, 1, np.where(dist <= -self.spec.hysteresis_m, -1, 0))
            ids = positions.track_id.tolist()
            present = set(ids)
            for tid, pos, side in zip(ids, positions.floor_xy_m, clear.tolist()):
                self._step(tid, pos, side, ts, present)
        return self._release(ts)

    def end_tracks(self, track_ids: list[int], ts: datetime) -> None:
        """Tracks that are gone: keep their last side briefly for stitching, then forget them."""
        for tid in track_ids:
            state = self._tracks.pop(tid, None)
            if state is not None and state.side != 0:
                self._ended[tid] = state
        horizon = ts - timedelta(seconds=self.spec.stitch_s)
        self._ended = {tid: s for tid, s in self._ended.items() if s.last_seen >= horizon}

    def flush(self) -> list[LineCrossing]:
        """Release every pending crossing (end of stream)."""
        out = [p.crossing for p in self._pending]
        self._pending.clear()
        return out

    def _step(self, tid: int, pos: np.ndarray, side: int, ts: datetime, present: set[int]) -> None:
        state = self._tracks.get(tid)
        if state is None:
            state = self._tracks[tid] = self._stitch(pos, ts, present) or _TrackSide(0, pos, ts, ts, pos)
        if side != 0 and state.side != side:
            crossed = state.side != 0 and segments_cross(state.anchor, pos, self._a, self._b)[0]
            if crossed and self._walkable(state, pos, ts):
                self._cross(tid, Direction.IN if side > 0 else Direction.OUT, ts)
            state.side = side
        if side != 0:
            state.anchor, state.anchor_ts = pos, ts
        state.last_seen, state.last_pos = ts, pos

    def _walkable(self, state: _TrackSide, pos: np.ndarray, ts: datetime) -> bool:
        """Whether a person could have walked from the side's anchor to ``pos`` in the time."""
        elapsed = max((ts - state.anchor_ts).total_seconds(), 1e-6)
        return float(np.hypot(*(pos - state.anchor))) / elapsed <= self.spec.max_speed_m_per_s

    def _stitch(self, pos: np.ndarray, ts: datetime, present: set[int]) -> _TrackSide | None:
        """The side of the nearest track last seen near here just before and not seen now, ended
        or live, if any. It is taken over, not shared: the old track, if seen again, starts afresh."""
        horizon = ts - timedelta(seconds=self.spec.stitch_s)
        best, best_d = None, self.spec.stitch_radius_m
        for pool in (self._ended, self._tracks):
            for tid, s in pool.items():
                if s.side != 0 and s.last_seen >= horizon and tid not in present:
                    d = float(np.hypot(*(s.last_pos - pos)))
                    if d <= best_d:
                        best, best_d = (pool, tid), d
        if best is None:
            return None
        s = best[0].pop(best[1])
        return _TrackSide(s.side, s.anchor, s.anchor_ts, ts, pos)

    def _cross(self, tid: int, direction: Direction, ts: datetime) -> None:
        for i, p in enumerate(self._pending):
            if p.crossing.track_id == tid and p.crossing.direction != direction:
                del self._pending[i]  # stepped back within the debounce: neither counts
                return
        crossing = LineCrossing(self.spec.name, self.camera_id, tid, ts, direction)
        self._pending.append(_Pending(crossing, ts + timedelta(seconds=self.spec.debounce_s)))

    def _release(self, now: datetime) -> list[LineCrossing]:
        due = [p for p in self._pending if p.due <= now]
        if due:
            self._pending = [p for p in self._pending if p.due > now]
        return [p.crossing for p in due]
