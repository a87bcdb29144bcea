"""The simulated till: one receipt per served payer, lines from the displays the group stopped at."""

from __future__ import annotations

from datetime import timedelta

import numpy as np

from storelens.pos import receipt_problem
from storelens.sim.receipts import SIM_TILL, simulate_receipts


def test_every_served_payer_gets_a_receipt_of_what_their_group_looked_at(store, busy_hour):
    log = busy_hour
    receipts = simulate_receipts(store, log, seed=1)
    queue = log.plan.queue
    served = queue.service_end_s < log.n_frames / log.fps
    assert len(receipts) == served.sum() > 30
    assert sorted(receipts.payer.tolist()) == sorted(queue.person_id[served].tolist())
    assert np.all(np.diff(receipts.t_s) >= 0) and set(receipts.till) == {SIM_TILL}
    assert len(set(receipts.receipt_id)) == len(receipts)
    assert np.all(log.persons.role[receipts.payer] == "shopper")
    assert np.array_equal(receipts.group_id, log.persons.group_id[receipts.payer])
    end_of_service = dict(zip(queue.person_id.tolist(), queue.service_end_s.tolist()))
    assert receipts.t_s.tolist() == [end_of_service[p] for p in receipts.payer.tolist()]
    categories = {z.name: set(z.categories) for z in store.zones if z.categories}
    stops = log.plan.stops
    for r in range(len(receipts)):
        lines = receipts.line_receipt == r
        looked = set(stops.zone[log.persons.group_id[stops.person_id] == receipts.group_id[r]].tolist())
        allowed = set().union(*(categories[z] for z in looked if z in categories))
        assert lines.any() and set(receipts.line_category[lines].tolist()) <= allowed
        assert receipts.total[r] == round(receipts.line_amount[lines].sum(), 2) > 0


def test_receipts_are_valid_pos_receipts_and_the_same_for_the_same_seed(store, busy_hour):
    receipts = simulate_receipts(store, busy_hour, seed=1)
    pos = receipts.to_receipts(busy_hour.start)
    assert all(receipt_problem(r, 0.01) is None for r in pos)
    assert pos[0].ts == busy_hour.start + timedelta(seconds=float(receipts.t_s[0]))
    again = simulate_receipts(store, busy_hour, seed=1)
    assert again.line_amount.tolist() == receipts.line_amount.tolist()
    assert simulate_receipts(store, busy_hour, seed=2).line_amount.tolist() != receipts.line_amount.tolist()
