from __future__ import annotations

import numpy as np
import pytest
from test_detector import RowLog, _camera, _frame

from storelens.sim.appearance import LOOK_TERMS, AppearanceModel, BoxSources, SimAppearance
from storelens.sim.camera_view import CameraView
from storelens.sim.detector import SimDetector
from storelens.sim.noise import DetectorNoise
from storelens.track.appearance import APPEARANCE_DIM, BODY_PARTS, appearance_distance


def _same_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.diag(appearance_distance(a, b))


def _perfect(cams: dict, seed: int = 0) -> SimDetector:
    return SimDetector(RowLog(), cams, DetectorNoise.perfect(), seed=seed)


def test_descriptors_are_normalised_histograms_for_every_box():
    det = SimDetector(RowLog(), {"cam": _camera()}, seed=1)
    for k in range(20):
        dets = det(_frame(k))
        app = dets.appearance
        assert app.dtype == np.float32 and app.shape == (len(dets), APPEARANCE_DIM)
        assert app.min() >= 0
        np.testing.assert_allclose(app.reshape(len(dets), len(BODY_PARTS), -1).sum(axis=2), 1.0, atol=1e-5)
    empty = SimDetector(RowLog(n=0), {"cam": _camera()}, seed=1)
    assert all(d.appearance.shape == (len(d), APPEARANCE_DIM) for d in map(empty, map(_frame, range(20))))


def test_a_persons_clothes_do_not_depend_on_who_was_seen_first():
    model, view = AppearanceModel(), _row_view(np.arange(5))
    fresh, used = SimAppearance(model, 3, ["cam"]), SimAppearance(model, 3, ["cam"])
    used.describe("cam", _row_view(np.arange(40, 50)), np.zeros((10, LOOK_TERMS)), _people(10), _boxes(10), 0)
    look, sources, boxes = np.zeros((5, LOOK_TERMS)), _people(5), _boxes(5)
    np.testing.assert_array_equal(
        fresh.describe("cam", view, look, sources, boxes, 7), used.describe("cam", view, look, sources, boxes, 7)
    )


def test_same_person_is_closer_than_different_people():
    det = _perfect({"cam": _camera()})
    apps = np.stack([det(_frame(k)).appearance for k in range(30)])  # (frames, people, 96)
    same = np.mean([_same_rows(apps[k], apps[k + 1]).mean() for k in range(29)])
    d = appearance_distance(apps[0], apps[0])
    different = d[~np.eye(len(d), dtype=bool)].mean()
    assert same < different - 0.2


def test_another_camera_sees_a_person_less_alike_than_the_same_camera_a_moment_later():
    det = _perfect({"a": _camera("a"), "b": _camera("b")}, seed=2)
    same, cross = [], []
    for k in range(30):
        a, b, a_next = det(_frame(k, "a")), det(_frame(k, "b")), det(_frame(k + 1, "a"))
        same.append(_same_rows(a.appearance, a_next.appearance))
        cross.append(_same_rows(a.appearance, b.appearance))
    assert np.mean(cross) > np.mean(same) + 0.05


def test_an_occluded_person_looks_less_like_themselves():
    sim = SimAppearance(AppearanceModel(), 0, ["cam"])
    clear = _row_view(np.arange(2))
    hidden = CameraView(
        clear.person_id,
        np.array([[100.0, 100.0, 140.0, 200.0], [110.0, 90.0, 150.0, 190.0]]),  # person 0 behind person 1
        np.array([0.4, 1.0]),
        np.array([8.0, 6.0]),
    )
    look, sources, boxes = np.zeros((2, LOOK_TERMS)), _people(2), _boxes(2)
    base = np.concatenate([sim.describe("cam", clear, look, sources, boxes, k) for k in range(50)])[::2]
    seen_clear = np.concatenate([sim.describe("cam", clear, look, sources, boxes, k) for k in range(50, 100)])[::2]
    seen_hidden = np.concatenate([sim.describe("cam", hidden, look, sources, boxes, k) for k in range(50, 100)])[::2]
    assert _same_rows(base, seen_hidden).mean() > _same_rows(base, seen_clear).mean() + 0.05


@pytest.mark.parametrize("kind", ["part", "group", "clutter"])
def test_extra_boxes_look_like_whom_they_show(kind):
    sim = SimAppearance(AppearanceModel(), 0, ["cam"])
    view, look = _row_view(np.arange(2)), np.zeros((2, LOOK_TERMS))
    extra = {
        "part": BoxSources(np.arange(2), np.array([0]), np.zeros((0, 2), int), 0),
        "group": BoxSources(np.arange(2), np.zeros(0, int), np.array([[0, 1]]), 0),
        "clutter": BoxSources(np.arange(2), np.zeros(0, int), np.zeros((0, 2), int), 1),
    }[kind]
    d = np.mean([_self_distances(sim.describe("cam", view, look, extra, _boxes(3), k))[2] for k in range(20)], axis=0)
    if kind == "part":
        assert d[0] < d[1]
    elif kind == "group":
        assert max(d[0], d[1]) < _self_distances(sim.describe("cam", view, look, _people(2), _boxes(2), 0))[0, 1]
    else:
        assert min(d[0], d[1]) > 0.2


def _self_distances(app: np.ndarray) -> np.ndarray:
    return appearance_distance(app, app)


def _row_view(person_id: np.ndarray) -> CameraView:
    n = len(person_id)
    x = 100.0 * np.arange(n)
    boxes = np.stack([x, np.full(n, 100.0), x + 40, np.full(n, 200.0)], axis=1)
    return CameraView(person_id, boxes, np.ones(n), np.full(n, 6.0))


def _people(n: int) -> BoxSources:
    return BoxSources(np.arange(n), np.zeros(0, int), np.zeros((0, 2), int), 0)


def _boxes(n: int) -> np.ndarray:
    return np.tile([0.0, 0.0, 40.0, 100.0], (n, 1))
