"""Tracking metrics agree with py-motmetrics, the reference implementation.

Every EXPECTED number below comes from motmetrics 1.4.0 (numpy 1.26, scipy solver: ``mm.lap.default_solver
= "scipy"``), run in a separate virtualenv on exactly the inputs these tests build: ``MOTAccumulator.update``
per frame with ``mm.distances.iou_matrix(max_iou=0.5)`` for boxes, ``sqrt(norm2squared_matrix(max_d2=1))``
for positions, or the explicit cost matrices of COST_FRAMES, then ``mm.metrics.create().compute`` (``idtp``
is motmetrics' IDTP; ours is ``idr * num_objects``). motmetrics cannot be a test dependency: 1.4.0 calls
``np.asfarray``, which NumPy 2 removed.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from storelens.errors import EvalError
from storelens.eval import MotScore, MotTable, read_mot, score_boxes, score_positions, score_tracks

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
PETS_GT = DATA / "PETS09-S2L1" / "gt" / "gt.txt"
TUD_GT = DATA / "TUD-Campus" / "gt" / "gt.txt"
COUNTS = (
    "id_switches", "fragmentations", "num_false_positives", "num_misses", "num_objects", "num_predictions",
    "mostly_tracked", "mostly_lost", "num_unique_gt",
)  # fmt: skip
NAN = float("nan")

EXPECTED = {
    "cost": {
        "mota": 0.3846153846153846,
        "motp": 0.34500000000000003,
        "idf1": 0.6923076923076923,
        "idp": 0.6923076923076923,
        "idr": 0.6923076923076923,
        "recall": 0.7692307692307693,
        "precision": 0.7692307692307693,
        "id_switches": 2,
        "fragmentations": 3,
        "num_false_positives": 3,
        "num_misses": 3,
        "num_objects": 13,
        "num_predictions": 13,
        "mostly_tracked": 1,
        "mostly_lost": 0,
        "num_unique_gt": 2,
        "idtp": 9,
    },
    "boxes": {
        "mota": 0.5,
        "motp": 0.17071856845146866,
        "idf1": 0.48484848484848486,
        "idp": 0.5333333333333333,
        "idr": 0.4444444444444444,
        "recall": 0.7222222222222222,
        "precision": 0.8666666666666667,
        "id_switches": 2,
        "fragmentations": 2,
        "num_false_positives": 2,
        "num_misses": 5,
        "num_objects": 18,
        "num_predictions": 15,
        "mostly_tracked": 1,
        "mostly_lost": 1,
        "num_unique_gt": 3,
        "idtp": 8,
    },
    "keep_previous": {
        "mota": 0.25,
        "motp": 0.2,
        "idf1": 0.6,
        "idp": 0.5,
        "idr": 0.75,
        "recall": 1.0,
        "precision": 0.6666666666666666,
        "id_switches": 1,
        "fragmentations": 0,
        "num_false_positives": 2,
        "num_misses": 0,
        "num_objects": 4,
        "num_predictions": 6,
        "mostly_tracked": 1,
        "mostly_lost": 0,
        "num_unique_gt": 1,
        "idtp": 3,
    },
    "positions": {
        "mota": 0.75,
        "motp": 0.336376566712093,
        "idf1": 0.75,
        "idp": 0.75,
        "idr": 0.75,
        "recall": 0.9166666666666666,
        "precision": 0.9166666666666666,
        "id_switches": 1,
        "fragmentations": 1,
        "num_false_positives": 1,
        "num_misses": 1,
        "num_objects": 12,
        "num_predictions": 12,
        "mostly_tracked": 2,
        "mostly_lost": 0,
        "num_unique_gt": 2,
        "idtp": 9,
    },
    "pets": {
        "mota": 0.8225806451612903,
        "motp": 0.1565288843198558,
        "idf1": 0.850255827174531,
        "idp": 0.9020506634499397,
        "idr": 0.8040860215053763,
        "recall": 0.8572043010752688,
        "precision": 0.9616405307599517,
        "id_switches": 2,
        "fragmentations": 439,
        "num_false_positives": 159,
        "num_misses": 664,
        "num_objects": 4650,
        "num_predictions": 4145,
        "mostly_tracked": 14,
        "mostly_lost": 0,
        "num_unique_gt": 19,
        "idtp": 3739,
    },
    "pets_conf1": {
        "mota": 0.7794906166219839,
        "motp": 0.15550044815888406,
        "idf1": 0.828442176081661,
        "idp": 0.8615199034981906,
        "idr": 0.7978105451295799,
        "recall": 0.8529937444146559,
        "precision": 0.9211097708082027,
        "id_switches": 2,
        "fragmentations": 432,
        "num_false_positives": 327,
        "num_misses": 658,
        "num_objects": 4476,
        "num_predictions": 4145,
        "mostly_tracked": 14,
        "mostly_lost": 0,
        "num_unique_gt": 19,
        "idtp": 3571,
    },
    "pets_world": {
        "mota": 0.01440860215053763,
        "motp": 0.4085520446095192,
        "idf1": 0.4750537634408602,
        "idp": 0.4750537634408602,
        "idr": 0.4750537634408602,
        "recall": 0.5264516129032258,
        "precision": 0.5264516129032258,
        "id_switches": 179,
        "fragmentations": 1384,
        "num_false_positives": 2202,
        "num_misses": 2202,
        "num_objects": 4650,
        "num_predictions": 4650,
        "mostly_tracked": 0,
        "mostly_lost": 0,
        "num_unique_gt": 19,
        "idtp": 2209,
    },
    "tud": {
        "mota": 0.7325905292479109,
        "motp": 0.11324335288286982,
        "idf1": 0.7004341534008683,
        "idp": 0.7289156626506024,
        "idr": 0.6740947075208914,
        "recall": 0.8328690807799443,
        "precision": 0.9006024096385542,
        "id_switches": 3,
        "fragmentations": 48,
        "num_false_positives": 33,
        "num_misses": 60,
        "num_objects": 359,
        "num_predictions": 332,
        "mostly_tracked": 7,
        "mostly_lost": 0,
        "num_unique_gt": 8,
        "idtp": 242,
    },
}

# Per frame: gt ids, predicted ids, cost matrix (NaN = cannot pair). Exercises keeping a previous match
# across a gap, a switch to a never-seen id, empty frames on either side, and NaN pairs.
COST_FRAMES = [
    ([1, 2], [1, 2, 3], [[0.1, NAN, 0.3], [0.5, 0.2, 0.3]]),
    ([1, 2], [1], [[0.2], [0.4]]),
    ([1, 2], [1, 3], [[0.6, 0.2], [0.1, 0.6]]),
    ([1, 2], [3, 1], [[0.3, 0.1], [0.2, 0.4]]),
    ([2], [1, 3], [[0.5, 0.5]]),
    ([1, 2], [], []),
    ([], [4], []),
    ([1, 2], [4, 3], [[0.05, NAN], [NAN, 0.9]]),
]


def assert_matches(score: MotScore, expected: dict[str, float]) -> None:
    got = score.to_dict()
    for name in COUNTS:
        assert got[name] == expected[name], name
    for name in ("mota", "motp", "idf1", "idp", "idr", "recall", "precision"):
        assert got[name] == pytest.approx(expected[name], abs=1e-9), name
    assert round(score.idr * score.num_objects) == expected["idtp"]


def table(rows: list[tuple[float, ...]] | np.ndarray, world: bool = False) -> MotTable:
    """MotTable from rows (frame, id, left, top, w, h), or (frame, id, x, y) when ``world``."""
    a = np.asarray(rows, dtype=np.float64).reshape(len(rows), -1)
    n = len(a)
    if world:
        return MotTable(a[:, 0], a[:, 1], np.zeros((n, 4)), np.ones(n), a[:, 2:4])
    return MotTable(a[:, 0], a[:, 1], a[:, 2:6], np.ones(n), np.full((n, 2), np.nan))


def boxes_case() -> tuple[MotTable, MotTable]:
    """Two people crossing with an ID swap, a frame with both lost, a poor box, an FP and an unseen person."""
    gt, pred = [], []
    for t in range(1, 9):
        a = (10 + 10 * t, 10, 20, 40)
        b = (90 - 10 * t, 12, 20, 40)
        gt += [(t, 1, *a), (t, 2, *b)]
        if t in (2, 3):
            gt.append((t, 3, 300, 300, 30, 60))
        first, second = (a, b) if t <= 4 else (b, a)
        if t != 6:
            pred.append((t, 7, first[0] + 2, first[1] + 1, 20, 40))
        if t == 8:
            pred.append((t, 8, second[0] + 15, second[1], 20, 40))  # IoU < 0.5: FP + miss
        elif not (t == 6 and second is a):
            pred.append((t, 8, second[0] - 1, second[1] + 2, 21, 39))
        if t == 3:
            pred.append((t, 9, 500, 100, 25, 50))
    return table(gt), table(pred)


def keep_previous_case() -> tuple[MotTable, MotTable]:
    """A perfect box appears beside the matched one (IoU 0.6): the old pairing holds until the gap."""
    a = (100, 100, 40, 80)
    shifted = (110, 100, 40, 80)
    gt = [(1, 1, *a), (2, 1, *a), (3, 1, *a), (5, 1, *a)]
    pred = [(1, 5, *a), (2, 5, *shifted), (2, 6, *a), (3, 6, *a), (3, 5, *shifted), (5, 6, *a)]
    return table(gt), table(pred)


def positions_case() -> tuple[MotTable, MotTable]:
    """Floor positions in metres: one 1.5 m outlier and an id change."""
    gt, pred = [], []
    for t in range(1, 7):
        p1, p2 = (0.5 * t, 0.0), (3.0 - 0.5 * t, 0.4)
        gt += [(t, 1, *p1), (t, 2, *p2)]
        off = 0.3 if t != 4 else 1.5
        pred.append((t, 11, p1[0] + off, p1[1] + 0.2))
        pred.append((t, 12 if t < 5 else 13, p2[0] - 0.1, p2[1] - 0.3))
    return table(gt, world=True), table(pred, world=True)


def perturb_real(gt: MotTable, swap: tuple[int, int, int], shift: tuple[int, int, int], frag: tuple[int, int],
                 fp_every: int) -> MotTable:  # fmt: skip
    """Exact, seed-free damage to a real gt: jitter, taller boxes, an ID swap from a frame on, a box shifted
    off its person for a span, a track relabelled (fragmented) from a frame on, every 7th box dropped, and a
    false box every ``fp_every`` frames.
    """
    frame, ids, box = gt.frame.astype(float), gt.track_id.astype(float), gt.xywh.copy()
    n = len(frame)
    box[:, 0] += (np.arange(n) % 5) - 2
    box[:, 3] *= 1 + 0.1 * (np.arange(n) % 3)
    new_ids = ids.copy()
    a, b, swap_from = swap
    new_ids[(ids == a) & (frame >= swap_from)] = b
    new_ids[(ids == b) & (frame >= swap_from)] = a
    shifted = (ids == shift[0]) & (frame >= shift[1]) & (frame <= shift[2])
    box[shifted, 0] += 0.6 * box[shifted, 2]
    new_ids[(ids == frag[0]) & (frame >= frag[1])] = 1000 + frag[0]
    keep = np.arange(n) % 7 != 3
    fp_frames = np.arange(1, frame.max() + 1, fp_every)
    fp_box = np.tile([20.0, 30.0, 30.0, 70.0], (len(fp_frames), 1))
    return table(
        np.concatenate(
            [
                np.column_stack([frame, new_ids, box])[keep],
                np.column_stack([fp_frames, np.full(len(fp_frames), 999), fp_box]),
            ]
        )
    )


def test_explicit_costs_match_motmetrics() -> None:
    gt, pred, blocks = [], [], []
    for frame, (gt_ids, pred_ids, cost) in enumerate(COST_FRAMES, start=1):
        gt += [(frame, i) for i in gt_ids]
        pred += [(frame, i) for i in pred_ids]
        blocks.append(np.asarray(cost, dtype=np.float64).reshape(len(gt_ids), len(pred_ids)))
    full = np.full((len(gt), len(pred)), np.nan)
    r = c = 0
    for block in blocks:
        full[r : r + block.shape[0], c : c + block.shape[1]] = block
        r, c = r + block.shape[0], c + block.shape[1]
    g, p = np.array(gt), np.array(pred)

    score = score_tracks(g[:, 0], g[:, 1], p[:, 0], p[:, 1], lambda gi, pj: full[np.ix_(gi, pj)], math.inf)

    assert_matches(score, EXPECTED["cost"])


@pytest.mark.parametrize("case", ["boxes", "keep_previous"])
def test_boxes_match_motmetrics(case: str) -> None:
    gt, pred = {"boxes": boxes_case, "keep_previous": keep_previous_case}[case]()
    assert_matches(score_boxes(gt, pred), EXPECTED[case])


def test_positions_match_motmetrics() -> None:
    assert_matches(score_positions(*positions_case(), max_distance_m=1.0), EXPECTED["positions"])


def test_positions_need_world_coordinates() -> None:
    gt, _ = boxes_case()
    with pytest.raises(EvalError, match="no world position"):
        score_positions(gt, gt)


def test_duplicate_id_in_a_frame_is_rejected() -> None:
    gt = table([(1, 1, 0, 0, 10, 10), (1, 1, 20, 0, 10, 10)])
    with pytest.raises(EvalError, match="id 1 occurs 2 times in frame 1"):
        score_boxes(gt, gt)


needs_data = pytest.mark.skipif(not PETS_GT.exists(), reason=f"evaluation data not found at {DATA}")


@needs_data
def test_pets09_perturbed_matches_motmetrics() -> None:
    gt = read_mot(PETS_GT)
    pred = perturb_real(gt, swap=(9, 11, 300), shift=(1, 100, 150), frag=(12, 500), fp_every=5)
    assert_matches(score_boxes(gt, pred), EXPECTED["pets"])
    assert_matches(score_boxes(read_mot(PETS_GT, min_conf=1), pred), EXPECTED["pets_conf1"])


@needs_data
def test_pets09_world_positions_match_motmetrics() -> None:
    gt = read_mot(PETS_GT)
    world = gt.world_xy.copy()
    world[:, 0] += 0.7 * ((np.arange(len(gt)) % 4) - 1.5)  # -1.05 .. +1.05 m: half beyond 1 m
    ids = np.where((gt.track_id == 9) & (gt.frame >= 300), 99, gt.track_id)
    pred = MotTable(gt.frame, ids, gt.xywh, gt.conf, world)
    assert_matches(score_positions(gt, pred, max_distance_m=1.0), EXPECTED["pets_world"])


@pytest.mark.skipif(not TUD_GT.exists(), reason=f"evaluation data not found at {DATA}")
def test_tud_campus_perturbed_matches_motmetrics() -> None:
    gt = read_mot(TUD_GT)
    pred = perturb_real(gt, swap=(4, 5, 30), shift=(3, 10, 20), frag=(2, 40), fp_every=3)
    assert_matches(score_boxes(gt, pred), EXPECTED["tud"])


@needs_data
def test_whole_pets09_scores_in_well_under_a_second() -> None:
    import time

    gt = read_mot(PETS_GT)
    pred = perturb_real(gt, swap=(9, 11, 300), shift=(1, 100, 150), frag=(12, 500), fp_every=5)
    start = time.perf_counter()
    score_boxes(gt, pred)
    assert time.perf_counter() - start < 1.0  # about 0.1 s on one core; the margin absorbs a busy CI


# ---- properties --------------------------------------------------------------------------------------


@st.composite
def tracks(draw: st.DrawFn) -> MotTable:
    """Up to 6 people over up to 15 frames, each in its own 100 px column so no two boxes overlap."""
    n_ids = draw(st.integers(1, 6))
    n_frames = draw(st.integers(1, 15))
    present = draw(st.lists(st.booleans(), min_size=n_ids * n_frames, max_size=n_ids * n_frames))
    ids = draw(st.lists(st.integers(-50, 10_000), min_size=n_ids, max_size=n_ids, unique=True))
    rows = []
    for k, (frame, slot) in enumerate((f, s) for f in range(1, n_frames + 1) for s in range(n_ids)):
        if present[k]:
            y = draw(st.floats(0, 300, allow_nan=False))
            rows.append((frame, ids[slot], 100.0 * slot, y, draw(st.floats(5, 60)), draw(st.floats(5, 150))))
    return table(rows) if rows else MotTable.empty()


@st.composite
def noisy_copy(draw: st.DrawFn, gt: MotTable) -> MotTable:
    """A plausible tracker output: boxes dropped, moved and relabelled, plus free-floating extras."""
    keep = np.array(draw(st.lists(st.booleans(), min_size=len(gt), max_size=len(gt))), dtype=bool)
    shift = np.array(draw(st.lists(st.floats(-30, 30), min_size=len(gt), max_size=len(gt))))
    relabel = np.array(draw(st.lists(st.integers(0, 3), min_size=len(gt), max_size=len(gt))), dtype=np.int64)
    box = gt.xywh.copy()
    box[:, 0] += shift
    rows = [(f, i, *b) for f, i, b, k in zip(gt.frame, gt.track_id * 10 + relabel, box, keep, strict=True) if k]
    n_extra = draw(st.integers(0, 5))
    for j in range(n_extra):
        rows.append((draw(st.integers(1, 15)), 90_000 + j, draw(st.floats(0, 600)), 0.0, 40.0, 100.0))
    return table(rows) if rows else MotTable.empty()


@settings(max_examples=60, deadline=None)
@given(gt=tracks())
def test_perfect_tracks_score_one(gt: MotTable) -> None:
    score = score_boxes(gt, gt)
    if len(gt):
        assert score.mota == 1.0 and score.idf1 == 1.0 and score.recall == 1.0 and score.motp == 0.0
    assert score.id_switches == score.num_false_positives == score.num_misses == score.fragmentations == 0


@settings(max_examples=60, deadline=None)
@given(data=st.data(), gt=tracks())
def test_renaming_ids_changes_nothing(data: st.DataObject, gt: MotTable) -> None:
    pred = data.draw(noisy_copy(gt))

    def rename(t: MotTable, seed: int) -> MotTable:
        old = np.unique(t.track_id)
        new = np.random.default_rng(seed).permutation(len(old)) * 7 - 3  # a bijection onto other integers
        return MotTable(t.frame, new[np.searchsorted(old, t.track_id)], t.xywh, t.conf, t.world_xy)

    seed = data.draw(st.integers(0, 2**32 - 1))
    before = score_boxes(gt, pred).to_dict()
    after = score_boxes(rename(gt, seed), rename(pred, seed + 1)).to_dict()
    assert before.keys() == after.keys()
    for name in before:
        assert before[name] == after[name] or (math.isnan(before[name]) and math.isnan(after[name])), name


@settings(max_examples=40, deadline=None)
@given(gt=tracks())
def test_no_predictions_recall_zero(gt: MotTable) -> None:
    score = score_boxes(gt, MotTable.empty())
    assert score.num_misses == score.num_objects == len(gt)
    if len(gt):
        assert score.recall == 0.0 and score.idr == 0.0 and score.mota == 0.0
        assert score.mostly_lost == score.num_unique_gt


@settings(max_examples=60, deadline=None)
@given(data=st.data(), gt=tracks())
def test_counts_are_consistent(data: st.DataObject, gt: MotTable) -> None:
    pred = data.draw(noisy_copy(gt))
    s = score_boxes(gt, pred)
    matched = s.num_objects - s.num_misses
    assert matched == s.num_predictions - s.num_false_positives >= 0
    assert s.id_switches <= matched
    assert s.mostly_tracked + s.mostly_lost <= s.num_unique_gt
    if len(gt) and len(pred):
        assert 0.0 <= s.idf1 <= 1.0 and s.mota <= 1.0
        assert round(s.idr * s.num_objects) <= min(s.num_objects, s.num_predictions)
