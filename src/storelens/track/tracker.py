"""Per-camera multi-person tracker.

The association follows ByteTrack's idea (confident boxes first, then low-score boxes for
tracks that are already established) and adds what store footage needs:

* lost tracks stop moving after a short coast, so a shopper who stands still and fades out of
  the detector (dark clothes, a shelf in front) is still there when the detector sees them again;
* lost tracks are recovered by position *and* appearance (a colour histogram of the torso),
  with a search radius that grows with the time lost;
* how long a lost track is kept depends on where it was lost: at the image border the person
  has probably left; in the middle of the floor they have not.

Timing uses frame timestamps, not frame counts, so settings mean the same at 7 or 25 fps.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from storelens.track.appearance import APPEARANCE_DIM, appearance_distance, torso_histograms
from storelens.track.association import iou_matrix, match
from storelens.track.kalman import BoxKalman, cxcywh_to_xyxy
from storelens.types import Detections

__all__ = ["Tracker", "TrackerConfig"]

TENTATIVE, CONFIRMED, LOST = 0, 1, 2


@dataclass(frozen=True, slots=True)
class TrackerConfig:
    """Tracker thresholds. Times are seconds of stream time.

    Attributes:
        high_score: Boxes at or above this score drive the first association stage and may
            start tracks. Lower finds people sooner but starts more false tracks.
        low_score: Boxes between ``low_score`` and ``high_score`` only extend existing tracks
            (second stage), which bridges frames where a person is half hidden.
        new_track_score: Minimum score for a box to start a new track.
        match_iou: Minimum IoU between a predicted track box and a box in stage 1.
        low_match_iou: Minimum IoU in the low-score stage (stricter: those boxes are noisier).
        confirm_hits: Matches a new track needs before it is reported as a person.
        coast_s: How long a lost track keeps moving with its last velocity before it freezes.
        max_lost_s: How long a lost track waits to be recovered when lost inside the image.
        max_lost_edge_s: The same for a track lost at the image border, where people leave.
        edge_margin: Width of the border band, as a fraction of the image width/height.
        recover_radius_h: Recovery search radius at the moment of loss, in box heights.
        recover_speed_h_per_s: Growth of that radius per second lost, in box heights: the
            distance a person can walk while unseen.
        max_recover_radius_h: Cap on the recovery radius, in box heights.
        max_appearance_distance: Largest colour-histogram distance (0 same, 1 disjoint) at which
            a box may recover a lost track.
        appearance_momentum: Weight of the old histogram when a track's appearance is updated.
        appearance_weight: Weight of the colour distance against ``1 - IoU`` in stage 1.
        appearance_clear_iou: A box overlapping another box by this IoU or more does not
            update its track's colours.
        link_hits: When a new track reaches this many matches, it is compared with the lost
            tracks as a whole (its averaged appearance is steadier than one frame's) and, if
            it is the same person, continues the lost track's identity.
        link_max_appearance_distance: Largest averaged-appearance distance for such a link.
        max_height_ratio: A box more than this factor taller or shorter than a track's last box
            cannot recover or continue it.
        duplicate_iou: An unmatched box overlapping a tracked box by this IoU or more starts no
            track. Lower suppresses more duplicates but can miss a person entering right
            behind another.
    """

    high_score: float = 0.5
    low_score: float = 0.15
    new_track_score: float = 0.55
    match_iou: float = 0.2
    low_match_iou: float = 0.6
    confirm_hits: int = 3
    coast_s: float = 0.8
    max_lost_s: float = 8.0
    max_lost_edge_s: float = 1.0
    edge_margin: float = 0.04
    recover_radius_h: float = 0.6
    recover_speed_h_per_s: float = 0.6
    max_recover_radius_h: float = 3.0
    max_appearance_distance: float = 0.45
    appearance_momentum: float = 0.9
    appearance_weight: float = 2.5
    appearance_clear_iou: float = 0.1
    link_hits: int = 4
    max_height_ratio: float = 1.5
    duplicate_iou: float = 0.3
    link_max_appearance_distance: float = 0.5


@dataclass(slots=True)
class _Tracks:
    """Struct of arrays: one row per live track."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    mean: np.ndarray = field(default_factory=lambda: np.zeros((0, 8)))
    cov: np.ndarray = field(default_factory=lambda: np.zeros((0, 8, 8)))
    state: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int8))
    hits: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    first_seen_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    last_seen_s: np.ndarray = field(default_factory=lambda: np.zeros(0))
    first_box: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    last_box: np.ndarray = field(default_factory=lambda: np.zeros((0, 4)))
    appearance: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.float32))

    def __len__(self) -> int:
        return len(self.ids)

    def select(self, keep: np.ndarray) -> _Tracks:
        return _Tracks(**{name: getattr(self, name)[keep] for name in self.__slots__})

    def append(self, other: _Tracks) -> _Tracks:
        if len(self) == 0:
            return other
        return _Tracks(
            **{name: np.concatenate([getattr(self, name), getattr(other, name)]) for name in self.__slots__}
        )


