"""``run_calibrate``: the check image has heads pixelated, the floor grid drawn, and errors are one line."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

from storelens.calibrate import CalibrationReport, run_calibrate
from storelens.config import StoreConfig
from storelens.errors import CalibrationError, ConfigError, SourceError
from storelens.render import head_regions_px
from storelens.types import Detections, Frame

SIZE_WH = (640, 480)
PX_PER_M = 40.0
ORIGIN_PX = (40.0, 440.0)
"""Floor (0, 0) is at this pixel; floor x runs right and floor y up the image, 40 px a metre."""
PERSON_XYXY = [450.0, 200.0, 500.0, 400.0]
"""A person right of the floor area, so their head region is clear of anything drawn."""
PIXELATED_VARIANCE_RATIO = 0.3
FIT_TOLERANCE_M = 1e-4


def floor_to_px(x_m: float, y_m: float) -> tuple[int, int]:
    return round(ORIGIN_PX[0] + PX_PER_M * x_m), round(ORIGIN_PX[1] - PX_PER_M * y_m)


def noise_frame() -> np.ndarray:
    """Detailed texture: pixelation shows as a drop in variance."""
    return np.random.default_rng(0).integers(0, 256, (SIZE_WH[1], SIZE_WH[0], 3), dtype=np.uint8)


def write_video(path: Path) -> np.ndarray:
    """A two-frame MJPG clip; returns its first frame as decoded (what calibrate starts from)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 5.0, SIZE_WH)
    assert writer.isOpened()
    for _ in range(2):
        writer.write(noise_frame())
    writer.release()
    cap = cv2.VideoCapture(str(path))
    ok, first = cap.read()
    cap.release()
    assert ok
    return first


class OnePersonDetector:
    """Stands in for the bundled detector: one person at PERSON_XYXY in every frame."""

    min_score = 0.1

    def __call__(self, frame: Frame) -> Detections:
        return Detections(
            camera_id=frame.camera_id,
            frame_index=frame.index,
            ts=frame.ts,
            xyxy_px=np.array([PERSON_XYXY], np.float32),
            confidence=np.array([0.9], np.float32),
            class_id=np.zeros(1, np.int32),
        )


HOMOGRAPHY = {
    "kind": "homography",
    "points": [
        {"image_px": list(floor_to_px(x, y)), "floor_m": [x, y]}
        for x, y in ((0.0, 0.0), (6.0, 0.0), (6.0, 5.0), (0.0, 5.0), (3.0, 2.0))
    ],
}

PINHOLE = {
    "kind": "pinhole",
    "K": [[100, 0, 320], [0, 100, 240], [0, 0, 1]],
    "R": [[1, 0, 0], [0, -1, 0], [0, 0, -1]],  # looking straight down
    "t": [-3.0, 2.5, 4.0],  # centre 4 m above the middle of the floor: -R^T t = (3, 2.5, 4)
    "world_unit_m": 1.0,
}


def store(camera: dict[str, Any]) -> StoreConfig:
    return StoreConfig.model_validate(
        {
            "name": "Test shop",
            "timezone": "UTC",
            "floor_plan": {"outline": [[0, 0], [6, 0], [6, 5], [0, 5]]},
            "cameras": {"door": camera},
            "zones": [{"name": "till", "kind": "checkout_queue", "polygon": [[3.2, 3.2], [4.8, 3.2], [4.8, 4.8]]}],
            "lines": [{"name": "door", "kind": "entrance", "a": [0, 1], "b": [0, 4], "in_side": "right"}],
        }
    )


def test_check_image_has_heads_pixelated_and_the_floor_grid(tmp_path: Path) -> None:
    original = write_video(tmp_path / "door.avi")
    config = store({"source": "door.avi", "calibration": HOMOGRAPHY})

    (report,) = run_calibrate(config, None, tmp_path / "out", detector=OnePersonDetector(), config_dir=tmp_path)

    assert isinstance(report, CalibrationReport)
    assert (report.camera_id, report.method, report.people_blurred) == ("door", "homography", 1)
    assert report.error_m is not None and report.error_m.count == 5 and report.error_m.max < FIT_TOLERANCE_M
    assert report.image_path == tmp_path / "out" / "calibration_door.png"
    assert report.summary().startswith("door: homography, error over 5 points: 0.000 m mean")
    image = cv2.imread(str(report.image_path))
    assert image.shape == original.shape
    # Grid lines: metre lines x = 2 and y = 3 pass through these pixels.
    for x_m, y_m in ((2.0, 2.5), (4.5, 3.0)):
        col, row = floor_to_px(x_m, y_m)
        assert np.abs(image[row, col].astype(int) - original[row, col]).max() > 60, (x_m, y_m)
    # The head is pixelated; a corner far from anything drawn is untouched.
    ((x1, y1, x2, y2),) = head_regions_px(np.array([PERSON_XYXY]), SIZE_WH)
    head_before, head_after = original[y1:y2, x1:x2].astype(float), image[y1:y2, x1:x2].astype(float)
    assert head_after.var() < PIXELATED_VARIANCE_RATIO * head_before.var()
    assert np.array_equal(image[-20:, -20:], original[-20:, -20:])


@pytest.mark.parametrize(
    ("camera", "camera_id", "expectation"),
    [
        ({"source": "door.avi"}, None, nullcontext("none")),
        ({"source": "door.avi", "calibration": HOMOGRAPHY}, "door", nullcontext("homography")),
        ({"source": "door.avi", "calibration": PINHOLE}, None, nullcontext("pinhole")),
        ({"source": "door.avi"}, "till", pytest.raises(ConfigError, match=r"^no camera 'till'; the config has door$")),
        (
            {"source": "missing.avi", "calibration": HOMOGRAPHY},
            None,
            pytest.raises(SourceError, match=r"^camera door: .*missing\.avi: no such file"),
        ),
        (
            {
                "source": "door.avi",
                "calibration": {"kind": "opencv_json", "file": "calib.json", "view": "v", "world_unit_m": 0.001},
            },
            None,
            pytest.raises(CalibrationError, match=r"^camera door: .*calib\.json: calibration file not found$"),
        ),
    ],
    ids=["uncalibrated", "one-camera", "pinhole", "unknown-camera", "missing-video", "missing-calibration"],
)
def test_calibrate_reports_one_line(
    tmp_path: Path, camera: dict[str, Any], camera_id: str | None, expectation: AbstractContextManager
) -> None:
    write_video(tmp_path / "door.avi")
    with expectation as method:
        (report,) = run_calibrate(
            store(camera), camera_id, tmp_path / "out", detector=OnePersonDetector(), config_dir=tmp_path
        )
        assert report.method == method and report.image_path.is_file()
        assert "\n" not in report.summary()
