"""Privacy regions: where a person's head is, sized as a head can be, and pixelating them.

Rule: nothing storelens outputs that shows camera pixels may show a face. A head is sized from its
person box (a share of the box's width, and of its height when the box holds a whole upright
person; a box cut by the frame's bottom edge, someone close to the lens, has no meaningful height,
so only its width counts), capped by the frame, so a huge or misshapen box hides a head-sized
patch, not a band across the scene. It is placed at its keypoints when the pose model found them
(:mod:`storelens.render.head_pose`), else at the top of the box with a margin for its sway off the
box's centre line; a box cut by a side edge lets the region reach that edge, where the rest of the
head may be. Pixelation into a handful of blocks across a head removes the detail face
recognition needs. ``privacy: silhouette`` hides each whole person box instead (a little
enlarged), filled with its mean colour.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

__all__ = [
    "BLOCKS_ACROSS",
    "PrivacyMode",
    "head_regions_px",
    "hide_regions",
    "silhouette_regions_px",
]

PrivacyMode = Literal["heads", "silhouette"]
"""``heads``: pixelate each person's head; ``silhouette``: fill each whole person box."""

HEAD_OF_BOX_WIDTH = 0.42
"""Widest a head can be as a share of its person box's width (a box cut at the shoulders)."""

HEAD_OF_BOX_HEIGHT = 0.16
"""Widest a head can be as a share of the box's height, for a box holding a whole upright person."""

HEAD_ASPECT = 1.2
"""Head height over head width, hair to chin."""

MAX_HEAD_OF_FRAME = 0.35
"""No head is taller than this share of the frame height (someone right in front of the lens)."""

MARGIN_X = 0.5
"""Region enlargement left and right, as a share of the head width: heads sway off the box centre."""

MARGIN_X_CUT_BELOW = 0.2
"""The same for a box cut by the bottom edge: close to the lens, the box hugs head and shoulders."""

MARGIN_TOP = 0.2
"""Region enlargement above the box top, as a share of the head height (boxes cut the hair)."""

MARGIN_BOTTOM = 0.2
"""Region enlargement below the chin estimate, as a share of the head height."""

MARGIN_POSE = 0.1
"""Region enlargement on every side of a head placed by its keypoints, as a share of its size..."""

POSE_NOISE = 0.055
"""... plus this share of the person box's longer side: keypoints are as sure as the pose model's
192 px view of the whole person, so a small head in a big box is placed coarsely (TUD-Campus,
PETS09), a head filling a box closely (someone close to the lens)..."""

MAX_POSE_NOISE = 0.35
"""... but never more than this share of the head's size (a box around a whole group)."""

POSE_REACH = 0.6
"""A keypoint head centre is believed only within this share of the box height below its top."""

SILHOUETTE_MARGIN = 0.1
"""Enlargement of a whole person box on its sides and top, as a share of its width: boxes cut hair."""

EDGE_PX = 2
"""A box within this many pixels of the frame's edge is taken as cut by it."""

BLOCKS_ACROSS = 6
"""Pixelation blocks across the width of a head region."""


def _clip_regions(regions: np.ndarray, image_wh: tuple[int, int]) -> np.ndarray:
    width, height = image_wh
    regions = np.clip(np.round(regions), 0, [width, height, width, height]).astype(np.int32).reshape(-1, 4)
    keep = (regions[:, 2] > regions[:, 0]) & (regions[:, 3] > regions[:, 1])
    return regions[keep]


