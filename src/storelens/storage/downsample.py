"""Downsampling of track positions on ingest, and the heat-grid increments of the kept points.

The pipeline produces positions at the analysis frame rate (5-15 Hz); keeping all of them
would make the positions table 5x larger with no use for analytics, so each track keeps a
point only when at least ``min_interval_us`` has passed since its last kept one (at most 2 Hz
by default). Each kept point also stands for the time since that previous kept point: this is
what it adds to its heat cell, together with its displacement (the flow).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from storelens.analytics.records import FloorPositions
from storelens.storage.times import HOUR_US, SECOND_US, to_us

__all__ = [
    "MAX_GAP_S",
    "MAX_RATE_HZ",
    "HeatIncrements",
    "KeptPoints",
    "PositionDownsampler",
    "heat_increments",
]

logger = logging.getLogger(__name__)

MAX_RATE_HZ = 2.0
"""Stored points per track per second, at most."""
MAX_GAP_S = 2.0
"""A kept point more than this after the track's previous one starts afresh: the gap is a
detection dropout or a re-used id, not time spent walking a straight line between the two."""
TRACK_STATE_TTL_S = 10.0
"""Forget a track's last kept point once its camera's clock has moved this far past it. Must
exceed MAX_GAP_S so forgetting never changes a result (a point after a longer gap starts
afresh anyway); it bounds the state to the tracks seen in the last few seconds."""


@dataclass(frozen=True, slots=True)
class KeptPoints:
    """Points of one camera that survived downsampling (columnar).

    Attributes:
        camera_id: Camera of all rows.
        track_id: (n,) int64.
        ts_us: (n,) int64 microseconds since the epoch, UTC.
        x_m / y_m: (n,) float64 floor coordinates, metres.
        dt_s: (n,) float64 time each point stands for: since the track's previous kept point,
            or one sampling interval for a track's first point or a point after a gap.
        dx_m / dy_m: (n,) float64 displacement since the previous kept point (0 after a gap).
    """

    camera_id: str
    track_id: np.ndarray
    ts_us: np.ndarray
    x_m: np.ndarray
    y_m: np.ndarray
    dt_s: np.ndarray
    dx_m: np.ndarray
    dy_m: np.ndarray

    def __len__(self) -> int:
        return len(self.track_id)


@dataclass
class _CameraState:
    last: dict[int, tuple[int, float, float]] = field(default_factory=dict)
    """track_id -> (ts_us, x_m, y_m) of its last kept point."""
    newest_us: int = 0
    swept_us: int = 0


class PositionDownsampler:
    """Keeps at most one point per track per ``1 / max_rate_hz`` seconds, across calls.

    Ingest is two-phase so a failed database write loses nothing: :meth:`plan` decides what to
    keep without touching the state, and :meth:`commit` applies the decision once the rows are
    stored. A retried batch is therefore downsampled exactly as the first attempt, and a batch
    stored twice keeps nothing the second time (its points are not newer than the state).

    Args:
        max_rate_hz: Stored points per track per second, at most. Higher keeps finer paths at
            the cost of a proportionally larger positions table.
        max_gap_s: See :data:`MAX_GAP_S`.
        track_ttl_s: See :data:`TRACK_STATE_TTL_S`.
    """

    def __init__(
        self,
        max_rate_hz: float = MAX_RATE_HZ,
        max_gap_s: float = MAX_GAP_S,
        track_ttl_s: float = TRACK_STATE_TTL_S,
    ) -> None:
        if max_rate_hz <= 0 or max_gap_s * max_rate_hz < 1 or track_ttl_s < max_gap_s:
            raise ValueError(
                f"need max_rate_hz > 0, max_gap_s >= 1 / max_rate_hz and track_ttl_s >= max_gap_s; got "
                f"{max_rate_hz}, {max_gap_s}, {track_ttl_s}"
            )
        self.min_interval_us = round(SECOND_US / max_rate_hz)
        self.max_gap_us = round(max_gap_s * SECOND_US)
        self.track_ttl_us = round(track_ttl_s * SECOND_US)
        self._cameras: dict[str, _CameraState] = {}

    def tracked(self) -> int:
        """How many tracks' last points are remembered (bounded by the TTL)."""
        return sum(len(state.last) for state in self._cameras.values())

    def forget(self, camera_ids: Iterable[str]) -> None:
        """Drop the cameras' state: a run that starts over downsamples as a first run does."""
        for camera_id in camera_ids:
            self._cameras.pop(camera_id, None)

    def plan(self, batches: list[FloorPositions]) -> tuple[list[KeptPoints], dict[str, dict]]:
        """Decide which points to keep; the state is unchanged until :meth:`commit`.

        Args:
            batches: Positions per camera and instant, each track's in time order.

        Returns:
            The kept points per camera, and the pending state update to pass to :meth:`commit`.
        """
        min_interval, max_gap = self.min_interval_us, self.max_gap_us
        nominal_dt_s = min_interval / SECOND_US
        pending: dict[str, dict[int, tuple[int, float, float]]] = {}
        columns: dict[str, tuple[list, ...]] = {}
        for frame in batches:
            if not len(frame):
                continue
            ts = to_us(frame.ts)
            base = self._cameras.get(frame.camera_id)
            base_last = base.last if base is not None else {}
            updates = pending.setdefault(frame.camera_id, {})
            if frame.camera_id not in columns:
                columns[frame.camera_id] = ([], [], [], [], [], [], [])
            tids, tss, xs, ys, dts, dxs, dys = columns[frame.camera_id]
            for tid, (x, y) in zip(frame.track_id.tolist(), frame.floor_xy_m.tolist()):
                prev = updates.get(tid) or base_last.get(tid)
                if prev is None:
                    dt, dx, dy = nominal_dt_s, 0.0, 0.0
                else:
                    gap = ts - prev[0]
                    if gap < min_interval:
                        continue
                    if gap > max_gap:
                        dt, dx, dy = nominal_dt_s, 0.0, 0.0
                    else:
                        dt, dx, dy = gap / SECOND_US, x - prev[1], y - prev[2]
                updates[tid] = (ts, x, y)
                tids.append(tid)
                tss.append(ts)
                xs.append(x)
                ys.append(y)
                dts.append(dt)
                dxs.append(dx)
                dys.append(dy)
        kept = [
            KeptPoints(
                camera_id,
                np.array(cols[0], dtype=np.int64),
                np.array(cols[1], dtype=np.int64),
                *(np.array(c, dtype=np.float64) for c in cols[2:]),
            )
            for camera_id, cols in columns.items()
            if cols[0]
        ]
        return kept, pending

    def commit(self, pending: dict[str, dict]) -> None:
        """Apply a plan's state update (after its rows were stored), then forget stale tracks."""
        for camera_id, updates in pending.items():
            if not updates:
                continue
            state = self._cameras.setdefault(camera_id, _CameraState())
            state.last.update(updates)
            state.newest_us = max(state.newest_us, max(ts for ts, _, _ in updates.values()))
            if state.newest_us - state.swept_us >= self.track_ttl_us:
                cutoff = state.newest_us - self.track_ttl_us
                before = len(state.last)
                state.last = {tid: v for tid, v in state.last.items() if v[0] >= cutoff}
                state.swept_us = state.newest_us
                logger.debug("camera %s: forgot %d ended tracks", camera_id, before - len(state.last))


