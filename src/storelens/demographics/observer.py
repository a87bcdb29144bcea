"""Demographics for one camera's run: face votes per frame, matched to final tracks, decided per visit.

The observer wraps the camera's person detector, so it sees each frame and its person boxes at
once, and keeps from the frame only the votes (probabilities per box) until the tracker releases
that frame's final tracks, which are delayed by gap filling (up to `RECORDED_RESULTS_LATENCY_S`).
Votes then go to the track whose box they overlap; a track unseen for `END_AFTER_S` of stream
time has ended, and its visit is decided.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from storelens.demographics.estimator import MIN_BOX_SCORE, FaceEstimator
from storelens.demographics.records import VisitDemographics
from storelens.demographics.votes import TrackVotes
from storelens.detect.base import Detector
from storelens.track.association import iou_matrix
from storelens.types import PERSON_CLASS_ID, Detections, Frame

__all__ = ["DemographicsObserver", "END_AFTER_S", "MIN_IOU"]

END_AFTER_S = 15.0
"""Stream seconds without a box after which a track has ended: beyond the finaliser's longest
filled gap (3 s), so a person hidden for a moment is not decided twice."""
MIN_IOU = 0.5
"""Overlap a detected box needs with a final track box to hand it its face vote."""
MAX_FACE_RATE_HZ = 5.0
"""Frames per second searched for faces, at most: a walk-in shows a face for 1-3 s, so 5-15
votes; consecutive frames are nearly the same picture, and each search costs several ms a person."""

DemographicsSink = Callable[[list[VisitDemographics]], None]


@dataclass(frozen=True, slots=True)
class _FrameVotes:
    boxes: np.ndarray
    band_prob: np.ndarray
    male_prob: np.ndarray


class DemographicsObserver:
    """A `Detector` that also estimates faces (see the module); feed it the final tracks.

    Args:
        detector: The camera's person detector.
        camera_id: The camera.
        send: Receives each ended visit's estimate (visits with too few faces are not sent).
        build: Makes the estimator (default `FaceEstimator`), on the first frame, so a forked
            worker builds its own.
    """

    def __init__(
        self,
        detector: Detector,
        camera_id: str,
        send: DemographicsSink,
        build: Callable[[], FaceEstimator] | None = None,
    ) -> None:
        self.detector, self.camera_id, self.send = detector, camera_id, send
        self._build = build or FaceEstimator
        self._estimator: FaceEstimator | None = None
        self._pending: dict[int, _FrameVotes] = {}
        self._next_search: datetime | None = None
        self._tracks: dict[int, TrackVotes] = {}
        self.frames = 0
        self.seconds = 0.0
        """Frames searched for faces and the time it took (the cost of demographics)."""

    @property
    def min_score(self) -> float:
        return self.detector.min_score

    def __call__(self, frame: Frame) -> Detections:
        dets = self.detector(frame)
        if self._next_search is not None and frame.ts < self._next_search:
            return dets
        self._next_search = frame.ts + timedelta(seconds=1 / MAX_FACE_RATE_HZ)
        t0 = time.perf_counter()
        if self._estimator is None:
            self._estimator = self._build()
        keep = (dets.class_id == PERSON_CLASS_ID) & (dets.confidence >= MIN_BOX_SCORE)
        boxes = dets.xyxy_px[keep]
        if len(boxes):
            votes = self._estimator.estimate(frame.image, boxes)
            if len(votes):
                self._pending[frame.index] = _FrameVotes(boxes[votes.box_index], votes.band_prob, votes.male_prob)
        self.frames += 1
        self.seconds += time.perf_counter() - t0
        return dets

    def on_tracks(self, tracks: Detections) -> None:
        """One frame's final tracks: hand out its votes, then decide the tracks that ended."""
        assert tracks.track_id is not None
        for track_id in tracks.track_id.tolist():
            votes = self._tracks.get(track_id)
            if votes is None:
                self._tracks[track_id] = TrackVotes(self.camera_id, track_id, tracks.ts, tracks.ts)
            else:
                votes.end_ts = tracks.ts
        frame_votes = self._pending.pop(tracks.frame_index, None)
        for index in [i for i in self._pending if i < tracks.frame_index]:  # frames with no tracks left
            del self._pending[index]
        if frame_votes is not None and len(tracks):
            self._assign(frame_votes, tracks)
        ended = [t for t in self._tracks.values() if (tracks.ts - t.end_ts).total_seconds() > END_AFTER_S]
        self._decide(ended)

    def finish(self) -> None:
        """The camera ended: decide every track still open."""
        self._pending.clear()
        self._decide(list(self._tracks.values()))

    def _assign(self, votes: _FrameVotes, tracks: Detections) -> None:
        iou = iou_matrix(votes.boxes, tracks.xyxy_px)
        for v in np.argsort(-iou.max(axis=1)):
            t = int(np.argmax(iou[v]))
            if iou[v, t] < MIN_IOU:
                continue
            iou[:, t] = 0.0  # one vote per track and frame
            self._tracks[int(tracks.track_id[t])].add(votes.band_prob[v], float(votes.male_prob[v]))

    def _decide(self, ended: list[TrackVotes]) -> None:
        decided = []
        for votes in ended:
            del self._tracks[votes.track_id]
            record = votes.decide()
            if record is not None:
                decided.append(record)
        if decided:
            self.send(decided)

