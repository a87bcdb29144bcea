"""Person detectors: the bundled SSD-MobileNetV2 default, or a user's Ultralytics YOLO ONNX export."""

from __future__ import annotations

from storelens.detect.base import Detector
from storelens.detect.ssd_mobilenet import SsdMobilenetV2Detector
from storelens.detect.yolo_onnx import YoloOnnxDetector
from storelens.errors import DetectorError

__all__ = ["DEFAULT_MODEL", "Detector", "SsdMobilenetV2Detector", "YoloOnnxDetector", "make_detector"]

DEFAULT_MODEL = "ssd-mobilenet-v2"


def make_detector(model: str | None = None, min_score: float = 0.1, threads: int = 2) -> Detector:
    """Build the detector a config or command line names.

    Args:
        model: None or ``"ssd-mobilenet-v2"`` for the bundled default, or a path to a ``.onnx``
            Ultralytics YOLO export.
        min_score: Lowest score a returned box may have.
        threads: CPU threads for one inference.

    Raises:
        DetectorError: ``model`` is neither the default name nor an .onnx path, or loading fails.
    """
    if model is None or model == DEFAULT_MODEL:
        return SsdMobilenetV2Detector(min_score=min_score, threads=threads)
    if model.lower().endswith(".onnx"):
        return YoloOnnxDetector(model, min_score=min_score, threads=threads)
    raise DetectorError(
        f"unknown detector model {model!r}: use {DEFAULT_MODEL!r} or a path to a YOLO .onnx file"
    )
