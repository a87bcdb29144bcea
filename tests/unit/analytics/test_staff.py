"""Staff recognition: each cue alone, its threshold on both sides, and the evidence a stream gathers."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from factories import EPOCH
from store_factories import base_config, patched

from storelens.analytics import FloorPositions
from storelens.analytics.staff import (
    Role,
    StaffEvidence,
    StaffRecogniser,
    StaffRule,
    UniformColour,
    is_staff,
    learned_uniform,
    uniform_share,
    upper_body_histograms,
)
from storelens.config import load_config
from storelens.errors import ConfigError

GREEN = UniformColour(4.1, 2.5)  # the green of "#2e7d32"
ZONE = np.array([[10.0, 0.0], [12.0, 0.0], [12.0, 2.0], [10.0, 2.0]])  # behind the counter
DOOR = np.array([[0.0, 8.0], [1.0, 8.0], [1.0, 10.0], [0.0, 10.0]])  # inside the staff door


def _upper(mass: dict[tuple[int, int], float]) -> np.ndarray:
    """A 48-bin upper-body histogram: {(hue bin, saturation bin): share}."""
    h = np.zeros(48)
    for (hue, sat), share in mass.items():
        h[hue * 4 + sat] = share
    return h


def _evidence(
    zone_s: float = 0.0, door: bool = False, colour_s: float = 0.0, upper=None, seen_s: float = 0.0
) -> StaffEvidence:
    ev = StaffEvidence(zone_s, door, colour_s, seen_s=seen_s)
    if upper is not None:
        ev.upper = upper * max(colour_s, 1.0)
    return ev


@pytest.mark.parametrize(
    ("colour", "hue", "saturation"),
    [("#2e7d32", 4.1, 2.53), ("#ff0000", 0.0, 4.0), ("#808080", 0.0, 0.0), ("#1565c0", 7.06, 3.56)],
)
def test_hex_colours_become_histogram_hue_and_saturation(colour, hue, saturation):
    assert UniformColour.from_hex(colour) == UniformColour(hue, saturation)


def test_uniform_share_counts_only_the_bins_inside_both_windows():
    inside = _upper({(3, 2): 0.2, (4, 3): 0.3})  # hue centres 3.5 and 4.5, saturation 2.5 and 3.5
    assert uniform_share(inside, GREEN) == pytest.approx(0.5)
    assert uniform_share(_upper({(5, 2): 0.5}), GREEN) == 0.0  # hue centre 5.5: 1.4 bins off
    assert uniform_share(_upper({(4, 1): 0.5}), GREEN) == pytest.approx(0.5)  # saturation 1.5: exactly 1 off
    assert uniform_share(_upper({(4, 0): 0.5}), GREEN) == 0.0  # grey
    assert uniform_share(_upper({(5, 2): 0.5}), GREEN, hue_window=1.5) == pytest.approx(0.5)


def test_hue_wraps_round_the_colour_circle():
    red = UniformColour(0.1, 3.5)
    assert uniform_share(_upper({(11, 3): 0.4, (0, 3): 0.3}), red) == pytest.approx(0.7)


@pytest.mark.parametrize(
    ("evidence", "staff"),
    [
        (_evidence(zone_s=20.0), True),
        (_evidence(zone_s=19.9), False),
        (_evidence(door=True), True),
        (_evidence(colour_s=10.0, upper=_upper({(4, 2): 0.5, (0, 0): 0.5})), True),
        (_evidence(colour_s=10.0, upper=_upper({(4, 2): 0.4, (0, 0): 0.6})), False),
        (_evidence(colour_s=3.0, upper=_upper({(4, 2): 0.9, (0, 0): 0.1})), False),  # seen too briefly
        (_evidence(colour_s=10.0, upper=_upper({(7, 2): 0.9, (0, 0): 0.1})), False),  # a blue top
        (_evidence(), False),
        # Out of uniform (a blue top), time in staff zones makes staff only when it is most of the visit:
        (_evidence(zone_s=50.0, colour_s=100.0, upper=_upper({(7, 2): 0.9, (0, 0): 0.1}), seen_s=100.0), True),
        (_evidence(zone_s=49.0, colour_s=100.0, upper=_upper({(7, 2): 0.9, (0, 0): 0.1}), seen_s=100.0), False),
        # ...but a uniform share of at least not_uniform (0.2) is no contradiction
        (_evidence(zone_s=20.0, colour_s=100.0, upper=_upper({(4, 2): 0.2, (0, 0): 0.8}), seen_s=100.0), True),
    ],
)
def test_each_cue_alone_decides_at_its_threshold(evidence, staff):
    rule = StaffRule(staff_zone_s=20.0, uniforms=(GREEN,), uniform_match=0.45, uniform_min_s=4.0, not_uniform=0.2)
    assert is_staff(evidence, rule) is staff


def test_without_a_uniform_time_in_staff_zones_alone_decides():
    rule = StaffRule(staff_zone_s=20.0)
    assert is_staff(_evidence(zone_s=20.0, colour_s=100.0, upper=_upper({(7, 2): 1.0}), seen_s=1000.0), rule)


def test_without_a_uniform_colours_say_nothing_but_a_learned_one_does():
    shirt = _evidence(colour_s=10.0, upper=_upper({(7, 2): 0.8, (0, 0): 0.2}))
    assert not is_staff(shirt, StaffRule())
    learned = learned_uniform(_upper({(7, 2): 0.6, (7, 3): 0.1, (0, 0): 0.3}), StaffRule())
    assert learned is not None and abs(learned.hue - 7.5) <= 1 and learned.saturation >= 1
    assert is_staff(shirt, StaffRule(), learned)


def test_a_grey_or_mixed_staff_look_is_never_learned_as_a_uniform():
    assert learned_uniform(_upper({(0, 0): 0.7, (7, 0): 0.3}), StaffRule()) is None  # black tops: everyone's
    mixed = _upper({(h, 2): 1 / 12 for h in range(12)})  # staff in their own, varied clothes
    assert learned_uniform(mixed, StaffRule()) is None


def _feed(recogniser: StaffRecogniser, paths: dict[int, list[tuple[float, float]]], appearance=None) -> None:
    for k in range(max(len(p) for p in paths.values())):
        live = {tid: p[k] for tid, p in paths.items() if k < len(p)}
        app = None if appearance is None else np.stack([appearance[tid] for tid in live])
        recogniser.update(FloorPositions("store", EPOCH + timedelta(seconds=k), list(live), list(live.values())), app)


def test_the_stream_gathers_zone_time_door_and_colours_per_track():
    rule = StaffRule(staff_zone_s=20.0, uniforms=(GREEN,))
    recogniser = StaffRecogniser(rule, [ZONE], [DOOR])
    green = np.concatenate([_upper({(4, 2): 0.7, (0, 0): 0.3}), _upper({(0, 0): 1.0})])
    green_unit = green / np.linalg.norm(green)  # fusion's unit vectors: the same decision
    black = np.concatenate([_upper({(0, 0): 1.0}), _upper({(0, 0): 1.0})])
    _feed(
        recogniser,
        {
            1: [(11.0, 1.0)] * 22,  # 21 s behind the counter
            2: [(11.0, 1.0)] * 15 + [(5.0, 5.0)] * 30,  # 14 s there, then the floor: a shopper at the edge
            3: [(0.5, 9.0)] + [(3.0, 9.0)] * 5,  # first seen inside the staff door
            4: [(5.0, 5.0)] * 5 + [(0.5, 9.0)],  # leaves through it
            5: [(6.0, 6.0)] * 10,  # in uniform
            6: [(6.0, 6.0)] * 10,  # in black
        },
        {1: black, 2: black, 3: black, 4: black, 5: green_unit, 6: black},
    )
    assert recogniser.role_now(1) == Role.STAFF and recogniser.role_now(6) == Role.VISITOR
    assert recogniser.role_now(4) == Role.VISITOR  # not known to have left through the door until it ends
    roles = {tid: recogniser.end(tid) for tid in range(1, 7)}
    assert roles == {1: "staff", 2: "visitor", 3: "staff", 4: "staff", 5: "staff", 6: "visitor"}
    assert recogniser.end(99) == Role.VISITOR
    recogniser.update(FloorPositions("store", EPOCH + timedelta(seconds=46 + 31), [], np.zeros((0, 2))))
    assert recogniser.tracked() == 0  # evidence is kept 30 s after a visit ends, then forgotten


def test_a_track_found_again_after_its_visit_ended_goes_on_with_its_evidence():
    recogniser = StaffRecogniser(StaffRule(staff_zone_s=20.0), [ZONE], [])
    _feed(recogniser, {1: [(11.0, 1.0)] * 12})  # 11 s behind the counter, then lost
    assert recogniser.end(1) == Role.VISITOR
    for k in range(12):  # found again 15 s later, another 11 s there: the same person
        recogniser.update(FloorPositions("store", EPOCH + timedelta(seconds=26 + k), [1], [(11.0, 1.0)]))
    assert recogniser.end(1) == Role.STAFF


def test_a_pause_in_the_stream_is_not_time_in_the_staff_zone():
    recogniser = StaffRecogniser(StaffRule(staff_zone_s=20.0), [ZONE], [])
    for t in (0.0, 1.0, 60.0, 61.0):  # a minute without frames in between
        recogniser.update(FloorPositions("store", EPOCH + timedelta(seconds=t), [1], [(11.0, 1.0)]))
    assert recogniser.end(1) == Role.VISITOR


def test_the_uniform_is_learned_from_people_in_staff_zones():
    rule = StaffRule(learn_uniform=True)
    recogniser = StaffRecogniser(rule, [ZONE], [])
    blue = np.concatenate([_upper({(7, 3): 0.8, (0, 0): 0.2}), _upper({(0, 0): 1.0})])
    paths = {1: [(11.0, 1.0)] * 70, 2: [(5.0, 5.0)] * 70}
    _feed(recogniser, paths, {1: blue, 2: blue})
    assert recogniser.learned is not None and recogniser.learned.hue == pytest.approx(7.5)
    assert recogniser.end(2) == Role.STAFF  # a visitor on the floor in the same blue top


def test_upper_body_histograms_sum_to_one_and_leave_unknown_rows_zero():
    app = np.zeros((2, 96))
    app[0, :48] = 2.0
    out = upper_body_histograms(app)
    assert out[0].sum() == pytest.approx(1.0) and not out[1].any()


@pytest.mark.parametrize(
    ("colours", "expectation"),
    [
        (["#2e7d32", "#FFAA00"], nullcontext()),
        (["green"], pytest.raises(ConfigError, match=r"staff\.uniform_colours: 'green' is not a colour")),
        (["#2e7d3"], pytest.raises(ConfigError, match=r"write it as #rrggbb")),
    ],
)
def test_uniform_colours_are_checked_when_the_config_loads(
    write_store, colours: list[str], expectation: AbstractContextManager
) -> None:
    path: Path = write_store(patched(base_config(), "staff.uniform_colours", colours))
    with expectation:
        assert load_config(path).staff.uniform_colours == colours
