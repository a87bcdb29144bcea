"""One camera, end to end: frames -> person boxes -> final tracks, with per-stage timing."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace

import numpy as np

from storelens.detect.base import Detector
from storelens.eval.motio import MotTable, tracks_to_mot
from storelens.sources.base import FrameSource
from storelens.track.finalize import FinalizerConfig, TrackFinalizer
from storelens.track.smooth import BoxSmoother, SmootherConfig
from storelens.track.tracker import Tracker, TrackerConfig
from storelens.types import Detections, Frame

__all__ = ["PipelineSettings", "StageTimes", "TrackingRun", "track_source", "LIVE_LATENCY_S"]

logger = logging.getLogger(__name__)

LIVE_LATENCY_S = 2.0
"""How long a live source's results are held back for gap filling and short-track suppression;
files are judged with the whole track in view."""


@dataclass(frozen=True, slots=True)
class PipelineSettings:
    """Settings of the stages after detection."""

    tracker: TrackerConfig = field(default_factory=TrackerConfig)
    finalizer: FinalizerConfig = field(default_factory=FinalizerConfig)
    smoother: SmootherConfig = field(default_factory=SmootherConfig)


@dataclass(slots=True)
class StageTimes:
    """Wall-clock seconds spent per stage over a run."""

    frames: int = 0
    decode_s: float = 0.0
    detect_s: float = 0.0
    track_s: float = 0.0
    total_s: float = 0.0

    @property
    def other_s(self) -> float:
        return max(self.total_s - self.decode_s - self.detect_s - self.track_s, 0.0)

    @property
    def fps(self) -> float:
        return self.frames / self.total_s if self.total_s > 0 else 0.0

    def to_dict(self) -> dict[str, float]:
        per_frame = 1000.0 / max(self.frames, 1)
        return {
            "frames": self.frames,
            "fps": round(self.fps, 2),
            "decode_ms": round(self.decode_s * per_frame, 2),
            "detect_ms": round(self.detect_s * per_frame, 2),
            "track_ms": round(self.track_s * per_frame, 2),
            "other_ms": round(self.other_s * per_frame, 2),
            "total_ms": round(self.total_s * per_frame, 2),
        }


@dataclass(slots=True)
class TrackingRun:
    """Everything one camera's run produced.

    Attributes:
        camera_id: The camera.
        tracks: Final tracked boxes, one `Detections` per analysed frame, in frame order.
        detections: The detector's raw boxes per analysed frame (kept for head blurring).
        times: Where the time went.
        interrupted: The run was stopped (Ctrl-C) before its source ended; what was read
            up to then is complete and final.
    """

    camera_id: str
    tracks: list[Detections]
    detections: list[Detections]
    times: StageTimes
    interrupted: bool = False

    def to_mot(self) -> MotTable:
        """Final tracks as MOT rows (frame = source index + 1, as in MOTChallenge)."""
        return tracks_to_mot(self.tracks)

    def summary(self) -> dict[str, object]:
        """Counts a person can read: tracks, their durations, and the timing."""
        table = self.to_mot()
        ids, first = np.unique(table.track_id, return_index=True)
        durations = []
        ts = {d.frame_index + 1: d.ts.timestamp() for d in self.tracks}
        for tid in ids:
            frames = table.frame[table.track_id == tid]
            durations.append(ts[int(frames.max())] - ts[int(frames.min())])
        return {
            "camera_id": self.camera_id,
            "interrupted": self.interrupted,
            "frames": self.times.frames,
            "tracks": int(len(ids)),
            "boxes": int(len(table)),
            "track_duration_s": {
                "min": round(min(durations), 2) if durations else 0.0,
                "median": round(float(np.median(durations)), 2) if durations else 0.0,
                "max": round(max(durations), 2) if durations else 0.0,
            },
            "timing": self.times.to_dict(),
        }


def _timed(frames: Iterator[Frame], times: StageTimes) -> Iterator[Frame]:
    """Yield frames, adding the time spent producing them to ``times.decode_s``."""
    while True:
        t0 = time.perf_counter()
        try:
            frame = next(frames)
        except StopIteration:
            return
        finally:
            times.decode_s += time.perf_counter() - t0
        yield frame


def track_source(
    source: FrameSource,
    detector: Detector,
    settings: PipelineSettings | None = None,
    on_tracks: Callable[[Detections], None] | None = None,
    keep: bool = True,
) -> TrackingRun:
    """Run detection and tracking over a whole source.

    Args:
        source: Frames of one camera.
        detector: Person detector.
        settings: Tracker, finaliser and smoother settings. For a live source the finaliser's
            latency is capped at `LIVE_LATENCY_S` so results keep flowing.
        on_tracks: Called with each frame's final tracks as soon as they are released.
        keep: Keep every frame's tracks and detections in the result. A live camera that runs
            for days passes False and takes what it needs through ``on_tracks``.

    Returns:
        The final tracks, raw detections and stage timings.
    """
    settings = settings or PipelineSettings()
    fin_cfg = settings.finalizer
    if source.is_live and math.isinf(fin_cfg.latency_s):
        fin_cfg = replace(fin_cfg, latency_s=LIVE_LATENCY_S)
    tracker = Tracker(settings.tracker)
    finalizer = TrackFinalizer(fin_cfg)
    smoother = BoxSmoother(settings.smoother)
    times = StageTimes()
    tracks: list[Detections] = []
    raw: list[Detections] = []

    def emit(finals: list[Detections]) -> None:
        if keep:
            tracks.extend(finals)
        if on_tracks is not None:
            for final in finals:
                on_tracks(final)

    def release(done: list[Detections]) -> None:
        for d in done:
            emit(smoother.push(d))

    start = time.perf_counter()
    interrupted = False
    try:
        for frame in _timed(iter(source), times):
            t0 = time.perf_counter()
            dets = detector(frame)
            t1 = time.perf_counter()
            tracked = tracker.update(dets, frame.image)
            release(finalizer.push(tracked, tracker.links))
            times.track_s += time.perf_counter() - t1
            times.detect_s += t1 - t0
            times.frames += 1
            if keep:
                raw.append(dets)
    except KeyboardInterrupt:
        # Stopping a live camera is the normal way to end; keep everything tracked so far.
        logger.warning("%s: interrupted after %d frames; finishing the tracks", source.camera_id, times.frames)
        interrupted = True
    t1 = time.perf_counter()
    release(finalizer.flush())
    emit(smoother.flush())
    times.track_s += time.perf_counter() - t1
    times.total_s = time.perf_counter() - start
    return TrackingRun(camera_id=source.camera_id, tracks=tracks, detections=raw, times=times, interrupted=interrupted)
