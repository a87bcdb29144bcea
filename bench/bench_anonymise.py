"""Anonymisation on the hand-checked head set: heads hidden, scene hidden for nothing, and cost.

For every frame of ``tests/data/heads/heads.csv`` the regions each method would hide are scored
against the head boxes: share of heads >= 95 % covered, and area hidden outside every head as a
share of the frame (mean over frames, and the worst frame). Methods:

- ``before``: the rule shipped until 2026-12-07 (the top 22 % of each box the detector returns,
  its full width plus 15 % margins), kept here only to measure it;
- ``box rule``: today's head regions from the detector's boxes of the frame alone, no pose;
- ``check image``: :class:`storelens.render.Anonymiser` (people found on the whole frame and on
  tiles, heads placed by the pose model) on the frame and the next one, as `calibrate`'s check
  image and the API's check.png hide them;
- ``video``: the same merged over the frame and the ``--window`` frames on each side, as the
  annotated video of `storelens track -o` hides them (the run's own boxes, added there, are not);
- ``silhouette``: whole person boxes of the frame alone.

Cost: ms per frame of each stage of the Anonymiser (find people, place heads, pixelate), median
over each clip's frames of the set.
Heads hidden by mistake in the video are shown in ``--artifacts`` (each head of the set in green).

    scripts/bench bench/bench_anonymise.py [--window 2] [--json] [--artifacts DIR]
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

import cv2
import numpy as np

from storelens.calibrate import CHECK_PRIVACY_FRAMES
from storelens.detect import make_detector
from storelens.eval.heads import CLIP_VIDEOS, HeadFrame, read_head_set, score_frame, summarise
from storelens.outputs import VIDEO_PRIVACY_WINDOW
from storelens.render import Anonymiser, head_regions_px, hide_regions
from storelens.render.anonymiser import find_people
from storelens.render.head_pose import HeadLocator
from storelens.types import Frame

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
HEAD_SET = ROOT / "tests" / "data" / "heads" / "heads.csv"
METHODS = ("before", "box rule", "check image", "video", "silhouette")
ZERO_TS = datetime.fromtimestamp(0, timezone.utc)


def before_regions(xyxy_px: np.ndarray, image_wh: tuple[int, int]) -> np.ndarray:
    """The pre-2026-12-07 rule: the top 22 % of each box, full width, enlarged 15 % on every side."""
    x1, y1, x2, y2 = np.asarray(xyxy_px, np.float32).reshape(-1, 4).T
    head_h = 0.22 * (y2 - y1)
    margin_x, margin_y = 0.15 * (x2 - x1), 0.15 * head_h
    regions = np.stack([np.floor(x1 - margin_x), np.floor(y1 - margin_y), np.ceil(x2 + margin_x),
                        np.ceil(y1 + head_h + margin_y)], axis=1)
    width, height = image_wh
    return np.clip(regions, 0, [width, height, width, height]).astype(np.int32)


def mask_of(regions: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, bool)
    for x1, y1, x2, y2 in np.asarray(regions).reshape(-1, 4).tolist():
        mask[y1:y2, x1:x2] = True
    return mask


def clip_frames(clip: str, indices: set[int]) -> dict[int, np.ndarray]:
    capture = cv2.VideoCapture(str(DATA / CLIP_VIDEOS[clip]))
    frames, index = {}, 0
    while index <= max(indices):
        ok, image = capture.read()
        if not ok:
            break
        if index in indices:
            frames[index] = image
        index += 1
    capture.release()
    return frames


def timed_regions(frame: Frame, detector: object, locator: HeadLocator, cost: dict[str, list[float]]) -> np.ndarray:
    """What :meth:`Anonymiser.regions` does for one frame, each stage timed into ``cost``."""
    start = time.perf_counter()
    people = find_people(detector, frame)
    found = time.perf_counter()
    heads = locator(frame.image, people)
    placed = time.perf_counter()
    regions = head_regions_px(people, frame.resolution_wh, heads)
    hide_regions(frame.image, regions)
    done = time.perf_counter()
    for stage, seconds in (("find", found - start), ("pose", placed - found), ("hide", done - placed),
                           ("total", done - start)):
        cost[stage].append(1000 * seconds)
    cost["boxes"].append(len(people))
    return regions


def method_regions(
    head_frame: HeadFrame, images: dict[int, np.ndarray], detector: object, anonymiser: Anonymiser,
    silhouettes: Anonymiser, window: int, cost: dict[str, list[float]],
) -> dict[str, np.ndarray]:
    """Regions of every method for one frame of the set (with its neighbours' for the windows)."""
    image = images[head_frame.frame]
    size = (image.shape[1], image.shape[0])
    frame = Frame(head_frame.clip, head_frame.frame, ZERO_TS, image)
    boxes = detector(frame).xyxy_px
    near = {0: timed_regions(frame, detector, anonymiser.locator, cost)}
    for offset in range(-window, max(window, CHECK_PRIVACY_FRAMES) + 1):
        index = head_frame.frame + offset
        if offset and index in images:
            near[offset] = anonymiser.regions(Frame(head_frame.clip, index, ZERO_TS, images[index]))
    return {
        "before": before_regions(boxes, size),
        "box rule": head_regions_px(boxes, size),
        "check image": np.concatenate([near[o] for o in range(CHECK_PRIVACY_FRAMES + 1) if o in near]),
        "video": np.concatenate([near[o] for o in range(-window, window + 1) if o in near]),
        "silhouette": silhouettes.regions(frame),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=int, default=VIDEO_PRIVACY_WINDOW, help="frames on each side for the video")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--artifacts", type=Path, help="write each frame as the video hides it here")
    args = parser.parse_args()
    detector = make_detector()
    anonymiser, silhouettes = Anonymiser(detector, locator=HeadLocator()), Anonymiser(detector, "silhouette")
    frames = read_head_set(HEAD_SET)
    results: dict[str, dict[str, tuple[list, list]]] = {m: {} for m in METHODS}
    cost: dict[str, dict[str, list[float]]] = {}
    for clip in CLIP_VIDEOS:
        mine = [f for f in frames if f.clip == clip]
        reach = max(args.window, CHECK_PRIVACY_FRAMES)
        wanted = {i for f in mine for i in range(f.frame - args.window, f.frame + reach + 1) if i >= 0}
        images = clip_frames(clip, wanted)
        clip_cost = cost.setdefault(clip, {k: [] for k in ("find", "pose", "hide", "total", "boxes")})
        for head_frame in mine:
            image = images[head_frame.frame]
            regions = method_regions(head_frame, images, detector, anonymiser, silhouettes, args.window, clip_cost)
            for method, r in regions.items():
                coverage, outside = score_frame(mask_of(r, image.shape[:2]), head_frame.xyxy_px)
                per_clip = results[method].setdefault(clip, ([], []))
                per_clip[0].append(coverage)
                per_clip[1].append(outside)
            if args.artifacts:
                shown = anonymiser.hide(image, regions["video"])
                for x1, y1, x2, y2 in head_frame.xyxy_px.tolist():
                    cv2.rectangle(shown, (x1, y1), (x2, y2), (0, 255, 0), 1)
                args.artifacts.mkdir(parents=True, exist_ok=True)
                cv2.imwrite(str(args.artifacts / f"{clip}_{head_frame.frame:04d}.png"), shown)
    table: dict[str, object] = {}
    for method, clips in results.items():
        rows = {clip: summarise(*values) for clip, values in clips.items()}
        rows["all"] = summarise(
            [c for values in clips.values() for c in values[0]], [o for values in clips.values() for o in values[1]]
        )
        table[method] = {clip: asdict(score) for clip, score in rows.items()}
    table["cost_ms_median"] = {clip: {k: float(np.median(v)) for k, v in c.items()} for clip, c in cost.items()}
    table["window"] = args.window
    if args.json:
        print(json.dumps(table, indent=2))
        return
    print("| method | clip | heads | >= 95 % covered | hidden outside heads, mean | max |")
    print("|---|---|---|---|---|---|")
    for method in METHODS:
        for clip, s in table[method].items():
            print(f"| {method} | {clip} | {s['heads']} | {100 * s['covered']:.1f} % | "
                  f"{100 * s['outside_mean']:.2f} % | {100 * s['outside_max']:.1f} % |")
    print("\n| clip | boxes | find people (frame + tiles) | place heads | pixelate | total, ms/frame |")
    print("|---|---|---|---|---|---|")
    for clip, c in table["cost_ms_median"].items():
        print(f"| {clip} | {c['boxes']:.0f} | {c['find']:.0f} | {c['pose']:.0f} | {c['hide']:.1f} | {c['total']:.0f} |")


if __name__ == "__main__":
    main()
