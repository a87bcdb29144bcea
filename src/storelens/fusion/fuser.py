"""One identity per visitor across a store's cameras.

Every camera tracks people on its own; `StoreFusion` decides, tick by tick, which camera tracks
are the same person and gives each person one store-wide visitor id. All distances are judged
in standard deviations of both sides (each observation's ``sigma_m`` plus ``model_sigma_m``).

1. **Sticky bindings.** A camera track once bound to a visitor stays bound, so a visitor keeps
   its id however often the cameras' own trackers fragment. A bound observation beyond the gate
   of the visitor's other cameras and prediction (leave-one-out) is left out of that tick's
   position. One that lies far off (``switch_gate``), or fits another visitor clearly better
   (``switch_margin``), looks like its tracker switched people: if that lasts
   ``split_after_s`` the binding is cut.
2. **Matching.** Unbound camera tracks (new or cut) are matched, one Hungarian per camera, to
   the visitors that camera does not see yet, at their position estimated from the other
   cameras or predicted by a constant-velocity Kalman filter when nobody sees them: that is how
   a person keeps their id across a hand-over or a gap between cameras. A track can also evict
   one of the same camera that fits the visitor clearly worse.
3. **New visitors.** What is left is grouped across cameras (a camera never gives one person
   two observations), and each group becomes a new visitor, unless it lies within the gate of
   a visitor: then it waits up to ``split_after_s`` for a wrong binding elsewhere to resolve.
   Away from the exits, a new visitor near one folded away as a duplicate lately (step 4) takes
   that id back (``revive_s``): two people side by side are often folded into one.
4. **Duplicates.** Two visitors that stay within the gate of each other for ``merge_after_s``
   while no camera sees both are one person seen twice; the younger id is folded into the older.
5. **Confirmation.** Given the cameras' floor coverage, a visitor is reported once as many
   cameras as ``confirm_cameras`` (or as cover its position, if fewer) have seen it at once:
   one camera's false detection where others look too never becomes a visitor. With
   ``confirm_after_s``, one camera following it that long is enough too.

Positions are inverse-variance means of the cameras that see the visitor. A visitor no camera
sees is kept ``max_lost_s`` (or ``max_lost_inside_s`` when it vanished away from every exit),
waiting for a camera to find it again.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from storelens.fusion.association import (
    cluster_across_cameras,
    consensus,
    match_costs,
    min_cost_pairs,
    row_squared_distances,
    squared_distances,
)
from storelens.fusion.bindings import Bindings, track_keys
from storelens.fusion.coverage import cameras_covering
from storelens.fusion.fused import FusedFrame, TrackLinks
from storelens.fusion.motion import init_tracks, predict, update
from storelens.fusion.observations import CameraObservations
from storelens.fusion.ticks import TickBuffer, from_us, to_us
from storelens.geometry.polygons import points_in_polygon

__all__ = ["FusionConfig", "StoreFusion"]

MAX_CAMERAS = 63
"""Cameras per store: a visitor's cameras are kept as bits of one int64."""

SWEEP_EVERY_S = 10.0
"""How often bindings of camera tracks that ended are forgotten (stream time)."""

APPEARANCE_MOMENTUM = 0.9
"""Weight of a visitor's old appearance when a new observation updates it."""

