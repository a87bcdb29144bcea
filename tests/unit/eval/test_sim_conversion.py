"""The conversion scorer: the truth itself, stored, scores perfectly; losing the till's stays shows."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from storelens.analytics.records import Direction, LineCrossing, Visit, ZoneVisit
from storelens.config import load_config
from storelens.config.identity import store_id_of
from storelens.eval.sim_conversion import score_conversion
from storelens.fusion import STORE_CAMERA_ID
from storelens.pos import store_receipts
from storelens.reports.conversion import conversion_report
from storelens.runner import open_store_database
from storelens.sim import build_store, simulate_people, truth, write_store_config
from storelens.sim.receipts import simulate_receipts

START = datetime(2024, 6, 12, 16, 0, tzinfo=timezone.utc)  # a Wednesday's evening peak in London
DURATION_S = 7200.0
OFFSET = 5000  # stored ids are not the simulator's


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    store = build_store(2)
    log = simulate_people(store, START, DURATION_S, fps=1.0, seed=4)
    directory = tmp_path_factory.mktemp("sim-conversion")
    config = load_config(write_store_config(store, directory))
    return store, log, config, simulate_receipts(store, log, seed=4)


def at(log, seconds: float) -> datetime:
    return log.start + timedelta(seconds=float(seconds))


def store_truth(db, store, log, keep_checkout: float = 1.0) -> None:
    """What a flawless pipeline would store (``keep_checkout``: the share of till stays kept)."""
    group = log.persons.group_id
    cross = truth.line_crossings(log, store.lines)
    db.add_line_crossings(
        [
            LineCrossing(line, STORE_CAMERA_ID, int(p) + OFFSET, at(log, t), Direction(d))
            for line, p, t, d in zip(cross.line.tolist(), cross.person_id, cross.t_s, cross.direction.tolist())
        ]
    )
    last = (log.n_frames - 1) / log.fps
    for role in ("shopper", "staff"):  # staff stepping out to the pavement and back are no visitors
        visits = truth.store_visits(log, store, roles=(role,))
        db.add_visits(
            [
                Visit(STORE_CAMERA_ID, int(p) + OFFSET, at(log, a), at(log, last if np.isnan(b) else b), True,
                      role="visitor" if role == "shopper" else "staff", unit_id=int(group[p]) + OFFSET)
                for p, a, b in zip(visits.person_id.tolist(), visits.enter_s, visits.leave_s)
            ]
        )
    zones = [z for z in store.zones if z.categories or z.kind == "checkout_queue"]
    stays = truth.zone_visits(log, zones)
    rng = np.random.default_rng(0)
    db.add_zone_visits(
        [
            ZoneVisit(z, STORE_CAMERA_ID, int(p) + OFFSET, at(log, a), at(log, b))
            for z, p, a, b in zip(stays.zone.tolist(), stays.person_id.tolist(), stays.enter_s, stays.exit_s)
            if log.persons.role[p] == "shopper" and (z != "checkout_queue" or rng.uniform() < keep_checkout)
        ]
    )


def test_the_truth_stored_scores_perfectly(sim, tmp_path):
    store, log, config, receipts = sim
    with open_store_database(config, f"sqlite:///{tmp_path / 'truth.db'}") as db:
        store_truth(db, store, log)
        store_receipts(db, store_id_of(config), receipts.to_receipts(log.start))
        report = conversion_report(config, db, log.start, log.start + timedelta(seconds=DURATION_S), "hour")
    score = score_conversion(store, log, receipts, report)
    assert score.total.true_units > 100 and score.total.true_buyers > 50
    assert score.total.error == pytest.approx(0.0) and score.total.true_units == score.total.measured_units
    assert [h.error for h in score.hours] == pytest.approx([0.0, 0.0])
    # A payer whose service outlasted the match window (the cashier was away) is the odd one left.
    assert score.receipts == len(receipts) and score.receipts_matched >= 0.97 * len(receipts)
    assert len(score.zones) == 7
    for z in score.zones:
        assert z.measured_units == z.true_units and z.true_buyers - 1 <= z.measured_buyers <= z.true_buyers, z
    assert "conversion (true/measured)" in score.text()


def test_receipts_without_their_till_stay_lose_their_zone_credit(sim, tmp_path):
    store, log, config, receipts = sim
    with open_store_database(config, f"sqlite:///{tmp_path / 'lossy.db'}") as db:
        store_truth(db, store, log, keep_checkout=0.5)
        store_receipts(db, store_id_of(config), receipts.to_receipts(log.start))
        report = conversion_report(config, db, log.start, log.start + timedelta(seconds=DURATION_S), "hour")
    score = score_conversion(store, log, receipts, report)
    assert score.total.error == pytest.approx(0.0)  # store conversion does not need the match
    assert 0.3 < score.receipts_matched / score.receipts < 0.7
    buyers = sum(z.measured_buyers for z in score.zones)
    assert buyers < 0.75 * sum(z.true_buyers for z in score.zones)
