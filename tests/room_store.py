"""A 3.2 x 2.4 m room seen by 320 x 240 cameras (1 px = 1 cm; image row 240 is floor y = 0), with a
shelf zone and a door line: the store of the runner's unit tests, written as a user would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np
import yaml

from storelens.config import StoreConfig, load_config

__all__ = ["CALIBRATION", "write_clip", "write_room"]

CALIBRATION = {
    "kind": "homography",
    "points": [
        {"image_px": [0, 240], "floor_m": [0.0, 0.0]},
        {"image_px": [320, 240], "floor_m": [3.2, 0.0]},
        {"image_px": [320, 0], "floor_m": [3.2, 2.4]},
        {"image_px": [0, 0], "floor_m": [0.0, 2.4]},
    ],
}


def write_clip(path: Path, n_frames: int, fps: float) -> Path:
    """A grey clip, a little lighter each frame (the tests' detectors draw the people)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (320, 240))
    for i in range(n_frames):
        writer.write(np.full((240, 320, 3), 60 + i, np.uint8))
    writer.release()
    return path


def write_room(
    folder: Path, cameras: dict[str, dict[str, Any]], name: str = "Test shop", layout: bool = True
) -> StoreConfig:
    """``store.yaml`` in ``folder`` with these cameras (each given its source and any other keys;
    the calibration is added) and, with ``layout``, the shelf zone and the door line; the loaded config."""
    config: dict[str, Any] = {
        "name": name,
        "timezone": "UTC",
        "floor_plan": {"outline": [[0, 0], [3.2, 0], [3.2, 2.4], [0, 2.4]]},
        "cameras": {cid: {**keys, "calibration": CALIBRATION} for cid, keys in cameras.items()},
    }
    if layout:
        config["zones"] = [
            {"name": "shelf", "kind": "display", "polygon": [[1.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0]],
             "inertia_s": 0.5}
        ]
        config["lines"] = [{"name": "door_line", "kind": "entrance", "a": [1.5, 0.0], "b": [1.5, 2.0],
                            "in_side": "right"}]
    (folder / "store.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return load_config(folder / "store.yaml")

