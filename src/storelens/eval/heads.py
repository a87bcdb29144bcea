"""Scoring anonymisation against hand-checked head boxes (tests/data/heads/heads.csv).

Two figures, because a privacy mask can fail both ways: a head it leaves visible (coverage), and
scene it hides for nothing (pixelated area outside every head, which a band across the frame or a
block on the shelves runs up).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = [
    "CLIP_VIDEOS",
    "COVERED_SHARE",
    "HeadFrame",
    "HeadScore",
    "read_head_set",
    "score_frame",
    "summarise",
]

CLIP_VIDEOS = {
    "PETS09-S2L1": "PETS09-S2L1/video.avi",
    "TUD-Campus": "TUD-Campus/video.mp4",
    "one-by-one": "one-by-one/one-by-one-person-detection.mp4",
}
"""Video of each clip of the set, relative to the evaluation data folder (``../shared/data``)."""

COVERED_SHARE = 0.95
"""A head counts as hidden when at least this share of its box is pixelated."""


@dataclass(frozen=True, slots=True)
class HeadFrame:
    """The heads of one frame of the set; ``xyxy_px`` is (0, 4) for a frame with nobody in view."""

    clip: str
    frame: int
    xyxy_px: np.ndarray


@dataclass(frozen=True, slots=True)
class HeadScore:
    """Figures over a set of frames.

    Attributes:
        heads: Heads scored.
        covered: Share of heads pixelated over at least :data:`COVERED_SHARE` of their box.
        outside_mean: Pixelated area outside every head box, as a share of the frame, averaged.
        outside_max: The same on the worst frame.
    """

    heads: int
    covered: float
    outside_mean: float
    outside_max: float


def read_head_set(path: Path) -> list[HeadFrame]:
    """The frames of a head-set CSV in file order, each with its heads (rows marked ``no-head`` add none)."""
    frames: dict[tuple[str, int], list[list[int]]] = {}
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            boxes = frames.setdefault((row["clip"], int(row["frame"])), [])
            if row["check"] != "no-head":
                boxes.append([int(row[k]) for k in ("x1", "y1", "x2", "y2")])
    return [HeadFrame(clip, frame, np.array(boxes, np.int32).reshape(-1, 4)) for (clip, frame), boxes in frames.items()]


def score_frame(mask: np.ndarray, heads_xyxy: np.ndarray) -> tuple[np.ndarray, float]:
    """Coverage of each head and the share of the frame pixelated outside every head.

    Args:
        mask: (h, w) bool, True where the output's pixels were pixelated or filled.
        heads_xyxy: (n, 4) int head boxes (x1, y1, x2, y2), half-open pixel ranges.

    Returns:
        (n,) share of each head box inside the mask, and the outside share of the frame.
    """
    height, width = mask.shape
    boxes = np.clip(np.asarray(heads_xyxy, np.int64).reshape(-1, 4), 0, [width, height, width, height])
    integral = np.pad(mask.astype(np.int64).cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    x1, y1, x2, y2 = boxes.T
    inside = integral[y2, x2] - integral[y1, x2] - integral[y2, x1] + integral[y1, x1]
    area = np.maximum((x2 - x1) * (y2 - y1), 1)
    heads = np.zeros_like(mask)
    for bx1, by1, bx2, by2 in boxes.tolist():
        heads[by1:by2, bx1:bx2] = True
    return inside / area, float((mask & ~heads).mean())


def summarise(coverage: list[np.ndarray], outside: list[float]) -> HeadScore:
    """Figures over frames from :func:`score_frame`'s per-frame results."""
    shares = np.concatenate(coverage) if coverage else np.zeros(0)
    return HeadScore(
        heads=len(shares),
        covered=float((shares >= COVERED_SHARE).mean()) if len(shares) else 1.0,
        outside_mean=float(np.mean(outside)) if outside else 0.0,
        outside_max=float(np.max(outside)) if outside else 0.0,
    )
