"""Temporal smoothing of each track's boxes.

A detector's box around a small person wobbles by several pixels from frame to frame (legs
apart, legs together, an arm out), while the person's real footprint moves smoothly and their
size barely changes. Averaging a track's boxes over a short centred window removes most of that
wobble: on PETS09-S2L1 it turns many boxes that overlapped the truth by IoU 0.3-0.5 into
correct ones and moves MOTA by about six points (docs/benchmarks.md). Size is averaged over a
longer window than position because it changes more slowly.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from storelens.types import Detections

__all__ = ["BoxSmoother", "SmootherConfig"]


@dataclass(frozen=True, slots=True)
class SmootherConfig:
    """Attributes:
    position_window_s: Width of the centred window that averages the foot point. Wider is
        steadier but cuts corners when people turn.
    size_window_s: Width of the window that averages box width and height. The smoother
        holds frames back by half this.
    """

    position_window_s: float = 0.45
    size_window_s: float = 1.3


class BoxSmoother:
    """Replaces each tracked box by the local average of its track, holding frames back by
    ``size_window_s / 2``. Push frames in order; call `flush` at the end."""

    def __init__(self, config: SmootherConfig | None = None) -> None:
        self.config = config or SmootherConfig()
        self._pending: deque[Detections] = deque()
        # Per track: recent (time s, cx, bottom, w, h) rows, oldest first.
        self._history: dict[int, deque[tuple[float, float, float, float, float]]] = {}

    def push(self, tracked: Detections) -> list[Detections]:
        """Add one frame; return the frames whose whole window has now been seen."""
        assert tracked.track_id is not None, "BoxSmoother needs tracked detections"
        now = tracked.ts.timestamp()
        for tid, (x1, y1, x2, y2) in zip(tracked.track_id.tolist(), tracked.xyxy_px.tolist()):
            self._history.setdefault(tid, deque()).append((now, (x1 + x2) / 2, y2, x2 - x1, y2 - y1))
        self._pending.append(tracked)
        half = self.config.size_window_s / 2
        out = []
        while self._pending and now - self._pending[0].ts.timestamp() >= half:
            out.append(self._release(self._pending.popleft()))
        return out

    def flush(self) -> list[Detections]:
        out = [self._release(self._pending.popleft()) for _ in range(len(self._pending))]
        self._history.clear()
        return out

    def _release(self, frame: Detections) -> Detections:
        cfg = self.config
        t0 = frame.ts.timestamp()
        half_size, half_pos = cfg.size_window_s / 2, cfg.position_window_s / 2
        self._forget_before(t0 - half_size)
        if len(frame) == 0:
            return frame
        assert frame.track_id is not None
        xyxy = []
        for tid in frame.track_id.tolist():
            # Plain float sums in time order: the same arithmetic as numpy's mean over rows,
            # without building arrays for a handful of values.
            sum_cx = sum_bottom = sum_w = sum_h = 0.0
            n_pos = n_size = 0
            for t, cx, bottom, w, h in self._history[tid]:
                dt = abs(t - t0)
                if dt <= half_pos:
                    sum_cx += cx
                    sum_bottom += bottom
                    n_pos += 1
                if dt <= half_size:
                    sum_w += w
                    sum_h += h
                    n_size += 1
            cx, bottom = sum_cx / n_pos, sum_bottom / n_pos
            w, h = sum_w / n_size, sum_h / n_size
            xyxy.append((cx - w / 2, bottom - h, cx + w / 2, bottom))
        return replace(frame, xyxy_px=np.array(xyxy))

    def _forget_before(self, t: float) -> None:
        """Drop rows no later release can use, and tracks with none left."""
        for tid in list(self._history):
            rows = self._history[tid]
            while rows and rows[0][0] < t:
                rows.popleft()
            if not rows:
                del self._history[tid]
