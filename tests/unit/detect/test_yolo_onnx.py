"""YOLO ONNX decoding with tiny models whose output is a constant of known boxes."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from storelens.detect import Detector, YoloOnnxDetector, make_detector
from storelens.detect.yolo_onnx import letterbox
from storelens.errors import DetectorError
from storelens.types import Frame

IMAGE_W, IMAGE_H = 640, 480
NET = 320  # scale 0.5: the 640x480 frame becomes 320x240, padded 40 px top and bottom


def _save_model(path: Path, output: np.ndarray, input_dims: tuple[int | str, ...] = (1, 3, NET, NET)) -> Path:
    """An ONNX model ignoring its image input and returning ``output`` (float32)."""
    node = helper.make_node(
        "Constant", [], ["output0"], value=numpy_helper.from_array(output.astype(np.float32))
    )
    graph = helper.make_graph(
        [node],
        "yolo_stub",
        [helper.make_tensor_value_info("images", TensorProto.FLOAT, input_dims)],
        [helper.make_tensor_value_info("output0", TensorProto.FLOAT, list(output.shape))],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.save(model, path)
    return path


CANDIDATES = 32  # real exports have thousands; the detector checks n > 4 + classes


def _rows(*boxes: tuple[float, float, float, float, float, float]) -> np.ndarray:
    """(1, 4 + 2 classes, n) output from (cx, cy, w, h, person score, other score) in input pixels,
    padded with zero-score candidates."""
    out = np.zeros((1, 6, CANDIDATES), np.float32)
    out[0, :, : len(boxes)] = np.array(boxes, np.float32).T
    return out


def _frame() -> Frame:
    return Frame(
        "cam", 3, datetime(2024, 1, 1, tzinfo=timezone.utc), np.zeros((IMAGE_H, IMAGE_W, 3), np.uint8)
    )


def test_decodes_person_boxes_and_undoes_letterbox(tmp_path: Path):
    output = _rows(
        (160, 160, 40, 80, 0.9, 0.0),  # -> image (280, 160, 360, 320)
        (161, 161, 40, 80, 0.8, 0.0),  # overlaps the first (IoU ~0.95): suppressed
        (10, 60, 40, 40, 0.6, 0.1),  # x1 = -20 in the image: clipped to 0
        (250, 200, 20, 20, 0.05, 0.0),  # below min_score
        (100, 100, 20, 20, 0.0, 0.95),  # another class only
    )
    det = YoloOnnxDetector(_save_model(tmp_path / "y.onnx", output), min_score=0.1, threads=1)

    dets = det(_frame())

    assert isinstance(det, Detector)
    np.testing.assert_allclose(dets.xyxy_px, [[280, 160, 360, 320], [0, 0, 60, 80]], atol=1e-4)
    np.testing.assert_allclose(dets.confidence, [0.9, 0.6], atol=1e-6)
    assert np.all(dets.class_id == 0)
    assert (dets.camera_id, dets.frame_index) == ("cam", 3)


def test_dynamic_input_uses_input_size(tmp_path: Path):
    path = _save_model(tmp_path / "d.onnx", _rows((320, 320, 64, 64, 0.7, 0.0)), ("batch", 3, "h", "w"))
    dets = YoloOnnxDetector(path, input_size=640)(_frame())  # scale 1, 80 px padding on top
    np.testing.assert_allclose(dets.xyxy_px, [[288, 208, 352, 272]], atol=1e-4)


def test_static_input_rejects_other_size(tmp_path: Path):
    path = _save_model(tmp_path / "s.onnx", _rows((1, 1, 1, 1, 1, 0)))
    with pytest.raises(DetectorError, match="fixed at 320x320"):
        YoloOnnxDetector(path, input_size=640)


def test_end_to_end_export_is_rejected(tmp_path: Path):
    path = _save_model(tmp_path / "e2e.onnx", np.zeros((1, 300, 6), np.float32))  # nms=True layout
    with pytest.raises(DetectorError, match=r"not \(1, 4 \+ classes, n\)"):
        YoloOnnxDetector(path)(_frame())


def test_missing_and_corrupt_files(tmp_path: Path):
    with pytest.raises(DetectorError, match="does not exist"):
        YoloOnnxDetector(tmp_path / "nope.onnx")
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"not onnx")
    with pytest.raises(DetectorError, match=r"bad\.onnx") as err:
        YoloOnnxDetector(bad)
    assert "\n" not in str(err.value)


def test_make_detector_picks_yolo_for_onnx_paths(tmp_path: Path):
    path = _save_model(tmp_path / "m.onnx", _rows((1, 1, 1, 1, 1, 0)))
    det = make_detector(str(path), min_score=0.3, threads=1)
    assert isinstance(det, YoloOnnxDetector) and det.min_score == 0.3


@pytest.mark.parametrize("shape", [(480, 640), (101, 77), (64, 64)])
def test_letterbox_round_trip(shape: tuple[int, int]):
    image = np.full((*shape, 3), 200, np.uint8)
    padded, box = letterbox(image, NET, NET)

    assert padded.shape == (NET, NET, 3)
    corners = np.array([[0, 0, shape[1], shape[0]]], np.float64)
    mapped = corners * box.scale + [box.left, box.top, box.left, box.top]
    assert mapped.min() >= 0 and mapped.max() <= NET + 0.5
    np.testing.assert_allclose(box.undo(mapped), corners, atol=1e-9)
    assert padded[NET // 2, NET // 2, 0] == 200  # the image is centred
