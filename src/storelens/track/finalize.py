"""Turn the tracker's frame-by-frame output into final tracks, with a bounded delay.

Two corrections need a little hindsight:

* **gap interpolation**: a person hidden for a few frames (behind a pillar, missed by the
  detector) gets boxes interpolated between the last box before and the first box after;
* **short-track suppression**: a track that never lives ``min_track_s`` is almost always a
  false detection (a mannequin, a reflection) and is dropped with all its boxes.

Frames are held back ``latency_s`` seconds so both decisions can be made before anything is
released. Live use picks a latency of a second or two; offline scoring uses ``inf``.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from storelens.types import Detections

__all__ = ["FinalizerConfig", "TrackFinalizer"]


@dataclass(frozen=True, slots=True)
class FinalizerConfig:
    """Attributes:
    latency_s: How long frames are held back. Longer fills longer gaps and judges more
        tracks on their full length, at the cost of later results.
    min_track_s: Tracks shorter than this (first to last box) are dropped.
    min_boxes: Tracks with fewer detected boxes than this are dropped.
    max_gap_s: Longest gap that is filled by interpolation.
    """

    latency_s: float = math.inf
    min_track_s: float = 0.5
    min_boxes: int = 3
    max_gap_s: float = 3.0


@dataclass(slots=True)
class _TrackInfo:
    first_s: float
    last_s: float
    boxes: int
    first_frame_pos: int  # positions in the absolute frame sequence
    last_frame_pos: int
    first_box: np.ndarray
    last_box: np.ndarray
    last_score: float


class TrackFinalizer:
    """Buffers tracked frames, fills gaps, and releases only tracks that prove real.

    Feed every frame (also frames without boxes) in order through `push`; call `flush` at the
    end of the stream. Each released `Detections` holds the final boxes of one frame.
    """

    def __init__(self, config: FinalizerConfig | None = None) -> None:
        self.config = config or FinalizerConfig()
        self._frames: deque[tuple[int, Detections]] = deque()
        self._extra: dict[int, list[tuple[int, np.ndarray, float]]] = {}
        self._info: dict[int, _TrackInfo] = {}
        self._count = 0

    def push(self, tracked: Detections, links: dict[int, int] | None = None) -> list[Detections]:
        """Add one frame of tracker output; return the frames now old enough to release.

        Args:
            tracked: The tracker's output for the frame.
            links: {young id: old id} identities the tracker merged in this frame
                (`Tracker.links`); the young id's buffered boxes are relabelled.
        """
        cfg = self.config
        pos = self._count
        self._count += 1
        now = tracked.ts.timestamp()
        oldest_pos = pos - len(self._frames)
        for young, old in (links or {}).items():
            self._merge(young, old, oldest_pos)
        assert tracked.track_id is not None, "TrackFinalizer needs tracked detections"
        for tid, box, score in zip(tracked.track_id.tolist(), tracked.xyxy_px, tracked.confidence.tolist()):
            info = self._info.get(tid)
            if info is None:
                self._info[tid] = _TrackInfo(now, now, 1, pos, pos, box, box, score)
                continue
            gap = pos - info.last_frame_pos
            if gap > 1 and now - info.last_s <= cfg.max_gap_s:
                self._interpolate(tid, info, pos, box, score, oldest_pos)
            info.last_s, info.boxes, info.last_frame_pos = now, info.boxes + 1, pos
            info.last_box, info.last_score = box, score
        self._frames.append((pos, tracked))
        released = []
        while self._frames and now - self._frames[0][1].ts.timestamp() > cfg.latency_s:
            released.append(self._release())
        self._evict(now)
        return released

    def flush(self) -> list[Detections]:
        """Release every buffered frame (end of stream)."""
        out = [self._release() for _ in range(len(self._frames))]
        self._info.clear()
        return out

    def _merge(self, young: int, old: int, oldest_pos: int) -> None:
        """Relabel ``young`` as ``old`` in the buffer and fill the gap between them."""
        y, o = self._info.pop(young, None), self._info.get(old)
        for _, dets in self._frames:
            assert dets.track_id is not None
            dets.track_id[dets.track_id == young] = old
        for rows in self._extra.values():
            rows[:] = [(old if t == young else t, b, sc) for t, b, sc in rows]
        if y is None or o is None:
            return
        if y.first_s - o.last_s <= self.config.max_gap_s:
            self._interpolate(old, o, y.first_frame_pos, y.first_box, o.last_score, oldest_pos)
        o.boxes += y.boxes
        o.last_s, o.last_frame_pos, o.last_box, o.last_score = y.last_s, y.last_frame_pos, y.last_box, y.last_score

    def _interpolate(
        self, tid: int, info: _TrackInfo, pos: int, box: np.ndarray, score: float, oldest_pos: int
    ) -> None:
        """Linear boxes for the missing frames still in the buffer."""
        start = max(info.last_frame_pos + 1, oldest_pos)
        span = pos - info.last_frame_pos
        for p in range(start, pos):
            w = (p - info.last_frame_pos) / span
            interp = (1 - w) * info.last_box + w * box
            self._extra.setdefault(p, []).append((tid, interp, min(info.last_score, float(score))))

    def _is_real(self, tid: int) -> bool:
        info = self._info.get(tid)
        if info is None:
            return False
        cfg = self.config
        return info.boxes >= cfg.min_boxes and info.last_s - info.first_s >= cfg.min_track_s

    def _release(self) -> Detections:
        pos, dets = self._frames.popleft()
        extra = self._extra.pop(pos, [])
        if extra:
            dets = _append_rows(dets, extra)
        assert dets.track_id is not None
        keep = [self._is_real(t) for t in dets.track_id.tolist()]
        return dets if all(keep) else dets[np.array(keep, bool)]

    def _evict(self, now: float) -> None:
        """Forget tracks that can no longer appear in a buffered or future frame."""
        horizon = max(self.config.max_gap_s, self.config.latency_s)
        if math.isinf(horizon):
            return
        stale = [t for t, i in self._info.items() if now - i.last_s > horizon + 1.0]
        for t in stale:
            del self._info[t]


def _append_rows(dets: Detections, rows: list[tuple[int, np.ndarray, float]]) -> Detections:
    ids = np.array([r[0] for r in rows], np.int64)
    assert dets.track_id is not None
    return replace(
        dets,
        xyxy_px=np.concatenate([dets.xyxy_px, np.stack([r[1] for r in rows])]),
        confidence=np.concatenate([dets.confidence, np.array([r[2] for r in rows], np.float32)]),
        class_id=np.concatenate([dets.class_id, np.zeros(len(rows), np.int32)]),
        track_id=np.concatenate([dets.track_id, ids]),
        appearance=None
        if dets.appearance is None
        else np.concatenate([dets.appearance, np.zeros((len(rows), dets.appearance.shape[1]), np.float32)]),
    )
