"""Write OpenCV DNN's outputs for the bundled SSD-MobileNetV2 graph, the reference the detector tests compare to.

OpenCV 5.1 dropped its TensorFlow importer (``cv2.dnn.readNetFromTensorflow``), so the reference is made once
with an OpenCV that still has it and stored in ``tests/unit/detect/opencv_ssd_reference.npz``: person boxes
and scores on four PETS09-S2L1 frames, and the PriorBox anchors. Our converter is then checked against it
whatever OpenCV is installed. Made with (from the project root)::

    python3 -m venv /tmp/cv-ref
    /tmp/cv-ref/bin/pip install --no-deps --require-hashes -r requirements/lock.txt
    /tmp/cv-ref/bin/pip install --no-deps opencv-python-headless==5.0.0.93
    /tmp/cv-ref/bin/pip install --no-deps --no-build-isolation -e .
    /tmp/cv-ref/bin/python scripts/make_opencv_reference.py
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import cv2
import numpy as np

from storelens.detect.ssd_mobilenet import bundled_graph_path

ROOT = Path(__file__).resolve().parents[1]
VIDEO = ROOT.parent / "shared" / "data" / "PETS09-S2L1" / "video.avi"
OUT = ROOT / "tests" / "unit" / "detect" / "opencv_ssd_reference.npz"
OPENCV_TEXT_GRAPH = "ssd_mobilenet_v2_coco_2018_03_29.pbtxt"
FRAMES = (0, 150, 400, 650)
MIN_SCORE = 0.3  # below it, boxes differ by OpenCV's pre-NMS top-100 cut, not by the model
TF_PERSON_CLASS = 1


def main() -> int:
    if not hasattr(cv2.dnn, "readNetFromTensorflow"):
        print(f"error: OpenCV {cv2.__version__} has no TensorFlow importer; use opencv-python-headless<5.1",
              file=sys.stderr)
        return 2
    graph = bundled_graph_path()
    net = cv2.dnn.readNetFromTensorflow(str(graph), str(graph.with_name(OPENCV_TEXT_GRAPH)))
    cap = cv2.VideoCapture(str(VIDEO))
    arrays: dict[str, np.ndarray] = {}
    for index in FRAMES:
        cap.set(cv2.CAP_PROP_POS_FRAMES, index)
        ok, image = cap.read()
        if not ok:
            print(f"error: cannot read frame {index} of {VIDEO}", file=sys.stderr)
            return 2
        h, w = image.shape[:2]
        net.setInput(cv2.dnn.blobFromImage(image, 1.0, (300, 300), swapRB=True, crop=False))
        rows = net.forward().reshape(-1, 7)  # [image, class, score, x1, y1, x2, y2], corners normalised
        rows = rows[(rows[:, 1] == TF_PERSON_CLASS) & (rows[:, 2] >= MIN_SCORE)]
        boxes = rows[:, 3:7] * [w, h, w, h]
        boxes[:, 0::2] = boxes[:, 0::2].clip(0, w)
        boxes[:, 1::2] = boxes[:, 1::2].clip(0, h)
        arrays[f"boxes_{index}"] = boxes.astype(np.float32)
        arrays[f"scores_{index}"] = rows[:, 2].astype(np.float32)
    cap.release()
    net.setInput(np.zeros((1, 3, 300, 300), np.float32))
    arrays["priors"] = net.forward("PriorBox/concat")[0, 0].reshape(-1, 4)  # x1, y1, x2, y2 normalised
    arrays["frames"] = np.array(FRAMES)
    arrays["made_with"] = np.array(f"OpenCV {cv2.__version__}, {date.today().isoformat()}, {Path(__file__).name}")
    np.savez_compressed(OUT, **arrays)
    print(f"wrote {OUT.relative_to(ROOT)}: {sum(len(arrays[f'boxes_{i}']) for i in FRAMES)} boxes, "
          f"{len(arrays['priors'])} anchors ({arrays['made_with']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
