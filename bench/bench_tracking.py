"""Tracking accuracy, storelens vs ByteTrack on identical detections, on the shared real clips.

For each clip the bundled detector runs once (its boxes are cached as a MOT det file in
``--work``); then storelens' tracker and roboflow ``trackers`` 2.6.1 ByteTrack (default settings)
track exactly those boxes and are scored with the same metrics (IoU 0.5, ground-truth rows
flagged 0 ignored, as MOTChallenge's evaluator does). ByteTrack is given the boxes twice, all
boxes the detector returns (score >= 0.1) and only those with score >= 0.4; both runs are
reported, so it does not lose by being fed boxes it was not tuned for.

The one-by-one clip has no box ground truth: it reports the visitor tracks that last at least
3 s (the truth is 6 visits).

Usage (needs ``../shared/data``; ``scripts/bench`` installs the ByteTrack baseline from the bench lock):

    scripts/bench bench/bench_tracking.py [--work bench/out] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from baseline_bytetrack import detections_by_frame, run_bytetrack  # noqa: E402
from detection_cache import detect_clip  # noqa: E402

from storelens.detect.replay import ReplayDetector  # noqa: E402
from storelens.eval import MotTable, read_mot, score_boxes  # noqa: E402
from storelens.pipeline import track_source  # noqa: E402
from storelens.sources import open_source  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CLIPS = {
    "PETS09-S2L1": ("PETS09-S2L1/video.avi", "PETS09-S2L1/gt/gt.txt", 7.0),
    "TUD-Campus": ("TUD-Campus/video.mp4", "TUD-Campus/gt/gt.txt", 25.0),
}
ONE_BY_ONE = ("one-by-one/one-by-one-person-detection.mp4", 10.0)
BYTETRACK_INPUT_SCORES = (0.1, 0.4)
MIN_VISIT_S = 3.0
GT_MIN_CONF = 1.0


def track_with_storelens(video: Path, fps: float, dets: MotTable) -> MotTable:
    with open_source(video, fps=fps) as source:
        return track_source(source, ReplayDetector(dets)).to_mot()


def _bytetrack(dets: MotTable, min_score: float, fps: float) -> MotTable:
    return run_bytetrack(detections_by_frame(dets.select(dets.conf >= min_score)), fps)


def score_row(name: str, gt: MotTable, tracks: MotTable) -> dict[str, object]:
    s = score_boxes(gt, tracks)
    return {
        "tracker": name,
        "mota": round(s.mota, 3),
        "idf1": round(s.idf1, 3),
        "id_switches": s.id_switches,
        "recall": round(s.recall, 3),
        "precision": round(s.precision, 3),
        "tracks": s.num_unique_pred,
        "people": s.num_unique_gt,
    }


def visits(tracks: MotTable, fps: float) -> list[tuple[int, int]]:
    """(first, last) frame of each track lasting at least MIN_VISIT_S."""
    spans = []
    for tid in np.unique(tracks.track_id):
        f = tracks.frame[tracks.track_id == tid]
        if (f.max() - f.min()) / fps >= MIN_VISIT_S:
            spans.append((int(f.min()), int(f.max())))
    return sorted(spans)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("bench/out"), help="cache for detections")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not DATA.is_dir():
        print(f"evaluation data not found at {DATA}", file=sys.stderr)
        return 2
    results: dict[str, object] = {}
    for clip, (video_rel, gt_rel, fps) in CLIPS.items():
        video, gt = DATA / video_rel, read_mot(DATA / gt_rel, min_conf=GT_MIN_CONF)
        dets = detect_clip(video, fps, args.work / f"{clip}_dets.txt")
        rows = [score_row("storelens", gt, track_with_storelens(video, fps, dets))]
        byte_runs = [
            score_row(f"ByteTrack (boxes >= {m})", gt, _bytetrack(dets, m, fps))
            for m in BYTETRACK_INPUT_SCORES
        ]
        rows += byte_runs
        results[clip] = rows
    video_rel, fps = ONE_BY_ONE
    video = DATA / video_rel
    dets = detect_clip(video, fps, args.work / "one-by-one_dets.txt")
    spans = visits(track_with_storelens(video, fps, dets), fps)
    results["one-by-one"] = {"visits_of_3s_or_more": len(spans), "spans_frames": spans, "truth": 6}
    if args.json:
        print(json.dumps(results))
        return 0
    print("| clip | tracker | MOTA | IDF1 | ID switches | recall | precision | tracks / people |")
    print("|---|---|---|---|---|---|---|---|")
    for clip in CLIPS:
        for r in results[clip]:  # type: ignore[union-attr]
            print(
                f"| {clip} | {r['tracker']} | {r['mota']:.3f} | {r['idf1']:.3f} | {r['id_switches']} | "
                f"{r['recall']:.3f} | {r['precision']:.3f} | {r['tracks']} / {r['people']} |"
            )
    obo = results["one-by-one"]
    print(f"\none-by-one: {obo['visits_of_3s_or_more']} visitor tracks of >= 3 s (truth 6): {obo['spans_frames']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
