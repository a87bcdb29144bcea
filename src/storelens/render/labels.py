"""Text on pictures that never lands on other text: placed one label at a time, in priority order.

A label tries its candidate spots in order and takes the first one clear of the labels already
placed and inside the picture; a label with no clear spot is not placed, and the caller falls
back (a numbered marker and a key). Each label sits on a pale box, readable over any colour.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np

__all__ = ["FONT", "Box", "LabelBoard", "draw_text", "text_size"]

FONT = cv2.FONT_HERSHEY_SIMPLEX
_PAD = 3
_BOX_ALPHA = 0.8


@dataclass(frozen=True, slots=True)
class Box:
    """A rectangle in pixels: left, top, right, bottom."""

    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def within(self, width: int, height: int) -> bool:
        return self.x0 >= 0 and self.y0 >= 0 and self.x1 <= width and self.y1 <= height


def _line_height(scale: float) -> tuple[int, int]:
    """Height of a line of capitals and the depth of its descenders, pixels."""
    (_, h), base = cv2.getTextSize("Hg", FONT, scale, _thickness(scale))
    return h, base


def text_size(text: str, scale: float) -> tuple[int, int]:
    """(width, height) of ``text`` (lines split at newlines) with its padding, pixels."""
    lines = text.split("\n")
    w = max(cv2.getTextSize(line, FONT, scale, _thickness(scale))[0][0] for line in lines)
    h, base = _line_height(scale)
    return w + 2 * _PAD, len(lines) * (h + base) + 2 * _PAD


def _thickness(scale: float) -> int:
    return max(1, int(round(scale * 2.2)))


def draw_text(
    image: np.ndarray, text: str, centre: tuple[float, float], scale: float, colour=(30, 30, 30), box=(255, 255, 255)
) -> Box:
    """Draw ``text`` (lines centred, split at newlines) centred on ``centre`` over a pale box
    (None: no box); returns the box."""
    w, h = text_size(text, scale)
    x0, y0 = int(round(centre[0] - w / 2)), int(round(centre[1] - h / 2))
    if box is not None:
        x1, y1 = min(x0 + w, image.shape[1]), min(y0 + h, image.shape[0])
        xa, ya = max(x0, 0), max(y0, 0)
        if xa < x1 and ya < y1:
            patch = image[ya:y1, xa:x1].astype(np.float32)
            image[ya:y1, xa:x1] = (patch * (1 - _BOX_ALPHA) + np.float32(box) * _BOX_ALPHA).astype(np.uint8)
    th, base = _line_height(scale)
    for i, line in enumerate(text.split("\n")):
        lw = cv2.getTextSize(line, FONT, scale, _thickness(scale))[0][0]
        org = (int(round(centre[0] - lw / 2)), y0 + _PAD + th + i * (th + base))
        cv2.putText(image, line, org, FONT, scale, colour, _thickness(scale), cv2.LINE_AA)
    return Box(x0, y0, x0 + w, y0 + h)


@dataclass
class LabelBoard:
    """Where labels already are on a ``width`` x ``height`` picture."""

    width: int
    height: int
    taken: list[Box] = field(default_factory=list)

    def place(self, text: str, spots: Sequence[tuple[float, float]], scale: float) -> tuple[float, float] | None:
        """The first of ``spots`` (label centres) where ``text`` is clear of every placed label and
        inside the picture, now taken; None if there is none."""
        w, h = text_size(text, scale)
        for cx, cy in spots:
            box = Box(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if box.within(self.width, self.height) and not any(box.overlaps(t) for t in self.taken):
                self.taken.append(box)
                return cx, cy
        return None
