"""What each part of the tracker is worth: PETS09-S2L1 and TUD-Campus, same detections.

Starts from a plain two-stage (ByteTrack-like) core with every storelens addition switched off
through its setting, then switches the additions back on one step at a time, in the order they
were built; the last row is the shipped default. Detections come from the bundled detector,
cached by ``bench/bench_tracking.py`` in ``--work``.

Usage:
    scripts/bench bench/ablation_tracker.py [--work bench/out]
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tracking import CLIPS, DATA, GT_MIN_CONF  # noqa: E402
from detection_cache import detect_clip  # noqa: E402

from storelens.detect.replay import ReplayDetector  # noqa: E402
from storelens.eval import read_mot, score_boxes  # noqa: E402
from storelens.pipeline import PipelineSettings, track_source  # noqa: E402
from storelens.sources import open_source  # noqa: E402
from storelens.track.smooth import SmootherConfig  # noqa: E402

DEFAULT = PipelineSettings()
NO_SMOOTHING = SmootherConfig(position_window_s=0.0, size_window_s=0.0)

# Each step: (label, tracker fields, smoother) applied on top of the shipped defaults.
CORE = dict(
    appearance_weight=0.0, max_appearance_distance=1.0, link_max_appearance_distance=1.0,
    confirm_hits=2, low_match_iou=0.4, appearance_clear_iou=1.0, max_lost_s=30.0,
    duplicate_iou=1.01, appearance_momentum=0.8,
)
STEPS = [
    ("two-stage core, Kalman, lost-track recovery and linking, finaliser", CORE, NO_SMOOTHING),
    ("+ clothes colours in association and recovery",
     {**CORE, "appearance_weight": 0.5, "max_appearance_distance": 0.45, "link_max_appearance_distance": 0.5},
     NO_SMOOTHING),
    ("+ confirm after 3 hits, low-score IoU 0.6, colour weight 2.5",
     {k: v for k, v in CORE.items() if k in ("appearance_clear_iou", "max_lost_s", "duplicate_iou",
                                             "appearance_momentum")}, NO_SMOOTHING),
    ("+ box smoother", {"appearance_clear_iou": 1.0, "max_lost_s": 30.0, "duplicate_iou": 1.01,
                        "appearance_momentum": 0.8}, None),
    ("+ colours learnt from clear views only", {"max_lost_s": 30.0, "duplicate_iou": 1.01,
                                               "appearance_momentum": 0.8}, None),
    ("+ lost-track wait 8 s instead of 30 s", {"duplicate_iou": 1.01, "appearance_momentum": 0.8}, None),
    ("+ no track from a duplicate box, slower colour update (shipped)", {}, None),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=Path("bench/out"))
    args = parser.parse_args(argv)
    print("| step | " + " | ".join(f"{c} MOTA | IDF1 | IDSW" for c in CLIPS) + " |")
    print("|---|" + "---|---|---|" * len(CLIPS))
    for label, fields, smoother in STEPS:
        settings = PipelineSettings(
            tracker=replace(DEFAULT.tracker, **fields), smoother=smoother or DEFAULT.smoother
        )
        cells = []
        for clip, (video_rel, gt_rel, fps) in CLIPS.items():
            video = DATA / video_rel
            dets = detect_clip(video, fps, args.work / f"{clip}_dets.txt")
            with open_source(video, fps=fps) as source:
                tracks = track_source(source, ReplayDetector(dets), settings).to_mot()
            s = score_boxes(read_mot(DATA / gt_rel, min_conf=GT_MIN_CONF), tracks)
            cells.append(f"{s.mota:.3f} | {s.idf1:.3f} | {s.id_switches}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