Polygon = tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class FusionConfig:
    """How cameras are fused. Times are seconds of stream time, distances metres.

    Attributes:
        tick_s: Output period; frames are bucketed by the tick they precede.
        latency_s: Longest wait for a lagging camera behind the newest frame of any camera.
            Live: about a second. Files: ``math.inf`` (wait for every camera, so the result
            does not depend on how fast each camera's thread ran).
        model_sigma_m: Error every camera's position has beyond its foot-point error (calibration,
            and which side of the body the foot point lands on); added in quadrature.
        gate: Largest distance, in standard deviations of both sides, at which two positions can
            be the same person.
        accel_sigma_mps2: Walking acceleration noise of the motion model, m/s^2.
        speed_sigma_mps: Prior spread of a new visitor's unknown speed, m/s.
        walk_speed_mps: Fastest walk: how far from its last position a lost visitor can be found.
        rebind_sigma_m: Where people can appear (at an exit, or anywhere when no exits are given),
            an observation rebinds a visitor only if it fits the visitor's predicted position as
            well as a guess with this standard error would: the longer a visitor is lost, the
            vaguer its prediction and the closer a newcomer must be. Elsewhere any visitor in
            reach is taken, as nobody new can appear there.
        split_after_s: How long a bound camera track may look switched before its binding is cut.
        switch_gate: A bound track looks switched when it lies this many standard deviations
            from its visitor's other cameras and prediction. Nearer but beyond ``gate`` it is
            only left out of that tick's position (a noisy or badly calibrated view).
        switch_margin: A bound track also looks switched when another visitor's prediction fits
            it better by this much (negative log-likelihood; 2.3 is ten times likelier).
        merge_after_s: How long two visitors seen by disjoint cameras must coincide to be merged.
        max_lost_s: How long a visitor no camera sees is kept (anywhere when no exits are given,
            at an exit otherwise).
        max_lost_inside_s: The same for a visitor lost away from every exit (in a gap between
            cameras, behind a shelf), when ``exits_m`` are given: they cannot have left.
        exits_m: Floor polygons of the store's exits.
        appearance_weight: Weight of appearance distance (1 - cosine) in matching; a tie-breaker.
        confirm_cameras: Cameras that must see a new visitor at the same time before it is
            reported, where at least that many cameras cover the floor (``coverage_m``).
        confirm_after_s: A visitor seen this long in all (ticks with some camera seeing it,
            summed) is reported however few cameras saw it at once: in a crowd, or behind a
            shelf, the second camera may never see that person. ``inf``: only ``confirm_cameras``.
        hold_lost_s: A reported visitor no camera sees is still reported this long, where it was
            last seen (``camera_count`` 0), unless that is at an exit (when ``exits_m`` are
            given): someone hidden for a moment behind a shelf or another person is still in the
            store. 0: only visitors some camera sees this tick.
        revive_s: A new visitor away from every exit (only when ``exits_m`` are given) takes the
            id of a visitor folded into another as a duplicate this long ago at most, within
            ``revive_m`` plus walking reach of where it was: nobody new appears mid-floor, and
            in a group walking side by side such a fold is mostly two people taken for one, so
            the one whose tracks are split off again keeps their id. 0: off.
        revive_m: How far from a folded visitor's last position (plus walking reach) it revives.
    """

    tick_s: float = 0.2
    latency_s: float = 1.0
    model_sigma_m: float = 0.1
    gate: float = 4.0
    accel_sigma_mps2: float = 1.0
    speed_sigma_mps: float = 1.0
    walk_speed_mps: float = 2.0
    rebind_sigma_m: float = 1.0
    split_after_s: float = 1.0
    switch_gate: float = 5.0
    switch_margin: float = 2.3
    merge_after_s: float = 0.5
    max_lost_s: float = 5.0
    max_lost_inside_s: float = 15.0
    exits_m: tuple[Polygon, ...] = ()
    appearance_weight: float = 0.5
    confirm_cameras: int = 2
    confirm_after_s: float = math.inf
    hold_lost_s: float = 0.0
    revive_s: float = 3.0
    revive_m: float = 1.0


@dataclass(slots=True)
class _Visitors:
    """Struct of arrays, one row per live visitor, ordered by id (ids only grow)."""

    gid: np.ndarray
    state: np.ndarray  # (n, 4) x, y, vx, vy
    cov: np.ndarray  # (n, 3) per-axis pp, pv, vv
    last_s: np.ndarray  # last time some camera saw the visitor
    last_xy: np.ndarray  # where
    confirmed: np.ndarray  # reported: seen by enough cameras once
    seen_s: np.ndarray  # how long some camera has seen the visitor, summed over ticks
    appearance: np.ndarray  # (n, d) unit vectors, zeros when unknown

    @classmethod
    def empty(cls) -> _Visitors:
        z = np.zeros
        return cls(z(0, np.int64), z((0, 4)), z((0, 3)), z(0), z((0, 2)), z(0, bool), z(0), z((0, 0), np.float32))

    def __len__(self) -> int:
        return len(self.gid)

    def select(self, keep: np.ndarray) -> _Visitors:
        return _Visitors(**{f.name: getattr(self, f.name)[keep] for f in fields(self)})

    def append(self, other: _Visitors) -> _Visitors:
        return _Visitors(
            **{f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)]) for f in fields(self)}
        )


