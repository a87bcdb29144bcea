"""Speed and accuracy of the default detector vs OpenCV DNN on the PETS09-S2L1 clip.

Prints ms/frame for storelens' ONNX Runtime SSD-MobileNetV2 and for OpenCV DNN running the same
frozen graph, and person recall/precision of both against the MOT15 ground truth. OpenCV 5.1 dropped
its TensorFlow importer: with it (the locked version) the OpenCV row is skipped with a note; the
recorded comparison was made with OpenCV 5.0 (install ``opencv-python-headless==5.0.0.93`` beside the
lock in a scratch venv to repeat it).

Usage:
    scripts/bench bench/bench_detector.py --frames 200
"""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from storelens.detect import make_detector
from storelens.detect.ssd_mobilenet import bundled_graph_path
from storelens.eval import read_mot
from storelens.track.association import iou_matrix
from storelens.types import Frame

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "PETS09-S2L1"
OPENCV_TEXT_GRAPH = "ssd_mobilenet_v2_coco_2018_03_29.pbtxt"
WARMUP_FRAMES = 3
TF_PERSON_CLASS = 1


def load_gt(path: Path) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """MOT15 gt.txt -> {video index: ((n, 4) xyxy boxes, (n,) bool counted)}.

    Rows flagged 0 mark people the annotation says not to score: matching them is neither a
    hit nor a false alarm.
    """
    table = read_mot(path)
    return {
        int(frame) - 1: (table.xyxy[table.frame == frame], table.conf[table.frame == frame] != 0)
        for frame in np.unique(table.frame)
    }


class Score:
    """Hungarian matching at an IoU threshold, accumulated over frames."""

    def __init__(self, iou: float) -> None:
        self.iou = iou
        self.tp = self.fp = self.gt = 0

    def add(self, dets: np.ndarray, gt: np.ndarray, counted: np.ndarray) -> None:
        ious = iou_matrix(dets, gt) if len(dets) and len(gt) else np.zeros((len(dets), len(gt)))
        rows, cols = linear_sum_assignment(-ious)
        ok = ious[rows, cols] >= self.iou
        matched_det = set(rows[ok])
        self.tp += int(counted[cols[ok]].sum())
        unmatched = np.setdiff1d(np.arange(len(dets)), list(matched_det))
        # an unmatched detection on an unscored person is not a false alarm
        if len(unmatched) and (~counted).any():
            unmatched = unmatched[(ious[unmatched][:, ~counted] < self.iou).all(axis=1)]
        self.fp += len(unmatched)
        self.gt += int(counted.sum())

    def __str__(self) -> str:
        recall = self.tp / max(self.gt, 1)
        precision = self.tp / max(self.tp + self.fp, 1)
        return f"recall {recall:.3f} precision {precision:.3f} (tp {self.tp}, fp {self.fp}, gt {self.gt})"


def opencv_people(net: cv2.dnn.Net, image: np.ndarray, min_score: float) -> np.ndarray:
    """Person boxes (pixels) from OpenCV's DetectionOutput rows [image, class, score, x1, y1, x2, y2]."""
    h, w = image.shape[:2]
    net.setInput(cv2.dnn.blobFromImage(image, 1.0, (300, 300), swapRB=True, crop=False))
    rows = net.forward().reshape(-1, 7)
    rows = rows[(rows[:, 1] == TF_PERSON_CLASS) & (rows[:, 2] >= min_score)]
    return rows[:, 3:7] * [w, h, w, h]


def describe(ms: list[float]) -> str:
    """Frame times; on a shared machine the 10th percentile is the least disturbed figure."""
    t = np.array(ms[WARMUP_FRAMES:])
    return f"ms/frame mean {t.mean():.1f}, median {np.median(t):.1f}, p10 {np.percentile(t, 10):.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=795, help="frames from the start of the clip")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--min-score", type=float, default=0.4, help="score a box needs to count")
    parser.add_argument("--iou", type=float, default=0.5, help="IoU for a detection to match a person")
    parser.add_argument("--model", default=None, help="detector: default SSD or a YOLO .onnx path")
    parser.add_argument("--no-opencv", action="store_true", help="skip the OpenCV DNN reference")
    parser.add_argument("--data", type=Path, default=DATA, help="folder with video.avi and gt/gt.txt")
    args = parser.parse_args()

    gt = load_gt(args.data / "gt" / "gt.txt")
    start = time.perf_counter()
    detector = make_detector(args.model, min_score=args.min_score, threads=args.threads)
    print(f"detector ready in {time.perf_counter() - start:.2f} s (includes conversion on first run)")
    net = None
    if not args.no_opencv and not hasattr(cv2.dnn, "readNetFromTensorflow"):
        print(f"OpenCV {cv2.__version__} has no TensorFlow importer (removed in 5.1): OpenCV DNN row skipped")
    elif not args.no_opencv:
        cv2.setNumThreads(args.threads)
        graph = bundled_graph_path()
        net = cv2.dnn.readNetFromTensorflow(str(graph), str(graph.with_name(OPENCV_TEXT_GRAPH)))

    ours, theirs = Score(args.iou), Score(args.iou)
    ours_ms: list[float] = []
    theirs_ms: list[float] = []
    cap = cv2.VideoCapture(str(args.data / "video.avi"))
    empty = (np.zeros((0, 4)), np.zeros(0, bool))
    for index in range(args.frames):
        ok, image = cap.read()
        if not ok:
            break
        frame = Frame("pets", index, datetime.fromtimestamp(index / 7, tz=timezone.utc), image)
        t0 = time.perf_counter()
        dets = detector(frame)
        ours_ms.append((time.perf_counter() - t0) * 1000)
        ours.add(dets.xyxy_px, *gt.get(index, empty))
        if net is not None:
            t0 = time.perf_counter()
            boxes = opencv_people(net, image, args.min_score)
            theirs_ms.append((time.perf_counter() - t0) * 1000)
            theirs.add(boxes, *gt.get(index, empty))
    cap.release()

    print(f"frames: {len(ours_ms)}, threads: {args.threads}, score >= {args.min_score}, IoU {args.iou}")
    print(f"storelens ONNX Runtime: {describe(ours_ms)}; {ours}")
    if net is not None:
        print(f"OpenCV DNN:             {describe(theirs_ms)}; {theirs}")


if __name__ == "__main__":
    main()
