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
from storelens.track.association import assign, iou_matrix
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
            image: (h, w, 3) uint8 frame, used for appearance cues; None disables them.

        Returns:
            The matched boxes with ``track_id`` set; ``self.confirmed_mask`` marks which rows
            belong to confirmed tracks.
        """
        cfg = self.config
        now = dets.ts.timestamp()
        dt = 0.0 if self._last_ts_s is None else max(now - self._last_ts_s, 0.0)
        self._last_ts_s = now
        dets = dets[dets.confidence >= cfg.low_score]
        boxes = dets.xyxy_px.astype(np.float64)
        scores = dets.confidence
        high = np.flatnonzero(scores >= cfg.high_score)
        low = np.flatnonzero(scores < cfg.high_score)
        # Colours are only used with confident boxes; low-score ones match by overlap alone.
        feats = np.zeros((len(dets), 0 if image is None else APPEARANCE_DIM), np.float32)
        if image is not None:
            feats[high] = torso_histograms(image, boxes[high])

        t = self._predict(dt, now)
        det_track = np.full(len(dets), -1)  # index into t, or -1
        pred_boxes = cxcywh_to_xyxy(t.mean[:, :4])
        active = np.flatnonzero(t.state != LOST)

        # Stage 1: confident boxes to active tracks by IoU with the predicted box, with
        # appearance breaking ties between people walking close together.
        iou = iou_matrix(pred_boxes[active], boxes[high])
        cost = 1.0 - iou
        if feats.shape[1] and len(active) and len(high):
            cost = cost + cfg.appearance_weight * appearance_distance(t.appearance[active], feats[high])
        cost[iou < cfg.match_iou] = np.inf
        m, _, _ = assign(cost, np.inf)
        det_track[high[m[:, 1]]] = active[m[:, 0]]

        # Stage 2: low-score boxes to confirmed tracks still unmatched.
        taken = np.zeros(len(t), bool)
        taken[det_track[det_track >= 0]] = True
        free_tracks = np.flatnonzero((t.state == CONFIRMED) & ~taken)
        cost = 1.0 - iou_matrix(pred_boxes[free_tracks], boxes[low])
        m, _, _ = assign(cost, 1.0 - cfg.low_match_iou)
        det_track[low[m[:, 1]]] = free_tracks[m[:, 0]]

        # Stage 3: recover lost tracks (and active ones that missed stages 1-2) from confident
        # boxes by distance and appearance.
        free_dets = high[det_track[high] < 0]
        taken[det_track[det_track >= 0]] = True
        candidates = np.flatnonzero((t.state == LOST) | ((t.state == CONFIRMED) & ~taken))
        if len(free_dets) and len(candidates):
            cost = self._recovery_cost(t, candidates, boxes[free_dets], feats[free_dets], now)
            m, _, _ = assign(cost, 1.0)
            det_track[free_dets[m[:, 1]]] = candidates[m[:, 0]]

        # Update matched tracks.
        matched_dets = np.flatnonzero(det_track >= 0)
        ti = det_track[matched_dets]
        t.mean[ti], t.cov[ti] = self.kalman.update(t.mean[ti], t.cov[ti], boxes[matched_dets])
        t.hits[ti] += 1
        t.last_seen_s[ti] = now
        t.last_box[ti] = boxes[matched_dets]
        was_lost = t.state[ti] == LOST
        t.state[ti] = np.where(
            (t.state[ti] == CONFIRMED) | was_lost | (t.hits[ti] >= cfg.confirm_hits), CONFIRMED, TENTATIVE
        )
        if feats.shape[1] and len(ti):
            # Learn clothes only from clear views: a box overlapping another person's box
            # mixes both people's colours.
            overlap = iou_matrix(boxes, boxes)
            np.fill_diagonal(overlap, 0.0)
            clear = overlap.max(axis=1, initial=0.0) < cfg.appearance_clear_iou
            confident = (scores[matched_dets] >= cfg.high_score) & clear[matched_dets]
            upd = ti[confident]
            mom = cfg.appearance_momentum
            t.appearance[upd] = mom * t.appearance[upd] + (1 - mom) * feats[matched_dets[confident]]

        # Unmatched tracks: tentative ones die, others become lost.
        unmatched = np.ones(len(t), bool)
        unmatched[ti] = False
        t.state[unmatched] = np.where(t.state[unmatched] == TENTATIVE, -1, LOST)
        self.links = {}
        for old_row, new_row in self._link(t, ti[t.hits[ti] == cfg.link_hits]):
            self.links[int(t.ids[new_row])] = int(t.ids[old_row])
            det_track[det_track == new_row] = old_row
        keep = (t.state >= 0) & ~self._expired(t, now, image)
        new_index = np.cumsum(keep) - 1
        det_track[det_track >= 0] = new_index[det_track[det_track >= 0]]
        t = t.select(keep)

        # New tracks from confident unmatched boxes, unless the box mostly covers a person
        # already tracked in this frame (detectors often return a second, looser box).
        fresh = np.flatnonzero((det_track < 0) & (scores >= cfg.new_track_score))
        tracked_now = np.flatnonzero(det_track >= 0)
        if len(fresh) and len(tracked_now):
            overlap = iou_matrix(boxes[fresh], boxes[tracked_now]).max(axis=1)
            fresh = fresh[overlap < cfg.duplicate_iou]
        if len(fresh):
            t = t.append(self._new_tracks(boxes[fresh], feats[fresh], now))
            det_track[fresh] = np.arange(len(t) - len(fresh), len(t))

        self._tracks = t
        rows = np.flatnonzero(det_track >= 0)
        self.confirmed_mask = t.state[det_track[rows]] == CONFIRMED
        return replace(dets[rows], track_id=t.ids[det_track[rows]], appearance=feats[rows])

    def _predict(self, dt: float, now: float) -> _Tracks:
        """Advance all tracks; lost tracks coast for ``coast_s`` and then stand still."""
        t = self._tracks
        if len(t) == 0:
            return t
        lost_for = now - t.last_seen_s
        moving = np.clip(self.config.coast_s - (lost_for - dt), 0.0, dt)
        t.mean, t.cov = self.kalman.predict(t.mean, t.cov, np.full(len(t), dt))
        # Undo the motion beyond the coasting budget: position stays, uncertainty grows.
        t.mean[:, :4] -= t.mean[:, 4:] * (dt - moving)[:, None]
        frozen = lost_for > self.config.coast_s
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
        elapsed = np.broadcast_to(np.asarray(elapsed_s, dtype=np.float64).reshape(len(h), -1), (len(h), len(to_box)))
        dist = np.linalg.norm(_feet(from_box)[:, None] - _feet(to_box)[None], axis=2) / h
        radius = np.minimum(cfg.recover_radius_h + cfg.recover_speed_h_per_s * elapsed, cfg.max_recover_radius_h)
        to_h = to_box[:, 3] - to_box[:, 1]
        scale_ok = np.abs(np.log(np.maximum(to_h[None, :], 1.0) / h)) < np.log(cfg.max_height_ratio)
        return np.where(scale_ok, dist / radius, np.inf)

    def _recovery_cost(
        self, t: _Tracks, rows: np.ndarray, boxes: np.ndarray, feats: np.ndarray, now: float
    ) -> np.ndarray:
        """Cost in [0, 1] (inf = impossible) of giving lost tracks ``rows`` the ``boxes``."""
        cfg = self.config
        pred = cxcywh_to_xyxy(t.mean[rows, :4])
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
        lost = np.flatnonzero(t.state == LOST)
        if not len(young) or not len(lost) or not t.appearance.shape[1]:
            return []
        gap = t.first_seen_s[young][None, :] - t.last_seen_s[lost][:, None]
        pred = cxcywh_to_xyxy(t.mean[lost, :4])
        reach = self._reach(pred, t.last_box[lost], t.first_box[young], np.maximum(gap, 0.0))
        app = appearance_distance(t.appearance[lost], t.appearance[young])
        gate = (gap > 0) & (reach <= 1.0) & (app <= cfg.link_max_appearance_distance)
        cost = np.where(gate, reach + app / cfg.link_max_appearance_distance, np.inf)
        m, _, _ = assign(cost, np.inf)
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
        if image is not None:
            img_h, img_w = image.shape[:2]
            b = t.last_box
            mx, my = cfg.edge_margin * img_w, cfg.edge_margin * img_h
            at_edge = (b[:, 0] < mx) | (b[:, 1] < my) | (b[:, 2] > img_w - mx) | (b[:, 3] > img_h - my)
        else:
            at_edge = np.zeros(len(t), bool)
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


def _feet(xyxy: np.ndarray) -> np.ndarray:
    """(n, 2) bottom-centre points of (n, 4) boxes."""
    return np.stack([(xyxy[:, 0] + xyxy[:, 2]) / 2, xyxy[:, 3]], axis=1)

