"""StoreFusion end to end on small scripted scenes."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest
from fusion_cases import EXIT, frame, run, ts

from storelens.analytics import AnalyticsSpec, Direction, LineSpec, StoreAnalytics
from storelens.fusion import FusedFrame, FusionConfig, StoreFusion

OFFLINE = FusionConfig(latency_s=math.inf)


def ids_over_time(out: list[FusedFrame]) -> set[int]:
    return {g for f in out for g in f.global_id.tolist()}


def test_two_cameras_one_person_one_id_weighted_position():
    frames = []
    for k in range(10):
        x = 0.2 * k
        frames += [frame("a", k, {1: (x, 0.0)}, sigma=0.1), frame("b", k, {7: (x + 0.14, 0.07)}, sigma=0.2)]
    out = run(StoreFusion(OFFLINE, ["a", "b"]), frames)
    assert ids_over_time(out) == {1} and [len(f) for f in out] == [1] * 10
    var_a, var_b = 0.1**2 + 0.1**2, 0.2**2 + 0.1**2  # sigma and model error in quadrature
    w_a, w_b = 1 / var_a, 1 / var_b
    last = out[-1]
    np.testing.assert_allclose(last.xy_m[0], [1.8 + 0.14 * w_b / (w_a + w_b), 0.07 * w_b / (w_a + w_b)])
    np.testing.assert_allclose(last.sigma_m[0], (w_a + w_b) ** -0.5)
    assert last.camera_count.tolist() == [2]
    assert last.links.of_camera("a") == {1: 1} and last.links.of_camera("b") == {7: 1}
    positions = last.to_floor_positions()
    assert positions.camera_id == "store" and positions.track_id.dtype == np.int64


def test_hand_over_across_a_gap_between_cameras_keeps_the_id():
    config = FusionConfig(latency_s=math.inf, exits_m=(EXIT,))
    frames = []
    for k in range(40):  # 1 m/s along x; a sees x < 4, nobody 4..6, b sees x > 6
        x = 0.2 * k
        frames += [frame("a", k, {3: (x, 1.0)} if x < 4 else {}), frame("b", k, {5: (x, 1.1)} if x > 6 else {})]
    out = run(StoreFusion(config, ["a", "b"]), frames)
    assert ids_over_time(out) == {1}
    assert out[-1].links.of_camera("b") == {5: 1}


def test_a_short_gap_is_bridged_without_exits_too():
    frames = []
    for k in range(30):
        x = 0.2 * k
        frames.append(frame("a", k, {} if 10 <= k < 13 else {1 if k < 10 else 2: (x, 0.0)}))
    out = run(StoreFusion(OFFLINE, ["a"]), frames)
    assert ids_over_time(out) == {1}


def test_two_people_close_together_stay_two():
    frames = []
    for k in range(50):
        x = 0.25 * k
        frames += [
            frame("a", k, {1: (x, 0.0), 2: (x, 0.6)}, sigma=0.15),
            frame("b", k, {8: (x + 0.05, 0.55), 9: (x - 0.05, 0.05)}, sigma=0.15),
        ]
    out = run(StoreFusion(OFFLINE, ["a", "b"]), frames)
    assert ids_over_time(out) == {1, 2}
    assert all(len(f) == 2 for f in out)
    links = out[-1].links
    assert links.of_camera("a")[1] == links.of_camera("b")[9] != links.of_camera("a")[2] == links.of_camera("b")[8]


def test_a_camera_track_that_switches_people_is_split_off():
    frames = []
    for k in range(40):
        x = 0.2 * k
        p1, p2 = (x, 0.0), (x, 2.0)
        a = {1: p1, 2: p2} if k < 15 else {1: p2, 2: p1}  # camera a's tracker swaps its ids at frame 15
        frames += [frame("a", k, a), frame("b", k, {5: p1, 6: p2})]
    out = run(StoreFusion(OFFLINE, ["a", "b"]), frames)
    assert ids_over_time(out) == {1, 2}
    for f in out:  # visitor 1 stays the person at y = 0 throughout
        np.testing.assert_allclose(f.xy_m[f.global_id == 1][0, 1], 0.0, atol=0.01)
    assert out[14].links.of_camera("a") == {1: 1, 2: 2}
    assert out[-1].links.of_camera("a") == {1: 2, 2: 1}  # re-bound after split_after_s
    cut_at = next(k for k, f in enumerate(out) if f.links.of_camera("a") == {1: 2, 2: 1})
    assert 15 < cut_at <= 15 + 1 / 0.2 + 2


def test_latency_bound_is_respected_when_a_camera_goes_quiet():
    fusion = StoreFusion(FusionConfig(latency_s=1.0), ["a", "b"])
    released = []
    for k in range(30):
        fusion.push(frame("a", k, {1: (0.1 * k, 0.0)}))
        if k < 5:
            fusion.push(frame("b", k, {4: (0.1 * k, 0.05)}))
        for f in fusion.pop_ready():
            assert ts(k) - f.ts <= timedelta(seconds=1.0)  # never more than latency behind
            released.append(f)
        assert released and ts(k) - released[-1].ts <= timedelta(seconds=1.0)
    assert ids_over_time(released) == {1}
    fusion.push(frame("b", 6, {4: (0.6, 0.05)}))  # far too late now
    assert fusion.dropped == 1


def test_output_is_deterministic_and_independent_of_camera_order_offline():
    rng = np.random.default_rng(3)
    people = rng.uniform(0, 10, (8, 2))
    steps = rng.normal(0, 0.1, (30, 8, 2))
    per_cam = {"a": [], "b": [], "c": []}
    for k in range(30):
        xy = people + steps[: k + 1].sum(axis=0)
        for i, cam in enumerate(per_cam):
            seen = [p for p in range(8) if (p + k + i) % 5]
            noisy = xy + rng.normal(0, 0.05, xy.shape)
            tracks = {10 * i + p + (k // 12): tuple(noisy[p]) for p in seen}  # new track ids every 12 frames
            per_cam[cam].append(frame(cam, k, tracks, offset_s=0.03 * i))

    def signature(out):
        return [(f.ts, f.global_id.tolist(), f.xy_m.round(9).tolist()) for f in out]

    interleaved = [f for k in range(30) for f in (per_cam["a"][k], per_cam["b"][k], per_cam["c"][k])]
    by_camera = per_cam["c"] + per_cam["a"] + per_cam["b"]
    first = signature(run(StoreFusion(OFFLINE, ["a", "b", "c"]), interleaved))
    assert first == signature(run(StoreFusion(OFFLINE, ["a", "b", "c"]), interleaved))
    assert first == signature(run(StoreFusion(OFFLINE, ["a", "b", "c"]), by_camera))


def test_ids_are_never_reused_and_analytics_run_on_fused_visitors():
    frames = []
    for k in range(60):  # three people one after the other, each for 2 s
        who = k // 20
        frames.append(frame("a", k, {who + 1: (float(who * 20), 0.0)} if k % 20 < 10 else {}))
    out = run(StoreFusion(FusionConfig(latency_s=math.inf, max_lost_s=1.0), ["a"]), frames)
    seen = [f.global_id.tolist() for f in out if len(f)]
    assert sorted(ids_over_time(out)) == [1, 2, 3] and seen == sorted(seen)
    analytics = StoreAnalytics(AnalyticsSpec(), "store")
    for f in out:
        analytics.update(f.to_floor_positions())
    visits = analytics.flush().visits
    assert sorted(v.track_id for v in visits) == [1, 2, 3] and {v.camera_id for v in visits} == {"store"}


def test_where_two_cameras_look_one_camera_alone_is_not_enough():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], dtype=float)
    right = np.array([[10, 0], [20, 0], [20, 10], [10, 10]], dtype=float)
    coverage = {"a": np.concatenate([square, right])[[0, 5, 6, 3]], "b": square}  # a: 0..20, b: 0..10
    frames = []
    for k in range(10):
        frames += [
            frame("a", k, {1: (5.0, 5.0), 2: (15.0, 5.0), 3: (2.0, 2.0)}),  # 1: phantom b never sees
            frame("b", k, {7: (2.0, 2.0)} if k >= 4 else {}),  # 3: b joins at frame 4
        ]
    out = run(StoreFusion(OFFLINE, ["a", "b"], coverage), frames)
    positions = [sorted(map(tuple, f.xy_m.round(1).tolist())) for f in out]
    assert positions[0] == [(15.0, 5.0)]  # only a covers x > 10
    assert positions[-1] == [(2.0, 2.0), (15.0, 5.0)]
    assert all((5.0, 5.0) not in p for p in positions)


def test_one_camera_following_a_visitor_long_enough_confirms_it():
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]], dtype=float)
    coverage = {"a": square, "b": square}
    frames = []
    for k in range(10):
        frames += [frame("a", k, {1: (5.0, 5.0)}), frame("b", k, {})]  # b looks there but never sees 1
    config = FusionConfig(latency_s=math.inf, confirm_after_s=1.0)
    out = run(StoreFusion(config, ["a", "b"], coverage), frames)
    shown = [len(f) for f in out]
    seen_s = np.arange(1, len(out) + 1) * config.tick_s
    assert shown == [int(s >= 1.0 - 1e-9) for s in seen_s]
    assert sum(shown) > 0
    assert not any(len(f) for f in run(StoreFusion(OFFLINE, ["a", "b"], coverage), frames))


def test_a_hidden_visitor_is_held_where_last_seen_for_hold_lost_s():
    frames = [frame("a", k, {1: (1.0 + 0.2 * k, 2.0)} if k < 5 else {}) for k in range(15)]
    config = FusionConfig(latency_s=math.inf, hold_lost_s=1.0, exits_m=(EXIT,))
    out = run(StoreFusion(config, ["a"]), frames)
    assert [len(f) for f in out] == [1] * 10 + [0] * 5
    assert [int(f.camera_count[0]) for f in out[:10]] == [1] * 5 + [0] * 5
    np.testing.assert_allclose(np.concatenate([f.xy_m for f in out[5:10]]), [[1.8, 2.0]] * 5)
    # By default only what some camera sees this tick is reported.
    assert [len(f) for f in run(StoreFusion(OFFLINE, ["a"]), frames)] == [1] * 5 + [0] * 10


def test_a_duplicate_visitor_is_folded_into_the_older_one():
    frames = []
    for k in range(20):
        offset = 1.5 if k < 5 else 0.05  # b starts badly off (a newcomer to b), then agrees
        frames += [frame("a", k, {1: (0.1 * k, 0.0)}), frame("b", k, {2: (0.1 * k + offset, 0.0)})]
    out = run(StoreFusion(OFFLINE, ["a", "b"]), frames)
    assert ids_over_time(out[:5]) == {1, 2}
    assert out[-1].global_id.tolist() == [1] and out[-1].camera_count.tolist() == [2]


def test_a_duplicate_that_comes_to_agree_gradually_is_merged_and_enters_once():
    """Camera b first places the person 1.5 m off (calibration at the edge of its view), then
    agrees with a over 2 s: smooth enough that no binding looks switched, so only merging
    folds the second visitor into the first, and the door counts one entry, not two."""
    frames = []
    for k in range(30):  # walks in through a door at y = 0 at 1 m/s
        y = -3.0 + 0.2 * k
        frames += [frame("a", k, {1: (0.0, y)}), frame("b", k, {4: (1.5 * max(0.0, 1 - k / 10), y)})]
    out = run(StoreFusion(OFFLINE, ["a", "b"]), frames)
    assert out[0].global_id.tolist() == [1, 2]
    assert out[-1].global_id.tolist() == [1] and out[-1].links.of_camera("b") == {4: 1}
    door = LineSpec("door", a_m=(-2.0, 0.0), b_m=(2.0, 0.0), in_side="left")
    analytics = StoreAnalytics(AnalyticsSpec(lines=(door,)), "store")
    crossings = [c for f in out for c in analytics.update(f.to_floor_positions()).crossings]
    crossings += analytics.flush().crossings
    assert [(c.track_id, c.direction) for c in crossings] == [(1, Direction.IN)]


def test_people_passing_in_disjoint_cameras_are_not_merged():
    """Two people, each seen by one camera, pass 0.7 m apart: within the gate for 0.2 s, less
    than merge_after_s, so both keep their ids."""
    frames = []
    for k in range(20):
        frames += [frame("a", k, {1: (-2.2 + 0.2 * k, 0.0)}), frame("b", k, {5: (2.2 - 0.2 * k, 0.7)})]
    out = run(StoreFusion(OFFLINE, ["a", "b"]), frames)
    assert [f.global_id.tolist() for f in out] == [[1, 2]] * 20


def test_a_newcomer_beside_a_tracked_person_does_not_take_their_binding():
    """Someone joins 0.35 m beside a tracked person: their new track fits that visitor worse, so
    it must not evict the person's track (nor be evicted back, tick after tick); after waiting
    split_after_s it becomes a visitor of its own."""
    frames = [frame("a", k, {1: (0.2 * k, 0.0), **({2: (0.2 * k, 0.35)} if k >= 5 else {})}) for k in range(25)]
    out = run(StoreFusion(OFFLINE, ["a"]), frames)
    assert [f.links.of_camera("a").get(1) for f in out] == [1] * 25  # track 1 stays with visitor 1
    assert out[-1].links.of_camera("a") == {1: 1, 2: 2}


def test_a_new_track_on_the_person_evicts_the_track_that_jumped_to_a_neighbour():
    """Camera a's tracker moves track 1 onto someone appearing 0.7 m beside the person (still
    within the gate) and gives the person new track 7, which fits the visitor clearly better:
    7 takes the binding over, so visitor 1 stays with the person."""
    frames = []
    for k in range(25):
        x = 0.2 * k
        frames.append(frame("a", k, {1: (x, 0.0)} if k < 10 else {1: (x, 0.7), 7: (x, 0.0)}))
    out = run(StoreFusion(OFFLINE, ["a"]), frames)
    for f in out:
        np.testing.assert_allclose(f.xy_m[f.global_id == 1][0, 1], 0.0, atol=0.01)
    assert out[-1].links.of_camera("a") == {1: 2, 7: 1}


def test_a_camera_track_that_jumps_far_off_is_split_off():
    """Camera a's track 1 jumps 3 m onto someone no visitor explains (beyond switch_gate): held
    out, then cut after split_after_s, and that person gets a visitor of their own."""
    frames = []
    for k in range(25):
        x = 0.2 * k
        frames += [frame("a", k, {1: (x, 0.0) if k < 8 else (x, 3.0)}), frame("b", k, {5: (x, 0.0)})]
    out = run(StoreFusion(OFFLINE, ["a", "b"]), frames)
    assert [f.global_id.tolist() for f in out[:13]] == [[1]] * 13
    assert out[-1].links.of_camera("a") == {1: 2}
    np.testing.assert_allclose(out[-1].xy_m, [[4.8, 0.0], [4.8, 3.0]])


def test_appearance_breaks_a_tie_between_two_lost_visitors():
    config = FusionConfig(latency_s=math.inf, exits_m=(EXIT,))
    red, blue = [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]
    frames = [frame("a", k, {1: (0.0, 0.0), 2: (0.0, 1.0)}, appearance={1: red, 2: blue}) for k in range(5)]
    frames += [frame("a", k, {}) for k in range(5, 8)]
    frames += [frame("a", k, {9: (0.0, 0.5)}, appearance={9: blue}) for k in range(8, 10)]
    out = run(StoreFusion(config, ["a"]), frames)
    assert out[-1].links.of_camera("a") == {9: 2}


@pytest.mark.parametrize("bad", [["a", "a"], []])
def test_camera_ids_must_be_distinct_and_present(bad):
    with pytest.raises(ValueError):
        StoreFusion(None, bad)