class Tracker:
    """Tracks people in one camera's detections, frame by frame.

    Args:
        config: Thresholds; defaults are tuned on PETS09-S2L1 and TUD-Campus (docs/benchmarks.md).
        kalman: Motion noise model.

    ``update`` returns the boxes matched to tracks in this frame, including tracks not yet
    confirmed (``confirmed_mask`` tells which); `TrackFinalizer` turns that stream into final
    tracks with gap interpolation and short-track suppression.
    """

    def __init__(self, config: TrackerConfig | None = None, kalman: BoxKalman | None = None) -> None:
        self.config = config or TrackerConfig()
        self.kalman = kalman or BoxKalman()
        self._tracks = _Tracks()
        self._next_id = 1
        self._last_ts_s: float | None = None
        self.confirmed_mask = np.zeros(0, bool)
        self.links: dict[int, int] = {}

    @property
    def live_track_count(self) -> int:
        return len(self._tracks)

    def update(self, dets: Detections, image: np.ndarray | None = None) -> Detections:
        """Associate one frame's detections with the live tracks.

        Args:
            dets: Person boxes of one frame (any scores; below ``low_score`` are ignored).
            image: (h, w, 3) uint8 frame: its size marks the border, its pixels give the colour
                cue, unless the detector already described each box (``dets.appearance``, as a
                simulated camera does). Neither: no appearance cue.

        Returns:
            The matched boxes with ``track_id`` set; ``self.confirmed_mask`` marks which rows
            belong to confirmed tracks.
        """
        cfg = self.config
        now = dets.ts.timestamp()
        dt = 0.0 if self._last_ts_s is None else max(now - self._last_ts_s, 0.0)
        self._last_ts_s = now
        self.links = {}
        # The tracker works on plain arrays of the usable rows (``usable`` indexes ``dets``);
        # the output `Detections` is built once, at the end.
        usable = (dets.confidence >= cfg.low_score).nonzero()[0]
        boxes = _take(dets.xyxy_px, usable).astype(np.float64)
        scores = _take(dets.confidence, usable)
        given = dets.appearance
        dim = given.shape[1] if given is not None else (0 if image is None else APPEARANCE_DIM)
        feats = np.zeros((len(usable), dim), np.float32)
        if not len(usable) and not len(self._tracks):
            # Nobody in view and nobody to remember: nothing to predict, match or age.
            self.confirmed_mask = np.zeros(0, bool)
            return _tracked_rows(dets, usable, np.zeros(0, np.int64), feats)
        high = (scores >= cfg.high_score).nonzero()[0]
        low = (scores < cfg.high_score).nonzero()[0]
        # Colours are only used with confident boxes; low-score ones match by overlap alone.
        if given is not None:
            feats[high] = given[usable[high]]
        elif image is not None:
            feats[high] = torso_histograms(image, boxes[high])

        t = self._predict(dt, now)
        det_track = self._associate(t, boxes, feats, high, low, now)  # index into t, or -1
        if len(t):
            self._update_tracks(t, det_track, boxes, scores, feats, now)
            t, det_track = self._prune(t, det_track, now, image)

        # New tracks from confident unmatched boxes, unless the box mostly covers a person
        # already tracked in this frame (detectors often return a second, looser box).
        fresh = ((det_track < 0) & (scores >= cfg.new_track_score)).nonzero()[0]
        if len(fresh):
            tracked_now = (det_track >= 0).nonzero()[0]
            if len(tracked_now):
                overlap = iou_matrix(boxes[fresh], boxes[tracked_now]).max(axis=1)
                fresh = fresh[overlap < cfg.duplicate_iou]
            if len(fresh):
                t = t.append(self._new_tracks(boxes[fresh], feats[fresh], now))
                det_track[fresh] = np.arange(len(t) - len(fresh), len(t))

        self._tracks = t
        rows = (det_track >= 0).nonzero()[0]
        row_track = det_track[rows]
        self.confirmed_mask = t.state[row_track] == CONFIRMED
        return _tracked_rows(dets, usable[rows], t.ids[row_track], _take(feats, rows))

    def _associate(
        self, t: _Tracks, boxes: np.ndarray, feats: np.ndarray, high: np.ndarray, low: np.ndarray, now: float
    ) -> np.ndarray:
        """Match boxes to the predicted tracks ``t`` in three stages.

        Returns:
            (len(boxes),) the row of ``t`` each box continues, or -1.
        """
        cfg = self.config
        det_track = np.full(len(boxes), -1)
        if not len(t) or not len(boxes):
            return det_track
        pred_boxes = cxcywh_to_xyxy(t.mean[:, :4])
        taken = np.zeros(len(t), bool)

        # Stage 1: confident boxes to active tracks by IoU with the predicted box, with
        # appearance breaking ties between people walking close together.
        active = (t.state != LOST).nonzero()[0]
        if len(active) and len(high):
            iou = iou_matrix(_take(pred_boxes, active), _take(boxes, high))
            cost = 1.0 - iou
            if feats.shape[1]:
                cost = cost + cfg.appearance_weight * appearance_distance(t.appearance[active], feats[high])
            cost[iou < cfg.match_iou] = np.inf
            m = match(cost, np.inf)
            det_track[high[m[:, 1]]] = active[m[:, 0]]
            taken[active[m[:, 0]]] = True

        # Stage 2: low-score boxes to confirmed tracks still unmatched.
        confirmed = t.state == CONFIRMED
        if len(low):
            free_tracks = (confirmed & ~taken).nonzero()[0]
            if len(free_tracks):
                cost = 1.0 - iou_matrix(pred_boxes[free_tracks], boxes[low])
                m = match(cost, 1.0 - cfg.low_match_iou)
                det_track[low[m[:, 1]]] = free_tracks[m[:, 0]]
                taken[free_tracks[m[:, 0]]] = True

        # Stage 3: recover lost tracks (and active ones that missed stages 1-2) from confident
        # boxes by distance and appearance.
        free_dets = high[det_track[high] < 0]
        if len(free_dets):
            candidates = ((t.state == LOST) | (confirmed & ~taken)).nonzero()[0]
            if len(candidates):
                cost = self._recovery_cost(
                    t, candidates, pred_boxes[candidates], boxes[free_dets], feats[free_dets], now
                )
                m = match(cost, 1.0)
                det_track[free_dets[m[:, 1]]] = candidates[m[:, 0]]
        return det_track

    def _update_tracks(
        self, t: _Tracks, det_track: np.ndarray, boxes: np.ndarray, scores: np.ndarray, feats: np.ndarray, now: float
    ) -> None:
        """Correct the matched tracks with their boxes; mark the unmatched ones lost (or dead,
        if tentative); let new tracks continue lost ones (`_link`)."""
        cfg = self.config
        matched_dets = (det_track >= 0).nonzero()[0]
        ti = det_track[matched_dets]
        if len(ti) == len(t):
            # Every track was matched (the usual frame): filter the whole arrays in track order
            # instead of gathering and scattering rows.
            measured = np.empty_like(t.last_box)
            measured[ti] = boxes[matched_dets]
            t.mean, t.cov = self.kalman.update(t.mean, t.cov, measured)
            t.last_box = measured
        elif len(ti):
            t.mean[ti], t.cov[ti] = self.kalman.update(t.mean[ti], t.cov[ti], boxes[matched_dets])
            t.last_box[ti] = boxes[matched_dets]
        if len(ti):
            t.hits[ti] += 1
            t.last_seen_s[ti] = now
            # Confirmed and lost tracks are (again) confirmed; tentative ones after enough hits.
            promoted = (t.state[ti] != TENTATIVE) | (t.hits[ti] >= cfg.confirm_hits)
            t.state[ti[promoted]] = CONFIRMED
            if feats.shape[1]:
                # Learn clothes only from clear views: a box overlapping another person's box
                # mixes both people's colours.
                overlap = iou_matrix(boxes, boxes)
                np.fill_diagonal(overlap, 0.0)
                clear = overlap.max(axis=1, initial=0.0) < cfg.appearance_clear_iou
                confident = (scores[matched_dets] >= cfg.high_score) & clear[matched_dets]
                upd = ti[confident]
                mom = cfg.appearance_momentum
                t.appearance[upd] = mom * t.appearance[upd] + (1 - mom) * feats[matched_dets[confident]]

        if len(ti) < len(t):
            # Unmatched tracks: tentative ones die, others become lost.
            unmatched = np.ones(len(t), bool)
            unmatched[ti] = False
            t.state[unmatched] = np.where(t.state[unmatched] == TENTATIVE, -1, LOST)
        if t.appearance.shape[1] and len(ti):
            for old_row, new_row in self._link(t, ti[t.hits[ti] == cfg.link_hits]):
                self.links[int(t.ids[new_row])] = int(t.ids[old_row])
                det_track[det_track == new_row] = old_row

    def _prune(
        self, t: _Tracks, det_track: np.ndarray, now: float, image: np.ndarray | None
    ) -> tuple[_Tracks, np.ndarray]:
        """Drop dead and expired tracks; returns the remaining tracks and ``det_track``
        renumbered to their rows."""
        keep = t.state >= 0
        if LOST in t.state.tolist():
            keep &= ~self._expired(t, now, image)
        if keep.all():
            return t, det_track
        new_index = np.cumsum(keep) - 1
        matched = det_track >= 0
        det_track[matched] = new_index[det_track[matched]]
        return t.select(keep), det_track

    def _predict(self, dt: float, now: float) -> _Tracks:
        """Advance all tracks; lost tracks coast for ``coast_s`` and then stand still."""
        t = self._tracks
        if len(t) == 0:
            return t
        coast_s = self.config.coast_s
        t.mean, t.cov = self.kalman.predict(t.mean, t.cov, np.full(len(t), dt))
        # Usually every track was seen within ``coast_s`` and moves the whole ``dt``; the
        # per-track budget below is only needed when the longest-unseen one was not (both
        # tests are monotonic in the time unseen, so testing that track decides for all).
        longest_lost_for = now - t.last_seen_s.min()
        if longest_lost_for > coast_s or coast_s - (longest_lost_for - dt) < dt:
            lost_for = now - t.last_seen_s
            moving = np.clip(coast_s - (lost_for - dt), 0.0, dt)
            # Undo the motion beyond the coasting budget: position stays, uncertainty grows.
            t.mean[:, :4] -= t.mean[:, 4:] * (dt - moving)[:, None]
            frozen = lost_for > coast_s
            t.mean[frozen, 4:] = 0.0
        return t

    def _reach(
        self, from_box: np.ndarray, scale_box: np.ndarray, to_box: np.ndarray, elapsed_s: np.ndarray
    ) -> np.ndarray:
        """How far each box in ``to_box`` is from each track position, as a fraction of the
        distance the person could have covered (> 1 = out of reach; inf = implausible size).

        Args:
            from_box: (n, 4) where the tracks are believed to be.
            scale_box: (n, 4) a recent real box per track: its height sets the image scale.
            to_box: (m, 4) candidate boxes.
            elapsed_s: (n,) or (n, m) seconds since each track was last seen.
        """
        cfg = self.config
        h = np.maximum(scale_box[:, 3] - scale_box[:, 1], 1.0)[:, None]
        elapsed = np.asarray(elapsed_s, dtype=np.float64).reshape(len(h), -1)  # (n, 1) or (n, m)
        (from_x, from_y), (to_x, to_y) = _feet(from_box), _feet(to_box)
        dx, dy = from_x[:, None] - to_x[None, :], from_y[:, None] - to_y[None, :]
        dist = np.sqrt(dx * dx + dy * dy) / h
        radius = np.minimum(cfg.recover_radius_h + cfg.recover_speed_h_per_s * elapsed, cfg.max_recover_radius_h)
        to_h = to_box[:, 3] - to_box[:, 1]
        scale_ok = np.abs(np.log(np.maximum(to_h[None, :], 1.0) / h)) < np.log(cfg.max_height_ratio)
        return np.where(scale_ok, dist / radius, np.inf)

    def _recovery_cost(
        self, t: _Tracks, rows: np.ndarray, pred: np.ndarray, boxes: np.ndarray, feats: np.ndarray, now: float
    ) -> np.ndarray:
        """Cost in [0, 1] (inf = impossible) of giving lost tracks ``rows``, predicted at
        ``pred``, the ``boxes``."""
        cfg = self.config
        reach = self._reach(pred, t.last_box[rows], boxes, now - t.last_seen_s[rows])
        gate = reach <= 1.0
        if feats.shape[1]:
            app = appearance_distance(t.appearance[rows], feats)
            gate &= app <= cfg.max_appearance_distance
            cost = 0.5 * reach + 0.5 * app / cfg.max_appearance_distance
        else:
            cost = reach
        return np.where(gate, cost, np.inf)

    def _link(self, t: _Tracks, young: np.ndarray) -> list[tuple[int, int]]:
        """Give ``young`` tracks the identity of a lost track they continue.

        Moves each linked young row's state into the lost row and marks the young row dead
        (state -1); returns the (lost row, young row) pairs.
        """
        cfg = self.config
        lost = (t.state == LOST).nonzero()[0]
        if not len(young) or not len(lost) or not t.appearance.shape[1]:
            return []
        gap = t.first_seen_s[young][None, :] - t.last_seen_s[lost][:, None]
        pred = cxcywh_to_xyxy(t.mean[lost, :4])
        reach = self._reach(pred, t.last_box[lost], t.first_box[young], np.maximum(gap, 0.0))
        app = appearance_distance(t.appearance[lost], t.appearance[young])
        gate = (gap > 0) & (reach <= 1.0) & (app <= cfg.link_max_appearance_distance)
        cost = np.where(gate, reach + app / cfg.link_max_appearance_distance, np.inf)
        m = match(cost, np.inf)
        pairs = [(int(lost[r]), int(young[c])) for r, c in m]
        for old_row, new_row in pairs:
            for name in ("mean", "cov", "last_seen_s", "last_box"):
                getattr(t, name)[old_row] = getattr(t, name)[new_row]
            t.hits[old_row] += t.hits[new_row]
            t.appearance[old_row] = 0.5 * (t.appearance[old_row] + t.appearance[new_row])
            t.state[old_row], t.state[new_row] = CONFIRMED, -1
        return pairs

    def _expired(self, t: _Tracks, now: float, image: np.ndarray | None) -> np.ndarray:
        """Lost tracks past their wait; the wait is short at the image border."""
        cfg = self.config
        lost_for = now - t.last_seen_s
        if image is None:  # no image size, no border
            return (t.state == LOST) & (lost_for > cfg.max_lost_s)
        img_h, img_w = image.shape[:2]
        b = t.last_box
        mx, my = cfg.edge_margin * img_w, cfg.edge_margin * img_h
        at_edge = (b[:, 0] < mx) | (b[:, 1] < my) | (b[:, 2] > img_w - mx) | (b[:, 3] > img_h - my)
        limit = np.where(at_edge, cfg.max_lost_edge_s, cfg.max_lost_s)
        return (t.state == LOST) & (lost_for > limit)

    def _new_tracks(self, boxes: np.ndarray, feats: np.ndarray, now: float) -> _Tracks:
        n = len(boxes)
        mean, cov = self.kalman.initiate(boxes)
        ids = np.arange(self._next_id, self._next_id + n, dtype=np.int64)
        self._next_id += n
        return _Tracks(
            ids=ids,
            mean=mean,
            cov=cov,
            state=np.full(n, TENTATIVE if self.config.confirm_hits > 1 else CONFIRMED, np.int8),
            hits=np.ones(n, np.int32),
            first_seen_s=np.full(n, now),
            last_seen_s=np.full(n, now),
            first_box=boxes.copy(),
            last_box=boxes.copy(),
            appearance=feats.astype(np.float32),
        )


def _take(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``a[rows]`` for increasing row indices, as a plain copy when ``rows`` are all rows of
    ``a`` (much cheaper than fancy indexing for the few rows of a frame)."""
    return a.copy() if len(rows) == len(a) else a[rows]


def _tracked_rows(dets: Detections, rows: np.ndarray, track_id: np.ndarray, appearance: np.ndarray) -> Detections:
    """Rows ``rows`` (increasing) of ``dets`` with their track ids and appearance, copied and
    checked once (``dets[rows]`` followed by ``replace`` would build and check two objects).
    Selects every per-row column of `Detections`."""
    return replace(
        dets,
        xyxy_px=_take(dets.xyxy_px, rows),
        confidence=_take(dets.confidence, rows),
        class_id=_take(dets.class_id, rows),
        track_id=track_id,
        appearance=appearance,
    )


def _feet(xyxy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y, each (n,), of the bottom-centre points of (n, 4) boxes."""
    return (xyxy[:, 0] + xyxy[:, 2]) / 2, xyxy[:, 3]

