"""Finding people again for privacy (whole frame, tiles, neighbouring frames), placing heads by keypoints."""

from __future__ import annotations

from datetime import datetime, timezone

import cv2
import numpy as np
import pytest

from storelens.outputs import write_annotated_video
from storelens.pipeline import StageTimes, TrackingRun
from storelens.render import Anonymiser, head_regions_px
from storelens.render.anonymiser import find_people
from storelens.types import Detections, Frame

TS = datetime(2024, 5, 1, tzinfo=timezone.utc)
WIDTH, HEIGHT = 400, 300


class TileDetector:
    """Sees a small person at (150, 40)-(170, 90) of the frame only in crops smaller than the frame
    (as the real detector misses small people at the whole frame's scale), and a large one at
    (250, 20)-(350, 290) in the whole frame; in each crop it also reports a box cut by the crop's
    right edge (a person half inside)."""

    min_score = 0.1

    def __call__(self, frame: Frame) -> Detections:
        height, width = frame.image.shape[:2]
        boxes, scores = [], []
        if (width, height) == (WIDTH, HEIGHT):
            boxes.append([250, 20, 350, 290])
            scores.append(0.9)
        else:
            # The crop's origin is where the (unique) marker pixel of the frame ended up.
            ys, xs = np.nonzero(frame.image[:, :, 2] == 255)
            x0, y0 = (5 - xs[0], 5 - ys[0]) if len(xs) else (None, None)
            if x0 is not None:
                boxes.append([150 - x0, 40 - y0, 170 - x0, 90 - y0])
                scores.append(0.6)
            boxes.append([width - 20, 10, width, 60])
            scores.append(0.7)
        n = len(boxes)
        return Detections(frame.camera_id, frame.index, frame.ts, np.array(boxes, np.float32).reshape(-1, 4),
                          np.array(scores, np.float32), np.zeros(n, np.int32))


def marked_frame() -> Frame:
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    image[5, 5, 2] = 255  # lets the fake detector know where a crop came from (only the first tile has it)
    return Frame("cam", 0, TS, image)


def test_tiles_find_small_people_and_drop_people_cut_by_a_tile():
    people = find_people(TileDetector(), marked_frame())
    rows = {tuple(np.round(b).astype(int)) for b in people}
    assert (250, 20, 350, 290) in rows, "the whole frame's box"
    assert (150, 40, 170, 90) in rows, "the small person, found in the top-left tile, in frame pixels"
    # Boxes at a tile's right edge are kept only where that edge is the frame's own.
    assert all(b[2] >= WIDTH - 1 or b[2] <= 350 for b in people)
    assert len(people) == len(rows)


def test_a_believable_head_centre_places_the_region():
    box = np.array([[100.0, 50.0, 160.0, 250.0]])
    ((x1, y1, x2, y2),) = head_regions_px(box, (WIDTH, HEIGHT), np.array([[150.0, 70.0]]))
    assert x1 < 150 < x2 and y1 < 70 < y2 and (x1 + x2) / 2 > 140, "centred on the keypoints, not the box"
    # A centre far down the body (a keypoint on a knee) is not believed: the box places the head.
    ((_, fy1, _, fy2),) = head_regions_px(box, (WIDTH, HEIGHT), np.array([[130.0, 220.0]]))
    assert fy1 < 50 < fy2 < 120
    # NaN (no sure keypoint) also falls back to the box.
    assert np.array_equal(head_regions_px(box, (WIDTH, HEIGHT), np.full((1, 2), np.nan)),
                          head_regions_px(box, (WIDTH, HEIGHT)))


def test_silhouettes_need_no_pose_model():
    anonymiser = Anonymiser(TileDetector(), "silhouette")
    frame = marked_frame()
    regions = anonymiser.regions(frame, np.array([[10, 100, 40, 200]]))
    assert anonymiser._locator is None
    assert [10 - 3, 100 - 3, 40 + 3, 200] in regions.tolist(), "a known box (a track) is hidden too"
    hidden = anonymiser.hide(frame.image, regions)
    assert hidden.shape == frame.image.shape and not np.shares_memory(hidden, frame.image)


class BlinkingDetector:
    """One person at PERSON in every whole frame but frame 2 (a miss), nothing in tiles."""

    min_score = 0.1
    PERSON = (100, 60, 160, 220)

    def __call__(self, frame: Frame) -> Detections:
        whole = frame.image.shape[:2] == (HEIGHT, WIDTH)
        boxes = [self.PERSON] if whole and frame.index != 2 else []
        n = len(boxes)
        return Detections(frame.camera_id, frame.index, frame.ts, np.array(boxes, np.float32).reshape(-1, 4),
                          np.full(n, 0.9, np.float32), np.zeros(n, np.int32))


def test_the_video_hides_a_person_the_detector_missed_in_that_frame(tmp_path):
    rng = np.random.default_rng(0)
    frames = [Frame("cam", i, TS, rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)) for i in range(5)]
    empty = [Detections.empty("cam", i, TS) for i in range(5)]
    run = TrackingRun("cam", tracks=empty, detections=empty, times=StageTimes())
    path = write_annotated_video(
        run, frames, tmp_path / "v.mp4", 5.0, privacy="silhouette", detector=BlinkingDetector()
    )
    capture = cv2.VideoCapture(str(path))
    written = [capture.read()[1] for _ in range(5)]
    x1, y1, x2, y2 = BlinkingDetector.PERSON
    for image in written:  # frame 2 included: its neighbours found the person
        assert image[y1:y2, x1:x2].astype(np.float32).std() < 20
        assert image[:40, 250:].astype(np.float32).std() > 40, "the rest of the scene is left alone"


@pytest.mark.parametrize(("privacy", "body_hidden"), [("heads", False), ("silhouette", True)])
def test_track_privacy_flag_chooses_what_the_video_hides(tmp_path, privacy, body_hidden):
    """`storelens track --privacy silhouette` fills the whole person; the default hides the head only."""
    import subprocess
    import sys

    from factories import write_video

    rng = np.random.default_rng(1)
    x1, y1, x2, y2 = 100, 40, 160, 200
    images = []
    for _ in range(4):
        image = np.full((HEIGHT, WIDTH, 3), 90, np.uint8)
        image[y1:y2, x1:x2] = rng.integers(0, 256, (y2 - y1, x2 - x1, 3), dtype=np.uint8)  # a textured "person"
        images.append(image)
    video = write_video(tmp_path / "clip.avi", images, 10.0)
    dets = tmp_path / "dets.txt"
    dets.write_text("".join(f"{i},-1,{x1},{y1},{x2 - x1},{y2 - y1},0.9,-1,-1,-1\n" for i in range(1, 5)))
    subprocess.run(
        [sys.executable, "-m", "storelens.cli", "track", str(video), "--detections", str(dets),
         "--privacy", privacy, "-o", str(tmp_path / "out")],
        check=True, capture_output=True, text=True,
    )
    capture = cv2.VideoCapture(str(tmp_path / "out" / "annotated.mp4"))
    ok, image = capture.read()
    assert ok
    legs = image[150:190, 110:150].astype(np.float32)  # inside the box, well below the head and the label
    assert (legs.std() < 20) == body_hidden, legs.std()
