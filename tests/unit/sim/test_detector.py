from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from scipy.optimize import linear_sum_assignment
from scipy.special import logit

from storelens.detect import Detector
from storelens.sim.camera_mounts import CameraMount, mount_camera
from storelens.sim.detector import SimDetector
from storelens.sim.model import PeopleFrame
from storelens.sim.noise import LOGIT_MIN_SCORE, DetectorNoise
from storelens.track.association import iou_matrix
from storelens.types import Frame

START = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
FPS = 10.0
PEOPLE_ONLY = dataclasses.replace(DetectorNoise(), part_rate=0.0, group_rate=0.0, clutter_rate=0.0, spots=0)
"""The measured model without extra boxes, so people's recall can be compared with the model's."""


class RowLog:
    """Ten people in a row 6 m in front of the cameras, a metre apart (nobody hides anybody).

    ``fresh`` gives every person a new id each frame, making all draws independent.
    """

    fps = FPS

    def __init__(self, fresh: bool = False, n: int = 10) -> None:
        self.fresh, self.n, self.asked = fresh, n, []

    def frame(self, k: int) -> PeopleFrame:
        self.asked.append(k)
        x = np.arange(self.n) - (self.n - 1) / 2 + 0.02 * np.sin(0.3 * k)
        return PeopleFrame(
            index=k,
            t_s=k / FPS,
            person_id=np.arange(self.n) + (k * self.n if self.fresh else 0),
            xy_m=np.stack([x, np.full(self.n, 6.0)], axis=1),
            height_m=np.full(self.n, 1.7),
            width_m=np.full(self.n, 0.5),
        )


def _camera(camera_id: str = "cam", fps: float = FPS):
    return mount_camera(CameraMount(camera_id, (0.0, 0.0, 3.0), 90.0, 25.0, 100.0), fps)


def _frame(k: int, camera_id: str = "cam") -> Frame:
    image = np.broadcast_to(np.zeros((1, 1, 3), np.uint8), (720, 1280, 3))
    return Frame(camera_id, k, START + timedelta(seconds=k / FPS), image)


def _matched(dets, truth: np.ndarray, min_iou: float) -> tuple[np.ndarray, np.ndarray]:
    """(detection rows, truth rows) matched one to one at IoU >= min_iou."""
    iou = iou_matrix(dets.xyxy_px, truth) if len(dets) and len(truth) else np.zeros((len(dets), len(truth)))
    r, c = linear_sum_assignment(-iou)
    ok = iou[r, c] >= min_iou
    return r[ok], c[ok]


def test_it_is_a_detector():
    assert isinstance(SimDetector(RowLog(), {"cam": _camera()}), Detector)


def test_perfect_noise_returns_exactly_the_true_boxes():
    det = SimDetector(RowLog(), {"cam": _camera()}, DetectorNoise.perfect())
    for k in (0, 7):
        dets, view = det(_frame(k)), det.true_boxes(_frame(k))
        assert len(view) == 10
        np.testing.assert_array_equal(dets.xyxy_px, view.xyxy_px.astype(np.float32))
        np.testing.assert_array_equal(dets.confidence, 1.0)
        assert dets.camera_id == "cam" and dets.frame_index == k and dets.ts == _frame(k).ts


def test_recall_and_scores_match_the_model():
    det = SimDetector(RowLog(fresh=True), {"cam": _camera()}, PEOPLE_ONLY, seed=3)
    found = strong = total = 0
    for k in range(300):
        dets, view = det(_frame(k)), det.true_boxes(_frame(k))
        r, _ = _matched(dets, view.xyxy_px, 0.3)
        found += len(r)
        strong += int((dets.confidence[r] >= 0.4).sum())
        total += len(view)
    view = det.true_boxes(_frame(0))
    rel_h = (view.xyxy_px[:, 3] - view.xyxy_px[:, 1]) / 720
    p = PEOPLE_ONLY.detect_probability(rel_h, view.visible)
    mean, residuals = PEOPLE_ONLY.score_logit_mean(rel_h, view.visible), PEOPLE_ONLY.score_residual_quantiles
    probs = np.linspace(0, 1, len(residuals))
    low, at_04 = (np.interp(v - mean, residuals, probs) for v in (LOGIT_MIN_SCORE, logit(0.4)))
    above = (1 - at_04) / (1 - low)
    assert found / total == pytest.approx(p.mean(), abs=0.02)
    assert strong / total == pytest.approx((p * above).mean(), abs=0.03)


