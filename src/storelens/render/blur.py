"""Privacy: make faces unrecognisable before any frame is shown or saved.

Rule: nothing storelens outputs that shows camera pixels may show a face. The detector gives
person boxes, not faces, so the head is taken as the top part of each box, enlarged so that
a box cut a little low or a tilted head is still covered, and pixelated into a few coarse
blocks. Pixelation with blocks this large (a handful across a whole person) removes the
detail face recognition needs, and costs two small resizes per person.
"""

from __future__ import annotations

import cv2
import numpy as np

__all__ = ["BLOCKS_ACROSS", "HEAD_FRACTION", "MARGIN_FRACTION", "blur_heads", "head_regions_px"]

HEAD_FRACTION = 0.22
"""Share of a standing person's box height, from the top, that holds the head and neck."""

MARGIN_FRACTION = 0.15
"""Enlargement of the head region on every side, as a share of its width and height."""

BLOCKS_ACROSS = 6
"""Pixelation blocks across the width of a head region (which spans the whole box width)."""


def head_regions_px(
    xyxy_px: np.ndarray,
    image_wh: tuple[int, int],
    *,
    head_fraction: float = HEAD_FRACTION,
    margin_fraction: float = MARGIN_FRACTION,
) -> np.ndarray:
    """Head rectangles of person boxes, enlarged and clipped to the image.

    Args:
        xyxy_px: (n, 4) float person boxes (x1, y1, x2, y2) in pixels.
        image_wh: (width, height) of the image in pixels.
        head_fraction: Share of the box height, from its top, taken as the head.
        margin_fraction: Enlargement on each side, as a share of the region's size.

    Returns:
        (m, 4) int32 regions (x1, y1, x2, y2), half-open pixel ranges, one per box that is
        finite and overlaps the image (m <= n).
    """
    boxes = np.asarray(xyxy_px, dtype=np.float32).reshape(-1, 4)
    boxes = boxes[np.isfinite(boxes).all(axis=1)]
    x1, y1, x2, y2 = boxes.T
    head_h = (y2 - y1) * head_fraction
    margin_x = (x2 - x1) * margin_fraction
    margin_y = head_h * margin_fraction
    regions = np.stack(
        [
            np.floor(x1 - margin_x),
            np.floor(y1 - margin_y),
            np.ceil(x2 + margin_x),
            np.ceil(y1 + head_h + margin_y),
        ],
        axis=1,
    )
    width, height = image_wh
    regions = np.clip(regions, 0, [width, height, width, height]).astype(np.int32)
    keep = (regions[:, 2] > regions[:, 0]) & (regions[:, 3] > regions[:, 1])
    return regions[keep]


def blur_heads(
    image: np.ndarray,
    xyxy_px: np.ndarray,
    *,
    inplace: bool = False,
    head_fraction: float = HEAD_FRACTION,
    margin_fraction: float = MARGIN_FRACTION,
    blocks_across: int = BLOCKS_ACROSS,
) -> np.ndarray:
    """Pixelate the head region of every person box.

    Args:
        image: (h, w, 3) uint8 BGR frame. Left unchanged unless ``inplace``.
        xyxy_px: (n, 4) float person boxes (x1, y1, x2, y2) in pixels; boxes partly or
            wholly outside the image and non-finite boxes are handled.
        inplace: Write into ``image`` instead of a copy (saves a frame copy when the caller
            already owns one).
        head_fraction: Share of the box height, from its top, taken as the head.
        margin_fraction: Enlargement of the head region on each side.
        blocks_across: Pixelation blocks across each region's width; fewer is stronger.

    Returns:
        (h, w, 3) uint8 BGR image with heads pixelated; only pixels inside the regions of
        :func:`head_regions_px` differ from ``image``.
    """
    out = image if inplace else image.copy()
    height, width = out.shape[:2]
    regions = head_regions_px(
        xyxy_px, (width, height), head_fraction=head_fraction, margin_fraction=margin_fraction
    )
    for rx1, ry1, rx2, ry2 in regions.tolist():
        region_w, region_h = rx2 - rx1, ry2 - ry1
        blocks_x = max(1, min(blocks_across, region_w))
        blocks_y = max(1, min(region_h, round(blocks_x * region_h / region_w)))
        roi = out[ry1:ry2, rx1:rx2]
        coarse = cv2.resize(roi, (blocks_x, blocks_y), interpolation=cv2.INTER_AREA)
        out[ry1:ry2, rx1:rx2] = cv2.resize(coarse, (region_w, region_h), interpolation=cv2.INTER_NEAREST)
    return out
