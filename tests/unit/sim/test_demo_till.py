"""The demo's live till stores each simulated receipt once its time has come, and stops when closed."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from storelens.config.identity import store_id_of
from storelens.demo import _run_till, demo_profile
from storelens.runner import open_store_database
from storelens.sim.receipts import simulate_receipts
from storelens.sim.scenario import make_scenario
from storelens.storage.receipts import load_receipts


def test_the_live_till_stores_the_receipts_due_so_far(tmp_path):
    now = datetime.now(UTC)
    start = now - timedelta(minutes=20)
    scenario = make_scenario(tmp_path, n_cameras=2, start=start, duration_s=1800, seed=3, profile=demo_profile())
    receipts = simulate_receipts(scenario.store, scenario.log, seed=3).to_receipts(scenario.log.start)
    due = [r for r in receipts if r.ts <= now]
    assert 0 < len(due) < len(receipts)
    closed = threading.Event()
    with open_store_database(scenario.config, f"sqlite:///{tmp_path / 'till.db'}") as db:
        till = threading.Thread(target=_run_till, args=(scenario, db, closed, 3))
        till.start()
        closed.wait(2.0)  # the first round stores what is due, then waits TILL_POLL_S
        closed.set()
        till.join(10)
        assert not till.is_alive()
        stored = load_receipts(db, store_id_of(scenario.config), now - timedelta(hours=1), now + timedelta(hours=1))
    assert len(due) <= len(stored) < len(receipts)  # what came due meanwhile may be in too
    assert stored.receipt_id.tolist()[: len(due)] == [r.receipt_id for r in due]
