"""Hiding people in frames that are shown: find them, place their heads, pixelate.

The person detector sees each frame at 300x300, where someone 80 px tall in a 768x576 frame is
30 px and often missed: fine for counting (the tracker bridges a missed frame), not for privacy,
where one missed frame shows a face. So people are looked for again for anonymisation, on the
whole frame and on a grid of overlapping tiles seen at 1.6 times the scale, and each one's head
is placed by :class:`~storelens.render.head_pose.HeadLocator` rather than guessed from the box.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np

from storelens.detect import Detector
from storelens.render.blur import PrivacyMode, head_regions_px, hide_regions, silhouette_regions_px
from storelens.render.head_pose import HeadLocator
from storelens.types import Frame

__all__ = ["Anonymiser", "find_people"]

TILE_GRID = 2
"""Tiles across and down: with the overlap, each is seen at 1.6 times the whole frame's scale."""
TILE_OVERLAP = 0.4
"""Share of a tile shared with its neighbour, so a small person lies whole inside one tile."""
TILE_EDGE_PX = 2
"""A tile's box this close to an edge the tile shares with another is a cut person: dropped."""
MIN_SCORE = 0.2
"""Lowest detector score of a box that is hidden: lower ones are mostly scenery."""
NMS_IOU = 0.6
"""Boxes of the frame and of the tiles overlapping more are one person."""


def _tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    step = 1 - TILE_OVERLAP
    tiles_across = TILE_GRID - (TILE_GRID - 1) * TILE_OVERLAP
    tile_w, tile_h = width / tiles_across, height / tiles_across
    return [
        (round(gx * tile_w * step), round(gy * tile_h * step),
         min(width, round(gx * tile_w * step + tile_w)), min(height, round(gy * tile_h * step + tile_h)))
        for gy in range(TILE_GRID)
        for gx in range(TILE_GRID)
    ]


def _merge(xyxy: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Boxes over one another by more than :data:`NMS_IOU` kept once, the best-scored."""
    if len(xyxy) == 0:
        return xyxy.reshape(0, 4)
    xywh = np.concatenate([xyxy[:, :2], xyxy[:, 2:] - xyxy[:, :2]], axis=1)
    kept = cv2.dnn.NMSBoxes(xywh.tolist(), score.tolist(), 0.0, NMS_IOU)
    return xyxy[np.asarray(kept, np.int64).reshape(-1)]


def find_people(detector: Detector, frame: Frame, known_xyxy_px: np.ndarray | None = None) -> np.ndarray:
    """(n, 4) float32 person boxes (x1, y1, x2, y2) of the whole frame and of its tiles, merged.

    Args:
        detector: The person detector.
        frame: The frame to look in.
        known_xyxy_px: Boxes the caller already has (a run's detections and tracks), kept over
            a found box of the same person.
    """
    width, height = frame.resolution_wh
    whole = detector(frame)
    boxes, scores = [whole.xyxy_px], [whole.confidence]
    for x0, y0, x1, y1 in _tiles(width, height):
        found = detector(replace(frame, image=np.ascontiguousarray(frame.image[y0:y1, x0:x1])))
        b, tile_w, tile_h = found.xyxy_px, x1 - x0, y1 - y0
        # A box at an edge shared with another tile is part of a person: that tile or the whole frame has it.
        cut = (x0 > 0) & (b[:, 0] <= TILE_EDGE_PX) | (y0 > 0) & (b[:, 1] <= TILE_EDGE_PX)
        cut |= (x1 < width) & (b[:, 2] >= tile_w - TILE_EDGE_PX) | (y1 < height) & (b[:, 3] >= tile_h - TILE_EDGE_PX)
        boxes.append(b[~cut] + np.array([x0, y0, x0, y0], np.float32))
        scores.append(found.confidence[~cut])
    if known_xyxy_px is not None:
        known = np.asarray(known_xyxy_px, np.float32).reshape(-1, 4)
        boxes.append(known)
        scores.append(np.full(len(known), 1 + MIN_SCORE, np.float32))  # above any found box
    xyxy, score = np.concatenate(boxes), np.concatenate(scores)
    keep = score >= MIN_SCORE
    return _merge(xyxy[keep], score[keep])


class Anonymiser:
    """Hides the people of one camera's frames as its ``privacy`` setting says.

    Args:
        detector: The person detector (the pipeline's own; it is run again on tiles).
        mode: ``heads`` or ``silhouette``.
        locator: Places heads in ``heads`` mode; made on first use if None.
    """

    def __init__(self, detector: Detector, mode: PrivacyMode = "heads", locator: HeadLocator | None = None) -> None:
        self._detector = detector
        self._mode: PrivacyMode = mode
        self._locator = locator

    @property
    def locator(self) -> HeadLocator:
        """The head locator, made on first use."""
        if self._locator is None:
            self._locator = HeadLocator()
        return self._locator

    def regions(self, frame: Frame, known_xyxy_px: np.ndarray | None = None) -> np.ndarray:
        """(m, 4) int32 regions to hide in ``frame``: of the people found in it and of ``known_xyxy_px``
        (boxes the caller already has, such as the frame's tracks)."""
        people = find_people(self._detector, frame, known_xyxy_px)
        if self._mode == "silhouette":
            return silhouette_regions_px(people, frame.resolution_wh)
        return head_regions_px(people, frame.resolution_wh, self.locator(frame.image, people))

    def hide(self, image: np.ndarray, regions: np.ndarray, *, inplace: bool = False) -> np.ndarray:
        """``image`` with ``regions`` (of this frame, or merged over neighbouring frames) hidden."""
        return hide_regions(image, regions, mode=self._mode, inplace=inplace)
