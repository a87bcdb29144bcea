"""Box smoothing keeps frames, order and identities, and removes wobble."""

from __future__ import annotations

import numpy as np
from factories import make_detections, person_box

from storelens.track.smooth import BoxSmoother


def _smooth(frames):
    sm, out = BoxSmoother(), []
    for f in frames:
        out += sm.push(f)
    return out + sm.flush()


def test_still_person_is_unchanged_and_every_frame_comes_back_in_order():
    frames = [make_detections([person_box(200, 300)], track_id=[3], frame_index=i) for i in range(30)]
    out = _smooth(frames)
    assert [d.frame_index for d in out] == list(range(30))
    for d in out:
        np.testing.assert_allclose(d.xyxy_px[0], person_box(200, 300), atol=1e-3)
        assert d.track_id.tolist() == [3]


def test_jitter_shrinks_while_walking_motion_is_kept():
    rng = np.random.default_rng(1)
    truth = [person_box(100 + 4 * i, 300) for i in range(60)]
    noisy = [np.asarray(b) + rng.normal(0, 3, 4) for b in truth]
    frames = [make_detections([b], track_id=[1], frame_index=i) for i, b in enumerate(noisy)]
    out = _smooth(frames)
    err_before = np.abs(np.array(noisy) - truth)[5:-5].mean()
    err_after = np.abs(np.array([d.xyxy_px[0] for d in out]) - truth)[5:-5].mean()
    assert err_after < 0.6 * err_before


def test_two_tracks_are_smoothed_separately():
    frames = [
        make_detections([person_box(100, 300), person_box(400, 300)], track_id=[1, 2], frame_index=i)
        for i in range(20)
    ]
    out = _smooth(frames)
    np.testing.assert_allclose(out[10].xyxy_px, [person_box(100, 300), person_box(400, 300)], atol=1e-3)


def test_window_average_is_numpys_mean_of_the_window_rows():
    # 25 fps puts ~33 rows in the size window; the plain-float sums must equal numpy's mean.
    rng = np.random.default_rng(2)
    fps, n = 25.0, 80
    frames = [
        make_detections(
            [np.asarray(person_box(100 + 3 * i + 300 * k, 300)) + rng.normal(0, 3, 4) for k in range(2)],
            track_id=[1, 2],
            frame_index=i,
            fps=fps,
        )
        for i in range(n)
    ]
    out = _smooth(frames)
    cfg = BoxSmoother().config
    ts = np.array([f.ts.timestamp() for f in frames])
    for i, d in enumerate(out):
        for k in range(2):
            b = np.array([f.xyxy_px[k] for f in frames], np.float64)
            geo = np.stack([(b[:, 0] + b[:, 2]) / 2, b[:, 3], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], axis=1)
            dt = np.abs(ts - ts[i])
            cx, bottom = geo[dt <= cfg.position_window_s / 2, :2].mean(axis=0)
            w, h = geo[dt <= cfg.size_window_s / 2, 2:].mean(axis=0)
            want = np.array([cx - w / 2, bottom - h, cx + w / 2, bottom], np.float32)
            assert np.array_equal(d.xyxy_px[k], want)
