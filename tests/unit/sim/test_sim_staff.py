"""Simulated staff: breaks through the staff door, trips out of the front door, the uniform; and the
truth of buying units."""

from __future__ import annotations

import numpy as np
import pytest
from sim_cases import BUSY_HOUR
from test_appearance import _boxes, _people, _row_view

from storelens.analytics.staff import UniformColour, uniform_share, upper_body_histograms
from storelens.geometry.polygons import points_in_polygon
from storelens.sim import PeopleLog, SimStore, simulate_people
from storelens.sim.appearance import LOOK_TERMS, AppearanceModel, SimAppearance, Uniformed
from storelens.sim.truth import buying_units, line_crossings, store_visits


@pytest.fixture(scope="module")
def three_hours(store: SimStore) -> PeopleLog:
    return simulate_people(store, BUSY_HOUR, 3 * 3600.0, fps=2.0, seed=3)


def test_floor_staff_take_a_break_in_the_yard_through_the_staff_door(three_hours: PeopleLog, store: SimStore):
    staff = three_hours.persons.with_role("staff")
    rows = np.isin(three_hours.person_id, staff)
    xy, who = three_hours.xy_m[rows], three_hours.person_id[rows]
    in_yard = points_in_polygon(xy, store.staff_door.yard)
    assert in_yard.sum() / three_hours.fps >= 600  # a break lasts 10 to 15 minutes
    on_break = np.unique(who[in_yard])
    assert len(on_break) >= 1 and staff[0] not in on_break  # the cashier stays at the till
    through_door = points_in_polygon(xy, store.zone("staff_door").polygon)
    assert set(np.unique(who[through_door]).tolist()) >= set(on_break.tolist())
    shoppers = ~np.isin(three_hours.person_id, staff)
    assert not points_in_polygon(three_hours.xy_m[shoppers], store.staff_door.yard).any()


def test_floor_staff_step_out_of_the_front_door_and_back_but_are_no_visits(three_hours: PeopleLog, store: SimStore):
    crossings = line_crossings(three_hours, [line for line in store.lines if line.kind == "entrance"])
    staff = np.isin(crossings.person_id, three_hours.persons.with_role("staff"))
    directions = crossings.direction[staff].tolist()
    assert len(directions) >= 4 and directions[:2] == ["out", "in"]  # out to the board, back in
    visits = store_visits(three_hours, store)
    assert not np.isin(visits.person_id, three_hours.persons.with_role("staff")).any()


def test_the_uniform_is_what_staff_wear_and_few_shoppers_wear_anything_like_it():
    colour = "#2e7d32"
    staff, shoppers = np.arange(5), np.arange(5, 305)
    sim = SimAppearance(AppearanceModel(), 0, ["cam"], Uniformed(staff, colour))
    people = np.concatenate([staff, shoppers])
    n = len(people)
    app = np.mean(
        [sim.describe("cam", _row_view(people), np.zeros((n, LOOK_TERMS)), _people(n), _boxes(n), k) for k in range(5)],
        axis=0,
    )
    share = np.array([uniform_share(h, UniformColour.from_hex(colour)) for h in upper_body_histograms(app)])
    assert share[:5].min() > 0.35  # the rest is the background, the trousers' edge, and noise
    assert (share[5:] > 0.35).mean() < 0.03  # the few shoppers in a green top of the same saturation
    plain = SimAppearance(AppearanceModel(), 0, ["cam"])  # without the uniform, the same staff wear their own
    own = plain.describe("cam", _row_view(staff), np.zeros((5, LOOK_TERMS)), _people(5), _boxes(5), 0)
    assert np.mean([uniform_share(h, UniformColour.from_hex(colour)) for h in upper_body_histograms(own)]) < 0.3


def test_buying_units_are_the_groups_that_came_in(busy_hour: PeopleLog, store: SimStore):
    units = buying_units(busy_hour, store)
    visits = store_visits(busy_hour, store)
    groups = busy_hour.persons.group_id[visits.person_id]
    assert len(units) == len(np.unique(groups)) < len(visits.person_id)
    assert units.people.sum() == len(np.unique(visits.person_id))
    assert units.people.max() <= 4 and (np.diff(units.enter_s) >= 0).all()
    first = {g: t for g, t in zip(units.group_id.tolist(), units.enter_s.tolist())}
    for g, t in zip(groups.tolist(), visits.enter_s.tolist()):
        assert first[g] <= t
