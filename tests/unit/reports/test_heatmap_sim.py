"""The heatmap of the simulated shop, checked against the simulator's truth.

Three busy hours of the demo's shop are written as the demo writes its history (exact positions
through the analytics into the database); the people are simulated again with the same seed for
the truth.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from storelens.analytics import zone_paths
from storelens.analytics.records import ZoneVisit
from storelens.config import load_config
from storelens.geometry.polygons import points_in_polygon
from storelens.reports import heatmap_report
from storelens.reports.flows import staff_zones
from storelens.runner import open_store_database
from storelens.sim import build_store, simulate_people, write_store_config
from storelens.sim.history import HISTORY_FPS, WEEKDAYS, fill_history
from storelens.sim.truth import zone_visits

DAY = date(2026, 3, 7)  # a Saturday
OPEN, CLOSE = time(11), time(14)


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    store = dataclasses.replace(build_store(4), opening_hours={d: (f"{OPEN:%H:%M}-{CLOSE:%H:%M}",) for d in WEEKDAYS})
    config = load_config(write_store_config(store, tmp_path_factory.mktemp("shop")))
    tz = ZoneInfo(store.timezone)
    start, end = datetime.combine(DAY, OPEN, tz), datetime.combine(DAY, CLOSE, tz)
    with open_store_database(config) as db:
        fill_history(config, store, db, [DAY], seed=0)
        report = heatmap_report(config, db, start, end)
        with_staff = heatmap_report(config, db, start, end, staff=True)
    log = simulate_people(store, start, (end - start).total_seconds(), fps=HISTORY_FPS, seed=DAY.toordinal())
    return SimpleNamespace(store=store, config=config, start=start, report=report, with_staff=with_staff, log=log)


def test_colour_scale_is_not_washed_out_by_a_few_cells(shop):
    scale = shop.report.heat.scale
    assert scale.p95_share >= 0.6, scale
    assert scale.peak > scale.top  # the hottest cells are beyond the scale, drawn in its top colour


def test_no_heat_off_the_walkable_floor(shop):
    heat = shop.report.heat
    assert heat.minutes_per_m2[~heat.walkable].max() == 0
    on_floor = points_in_polygon(heat.grid.points_m(), shop.store.outline).reshape(heat.grid.shape)
    assert not (heat.walkable & ~on_floor).any()
    assert heat.seconds[~on_floor].sum() == 0
    assert shop.report.total_person_s > heat.seconds.sum()  # passers-by and staff areas were stored, not shown
    for fixture in shop.config.floor_plan.fixtures:
        inside = points_in_polygon(heat.grid.points_m(), np.array(fixture.polygon)).reshape(heat.grid.shape)
        assert not (inside & heat.walkable).any()


def test_staff_zones_are_not_ranked_among_shoppers_zones(shop):
    staff = staff_zones(shop.config)
    assert staff == {"behind_counter", "back_room", "staff_door"}
    assert not staff & {z.name for z in shop.report.zones} and shop.report.left_out == sorted(staff)
    assert not staff & {zone for move in shop.report.moves for zone in move}
    # Asked for, they are shown with the staff's own time: the cashier's spot behind the counter is
    # the store's hottest cell. Left out, the staff's time is not in the heat at all.
    assert shop.report.stored.seconds.sum() < shop.with_staff.stored.seconds.sum() - 0.9 * 3 * 3600
    heat = shop.with_staff.heat
    hottest = heat.grid.points_m()[np.argmax(heat.seconds)]
    assert points_in_polygon(hottest[None], np.array(shop.store.zone("behind_counter").polygon)).all()
    assert staff <= {z.name for z in shop.with_staff.zones}
    entrance = next(z for z in shop.report.zones if z.name == "entrance")
    assert entrance.share is not None and entrance.share > 0.95  # everyone who came in passed the door's zone


def _ranked(moves) -> list[tuple[tuple[str, str], int]]:
    return sorted(moves.items(), key=lambda kv: (-kv[1], kv[0]))


def test_top_moves_between_zones_are_the_truths(shop):
    """The simulator's zone stays of two frames or more (one frame inside is a graze the analytics'
    1 s inertia does not count at the history's 1 Hz), in the same zone-to-zone counting."""
    truth = zone_visits(shop.log, shop.store.zones)
    at = lambda s: shop.start + timedelta(seconds=float(s))  # noqa: E731
    stays = [
        ZoneVisit(str(z), "truth", int(p), at(a), at(b))
        for z, p, a, b in zip(truth.zone, truth.person_id, truth.enter_s, truth.exit_s)
        if b - a >= 1.0 / HISTORY_FPS
    ]
    true_moves, _ = zone_paths(stays, staff_zones(shop.config))
    stored, expected = _ranked(shop.report.moves)[:5], _ranked(true_moves)[:5]
    assert [move for move, _ in stored] == [move for move, _ in expected]
    for (_, n), (_, n_true) in zip(stored, expected):
        assert abs(n - n_true) <= 0.05 * n_true


def test_route_lines_are_the_busiest_moves_along_the_floor(shop):
    report = shop.report
    zones = {z.name: np.array(z.polygon) for z in shop.config.zones}
    assert len(report.routes) == 6
    drawn = [(r.from_zone, r.to_zone) for r in report.routes]
    assert drawn == [m for m, _ in _ranked(report.moves) if m in drawn]  # busiest first
    assert [r.people for r in report.routes] == [report.moves[m] for m in drawn]
    fixtures = [np.array(f.polygon) for f in shop.config.floor_plan.fixtures]
    for route in report.routes:
        assert points_in_polygon(route.path_m[:1], zones[route.from_zone]).all()
        assert points_in_polygon(route.path_m[-1:], zones[route.to_zone]).all()
        for fixture in fixtures:  # round the shelves, not through them (the line is smoothed: 10 cm slack)
            assert not points_in_polygon(route.path_m, _shrunk(fixture, 0.1)).any(), route.from_zone


def _shrunk(rect: np.ndarray, by: float) -> np.ndarray:
    lo, hi = rect.min(axis=0) + by, rect.max(axis=0) - by
    return np.array([lo, [hi[0], lo[1]], hi, [lo[0], hi[1]]])
