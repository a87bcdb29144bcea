"""A supervised live camera: reopened with doubling waits whenever it fails, said once per change."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from storelens.errors import ConfigError, SourceError
from storelens.sources import ReconnectPolicy
from storelens.sources.base import SourceBase
from storelens.sources.supervised import SupervisedSource
from storelens.types import Frame

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
TINY = ReconnectPolicy(initial_delay_s=0.01, max_delay_s=0.04)
IMAGE = np.zeros((24, 32, 3), np.uint8)


class FakeCamera(SourceBase):
    """A live source of ``n`` frames that then fails (``drop``) or ends."""

    _live = True

    def __init__(self, n: int, drop: bool = False) -> None:
        super().__init__("door")
        self.n, self.drop = n, drop

    def _frames(self) -> Iterator[Frame]:
        for i in range(self.n):
            yield self._frame(i, T0 + timedelta(seconds=i), IMAGE)
        if self.drop:
            raise SourceError("rtsp://door: stream read failed")

    def _release(self) -> None:
        pass


class Opener:
    """Fails ``failures`` times, then opens the cameras given, one per call."""

    def __init__(self, failures: int, cameras: list[FakeCamera]) -> None:
        self.failures, self.cameras, self.calls = failures, cameras, 0

    def __call__(self) -> FakeCamera:
        self.calls += 1
        if self.calls <= self.failures:
            raise SourceError("rtsp://door: cannot open (unreachable, refused, busy, or not a video)")
        return self.cameras.pop(0)


def test_a_camera_down_at_start_is_retried_with_doubling_waits_and_reported(caplog):
    reports = []
    source = SupervisedSource(Opener(4, [FakeCamera(3)]), "door", TINY, reports.append)
    with caplog.at_level(logging.DEBUG, logger="storelens.sources.supervised"):
        frames = list(source)
    assert [f.index for f in frames] == [0, 1, 2]
    assert reports == [
        f"down: rtsp://door: cannot open (unreachable, refused, busy, or not a video); retrying in {s:g} s"
        for s in (0.01, 0.02, 0.04, 0.04)
    ] + [None]
    said = [(r.levelno, r.getMessage()) for r in caplog.records if r.levelno >= logging.INFO]
    assert said == [
        (logging.WARNING, "camera door down: rtsp://door: cannot open (unreachable, refused, busy, or not a video); "
         "retrying in 0.01 s"),
        (logging.WARNING, "camera door back after 0 s"),
    ]
    assert source.stats.drops == 1 and source.stats.reconnects == 4 and source.stats.frames_read == 3


def test_a_dropped_stream_is_reopened_and_its_frames_go_on_counting():
    reports = []
    opener = Opener(0, [FakeCamera(3, drop=True), FakeCamera(2, drop=True), FakeCamera(2)])
    frames = list(SupervisedSource(opener, "door", TINY, reports.append))
    assert [f.index for f in frames] == [0, 1, 2, 3, 4, 5, 6]
    assert all(f.camera_id == "door" for f in frames)
    down = "down: rtsp://door: stream read failed; retrying in 0.01 s"  # the wait restarts after a frame
    assert reports == [down, None, down, None]


def test_close_ends_a_long_wait_at_once():
    source = SupervisedSource(Opener(1, []), "door", ReconnectPolicy(initial_delay_s=30), lambda error: None)
    threading.Timer(0.2, source.close).start()
    started = time.monotonic()
    assert list(source) == []
    assert time.monotonic() - started < 2


def test_max_reconnects_gives_up_with_the_last_reason():
    source = SupervisedSource(Opener(9, []), "door", ReconnectPolicy(0.01, 0.01, max_reconnects=2), lambda e: None)
    with pytest.raises(SourceError, match=r"^rtsp://door: cannot open .*; gave up after 2 reconnect attempts$"):
        list(source)


def test_an_error_other_than_the_source_failing_is_not_retried():
    def broken_config() -> FakeCamera:
        raise ConfigError("fps must be a positive number of frames per second, got -1")

    with pytest.raises(ConfigError):
        list(SupervisedSource(broken_config, "door", TINY, lambda error: None))
