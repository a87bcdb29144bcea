"""Per-visit votes: soft vote over face frames, decided at the track's end, matched by box overlap."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from storelens.demographics import AGE_BANDS
from storelens.demographics.estimator import FaceVotes, band_matrix
from storelens.demographics.observer import END_AFTER_S, MAX_FACE_RATE_HZ, DemographicsObserver
from storelens.demographics.votes import MIN_FACES, TrackVotes
from storelens.types import Detections, Frame

T0 = datetime(2026, 11, 20, 10, tzinfo=timezone.utc)
BOX = [100.0, 50.0, 200.0, 350.0]


def _band(i: int, p: float = 0.7) -> np.ndarray:
    probs = np.full(len(AGE_BANDS), (1 - p) / (len(AGE_BANDS) - 1))
    probs[i] = p
    return probs


def test_band_matrix_sums_age_classes_into_bands():
    m = band_matrix((0.25, 17.0, 18.0, 29.0, 30.0, 44.0, 45.0, 59.0, 60.0, 80.0))
    assert m.argmax(axis=1).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert (m.sum(axis=1) == 1).all()


def test_a_visit_is_the_soft_vote_of_its_faces_and_agreement_counts_frames():
    votes = TrackVotes("door", 7, T0, T0 + timedelta(seconds=5))
    for band, male in [(1, 0.9), (1, 0.8), (2, 0.6), (1, 0.3)]:
        votes.add(_band(band), male)
    record = votes.decide()
    assert (record.age_band, record.gender, record.faces) == (AGE_BANDS[1], "male", 4)
    assert record.gender_confidence == pytest.approx(0.65)
    assert votes.agreement() == (0.75, 0.75)


def test_too_few_faces_decide_nothing():
    votes = TrackVotes("door", 7, T0, T0)
    for _ in range(MIN_FACES - 1):
        votes.add(_band(0), 0.1)
    assert votes.decide() is None


class _Persons:
    min_score = 0.1

    def __call__(self, frame: Frame) -> Detections:
        return Detections(frame.camera_id, frame.index, frame.ts, [BOX], [0.9], [0])


class _OneFace:
    """Stands in for FaceEstimator: every person box has a young female face."""

    def __init__(self) -> None:
        self.images: list[int] = []

    def estimate(self, image: np.ndarray, boxes: np.ndarray) -> FaceVotes:
        self.images.append(id(image))
        n = len(boxes)
        return FaceVotes(np.arange(n), np.tile(_band(1), (n, 1)), np.full(n, 0.2))


def test_observer_votes_per_track_and_decides_when_the_track_ends():
    sent = []
    estimator = _OneFace()
    observer = DemographicsObserver(_Persons(), "door", sent.extend, build=lambda: estimator)
    image = np.zeros((400, 300, 3), np.uint8)
    n = 10  # frames at twice the face search rate: every other one is searched
    for i in range(n):
        frame = Frame("door", i, T0 + timedelta(seconds=i / (2 * MAX_FACE_RATE_HZ)), image)
        dets = observer(frame)
        observer.on_tracks(dets.with_track_ids(np.array([3])))
    assert sent == [] and observer.frames == len(estimator.images) == n // 2
    later = T0 + timedelta(seconds=END_AFTER_S + 1)
    observer.on_tracks(Detections.empty("door", 999, later).with_track_ids(np.zeros(0, np.int64)))
    (record,) = sent
    assert (record.track_id, record.age_band, record.gender, record.faces) == (3, "18-29", "female", n // 2)
    assert record.end_ts == T0 + timedelta(seconds=(n - 1) / (2 * MAX_FACE_RATE_HZ))


def test_a_vote_goes_only_to_a_track_box_it_overlaps():
    sent = []
    observer = DemographicsObserver(_Persons(), "door", sent.extend, build=_OneFace)
    image = np.zeros((400, 600, 3), np.uint8)
    for i in range(MIN_FACES):
        frame = Frame("door", i, T0 + timedelta(seconds=i), image)
        observer(frame)
        far = Detections("door", i, T0, [[400.0, 50.0, 500.0, 350.0]], [0.9], [0], track_id=[4])
        observer.on_tracks(far)
    observer.finish()
    assert sent == []