@dataclass(frozen=True, slots=True)
class HeatIncrements:
    """What a set of kept points adds to the heat table, one row per (hour, cell) (columnar).

    Attributes:
        camera_id: Camera of all rows.
        hour_us: (k,) int64 hour starts, microseconds since the epoch, UTC.
        cell_ix / cell_iy: (k,) int64 cell indices, ``floor(x / cell_m)``.
        seconds / flow_dx / flow_dy: (k,) float64 sums of ``dt_s``, ``dx_m``, ``dy_m``.
    """

    camera_id: str
    hour_us: np.ndarray
    cell_ix: np.ndarray
    cell_iy: np.ndarray
    seconds: np.ndarray
    flow_dx: np.ndarray
    flow_dy: np.ndarray

    def __len__(self) -> int:
        return len(self.hour_us)


def heat_increments(points: KeptPoints, cell_m: float) -> HeatIncrements:
    """Sum the kept points' time and motion per (hour, floor cell).

    Summing here, before the database, turns thousands of points into a few hundred upserts.

    >>> p = KeptPoints("c", np.array([1, 2]), np.array([0, 1]), np.array([0.1, 0.2]), np.array([0.0, 0.0]),
    ...                np.array([0.5, 0.5]), np.array([0.1, 0.0]), np.array([0.0, 0.0]))
    >>> h = heat_increments(p, 0.25); h.cell_ix.tolist(), h.seconds.tolist(), h.flow_dx.tolist()
    ([0], [1.0], [0.1])
    """
    hour = points.ts_us // HOUR_US * HOUR_US
    ix = np.floor(points.x_m / cell_m).astype(np.int64)
    iy = np.floor(points.y_m / cell_m).astype(np.int64)
    order = np.lexsort((iy, ix, hour))
    hour, ix, iy = hour[order], ix[order], iy[order]
    starts = np.flatnonzero(
        np.concatenate([[True], (hour[1:] != hour[:-1]) | (ix[1:] != ix[:-1]) | (iy[1:] != iy[:-1])])
    )

    def sums(values: np.ndarray) -> np.ndarray:
        return np.add.reduceat(values[order], starts) if len(starts) else np.zeros(0)

    return HeatIncrements(
        points.camera_id, hour[starts], ix[starts], iy[starts], sums(points.dt_s), sums(points.dx_m), sums(points.dy_m)
    )
