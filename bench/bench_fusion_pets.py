"""Multi-camera fusion on PETS09-S2L1: seven views fused vs View_001 alone, on real detections.

For each of the seven calibrated views, Keypoint R-CNN person boxes (cvlab-epfl/mot3d; the file
for frame ``frame_000k.jpg`` is ground-truth frame ``k + 1``) are tracked by storelens' own
tracker (default `TrackerConfig`, no image, so no colour cues), finaliser and box smoother, as
`storelens.pipeline.track_source` does. `observations_from_tracks` maps each track's foot point
to the floor through the view's calibration (millimetres), with its sigma, dropping boxes whose
height does not fit a standing person. `StoreFusion` fuses all seven views (also without being
told the views' floor coverage), and View_001 alone goes through the very same path; all runs
are scored against the ground-truth world positions (IDF1/MOTA with a 1 m match radius, median
distance of matched pairs).

The ground truth only annotates people in View_001's picture, and not the small figures far
away at the top of it; the other views see more of the square. So for every run, truth and
predictions are scored only where View_001 sees the floor (positions that project inside its
768 x 576 image), and predictions only inside the convex hull of all truth positions there (the
annotated area). Truth rows flagged 0 are not scored. Each view's floor coverage (for
confirming visitors where two cameras look) comes from its calibration and image size.

Usage (needs ``../shared/data``):

    scripts/bench bench/bench_fusion_pets.py [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_fusion_wildtrack import fuse, fused_table, score  # noqa: E402

from storelens.eval import MotTable, read_mot  # noqa: E402
from storelens.fusion import CameraObservations, FusionConfig, floor_coverage, observations_from_tracks  # noqa: E402
from storelens.geometry.camera import PinholeCamera, load_opencv_cameras  # noqa: E402
from storelens.geometry.polygons import points_in_polygon  # noqa: E402
from storelens.track.finalize import TrackFinalizer  # noqa: E402
from storelens.track.smooth import BoxSmoother  # noqa: E402
from storelens.track.tracker import Tracker  # noqa: E402
from storelens.types import PERSON_CLASS_ID, Detections  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "PETS09-S2L1"
OUT = Path(__file__).resolve().parent / "out"
FRAME_US = 142857
"""One frame at 7 fps, in whole microseconds, so that frames fall exactly on fusion ticks."""
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
START = _EPOCH + timedelta(microseconds=FRAME_US * 12_345_678)
"""A time on the fusion's tick grid (ticks count from the Unix epoch)."""
IMAGE_WH = {"View_001": (768, 576), "View_003": (768, 576), "View_004": (768, 576)}
"""Image sizes, read off the detections' extent; the other views are 720 x 576."""
OTHER_WH = (720, 576)
REFERENCE = "View_001"
GT_MIN_CONF = 1.0


def view_detections(view: str) -> list[Detections]:
    """The detector's person boxes of one view, one `Detections` per frame."""
    data = json.loads((DATA / "multiview_detections" / f"keypointsrcnn_{view}.json").read_text())
    frames = []
    for name, boxes, scores in zip(data["filenames"], data["bboxes"], data["scores"], strict=True):
        k = int(Path(name).stem.split("_")[1])
        xyxy = np.asarray(boxes, dtype=np.float32).reshape(-1, 4)
        frames.append(
            Detections(
                camera_id=view,
                frame_index=k,
                ts=START + timedelta(microseconds=k * FRAME_US),
                xyxy_px=xyxy,
                confidence=np.asarray(scores, dtype=np.float32),
                class_id=np.full(len(xyxy), PERSON_CLASS_ID, np.int32),
            )
        )
    return frames


def track_view(frames: list[Detections]) -> list[Detections]:
    """Tracker -> finaliser -> smoother, as `track_source` runs them (offline: no latency cap)."""
    tracker, finalizer, smoother = Tracker(), TrackFinalizer(), BoxSmoother()
    out: list[Detections] = []
    for dets in frames:
        tracked = tracker.update(dets, None)
        for done in finalizer.push(tracked, tracker.links):
            out += smoother.push(done)
    for done in finalizer.flush():
        out += smoother.push(done)
    return out + smoother.flush()


def in_view(camera: PinholeCamera, xy: np.ndarray) -> np.ndarray:
    """(n,) bool: floor points that project inside the camera's image."""
    px = camera.floor_to_image(xy)
    w, h = IMAGE_WH[REFERENCE]
    return (px[:, 0] >= 0) & (px[:, 0] < w) & (px[:, 1] >= 0) & (px[:, 1] < h)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"evaluation data not found at {DATA}", file=sys.stderr)
        return 2
    cameras = load_opencv_cameras(DATA / "calibration.json", world_unit_m=0.001)
    views = tuple(cameras)
    observations: list[CameraObservations] = []
    tracks_per_view = {}
    for view in views:
        tracks = track_view(view_detections(view))
        tracks_per_view[view] = len({t for d in tracks for t in d.track_id.tolist()})
        observations += [observations_from_tracks(d, cameras[view]) for d in tracks]
    observations.sort(key=lambda o: (o.ts, views.index(o.camera_id)))

    config = FusionConfig(tick_s=FRAME_US / 1e6, latency_s=float("inf"))
    coverage = {v: floor_coverage(cameras[v], *IMAGE_WH.get(v, OTHER_WH)) for v in views}
    frame_of = {START + timedelta(microseconds=k * FRAME_US): k + 1 for k in range(10_000)}
    gt = read_mot(DATA / "gt" / "gt.txt", min_conf=GT_MIN_CONF)
    reference = cameras[REFERENCE]
    gt = gt.select(in_view(reference, gt.world_xy))
    annotated = cv2.convexHull(gt.world_xy.astype(np.float32)).reshape(-1, 2)
    runs = {}
    variants = (
        ("fused (7 views)", views, coverage),
        ("fused, coverage not given", views, None),
        (f"{REFERENCE} alone", (REFERENCE,), coverage),
    )
    for name, used, cover in variants:
        fused = fuse([o for o in observations if o.camera_id in used], config, used, cover)
        pred: MotTable = fused_table(fused, frame_of)
        pred = pred.select(in_view(reference, pred.world_xy) & points_in_polygon(pred.world_xy, annotated))
        runs[name] = score(gt, pred)
    result = {
        "config": {k: v for k, v in asdict(config).items() if k != "exits_m"},
        "tracks_per_view": tracks_per_view,
        "gt_rows_scored": len(gt),
        "runs": runs,
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "fusion_pets.json").write_text(json.dumps(result, indent=2))
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"tracks per view: {tracks_per_view}; gt rows scored (in {REFERENCE}'s view): {len(gt)}")
    print("| run | MOTA | IDF1 | IDSW | recall | precision | ids / people | median error m |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in runs.items():
        print(f"| {name} | {r['mota']:.3f} | {r['idf1']:.3f} | {r['id_switches']} | {r['recall']:.3f} | "
              f"{r['precision']:.3f} | {r['ids']} / {r['people']} | {r['median_error_m']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
