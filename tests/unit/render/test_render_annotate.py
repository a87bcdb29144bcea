"""Anonymisation (head regions, silhouettes), track drawing with bounded trails, and the mp4 writer."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

from storelens.errors import StorageError
from storelens.render import (
    TrackAnnotator,
    VideoWriterSink,
    head_regions_px,
    hide_regions,
    silhouette_regions_px,
    track_colors,
)
from storelens.types import Detections, Frame

TS = datetime(2024, 5, 1, tzinfo=timezone.utc)
HEIGHT, WIDTH = 240, 320


def hide_heads(image: np.ndarray, boxes: np.ndarray, **kwargs: object) -> np.ndarray:
    return hide_regions(image, head_regions_px(boxes, (image.shape[1], image.shape[0])), **kwargs)


def noise_image(seed: int = 0) -> np.ndarray:
    """(h, w, 3) uint8 noise: maximal detail, so any smoothing shows as a variance drop."""
    return np.random.default_rng(seed).integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)


def detections(xyxy: list[list[float]], track_ids: list[int] | None = None, frame_index: int = 0) -> Detections:
    n = len(xyxy)
    return Detections(
        camera_id="cam",
        frame_index=frame_index,
        ts=TS,
        xyxy_px=np.array(xyxy, np.float32).reshape(-1, 4),
        confidence=np.full(n, 0.9, np.float32),
        class_id=np.zeros(n, np.int32),
        track_id=None if track_ids is None else np.array(track_ids, np.int64),
    )


def test_head_is_pixelated_and_the_rest_untouched() -> None:
    image = noise_image()
    box = [[100.0, 40.0, 160.0, 200.0]]
    out = hide_heads(image, np.array(box))
    (rx1, ry1, rx2, ry2), = head_regions_px(np.array(box), (WIDTH, HEIGHT))
    # A head for a whole upright 60x160 box: about 26 px wide (0.16 of the height), at the top,
    # with margins; never the whole width of the box.
    assert 100 < rx1 < 115 and 145 < rx2 < 160 and ry1 < 40 and 70 < ry2 < 85
    head_before, head_after = image[ry1:ry2, rx1:rx2], out[ry1:ry2, rx1:rx2]
    assert np.mean(head_before != head_after) > 0.9
    assert head_after.astype(np.float32).var() < 0.05 * head_before.astype(np.float32).var()
    outside = np.ones((HEIGHT, WIDTH), bool)
    outside[ry1:ry2, rx1:rx2] = False
    assert np.array_equal(out[outside], image[outside])
    assert not np.shares_memory(out, image)


def test_blur_handles_edge_empty_and_non_finite_boxes() -> None:
    image = noise_image()
    boxes = np.array(
        [[-30, -20, 40, 100], [300, 200, 400, 300], [500, 500, 600, 600], [np.nan, 0, 10, 10]], np.float32
    )
    out = hide_heads(image, boxes)
    assert out.shape == image.shape and out.dtype == np.uint8
    assert len(head_regions_px(boxes, (WIDTH, HEIGHT))) == 2
    assert not np.array_equal(out[:10, :10], image[:10, :10])
    assert np.array_equal(hide_heads(image, np.zeros((0, 4), np.float32)), image)


def test_huge_and_wide_boxes_hide_no_more_than_a_head() -> None:
    """A 300x60 box (a shelf taken for a person) and a whole-frame box get head-sized regions."""
    regions = head_regions_px(np.array([[10, 100, 310, 160], [0, 0, WIDTH, HEIGHT]]), (WIDTH, HEIGHT))
    widths, heights = regions[:, 2] - regions[:, 0], regions[:, 3] - regions[:, 1]
    assert widths[0] < 25 and heights[0] < 20
    assert heights[1] <= 0.35 * HEIGHT * 1.5


def test_a_box_cut_by_the_bottom_edge_is_sized_by_its_width() -> None:
    """Someone entering close to the lens: the box is head and shoulders, its height means nothing."""
    ((x1, y1, x2, y2),) = head_regions_px(np.array([[100, 150, 220, HEIGHT]]), (WIDTH, HEIGHT))
    assert y1 < 150 and y2 - y1 > 50 and x1 > 100 and x2 < 220


def test_silhouette_fills_the_whole_box() -> None:
    image = noise_image()
    regions = silhouette_regions_px(np.array([[100, 40, 160, 200]]), (WIDTH, HEIGHT))
    out = hide_regions(image, regions, mode="silhouette")
    # Enlarged by 10 % of the width on the sides and top: box tops cut hair.
    assert regions.tolist() == [[94, 34, 166, 200]]
    assert len(np.unique(out[34:200, 94:166].reshape(-1, 3), axis=0)) == 1
    assert np.array_equal(out[:34], image[:34]) and np.array_equal(out[200:], image[200:])


def test_inplace_blur_writes_into_the_given_image() -> None:
    image = noise_image()
    original = image.copy()
    assert hide_heads(image, np.array([[10, 10, 60, 120]]), inplace=True) is image
    assert not np.array_equal(image, original)


def test_annotator_draws_and_leaves_the_frame_alone() -> None:
    frame = Frame(camera_id="cam", index=0, ts=TS, image=noise_image())
    annotator = TrackAnnotator()
    drawn = [annotator.draw(frame, detections([[100, 40, 160, 200]], [7], frame_index=i)) for i in range(3)]
    assert np.array_equal(frame.image, noise_image())
    color = track_colors(np.array([7]))[0]
    assert np.all(drawn[-1][120, 100] == color), "box edge in the track's colour"
    assert annotator.n_trails == 1


def test_untracked_detections_are_drawn_without_trails() -> None:
    frame = Frame(camera_id="cam", index=0, ts=TS, image=noise_image())
    annotator = TrackAnnotator()
    out = annotator.draw(frame, detections([[100, 40, 160, 200]]))
    assert out.shape == frame.image.shape and annotator.n_trails == 0


def test_trails_are_evicted_so_memory_stays_bounded() -> None:
    frame = Frame(camera_id="cam", index=0, ts=TS, image=np.zeros((HEIGHT, WIDTH, 3), np.uint8))
    max_unseen, per_frame = 10, 3
    annotator = TrackAnnotator(trail_length=5, max_unseen_frames=max_unseen)
    boxes = [[10 + 20 * k, 10, 30 + 20 * k, 100] for k in range(per_frame)]
    for step in range(2000):
        ids = [step * per_frame + k for k in range(per_frame)]
        annotator.draw(frame, detections(boxes, ids, frame_index=step))
        assert annotator.n_trails <= (max_unseen + 1) * per_frame
    # A track seen every frame keeps a trail capped at trail_length.
    for step in range(20):
        annotator.draw(frame, detections([[50, 10, 80, 100]], [-1], frame_index=step))
    assert annotator.n_trails == 1
    assert annotator.trail_px(-1).shape == (5, 2)
    assert annotator.trail_px(0).shape == (0, 2), "long-gone track was evicted"


def test_track_colors_are_stable_and_distinct() -> None:
    colors = track_colors(np.arange(10))
    assert colors.shape == (10, 3) and colors.dtype == np.uint8
    assert np.array_equal(colors, track_colors(np.arange(10)))
    assert len({tuple(c) for c in colors.tolist()}) == 10
    assert track_colors(np.zeros(0, np.int64)).shape == (0, 3)


def test_writer_produces_a_readable_mp4_with_all_frames(tmp_path: Path) -> None:
    path = tmp_path / "out" / "annotated.mp4"
    with VideoWriterSink(path, fps=5, resolution_wh=(WIDTH, HEIGHT)) as sink:
        for i in range(12):
            sink.write(noise_image(i))
        sink.write(np.zeros((HEIGHT // 2, WIDTH // 2, 3), np.uint8))
    assert sink.frames_written == 13
    cap = cv2.VideoCapture(str(path))
    assert cap.isOpened()
    n_frames, shapes = 0, set()
    while True:
        ok, image = cap.read()
        if not ok:
            break
        n_frames += 1
        shapes.add(image.shape)
    cap.release()
    assert n_frames == 13 and shapes == {(HEIGHT, WIDTH, 3)}


def test_writer_that_cannot_open_raises_one_line_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    with pytest.raises(StorageError, match="cannot create folder") as info:
        VideoWriterSink(blocker / "out.mp4", fps=5, resolution_wh=(WIDTH, HEIGHT))
    assert "\n" not in str(info.value)
    with pytest.raises(StorageError, match="cannot open video writer"):
        VideoWriterSink(tmp_path / "out.mp4", fps=5, resolution_wh=(WIDTH, HEIGHT), fourcc="XXXX")
