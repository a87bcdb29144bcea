"""Person detector for a user-supplied Ultralytics YOLO (v8 / 11 style) ONNX export.

The export takes a letterboxed (1, 3, H, W) float RGB image in [0, 1] and returns
(1, 4 + classes, candidates): box centre x, y, width, height in input pixels, then one score per
class (no objectness). NMS is not in the graph (export without ``nms=True``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from storelens.detect.boxes import clip_xyxy, nms_xyxy, person_detections
from storelens.detect.onnx_runtime import make_session
from storelens.errors import DetectorError
from storelens.types import PERSON_CLASS_ID, Detections, Frame

__all__ = ["Letterbox", "YoloOnnxDetector", "letterbox"]

logger = logging.getLogger(__name__)

DEFAULT_INPUT_SIZE = 640
"""Used when the export has a dynamic input size and none is given: Ultralytics' default."""
NMS_IOU = 0.7
"""Ultralytics' default ``iou`` for prediction."""
MAX_DETECTIONS = 300
"""Ultralytics' default ``max_det``."""
PAD_VALUE = 114
"""Grey that Ultralytics pads letterboxed images with during training and prediction."""
BOX_COLUMNS = 4


@dataclass(frozen=True, slots=True)
class Letterbox:
    """How an image was fitted into the network input: input = image * scale + (left, top)."""

    scale: float
    left: int
    top: int

    def undo(self, xyxy: np.ndarray) -> np.ndarray:
        """Map (n, 4) input-pixel boxes back to image pixels, in place; returns the array."""
        xyxy[:, 0::2] -= self.left
        xyxy[:, 1::2] -= self.top
        xyxy /= self.scale
        return xyxy


def letterbox(image: np.ndarray, height: int, width: int) -> tuple[np.ndarray, Letterbox]:
    """Resize keeping aspect ratio and pad to height x width, centred, as Ultralytics' LetterBox.

    Args:
        image: (h, w, 3) uint8 BGR.

    Returns:
        (height, width, 3) uint8 BGR padded image and the transform applied.
    """
    h, w = image.shape[:2]
    scale = min(height / h, width / w)
    new_w, new_h = round(w * scale), round(h * scale)
    pad_x, pad_y = (width - new_w) / 2, (height - new_h) / 2
    # Ultralytics' rounding: an odd padding puts the extra pixel right/bottom.
    top, bottom = round(pad_y - 0.1), round(pad_y + 0.1)
    left, right = round(pad_x - 0.1), round(pad_x + 0.1)
    resized = (
        image
        if (new_w, new_h) == (w, h)
        else cv2.resize(image, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    )
    padded = cv2.copyMakeBorder(
        resized, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(PAD_VALUE,) * 3
    )
    return padded, Letterbox(scale, left, top)


class YoloOnnxDetector:
    """Runs an Ultralytics YOLO ONNX export and keeps the person class (COCO class 0).

    Args:
        model_path: The .onnx export.
        min_score: Boxes whose person score is below this are dropped (before NMS).
        threads: CPU threads for one inference.
        input_size: Square network input side for exports with a dynamic input shape; for a
            static export it must be None or match.

    Raises:
        DetectorError: The file is missing or unreadable, or its input/output layout is not that
            of an Ultralytics detection export.
    """

    def __init__(
        self,
        model_path: Path | str,
        min_score: float = 0.1,
        threads: int = 2,
        input_size: int | None = None,
    ) -> None:
        self.min_score = min_score
        path = Path(model_path)
        if not path.is_file():
            raise DetectorError(f"YOLO model {path} does not exist")
        self._session = make_session(path, threads)
        inp = self._session.get_inputs()[0]
        self._input_name = inp.name
        self._height, self._width = _input_hw(path, inp.shape, input_size)
        outputs = self._session.get_outputs()
        out_shape = outputs[0].shape
        if len(outputs) != 1 or len(out_shape) != 3:
            raise DetectorError(
                f"{path}: expected one (1, 4 + classes, n) output, got {[o.shape for o in outputs]}"
            )
        self._output_name = outputs[0].name
        logger.info("YOLO model %s, input %dx%d", path, self._width, self._height)

    def __call__(self, frame: Frame) -> Detections:
        image = frame.image
        padded, box = letterbox(image, self._height, self._width)
        blob = cv2.dnn.blobFromImage(padded, scalefactor=1.0 / 255.0, swapRB=True)
        (out,) = self._session.run([self._output_name], {self._input_name: blob})
        if out.ndim != 3 or out.shape[1] <= BOX_COLUMNS or out.shape[1] > out.shape[2]:
            raise DetectorError(
                f"YOLO output shape {out.shape} is not (1, 4 + classes, n); export without nms=True"
            )
        rows = out[0]  # (4 + classes, n)
        scores = rows[BOX_COLUMNS + PERSON_CLASS_ID]
        candidates = np.flatnonzero(scores >= self.min_score)
        cx, cy, w, h = rows[:BOX_COLUMNS, candidates].astype(np.float64)
        xyxy = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
        xyxy = clip_xyxy(box.undo(xyxy), image.shape[1], image.shape[0])
        keep = nms_xyxy(xyxy, scores[candidates], NMS_IOU, MAX_DETECTIONS)
        return person_detections(frame, xyxy[keep], scores[candidates[keep]])


def _input_hw(path: Path, shape: list[int | str | None], input_size: int | None) -> tuple[int, int]:
    """Network input (height, width) from the export's static shape or ``input_size``."""
    if len(shape) != 4 or shape[1] not in (3, "3"):
        raise DetectorError(f"{path}: expected a (1, 3, H, W) input, got {shape}")
    h, w = shape[2], shape[3]
    if isinstance(h, int) and isinstance(w, int):
        if input_size is not None and (h, w) != (input_size, input_size):
            raise DetectorError(
                f"{path}: model input is fixed at {w}x{h}, cannot run at input_size {input_size}"
            )
        return h, w
    side = input_size or DEFAULT_INPUT_SIZE
    return side, side