def head_regions_px(
    xyxy_px: np.ndarray, image_wh: tuple[int, int], head_xy: np.ndarray | None = None
) -> np.ndarray:
    """Head regions of person boxes, with margins, clipped to the image.

    Args:
        xyxy_px: (n, 4) float person boxes (x1, y1, x2, y2) in pixels.
        image_wh: (width, height) of the image in pixels.
        head_xy: (n, 2) head centres from :class:`~storelens.render.head_pose.HeadLocator`
            (NaN where unknown); a believable one places the region, sized as from the box.

    Returns:
        (m, 4) int32 regions (x1, y1, x2, y2), half-open pixel ranges, one per box that is
        finite and overlaps the image (m <= n).
    """
    width, height = image_wh
    boxes = np.asarray(xyxy_px, dtype=np.float32).reshape(-1, 4)
    centres = np.full((len(boxes), 2), np.nan, np.float32) if head_xy is None else np.asarray(head_xy, np.float32)
    finite = np.isfinite(boxes).all(axis=1)
    # What a box says about a head is what it shows: measure it inside the frame.
    x1, y1, x2, y2 = np.clip(boxes[finite], 0, [width, height, width, height]).T
    cx, cy = centres[finite].T
    cut_below = y2 >= height - EDGE_PX
    head_w = np.minimum(HEAD_OF_BOX_WIDTH * (x2 - x1), np.where(cut_below, np.inf, HEAD_OF_BOX_HEIGHT * (y2 - y1)))
    head_w = np.minimum(head_w, MAX_HEAD_OF_FRAME * height / HEAD_ASPECT)
    head_h = HEAD_ASPECT * head_w
    centre = (x1 + x2) / 2
    half_w = head_w * (0.5 + np.where(cut_below, MARGIN_X_CUT_BELOW, MARGIN_X))
    from_box = np.stack(
        [
            np.where(x1 <= EDGE_PX, 0, centre - half_w),
            y1 - MARGIN_TOP * head_h,
            np.where(x2 >= width - EDGE_PX, width, centre + half_w),
            y1 + head_h * (1 + MARGIN_BOTTOM),
        ],
        axis=1,
    )
    placed = (
        (cx >= x1 - head_w) & (cx <= x2 + head_w) & (cy >= y1 - head_h) & (cy <= y1 + POSE_REACH * (y2 - y1))
    )  # False for NaN
    noise = np.minimum(POSE_NOISE * np.maximum(x2 - x1, y2 - y1), MAX_POSE_NOISE * head_w)
    pose_w, pose_h = head_w * (0.5 + MARGIN_POSE) + noise, head_h * (0.5 + MARGIN_POSE) + noise
    from_pose = np.stack([cx - pose_w, cy - pose_h, cx + pose_w, cy + pose_h], axis=1)
    return _clip_regions(np.where(placed[:, None], from_pose, from_box), image_wh)


def silhouette_regions_px(xyxy_px: np.ndarray, image_wh: tuple[int, int]) -> np.ndarray:
    """Whole person boxes, a little enlarged (:data:`SILHOUETTE_MARGIN`), clipped to the image."""
    boxes = np.asarray(xyxy_px, dtype=np.float32).reshape(-1, 4)
    boxes = boxes[np.isfinite(boxes).all(axis=1)]
    margin = SILHOUETTE_MARGIN * (boxes[:, 2] - boxes[:, 0])
    return _clip_regions(boxes + np.stack([-margin, -margin, margin, 0 * margin], axis=1), image_wh)


def hide_regions(
    image: np.ndarray, regions: np.ndarray, *, mode: PrivacyMode = "heads", inplace: bool = False
) -> np.ndarray:
    """Pixelate each region (``heads``), or fill it with its mean colour (``silhouette``).

    Args:
        image: (h, w, 3) uint8 BGR frame. Left unchanged unless ``inplace``.
        regions: (m, 4) int regions (x1, y1, x2, y2) inside the image, as
            :func:`head_regions_px` or :func:`silhouette_regions_px` give them.
        mode: See :data:`PrivacyMode`.
        inplace: Write into ``image`` instead of a copy (saves a frame copy when the caller
            already owns one).

    Returns:
        (h, w, 3) uint8 BGR image; only pixels inside ``regions`` differ.
    """
    out = image if inplace else image.copy()
    for rx1, ry1, rx2, ry2 in np.asarray(regions, np.int64).reshape(-1, 4).tolist():
        roi = out[ry1:ry2, rx1:rx2]
        if mode == "silhouette":
            roi[:] = roi.reshape(-1, 3).mean(axis=0).round().astype(np.uint8)
            continue
        region_w, region_h = rx2 - rx1, ry2 - ry1
        blocks_x = max(1, min(BLOCKS_ACROSS, region_w))
        blocks_y = max(1, min(region_h, round(blocks_x * region_h / region_w)))
        coarse = cv2.resize(roi, (blocks_x, blocks_y), interpolation=cv2.INTER_AREA)
        roi[:] = cv2.resize(coarse, (region_w, region_h), interpolation=cv2.INTER_NEAREST)
    return out
