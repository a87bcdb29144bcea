"""Tracker behaviour on synthetic scenes whose truth is known by construction."""

from __future__ import annotations

import numpy as np
import pytest
from factories import draw_people, make_detections, person_box

from storelens.track.appearance import APPEARANCE_DIM
from storelens.track.tracker import Tracker, TrackerConfig

FPS = 10.0


def _walk(tracker: Tracker, positions: list[list[tuple[float, float]]], colours, skip=lambda i, k: False):
    """Feed frames where person k stands at positions[i][k]; returns {person k: set of track ids}."""
    seen: dict[int, list[int]] = {}
    for i, frame_pos in enumerate(positions):
        boxes = np.array([person_box(x, y) for x, y in frame_pos])
        visible = np.array([not skip(i, k) for k in range(len(frame_pos))])
        image = draw_people(boxes, colours)
        out = tracker.update(make_detections(boxes[visible], frame_index=i, fps=FPS), image)
        for tid, box in zip(out.track_id.tolist(), out.xyxy_px):
            k = int(np.argmin(np.abs(boxes[:, 0] - box[0])))
            seen.setdefault(k, []).append(tid)
    return {k: set(v) for k, v in seen.items()}


def test_walking_people_keep_one_id_each():
    positions = [[(100 + 8 * i, 300), (500 - 6 * i, 400)] for i in range(40)]
    ids = _walk(Tracker(), positions, [(0, 0, 255), (255, 0, 0)])
    assert ids[0] and ids[1] and len(ids[0]) == 1 and len(ids[1]) == 1 and ids[0] != ids[1]


def test_crossing_people_with_different_clothes_keep_their_ids():
    # Two people walk towards each other on the same image row and pass; one hides the other.
    positions = [[(100 + 10 * i, 300), (500 - 10 * i, 305)] for i in range(40)]
    hide = lambda i, k: k == 1 and 18 <= i <= 22  # noqa: E731 - person 1 is behind person 0
    ids = _walk(Tracker(), positions, [(0, 0, 255), (255, 128, 0)], skip=hide)
    assert len(ids[0]) == 1 and len(ids[1]) == 1 and ids[0] != ids[1]


@pytest.mark.parametrize(
    ("hidden_frames", "x", "same_id"),
    [
        (30, 320, True),  # 3 s unseen in the middle of the floor: still the same shopper
        (30, 10, False),  # 3 s unseen at the image border: they left; a newcomer gets a new id
    ],
)
def test_lost_track_wait_depends_on_where_it_was_lost(hidden_frames, x, same_id):
    positions = [[(x, 300)] for _ in range(20 + hidden_frames + 20)]
    hide = lambda i, k: 20 <= i < 20 + hidden_frames  # noqa: E731
    ids = _walk(Tracker(), positions, [(0, 200, 0)], skip=hide)
    assert (len(ids[0]) == 1) == same_id


def test_new_track_needs_confirmations():
    tracker = Tracker(TrackerConfig(confirm_hits=3))
    box = [person_box(200, 300)]
    for i in range(3):
        tracker.update(make_detections(box, frame_index=i, fps=FPS), None)
        assert tracker.confirmed_mask.tolist() == [i >= 2]


def test_low_score_boxes_extend_but_never_start_tracks():
    tracker = Tracker()
    out = tracker.update(make_detections([person_box(200, 300)], confidence=[0.3], fps=FPS), None)
    assert len(out) == 0 and tracker.live_track_count == 0


def test_memory_stays_bounded_with_many_short_lived_people():
    tracker = Tracker(TrackerConfig(max_lost_s=1.0))
    rng = np.random.default_rng(0)
    for i in range(500):
        xs = rng.uniform(50, 600, size=5)
        tracker.update(make_detections([person_box(x, 300) for x in xs], frame_index=i, fps=FPS), None)
    # 5 boxes per frame, each lost track kept <= 1 s = 10 frames: a few dozen at most.
    assert tracker.live_track_count < 100


@pytest.mark.parametrize("with_image", [False, True])
def test_empty_frames_give_empty_well_formed_output(with_image):
    tracker = Tracker()
    image = draw_people(np.zeros((0, 4)), []) if with_image else None
    out = tracker.update(make_detections(np.zeros((0, 4)), fps=FPS), image)
    assert len(out) == 0 and out.track_id.dtype == np.int64
    assert out.appearance.shape == (0, APPEARANCE_DIM if with_image else 0)
    assert tracker.confirmed_mask.shape == (0,) and tracker.links == {}


def test_output_rows_are_the_usable_input_rows_in_order():
    boxes = [person_box(100, 300), person_box(300, 300), person_box(500, 300)]
    tracker = Tracker()
    out = tracker.update(make_detections(boxes, confidence=[0.9, 0.05, 0.8], fps=FPS), None)
    np.testing.assert_array_equal(out.xyxy_px, np.asarray(boxes, np.float32)[[0, 2]])
    np.testing.assert_array_equal(out.confidence, np.float32([0.9, 0.8]))
    assert out.track_id.tolist() == [1, 2]


def test_tracks_age_and_expire_through_empty_frames():
    tracker = Tracker(TrackerConfig(confirm_hits=1, max_lost_s=1.0))
    tracker.update(make_detections([person_box(300, 300)], frame_index=0, fps=FPS), None)
    for i in range(1, 11):  # 1.0 s without the person: lost, still remembered
        tracker.update(make_detections(np.zeros((0, 4)), frame_index=i, fps=FPS), None)
    assert tracker.live_track_count == 1
    tracker.update(make_detections(np.zeros((0, 4)), frame_index=11, fps=FPS), None)
    assert tracker.live_track_count == 0
