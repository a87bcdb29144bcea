"""Anonymisation on the hand-checked head set: heads hidden, scene hidden for nothing, and cost.

For every frame of ``tests/data/heads/heads.csv`` the bundled detector runs on the frame alone
(every box it returns, score >= 0.1: what the `calibrate` check image and the API's check.png
see; the annotated video adds the tracker's boxes to these), and the regions the anonymiser
would pixelate are scored against the head boxes: share of heads >= 95 % covered, and area
pixelated outside every head as a share of the frame (mean over frames, and the worst frame).

``before`` is the rule shipped until 2026-12-07 (the top 22 % of each box, its full width plus
15 % margins), kept here only to measure it; ``heads`` and ``silhouette`` are the current modes.
Cost: ms per frame of :func:`storelens.render.anonymise` on the set's frames (median).

    scripts/bench bench/bench_anonymise.py [--json] [--artifacts DIR]
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

from storelens.detect import make_detector
from storelens.eval.heads import read_head_set, score_frame, set_images, summarise
from storelens.render import anonymise, privacy_regions_px
from storelens.types import Frame

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
HEAD_SET = ROOT / "tests" / "data" / "heads" / "heads.csv"
METHODS = ("before", "heads", "silhouette")


def before_regions(xyxy_px: np.ndarray, image_wh: tuple[int, int]) -> np.ndarray:
    """The pre-2026-12-07 rule: the top 22 % of each box, full width, enlarged 15 % on every side."""
    x1, y1, x2, y2 = np.asarray(xyxy_px, np.float32).reshape(-1, 4).T
    head_h = 0.22 * (y2 - y1)
    margin_x, margin_y = 0.15 * (x2 - x1), 0.15 * head_h
    regions = np.stack([np.floor(x1 - margin_x), np.floor(y1 - margin_y), np.ceil(x2 + margin_x),
                        np.ceil(y1 + head_h + margin_y)], axis=1)
    width, height = image_wh
    return np.clip(regions, 0, [width, height, width, height]).astype(np.int32)


def regions_for(method: str, xyxy_px: np.ndarray, image_wh: tuple[int, int]) -> np.ndarray:
    if method == "before":
        return before_regions(xyxy_px, image_wh)
    return privacy_regions_px(xyxy_px, image_wh, method)


def mask_of(regions: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, bool)
    for x1, y1, x2, y2 in regions.tolist():
        mask[y1:y2, x1:x2] = True
    return mask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--artifacts", type=Path, help="write each frame anonymised (heads mode) here, boxes drawn")
    args = parser.parse_args()
    detector = make_detector()
    frames = read_head_set(HEAD_SET)
    results: dict[str, dict[str, tuple[list, list]]] = {m: {} for m in METHODS}
    cost_ms: list[float] = []
    for head_frame, image in set_images(DATA, frames):
        height, width = image.shape[:2]
        people = detector(Frame(head_frame.clip, head_frame.frame, datetime.now(timezone.utc), image)).xyxy_px
        for method in METHODS:
            coverage, outside = score_frame(
                mask_of(regions_for(method, people, (width, height)), (height, width)), head_frame.xyxy_px
            )
            per_clip = results[method].setdefault(head_frame.clip, ([], []))
            per_clip[0].append(coverage)
            per_clip[1].append(outside)
        start = time.perf_counter()
        shown = anonymise(image, people)
        cost_ms.append((time.perf_counter() - start) * 1000)
        if args.artifacts:
            for x1, y1, x2, y2 in head_frame.xyxy_px.tolist():
                cv2.rectangle(shown, (x1, y1), (x2, y2), (0, 255, 0), 1)
            args.artifacts.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(args.artifacts / f"{head_frame.clip}_{head_frame.frame:04d}.png"), shown)
    table = {}
    for method, clips in results.items():
        rows = {clip: summarise(*values) for clip, values in clips.items()}
        rows["all"] = summarise(
            [c for values in clips.values() for c in values[0]], [o for values in clips.values() for o in values[1]]
        )
        table[method] = {clip: asdict(score) for clip, score in rows.items()}
    table["cost_ms_median"] = float(np.median(cost_ms))
    if args.json:
        print(json.dumps(table, indent=2))
        return
    print("| method | clip | heads | >= 95 % covered | outside heads, mean | max |")
    print("|---|---|---|---|---|---|")
    for method in METHODS:
        for clip, s in table[method].items():
            print(f"| {method} | {clip} | {s['heads']} | {100 * s['covered']:.1f} % | "
                  f"{100 * s['outside_mean']:.2f} % | {100 * s['outside_max']:.1f} % |")
    print(f"anonymise (heads): {table['cost_ms_median']:.2f} ms/frame (median)")


if __name__ == "__main__":
    main()