def test_misses_come_in_runs():
    # p = 0.5 for everyone, and no per-person constant, so ten people give a steady miss rate
    noise = dataclasses.replace(
        PEOPLE_ONLY, detect_logit=0.0, detect_logit_per_log_height=0.0, strength_static=0.0, strength_drift=0.9
    )
    det = SimDetector(RowLog(), {"cam": _camera()}, noise, seed=1)
    hits = []
    for k in range(200):
        dets, view = det(_frame(k)), det.true_boxes(_frame(k))
        _, c = _matched(dets, view.xyxy_px, 0.3)
        hits.append(np.isin(np.arange(len(view)), c))
    missed = ~np.array(hits)
    assert missed.mean() == pytest.approx(0.5, abs=0.1)
    assert missed[1:][missed[:-1]].mean() > 0.65  # 0.5 + arcsin(0.9 exp(-0.1 / 0.25)) / pi = 0.70
    assert missed[1:][~missed[:-1]].mean() < 0.35


def test_false_boxes_score_lower_than_true_ones():
    det = SimDetector(RowLog(), {"cam": _camera()}, seed=2)
    true_scores, false_scores = [], []
    for k in range(200):
        dets, view = det(_frame(k)), det.true_boxes(_frame(k))
        r, _ = _matched(dets, view.xyxy_px, 0.5)
        true_scores.append(dets.confidence[r])
        false_scores.append(np.delete(dets.confidence, r))
    true_s, false_s = np.concatenate(true_scores), np.concatenate(false_scores)
    assert len(false_s) > 200
    assert false_s.mean() < true_s.mean() - 0.25


def test_same_seed_same_boxes_in_any_order_and_camera_interleaving():
    cams = {"a": _camera("a"), "b": _camera("b")}
    one, two = SimDetector(RowLog(), cams, seed=5), SimDetector(RowLog(), cams, seed=5)
    forward = {(c, k): one(_frame(k, c)) for k in range(30) for c in ("a", "b")}
    backward = {(c, k): two(_frame(k, c)) for c in ("b", "a") for k in reversed(range(30))}
    for key, dets in forward.items():
        np.testing.assert_array_equal(dets.xyxy_px, backward[key].xyxy_px)
        np.testing.assert_array_equal(dets.confidence, backward[key].confidence)
        np.testing.assert_array_equal(dets.appearance, backward[key].appearance)
    other = SimDetector(RowLog(), cams, seed=6)(_frame(3, "a"))
    assert not np.array_equal(other.confidence, forward[("a", 3)].confidence)
    assert not np.array_equal(other.appearance[:3], forward[("a", 3)].appearance[:3])
    assert not np.array_equal(forward[("a", 3)].confidence, forward[("b", 3)].confidence)


def test_boxes_stay_in_the_image_and_above_min_score_even_with_nobody_there():
    det = SimDetector(RowLog(n=0), {"cam": _camera()}, seed=4, min_score=0.2)
    dets = [det(_frame(k)) for k in range(100)]
    boxes = np.concatenate([d.xyxy_px for d in dets])
    scores = np.concatenate([d.confidence for d in dets])
    assert len(boxes) > 20  # clutter and its fixed spots
    assert scores.min() >= 0.2
    assert boxes.min() >= 0 and boxes[:, [0, 2]].max() <= 1280 and boxes[:, [1, 3]].max() <= 720
    assert np.all(boxes[:, 2] > boxes[:, 0]) and np.all(boxes[:, 3] > boxes[:, 1])


def test_a_slower_camera_reads_the_simulation_frame_at_the_same_time():
    log = RowLog()
    det = SimDetector(log, {"cam": _camera(fps=FPS / 2)})
    det(_frame(3))
    assert log.asked == [6]


def test_an_unknown_camera_is_named():
    with pytest.raises(KeyError, match="nope"):
        SimDetector(RowLog(), {"cam": _camera()})(_frame(0, "nope"))
