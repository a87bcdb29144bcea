"""A camera's health report says when its run last detected someone (a fused store's camera stores
no positions of its own, so the Cameras page cannot read that from the database)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np

from storelens.detect.boxes import person_detections
from storelens.runner import _HealthReporter
from storelens.types import Frame

T0 = datetime(2026, 3, 4, 15, 0, tzinfo=timezone.utc)


class _Detector:
    """A person (score 0.9) in frame 1 only; a weak box (0.2, below min_score) in frame 2."""

    min_score = 0.5

    def __call__(self, frame: Frame):
        score = {1: [0.9], 2: [0.2]}.get(frame.index, [])
        return person_detections(frame, np.array([[10, 10, 50, 120]] * len(score), np.float32), np.array(score))


def test_health_reports_the_last_frame_with_someone_in_it():
    reports = []
    reporter = _HealthReporter(_Detector(), "door", reports.append)
    image = np.zeros((240, 320, 3), np.uint8)
    for k in range(4):
        reporter(Frame("door", k, T0 + timedelta(seconds=k), image))
    reporter.report()
    assert reports[-1].last_person_ts == T0 + timedelta(seconds=1)
    assert reports[-1].last_frame_ts == T0 + timedelta(seconds=3) and reports[-1].frames == 4
