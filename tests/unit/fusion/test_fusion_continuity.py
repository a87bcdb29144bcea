"""Continuity of fused visitors: a person wrongly folded into a companion keeps their id."""

from __future__ import annotations

import math
from dataclasses import replace

from fusion_cases import EXIT, frame, run

from storelens.fusion import FusionConfig, StoreFusion

CONFIG = FusionConfig(latency_s=math.inf, exits_m=(EXIT,))


def pair_walking_together() -> list:
    """P (camera a, track 1) and Q (camera b, track 5) walk along x; Q closes in from 2 m to
    0.5 m beside P by k = 10 and stays there (fold at k = 13). While each camera sees only one of them they look
    like one person seen twice and are folded together; from k = 18 camera a sees Q too
    (track 3), which splits Q off again."""
    frames = []
    for k in range(60):
        x = 0.2 * k
        q = (x, max(0.5, 2.0 - 0.15 * k))
        frames += [frame("a", k, {1: (x, 0.0), **({3: q} if k >= 18 else {})}), frame("b", k, {5: q})]
    return frames


def test_a_visitor_folded_into_a_companion_gets_its_id_back_when_split_off():
    out = run(StoreFusion(CONFIG, ["a", "b"]), pair_walking_together())
    assert [1, 2] in [f.global_id.tolist() for f in out[:10]]
    assert any(f.global_id.tolist() == [1] for f in out[13:18])  # folded together meanwhile
    assert {g for f in out for g in f.global_id.tolist()} == {1, 2}  # no third id for Q
    assert out[-1].global_id.tolist() == [1, 2]
    assert abs(out[-1].xy_m[1, 1] - 0.5) < 0.2  # and 2 is Q again


def test_without_revival_the_split_off_person_gets_a_new_id():
    out = run(StoreFusion(replace(CONFIG, revive_s=0.0), ["a", "b"]), pair_walking_together())
    assert out[-1].global_id.tolist() == [1, 3]


def test_no_revival_where_people_can_appear():
    """With no exits given, people can appear anywhere: a new visitor is new."""
    out = run(StoreFusion(replace(CONFIG, exits_m=()), ["a", "b"]), pair_walking_together())
    assert out[-1].global_id.tolist() == [1, 3]
