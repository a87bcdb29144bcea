"""What `run_store`'s worker processes rely on: a detector of their own, and a checked option."""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import sys
from datetime import datetime, timezone

import numpy as np

from storelens.detect.boxes import person_detections
from storelens.runner import PerProcessDetector
from storelens.types import Frame

FRAME = Frame("door", 0, datetime(2026, 11, 20, 10, 0, tzinfo=timezone.utc), np.zeros((240, 320, 3), np.uint8))


class OneBoxDetector:
    min_score = 0.2

    def __call__(self, frame):
        return person_detections(frame, np.array([[10, 20, 50, 120]], np.float32), np.array([0.9]))


def test_a_per_process_detector_is_built_once_in_each_process_that_uses_it():
    built = []

    def build():
        built.append(os.getpid())
        return OneBoxDetector()

    detector = PerProcessDetector(build)
    assert len(detector(FRAME)) == 1 and detector.min_score == 0.2
    assert built == [os.getpid()]
    context = mp.get_context("fork")
    child_built = context.SimpleQueue()
    child = context.Process(target=lambda: (detector(FRAME), detector(FRAME), child_built.put(built)))
    child.start()
    child.join(timeout=30)
    seen = child_built.get()
    assert len(seen) == 2 and seen[0] == os.getpid() and seen[1] == child.pid  # the child built its own, once
    assert built == [os.getpid()]


def test_run_refuses_fewer_than_one_process(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "storelens.cli", "run", "store.yaml", "--processes", "0"],
        capture_output=True, text=True, cwd=tmp_path,
    )
    assert out.returncode == 2
    assert out.stderr.strip() == "storelens: error: --processes must be at least 1, got 0"
