"""The anonymiser scored on the hand-checked head set (tests/data/heads): no regression allowed.

Figures measured on 2026-12-07 (`bench/bench_anonymise.py`, docs/benchmarks.md); the floors below
leave one head and a few tenths of a percent of slack for numeric noise between machines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from storelens.calibrate import CHECK_PRIVACY_FRAMES
from storelens.detect import make_detector
from storelens.eval.heads import CLIP_VIDEOS, read_head_set, score_frame, summarise
from storelens.outputs import VIDEO_PRIVACY_WINDOW
from storelens.render import Anonymiser
from storelens.sources import open_source

pytestmark = pytest.mark.integration

HEAD_SET = Path(__file__).resolve().parents[1] / "data" / "heads" / "heads.csv"
# (covered at least, outside mean at most, outside max at most), as shares.
FLOORS = {
    "video": (0.99, 0.030, 0.12),
    "check image": (0.965, 0.027, 0.095),
}


def mask_of(regions: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    mask = np.zeros(shape, bool)
    for x1, y1, x2, y2 in regions.tolist():
        mask[y1:y2, x1:x2] = True
    return mask


@pytest.fixture(scope="module")
def scores(shared_data):
    anonymiser = Anonymiser(make_detector())
    offsets = {
        "video": range(-VIDEO_PRIVACY_WINDOW, VIDEO_PRIVACY_WINDOW + 1),
        "check image": range(CHECK_PRIVACY_FRAMES + 1),
    }
    reach = range(min(min(o) for o in offsets.values()), max(max(o) for o in offsets.values()) + 1)
    results = {name: ([], []) for name in offsets}
    frames = read_head_set(HEAD_SET)
    for clip, video in CLIP_VIDEOS.items():
        wanted = {f.frame + o: None for f in frames if f.clip == clip for o in reach}
        regions = {}
        with open_source(shared_data / video) as source:
            for frame in source:
                if frame.index in wanted:
                    regions[frame.index] = anonymiser.regions(frame)
                    shape = frame.image.shape[:2]
                if frame.index >= max(wanted):
                    break
        for head_frame in (f for f in frames if f.clip == clip):
            for name, near in offsets.items():
                indices = [head_frame.frame + o for o in near]
                merged = np.concatenate([regions[i] for i in indices if i in regions])
                coverage, outside = score_frame(mask_of(merged, shape), head_frame.xyxy_px)
                results[name][0].append(coverage)
                results[name][1].append(outside)
    return {name: summarise(*values) for name, values in results.items()}


@pytest.mark.parametrize("path", sorted(FLOORS))
def test_heads_stay_hidden_and_little_else_is(scores, path):
    covered, outside_mean, outside_max = FLOORS[path]
    score = scores[path]
    assert score.heads >= 200
    assert score.covered >= covered, f"{path}: {score}"
    assert score.outside_mean <= outside_mean, f"{path}: {score}"
    assert score.outside_max <= outside_max, f"{path}: {score}"
