from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from scipy.special import expit

from storelens.sim.noise import (
    MEASURED_MIN_SCORE,
    DetectorNoise,
    close_pairs,
    id_keys,
    move_boxes,
    persistent_normals,
    score_from_quantile,
    stream_salt,
    uniforms,
)

LATENT = (np.array([1.0]), np.array([0.2]), np.array([0.6]))  # memory 1 s, static 20 %, drift 60 %


def _series(n_keys: int = 400, n_frames: int = 60, fps: float = 10.0, latent=LATENT) -> np.ndarray:
    """(n_frames, n_keys) latent normals of many keys over time."""
    keys = id_keys(np.arange(n_keys)[:, None], stream_salt(1, 2, 3))
    return np.stack([persistent_normals(keys, k / fps, k, *latent)[:, 0] for k in range(n_frames)])


def test_uniforms_are_uniform_and_depend_only_on_their_keys():
    keys = id_keys(np.arange(20000), 99)
    u = uniforms(keys, np.uint64(5))
    assert 0 < u.min() and u.max() < 1
    assert np.histogram(u, 10, (0, 1))[0].min() > 1800
    np.testing.assert_array_equal(u[123:130], uniforms(id_keys(np.arange(123, 130), 99), np.uint64(5)))
    assert not np.array_equal(u, uniforms(keys, np.uint64(6)))


def test_persistent_normals_are_standard_normal():
    z = _series()
    assert abs(z.mean()) < 0.05
    assert z.std() == pytest.approx(1.0, abs=0.05)


def test_persistent_normals_keep_their_static_share_and_forget_the_drift():
    z = _series(n_frames=200)

    def corr(lag: int) -> float:
        return float(np.corrcoef(z[:-lag].ravel(), z[lag:].ravel())[0, 1])

    assert corr(1) == pytest.approx(0.2 + 0.6 * np.exp(-0.1), abs=0.06)  # static + drift over 0.1 s
    assert corr(100) == pytest.approx(0.2, abs=0.05)  # 10 s on: only the static share is left


def test_persistent_normals_do_not_depend_on_what_else_is_drawn():
    keys = id_keys(np.arange(10)[:, None], 7)
    alone = persistent_normals(keys[3:4], 2.5, 25, *LATENT)
    together = persistent_normals(keys, 2.5, 25, *LATENT)
    assert alone[0, 0] == pytest.approx(together[3, 0], rel=1e-12)  # to rounding of the sum


def test_scores_follow_the_residual_quantiles_above_the_minimum_score():
    residuals = (-4.0, -1.0, 0.0, 1.0, 2.0)  # at probabilities 0, 1/4, ..., 1
    q = np.linspace(0.001, 0.999, 500)
    s = score_from_quantile(np.full_like(q, 0.5), residuals, q)
    assert s.min() >= MEASURED_MIN_SCORE and s.max() < expit(2.5)
    assert np.all(np.diff(s) > 0)
    # a mean far above the minimum: q maps straight onto the quantiles
    assert score_from_quantile(np.array([3.0]), residuals, np.array([0.5]))[0] == pytest.approx(expit(3.0))
    assert score_from_quantile(np.array([3.0]), (0.0, 0.0), np.array([0.3]))[0] == expit(3.0)


def test_detection_is_likelier_for_taller_and_less_hidden_people():
    noise = DetectorNoise()
    p = noise.detect_probability(np.array([0.1, 0.2, 0.4, 0.2]), np.array([1.0, 1.0, 1.0, 0.3]))
    assert p[0] < p[1] < p[2] and p[3] < p[1]
    assert noise.score_logit_mean(np.array([0.2]), np.array([0.3])) < noise.score_logit_mean(
        np.array([0.2]), np.array([1.0])
    )


def test_perfect_noise_detects_everyone_with_score_one():
    noise = DetectorNoise.perfect()
    assert noise.detect_probability(np.array([0.01]), np.array([0.0]))[0] == 1.0
    mean = noise.score_logit_mean(np.array([0.3]), np.array([0.5]))
    assert score_from_quantile(mean, noise.score_residual_quantiles, np.array([0.2]))[0] == 1.0


@pytest.mark.parametrize(
    "change",
    [
        {"strength_memory_s": 0.0},
        {"box_static": 0.6, "box_drift": 0.6},
        {"clutter_rate": -1.0},
        {"spots": -1},
        {"score_residual_quantiles": (1.0, 0.0)},
    ],
)
def test_impossible_parameters_are_refused(change):
    with pytest.raises(ValueError, match="DetectorNoise"):
        dataclasses.replace(DetectorNoise(), **change)


def test_zero_box_error_leaves_boxes_exactly_alone():
    boxes = np.array([[10.3, 20.1, 40.7, 100.9], [0.0, 0.0, 5.0, 9.0]])
    np.testing.assert_array_equal(move_boxes(boxes, np.zeros((2, 4))), boxes)
    moved = move_boxes(boxes[:1], np.array([[0.1, 0.0, -0.1, np.log(2.0)]]))
    h, w = 80.8, 30.4
    np.testing.assert_allclose(moved[0], [10.3 + 0.1 * h - w / 2, 20.1, 40.7 + 0.1 * h + w / 2, 100.9 - 0.1 * h])


def test_close_pairs_are_side_by_side_not_one_behind_the_other():
    boxes = np.array(
        [
            [0, 100, 40, 200],  # 0
            [45, 100, 85, 200],  # 1: beside 0, small gap
            [200, 100, 240, 200],  # 2: far from everyone
            [10, 20, 30, 80],  # 3: above 0 (farther away), no vertical overlap
        ],
        dtype=float,
    )
    i, j = close_pairs(boxes)
    assert list(zip(i.tolist(), j.tolist())) == [(0, 1)]
