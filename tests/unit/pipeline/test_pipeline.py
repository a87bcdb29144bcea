"""The single-camera pipeline on scripted frames and detections."""

from __future__ import annotations


import numpy as np
import pytest
from factories import draw_people, make_frame, person_box

from storelens.detect.boxes import person_detections
from storelens.pipeline import LIVE_LATENCY_S, track_source
from storelens.types import Frame

FPS = 10.0


class ScriptedSource:
    """Frames of one person walking right; optionally raises Ctrl-C after ``stop_after``."""

    camera_id = "cam"
    nominal_fps = FPS
    resolution_wh = (640, 480)

    def __init__(self, n: int, is_live: bool = False, stop_after: int | None = None) -> None:
        self.n, self.is_live, self.stop_after = n, is_live, stop_after

    def __iter__(self):
        for i in range(self.n):
            if self.stop_after is not None and i == self.stop_after:
                raise KeyboardInterrupt
            box = np.array([person_box(100 + 5 * i, 400)])
            yield make_frame(draw_people(box, [(0, 0, 200)]), i, FPS)


class WalkerDetector:
    """Finds the walker, except in frames listed in ``miss``."""

    min_score = 0.1

    def __init__(self, miss: set[int] = frozenset()) -> None:
        self.miss = miss

    def __call__(self, frame: Frame):
        boxes = [] if frame.index in self.miss else [person_box(100 + 5 * frame.index, 400)]
        return person_detections(frame, np.array(boxes, np.float32).reshape(-1, 4), np.full(len(boxes), 0.9))


def test_one_walker_is_one_track_with_every_frame_and_timings():
    released = []
    run = track_source(ScriptedSource(40), WalkerDetector(miss={10, 11, 12}), on_tracks=released.append)
    table = run.to_mot()
    assert len(np.unique(table.track_id)) == 1
    assert sorted(table.frame.tolist()) == list(range(1, 41))  # the missed frames are filled in
    assert [d.frame_index for d in released] == list(range(40))
    t = run.times
    assert t.frames == 40 and t.total_s >= t.detect_s + t.track_s > 0
    assert not run.interrupted and run.summary()["tracks"] == 1


def test_ctrl_c_on_a_live_source_keeps_what_was_tracked():
    run = track_source(ScriptedSource(100, is_live=True, stop_after=30), WalkerDetector())
    assert run.interrupted and run.times.frames == 30
    assert run.to_mot().frame.max() == 30


@pytest.mark.parametrize(("is_live", "max_delay_s"), [(False, None), (True, LIVE_LATENCY_S + 1.0)])
def test_live_sources_release_tracks_while_running(is_live, max_delay_s):
    """Files are judged with whole tracks in view; a live camera's results must keep flowing."""
    frames_read: list[int] = []
    read_at_first_release: list[int] = []

    class Probe(ScriptedSource):
        def __iter__(self):
            for frame in super().__iter__():
                frames_read.append(frame.index)
                yield frame

    def on_tracks(_):
        if not read_at_first_release:
            read_at_first_release.append(len(frames_read))

    track_source(Probe(60, is_live=is_live), WalkerDetector(), on_tracks=on_tracks)
    delay_s = read_at_first_release[0] / FPS
    if max_delay_s is None:
        assert delay_s == 6.0  # nothing before the end of the file
    else:
        assert delay_s <= max_delay_s  # finaliser latency plus half the smoothing window


def test_a_run_that_does_not_keep_hands_every_frame_to_the_callback_only():
    released = []
    run = track_source(ScriptedSource(30), WalkerDetector(), on_tracks=released.append, keep=False)
    assert run.tracks == [] and run.detections == []
    assert [d.frame_index for d in released] == list(range(30)) and run.times.frames == 30