@dataclass(slots=True)
class _TickObservations:
    """All cameras' observations of one tick, one row per camera track."""

    cam: np.ndarray  # camera index
    tid: np.ndarray
    key: np.ndarray  # see `track_keys`
    xy: np.ndarray
    var: np.ndarray  # per-axis variance, model error included
    lag_s: np.ndarray  # tick time - capture time
    appearance: np.ndarray  # (m, d) unit vectors, zeros when unknown

    def __len__(self) -> int:
        return len(self.cam)


class StoreFusion:
    """Fuses the tracks of a store's cameras into visitors with one id each.

    Thread-safe: camera threads `push` their frames; any thread collects finished ticks with
    `pop_ready` (and `flush` at the end). The same pushes in the same order always give the
    same output; with ``latency_s = inf`` the order between cameras does not matter either.

    Args:
        config: Thresholds; None for the defaults.
        camera_ids: Every camera that will push frames.
        coverage_m: Floor polygon each camera sees (see `floor_coverage`); cameras left out cover
            nothing. Where two or more cameras look, a visitor is only reported once two of them
            have seen it at the same time (``confirm_cameras``). None: every visitor is reported.
    """

    def __init__(
        self,
        config: FusionConfig | None,
        camera_ids: Sequence[str],
        coverage_m: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self.config = cfg = config or FusionConfig()
        self.camera_ids = tuple(camera_ids)
        if len(set(self.camera_ids)) != len(self.camera_ids) or not 0 < len(self.camera_ids) <= MAX_CAMERAS:
            raise ValueError(f"camera_ids: expected 1 to {MAX_CAMERAS} distinct ids, got {self.camera_ids}")
        self._cam_index = {c: i for i, c in enumerate(self.camera_ids)}
        self._cam_names = np.array(self.camera_ids)
        coverage_m = coverage_m or {}
        self._coverage = [np.asarray(coverage_m[c], dtype=np.float64) for c in self.camera_ids if c in coverage_m]
        latency_us = None if math.isinf(cfg.latency_s) else round(cfg.latency_s * 1e6)
        self._buffer = TickBuffer(self.camera_ids, round(cfg.tick_s * 1e6), latency_us)
        self._lock = threading.Lock()
        self._v = _Visitors.empty()
        self._bindings = Bindings()
        self._waiting: dict[int, float] = {}  # camera tracks held out (by key), since when
        self._together: dict[tuple[int, int], float] = {}  # candidate duplicate pairs, since when
        self._folded: dict[int, tuple[float, np.ndarray, bool]] = {}  # folded ids: when, where, confirmed
        self._next_id = 1
        self._t_prev: float | None = None
        self._swept_s = -math.inf

    @property
    def dropped(self) -> int:
        """Frames refused because they came after their tick was fused (or went back in time)."""
        return self._buffer.dropped

    def push(self, obs: CameraObservations) -> None:
        """Add one camera frame (also frames with nobody in them: they move the camera's clock)."""
        with self._lock:
            self._buffer.push(obs)

    def end_camera(self, camera_id: str) -> None:
        """The camera's stream ended: ticks stop waiting for it."""
        with self._lock:
            self._buffer.end_camera(camera_id)

    def pop_ready(self) -> list[FusedFrame]:
        """Fuse and return every tick that is complete, oldest first."""
        with self._lock:
            return [self._fuse(t_us, frames) for t_us, frames in self._buffer.pop_ready()]

    def flush(self) -> list[FusedFrame]:
        """Fuse and return every tick still held (end of all streams)."""
        with self._lock:
            return [self._fuse(t_us, frames) for t_us, frames in self._buffer.pop_all()]

    def global_id(self, camera_id: str, track_id: int) -> int | None:
        """The visitor a camera track is bound to now, or None."""
        with self._lock:
            key = track_keys(np.array([self._cam_index[camera_id]]), np.array([track_id]))
            gid = int(self._bindings.lookup(key)[0])
            return None if gid < 0 else gid

    # ------------------------------------------------------------------ one tick

    def _fuse(self, t_us: int, frames: list[CameraObservations]) -> FusedFrame:
        cfg = self.config
        t = t_us / 1e6
        obs = self._gather(frames, t_us)
        v = self._v
        if self._t_prev is not None and len(v):
            v.state, v.cov = predict(v.state, v.cov, t - self._t_prev, cfg.accel_sigma_mps2**2)
        self._t_prev = t

        row = self._bound_rows(obs)
        held = self._check_bound(obs, row, t)
        self._match(obs, row, held, t)
        acc = np.flatnonzero(row >= 0)
        self._correct(row[acc], obs.xy[acc], obs.var[acc])
        self._new_visitors(obs, row, held, t)

        v = self._v
        acc = np.flatnonzero(row >= 0)
        self._bindings.bind(obs.key[acc], v.gid[row[acc]], t)
        if self._waiting:
            bound = set(obs.key[acc].tolist())
            self._waiting = {k: since for k, since in self._waiting.items() if k not in bound}
        u, z, r, count = _fuse_groups(row[acc], obs.xy[acc], obs.var[acc], len(v))
        v.last_s[u] = t
        v.last_xy[u] = z
        v.seen_s[u] += cfg.tick_s
        self._learn_appearance(obs, row[acc], acc, u)
        self._confirm(u, z, count)
        shown = v.confirmed[u]
        linked = v.confirmed[row[acc]]
        links = TrackLinks(self._cam_names[obs.cam[acc[linked]]], obs.tid[acc[linked]], v.gid[row[acc[linked]]])
        gid, xy, sigma, n_cam = v.gid[u[shown]], z[shown], np.sqrt(r[shown]), count[shown]
        app = v.appearance[u[shown]]
        if cfg.hold_lost_s > 0:
            lost = v.confirmed & (v.last_s < t) & (t - v.last_s <= cfg.hold_lost_s + 1e-9)
            lost = np.flatnonzero(lost & ~self._at_exit(v.last_xy) if cfg.exits_m else lost)
            if len(lost):
                order = np.argsort(np.concatenate([gid, v.gid[lost]]), kind="stable")
                gid = np.concatenate([gid, v.gid[lost]])[order]
                xy = np.concatenate([xy, v.last_xy[lost]])[order]
                sigma = np.concatenate([sigma, np.sqrt(v.cov[lost, 0])])[order]
                n_cam = np.concatenate([n_cam, np.zeros(len(lost), np.int64)])[order]
                app = np.concatenate([app, v.appearance[lost]])[order]
        frame = FusedFrame(from_us(t_us), gid, xy, sigma, n_cam, links, app if app.shape[1] else None)
        seen_by = np.zeros(len(v), np.int64)
        np.bitwise_or.at(seen_by, row[acc], np.left_shift(1, obs.cam[acc]))
        self._merge_duplicates(u, z, r, seen_by[u], t)
        self._expire(t)
        return frame

    def _gather(self, frames: list[CameraObservations], t_us: int) -> _TickObservations:
        """One row per camera track: a camera that delivered twice in the tick counts its latest."""
        frames = sorted(frames, key=lambda f: (self._cam_index[f.camera_id], f.ts))
        dim = self._v.appearance.shape[1]
        for f in frames:
            if f.appearance is not None and len(f):
                if dim not in (0, f.appearance.shape[1]):
                    raise ValueError(f"{f.camera_id}: appearance has {f.appearance.shape[1]} values, earlier {dim}")
                dim = f.appearance.shape[1]
        if dim != self._v.appearance.shape[1]:
            self._v.appearance = np.zeros((len(self._v), dim), np.float32)
        sizes = [len(f) for f in frames]  # a tick holds at least one frame
        cam = np.repeat(np.array([self._cam_index[f.camera_id] for f in frames], np.int64), sizes)
        lag = np.repeat(np.array([(t_us - to_us(f.ts)) / 1e6 for f in frames]), sizes)
        tid = np.concatenate([f.track_id for f in frames])
        xy = np.concatenate([f.xy_m for f in frames])
        sigma = np.concatenate([f.sigma_m for f in frames])
        if dim:
            app = np.concatenate([_unit_rows(f.appearance, len(f), dim) for f in frames])
        else:
            app = np.zeros((len(cam), 0), np.float32)
        key = track_keys(cam, tid)
        if len({f.camera_id for f in frames}) < len(frames):
            _, last = np.unique(key[::-1], return_index=True)
            keep = np.sort(len(key) - 1 - last)
            cam, tid, key, xy, sigma, lag, app = (a[keep] for a in (cam, tid, key, xy, sigma, lag, app))
        var = sigma**2 + self.config.model_sigma_m**2
        return _TickObservations(cam, tid, key, xy.copy(), var, lag, app)

    def _bound_rows(self, obs: _TickObservations) -> np.ndarray:
        """(m,) visitor row each observation's camera track is bound to, -1 if none (or gone).

        Bound observations are moved on to the tick time with their visitor's velocity.
        """
        gids = self._bindings.lookup(obs.key)
        v = self._v
        row = np.full(len(obs), -1, np.int64)
        if len(v):
            pos = np.minimum(np.searchsorted(v.gid, gids), len(v) - 1)
            hit = (gids >= 0) & (v.gid[pos] == gids)
            row[hit] = pos[hit]
        bound = row >= 0
        obs.xy[bound] += v.state[row[bound], 2:] * obs.lag_s[bound, None]
        return row

    def _check_bound(self, obs: _TickObservations, row: np.ndarray, t: float) -> np.ndarray:
        """Hold out bound observations that disagree with their visitor; cut lasting switches.

        Beyond the gate of the visitor's other cameras and prediction (leave-one-out): held out
        this tick. Looking switched (far beyond, a second track of a camera the visitor already
        has, or fitting another visitor's prediction clearly better): held out too, and cut once
        that has lasted ``split_after_s``. Sets ``row`` to -1 for all of these.

        Returns:
            (m,) bool: held out and not cut; these neither match again nor start a visitor.
        """
        cfg = self.config
        v = self._v
        held = np.zeros(len(row), bool)
        b = np.flatnonzero(row >= 0)
        if len(b) == 0:
            return held
        rb = row[b]
        n_cam = len(self.camera_ids)
        nll = _nll(obs.xy[b], obs.var[b], v.state[:, :2], v.cov[:, 0])
        own = nll[np.arange(len(b)), rb]
        extra = np.zeros(len(b), bool)
        pair = rb * n_cam + obs.cam[b]
        if np.bincount(pair).max() > 1:
            order = np.lexsort((own, pair))
            extra[order[1:][pair[order][1:] == pair[order][:-1]]] = True

        main = np.flatnonzero(~extra)
        rows_u = np.flatnonzero(np.bincount(rb, minlength=len(v)))
        group = np.concatenate([rb[main], rows_u])
        xy = np.concatenate([obs.xy[b[main]], v.state[rows_u, :2]])
        var = np.concatenate([obs.var[b[main]], v.cov[rows_u, 0]])
        loser = np.concatenate([np.zeros(len(main), bool), np.ones(len(rows_u), bool)])
        keep = consensus(group, xy, var, cfg.gate, loser)
        agree = np.zeros(len(b), bool)
        agree[main] = keep[: len(main)]
        # Held out, but near what the visitor's other members say: a noisy or biased view this
        # tick, not a tracker that switched people (that lies far off, or fits another visitor).
        nll[np.arange(len(b)), rb] = np.inf
        switched = extra | (nll.min(axis=1) + cfg.switch_margin < own)
        if not keep.all():
            u, z, r, _ = _fuse_groups(group[keep], xy[keep], var[keep], len(v))
            centre, centre_var = np.zeros((len(v), 2)), np.full(len(v), np.inf)
            centre[u], centre_var[u] = z, r
            far = row_squared_distances(obs.xy[b], centre[rb]) > cfg.switch_gate**2 * (obs.var[b] + centre_var[rb])
            switched |= ~agree & far
        agree &= ~switched

        held[b[~agree]] = True
        for i in b[switched].tolist():
            if t - self._waiting.setdefault(int(obs.key[i]), t) >= cfg.split_after_s:
                held[i] = False
        cut = b[switched & ~held[b]]
        self._bindings.unbind(obs.key[cut])  # their waiting goes on: no new visitor at once either
        row[b[~agree]] = -1
        return held

    def _match(self, obs: _TickObservations, row: np.ndarray, held: np.ndarray, t: float) -> None:
        """Bind unbound observations to visitors, one Hungarian per camera.

        Candidates are the visitors the camera does not see yet (at their position estimated
        from the other cameras, or predicted when nobody sees them), and the visitors it sees
        through a track the new observation fits clearly better (``switch_margin``): that track
        is evicted (held out now, matched afresh next tick), so a wrong binding cannot push the
        right track into a duplicate visitor.
        """
        cfg = self.config
        v = self._v
        pool = np.flatnonzero((row < 0) & ~held)
        if len(pool) == 0 or len(v) == 0:
            return
        acc = np.flatnonzero(row >= 0)
        est_xy, est_var = self._estimate(row[acc], obs.xy[acc], obs.var[acc])
        member = np.full((len(v), len(self.camera_ids)), -1)
        member[row[acc], obs.cam[acc]] = acc
        observed = (member >= 0).any(axis=1)
        reach = np.where(observed, np.inf, cfg.walk_speed_mps * (t - v.last_s) + cfg.gate * cfg.model_sigma_m)
        cost = match_costs(obs.xy[pool], obs.var[pool], est_xy, est_var, cfg.gate, v.last_xy, reach)
        birth = np.where(self._at_exit(obs.xy[pool]), 2 * math.log(cfg.rebind_sigma_m), np.inf)
        cost[(cost > birth[:, None]) & ~observed[None, :]] = np.inf
        incumbent = member[:, obs.cam[pool]].T  # (p, g) the visitor's track in the same camera
        taken = incumbent >= 0
        pi, gj = np.nonzero(taken & np.isfinite(cost))
        if len(pi):
            pred_xy, pred_var = v.state[gj, :2], v.cov[gj, 0]
            newcomer = _nll_own(obs.xy[pool[pi]], obs.var[pool[pi]], pred_xy, pred_var)
            j = incumbent[pi, gj]
            fits = newcomer + cfg.switch_margin < _nll_own(obs.xy[j], obs.var[j], pred_xy, pred_var)
            cost[pi, gj] = np.where(fits, newcomer, np.inf)
        if obs.appearance.shape[1]:
            cost = cost + cfg.appearance_weight * _appearance_distance(obs.appearance[pool], v.appearance)
        for c in np.flatnonzero(np.bincount(obs.cam[pool])).tolist():
            sub = np.flatnonzero(obs.cam[pool] == c)
            i, j = min_cost_pairs(cost[sub])
            row[pool[sub[i]]] = j
            evicted = member[j, c]
            evicted = evicted[evicted >= 0]
            row[evicted], held[evicted] = -1, True
            self._bindings.unbind(obs.key[evicted])
            for key in obs.key[evicted].tolist():
                self._waiting.pop(key, None)
        new = pool[row[pool] >= 0]
        obs.xy[new] += v.state[row[new], 2:] * obs.lag_s[new, None]

    def _estimate(self, rows: np.ndarray, xy: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every visitor's position and per-axis variance given the observations accepted so far."""
        v = self._v
        est_xy, est_var = v.state[:, :2].copy(), v.cov[:, 0].copy()
        if len(rows):
            u, z, r, _ = _fuse_groups(rows, xy, var, len(v))
            state, cov = update(v.state[u], v.cov[u], z, r)
            est_xy[u], est_var[u] = state[:, :2], cov[:, 0]
        return est_xy, est_var

    def _correct(self, rows: np.ndarray, xy: np.ndarray, var: np.ndarray) -> None:
        """Kalman-correct the visitors of ``rows`` with their observations' inverse-variance mean."""
        if len(rows):
            v = self._v
            u, z, r, _ = _fuse_groups(rows, xy, var, len(v))
            v.state[u], v.cov[u] = update(v.state[u], v.cov[u], z, r)

    def _new_visitors(self, obs: _TickObservations, row: np.ndarray, held: np.ndarray, t: float) -> None:
        """Group what is still unbound across cameras; each group is a new visitor.

        An observation within the gate of a visitor is more likely that visitor seen through a
        track still wrongly bound elsewhere than a new person: it waits up to ``split_after_s``
        (held out) for the conflict to resolve before it may start a visitor.
        """
        cfg = self.config
        v = self._v
        left = np.flatnonzero((row < 0) & ~held)
        if len(left) and len(v):
            d2 = squared_distances(obs.xy[left], v.state[:, :2])
            contested = (d2 <= cfg.gate**2 * (obs.var[left, None] + v.cov[None, :, 0])).any(axis=1)
            for i in left[contested].tolist():
                if t - self._waiting.setdefault(int(obs.key[i]), t) < cfg.split_after_s:
                    held[i] = True
            left = left[~held[left]]
        if len(left) == 0:
            return
        labels = cluster_across_cameras(obs.cam[left], obs.xy[left], obs.var[left], cfg.gate)
        k = int(labels.max()) + 1
        _, z, r, _ = _fuse_groups(labels, obs.xy[left], obs.var[left], k)
        state, cov = init_tracks(z, r, cfg.speed_sigma_mps**2)
        app = np.zeros((k, v.appearance.shape[1]), np.float32)
        np.add.at(app, labels, obs.appearance[left])
        gid, confirmed = self._revive(z, t)
        fresh = gid < 0
        gid[fresh] = np.arange(self._next_id, self._next_id + int(fresh.sum()), dtype=np.int64)
        self._next_id += int(fresh.sum())
        new = _Visitors(
            gid=gid,
            state=state,
            cov=cov,
            last_s=np.full(k, t),
            last_xy=z,
            confirmed=confirmed,
            seen_s=np.zeros(k),
            appearance=_unit_rows(app, k, app.shape[1]),
        )
        row[left] = len(v) + labels
        v = v.append(new)
        if not fresh.all():  # revived ids are old: keep the rows ordered by id
            order = np.argsort(v.gid, kind="stable")
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            row[row >= 0] = rank[row[row >= 0]]
            v = v.select(order)
        self._v = v

    def _revive(self, z: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Ids (-1: a new one) and confirmation of new visitors at ``z``: folded ids revived nearby.

        A visitor folded into another (`_merge_duplicates`) within ``revive_s`` whose last position
        lies within ``revive_m`` plus walking reach of a new visitor away from every exit gives it
        its id, and its confirmation (one pairing per id, nearest first).
        """
        cfg = self.config
        gid, confirmed = np.full(len(z), -1, np.int64), np.zeros(len(z), bool)
        self._folded = {g: f for g, f in self._folded.items() if t - f[0] <= cfg.revive_s + 1e-9}
        if not self._folded or not len(z):
            return gid, confirmed
        folded = np.fromiter(self._folded, np.int64)
        when = np.array([f[0] for f in self._folded.values()])
        where = np.array([f[1] for f in self._folded.values()])
        reach = cfg.revive_m + cfg.walk_speed_mps * (t - when)
        d2 = squared_distances(z, where)
        cost = np.where(d2 <= reach[None, :] ** 2, d2, np.inf)
        cost[self._at_exit(z)] = np.inf
        i, j = min_cost_pairs(cost)
        gid[i] = folded[j]
        confirmed[i] = [self._folded.pop(g)[2] for g in folded[j].tolist()]
        return gid, confirmed

    def _learn_appearance(self, obs: _TickObservations, rows: np.ndarray, acc: np.ndarray, u: np.ndarray) -> None:
        """Blend the seen visitors' appearance with this tick's (a running mean of unit vectors)."""
        v = self._v
        dim = v.appearance.shape[1]
        if dim == 0:
            return
        app = np.zeros((len(v), dim), np.float32)
        np.add.at(app, rows, obs.appearance[acc])
        seen = _unit_rows(app[u], len(u), dim)
        old = v.appearance[u]
        blend = np.where(old.any(axis=1)[:, None], APPEARANCE_MOMENTUM * old + (1 - APPEARANCE_MOMENTUM) * seen, seen)
        v.appearance[u] = _unit_rows(blend, len(u), dim)

    def _confirm(self, u: np.ndarray, z: np.ndarray, count: np.ndarray) -> None:
        """Confirm the seen visitors with enough cameras now, or standing where fewer cameras look."""
        v = self._v
        new = np.flatnonzero(~v.confirmed[u])
        if len(new):
            needed = np.minimum(self.config.confirm_cameras, np.maximum(cameras_covering(z[new], self._coverage), 1))
            v.confirmed[u[new]] = (count[new] >= needed) | (v.seen_s[u[new]] >= self.config.confirm_after_s - 1e-9)

    def _merge_duplicates(self, u: np.ndarray, z: np.ndarray, r: np.ndarray, seen_by: np.ndarray, t: float) -> None:
        """Fold a visitor into an older one it has coincided with, in disjoint cameras, for long enough.

        Args:
            u: (k,) rows of the visitors seen this tick; z, r: their fused positions and variances;
            seen_by: their cameras as bits.
        """
        cfg = self.config
        v = self._v
        d2 = squared_distances(z, z)
        close = (d2 <= cfg.gate**2 * (r[:, None] + r[None, :])) & ((seen_by[:, None] & seen_by[None, :]) == 0)
        i, j = np.nonzero(close)
        i, j = i[i < j], j[i < j]
        pairs = {p: self._together.get(p, t) for p in zip(v.gid[u[i]].tolist(), v.gid[u[j]].tolist())}
        gone: dict[int, int] = {}
        for a, b in sorted(p for p, since in pairs.items() if t - since >= cfg.merge_after_s):
            if a not in gone and b not in gone:
                gone[b] = a
        if gone and cfg.revive_s > 0 and cfg.exits_m:
            where = dict(zip(v.gid[u].tolist(), z))
            for g in gone:
                self._folded[g] = (t, where[g], bool(v.confirmed[np.searchsorted(v.gid, g)]))
        if gone:
            young, old = np.fromiter(gone, np.int64), np.fromiter(gone.values(), np.int64)
            self._bindings.relabel(young, old)
            v.confirmed[np.searchsorted(v.gid, old)] |= v.confirmed[np.searchsorted(v.gid, young)]
            v.seen_s[np.searchsorted(v.gid, old)] += v.seen_s[np.searchsorted(v.gid, young)]
            self._v = v.select(~np.isin(v.gid, list(gone)))
            pairs = {p: s for p, s in pairs.items() if p[0] not in gone and p[1] not in gone}
        self._together = pairs

    def _expire(self, t: float) -> None:
        """Forget visitors lost for longer than they are waited for, and bindings of ended tracks."""
        cfg = self.config
        v = self._v
        wait = np.where(self._at_exit(v.last_xy), cfg.max_lost_s, cfg.max_lost_inside_s)
        gone = t - v.last_s > wait
        if gone.any():
            self._v = v.select(~gone)
        if t - self._swept_s >= SWEEP_EVERY_S:
            self._swept_s = t
            oldest = t - max(cfg.max_lost_s, cfg.max_lost_inside_s)
            b = self._bindings
            b.keep(np.isin(b.gid, self._v.gid) & (b.last_s >= oldest))
            self._waiting = {k: s for k, s in self._waiting.items() if s >= oldest}

    def _at_exit(self, xy: np.ndarray) -> np.ndarray:
        """(n,) bool: where people can appear or leave (in an exit; everywhere when none are given)."""
        exits = self.config.exits_m
        if not exits:
            return np.ones(len(xy), bool)
        return np.logical_or.reduce([points_in_polygon(xy, polygon) for polygon in exits])


def _fuse_groups(group: np.ndarray, xy: np.ndarray, var: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    """Inverse-variance mean per group (group values in 0..n-1).

    Returns:
        (k,) groups present, ascending; (k, 2) means; (k,) per-axis variances of the means;
        (k,) int64 member counts.
    """
    w = 1.0 / var
    count = np.bincount(group, minlength=n)
    u = count.nonzero()[0]
    w_sum = np.bincount(group, w, n)[u]
    z = np.empty((len(u), 2))
    z[:, 0] = np.bincount(group, w * xy[:, 0], n)[u] / w_sum
    z[:, 1] = np.bincount(group, w * xy[:, 1], n)[u] / w_sum
    return u, z, 1.0 / w_sum, count[u].astype(np.int64)


def _nll(xy: np.ndarray, var: np.ndarray, track_xy: np.ndarray, track_var: np.ndarray) -> np.ndarray:
    """(n, g) negative log-likelihood (up to a constant) of each position under each track's prediction."""
    s = var[:, None] + track_var[None, :]
    return 0.5 * squared_distances(xy, track_xy) / s + np.log(s)


def _nll_own(xy: np.ndarray, var: np.ndarray, track_xy: np.ndarray, track_var: np.ndarray) -> np.ndarray:
    """(n,) the same for row-wise pairs."""
    s = var + track_var
    return 0.5 * row_squared_distances(xy, track_xy) / s + np.log(s)


def _unit_rows(a: np.ndarray | None, n: int, dim: int) -> np.ndarray:
    """(n, dim) float32 rows scaled to unit length; zeros where ``a`` is None or a row is zero."""
    if a is None or dim == 0:
        return np.zeros((n, dim), np.float32)
    a = np.asarray(a, dtype=np.float32)
    norm = np.linalg.norm(a, axis=1, keepdims=True)
    return np.where(norm > 0, a / np.maximum(norm, 1e-12), 0.0).astype(np.float32)


def _appearance_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, g) 1 - cosine similarity of unit rows; 0 where either side is unknown."""
    known = a.any(axis=1)[:, None] & b.any(axis=1)[None, :]
    return np.where(known, 1.0 - a @ b.T, 0.0)
