from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from storelens.errors import ConfigError
from storelens.pipeline import track_source
from storelens.sim.camera_mounts import CameraMount, mount_camera
from storelens.sim.detector import SimDetector
from storelens.sim.model import PeopleFrame
from storelens.sim.source import SimSource
from storelens.sources import FrameSource

START = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)


def _camera(fps: float = 10.0):
    return mount_camera(CameraMount("door", (0.0, 0.0, 3.0), 90.0, 30.0, 90.0, 640, 360), fps)


def test_frames_are_counted_and_timed_from_the_start():
    with SimSource(_camera(), 25, START) as source:
        assert isinstance(source, FrameSource)
        assert (source.camera_id, source.resolution_wh, source.nominal_fps, source.is_live) == (
            "door",
            (640, 360),
            10.0,
            False,
        )
        frames = list(source)
    assert [f.index for f in frames] == list(range(25))
    assert [f.ts for f in frames] == [START + timedelta(seconds=k / 10) for k in range(25)]
    assert {f.camera_id for f in frames} == {"door"}
    assert source.stats.frames_read == 25


def test_frames_share_one_black_pixel():
    frame = next(iter(SimSource(_camera(), 1, START)))
    assert frame.image.shape == (360, 640, 3) and frame.image.dtype == np.uint8
    assert frame.image.strides[:2] == (0, 0) and not frame.image.any()  # one pixel, no copy


def test_a_rate_other_than_the_cameras_can_be_given():
    frames = list(SimSource(_camera(), 3, START, fps=4.0))
    assert frames[2].ts - frames[0].ts == timedelta(seconds=0.5)


def test_a_source_is_iterated_once():
    source = SimSource(_camera(), 2, START)
    list(source)
    with pytest.raises(RuntimeError, match="only once"):
        iter(source)


@pytest.mark.parametrize(("start", "fps"), [(datetime(2026, 11, 30, 9, 0), 10.0), (START, 0.0)])
def test_bad_start_or_rate_is_refused(start, fps):
    with pytest.raises(ConfigError):
        SimSource(_camera(), 2, start, fps=fps)


def test_live_frames_come_at_the_camera_rate():
    source = SimSource(_camera(fps=50.0), 6, START, live=True)
    assert source.is_live
    began = time.monotonic()
    assert len(list(source)) == 6
    assert time.monotonic() - began >= 5 / 50 - 0.005


def test_close_from_another_thread_stops_an_endless_live_source():
    source = SimSource(_camera(fps=0.5), None, START, live=True)  # next frame due in 2 s
    got = []
    reader = threading.Thread(target=lambda: got.extend(source))
    reader.start()
    time.sleep(0.1)
    closed_at = time.monotonic()
    source.close()
    reader.join(timeout=2.0)
    assert not reader.is_alive()
    assert time.monotonic() - closed_at < 0.5
    assert [f.index for f in got] == [0]


class Standing:
    """Ten people standing in a row 6 m in front of the camera."""

    fps = 10.0

    def frame(self, k: int) -> PeopleFrame:
        xy = np.stack([np.arange(10) - 4.5, np.full(10, 6.0)], axis=1)
        return PeopleFrame(k, k / self.fps, np.arange(10), xy, np.full(10, 1.7), np.full(10, 0.5))


def test_the_pipeline_tracks_simulated_people_as_it_would_video():
    cam = mount_camera(CameraMount("cam", (0.0, 0.0, 3.0), 90.0, 25.0, 100.0), 10.0)
    tracks = track_source(SimSource(cam, 60, START), SimDetector(Standing(), {"cam": cam})).to_mot()
    assert 9 <= len(np.unique(tracks.track_id)) <= 12
    assert len(tracks) >= 0.85 * 600
