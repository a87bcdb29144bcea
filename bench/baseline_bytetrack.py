"""ByteTrack baseline: roboflow ``trackers`` ByteTrack, default settings, scored with storelens' metrics.

A tracker is only as good as its detections, so storelens' tracking is judged against a well-known
tracker fed the SAME detections: the MOT15 public detections here, or our own detector's output (written
in MOT det format) from other bench scripts via :func:`run_bytetrack`. Needs the ``bench`` extra
(``trackers==2.6.1``, in ``requirements/bench-lock.txt``: run it with ``scripts/bench``).

Usage::

    python bench/baseline_bytetrack.py --dets ../shared/data/PETS09-S2L1/public_det.txt \\
        --gt ../shared/data/PETS09-S2L1/gt/gt.txt --frame-rate 7 [--out tracks.txt]

Prints one JSON object (scores and settings), then a one-line summary.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import version

import numpy as np
import supervision as sv
from trackers import ByteTrackTracker

from storelens.errors import StorelensError
from storelens.eval import MotTable, read_mot, score_boxes, write_mot
from storelens.types import PERSON_CLASS_ID, Detections

GT_MIN_CONF = 1.0
"""Ground-truth rows with a lower conf are ignored boxes (MOTChallenge convention, as motmetrics' eval)."""


def detections_by_frame(dets: MotTable) -> dict[int, Detections]:
    """Split a MOT det table (``frame,-1,left,top,w,h,score,...``) into per-frame person Detections.

    Keys are the MOT frame numbers (1-based); frames without a box are absent.
    """
    out: dict[int, Detections] = {}
    epoch = datetime.fromtimestamp(0, tz=UTC)
    for frame in np.unique(dets.frame).tolist():
        rows = dets.select(dets.frame == frame)
        out[frame] = Detections(
            camera_id="",
            frame_index=frame,
            ts=epoch,
            xyxy_px=rows.xyxy,
            confidence=rows.conf,
            class_id=np.full(len(rows), PERSON_CLASS_ID),
        )
    return out


def run_bytetrack(dets_by_frame: Mapping[int, Detections], frame_rate: float) -> MotTable:
    """Track boxes with ByteTrack's default settings, one ``update`` per frame including empty ones.

    Args:
        dets_by_frame: Boxes of each frame, keyed by the frame number the tracks should carry (MOT files
            count from 1). Every frame from the smallest to the largest key is fed, so gaps age tracks.
        frame_rate: Frames per second of the sequence; ByteTrack scales its lost-track buffer by it.

    Returns:
        Confirmed tracks (ByteTrack's tracker_id >= 0) with the detection's box and score, in frame order.
    """
    tracker = ByteTrackTracker(frame_rate=frame_rate)
    frames: list[np.ndarray] = []
    ids: list[np.ndarray] = []
    xyxy: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for frame in range(min(dets_by_frame, default=1), max(dets_by_frame, default=0) + 1):
        det = dets_by_frame.get(frame)
        if det is None or len(det) == 0:
            sv_det = sv.Detections.empty()
        else:
            sv_det = sv.Detections(xyxy=det.xyxy_px, confidence=det.confidence, class_id=det.class_id)
        tracked = tracker.update(sv_det)
        track_id = np.asarray(tracked.tracker_id, dtype=np.int64)
        confirmed = track_id >= 0
        frames.append(np.full(np.count_nonzero(confirmed), frame))
        ids.append(track_id[confirmed])
        xyxy.append(np.asarray(tracked.xyxy, dtype=np.float64).reshape(-1, 4)[confirmed])
        scores.append(np.asarray(tracked.confidence, dtype=np.float64)[confirmed])
    if not frames:
        return MotTable.empty()
    corners = np.concatenate(xyxy)
    return MotTable(
        frame=np.concatenate(frames),
        track_id=np.concatenate(ids),
        xywh=np.concatenate([corners[:, :2], corners[:, 2:] - corners[:, :2]], axis=1),
        conf=np.concatenate(scores),
        world_xy=np.full((len(corners), 2), np.nan),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dets", required=True, help="detections in MOT det format")
    parser.add_argument("--gt", required=True, help="ground truth in MOT15 format")
    parser.add_argument("--frame-rate", type=float, required=True, help="sequence fps (PETS09 7, TUD-Campus 25)")
    parser.add_argument("--out", help="write the tracks here in MOT15 format")
    args = parser.parse_args(argv)
    try:
        dets = read_mot(args.dets)
        gt = read_mot(args.gt, min_conf=GT_MIN_CONF)
        tracks = run_bytetrack(detections_by_frame(dets), args.frame_rate)
        if args.out:
            write_mot(args.out, tracks)
    except StorelensError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    score = score_boxes(gt, tracks)
    report = {
        "tracker": f"trackers {version('trackers')} ByteTrackTracker (defaults)",
        "frame_rate": args.frame_rate,
        "dets": args.dets,
        "gt": args.gt,
        "gt_min_conf": GT_MIN_CONF,
        **score.to_dict(),
    }
    print(json.dumps(report, indent=2))
    print(
        f"ByteTrack on {args.dets}: MOTA {score.mota:.3f}  IDF1 {score.idf1:.3f}  IDSW {score.id_switches}  "
        f"FP {score.num_false_positives}  FN {score.num_misses}  MT {score.mostly_tracked}/{score.num_unique_gt}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
