"""The demo's history comes with the simulated till's receipts, so its Conversion page has data."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from storelens.config import load_config
from storelens.config.identity import store_id_of
from storelens.eval.sim_conversion import score_conversion
from storelens.reports.conversion import conversion_report
from storelens.runner import open_store_database
from storelens.sim import build_store, simulate_people, write_store_config
from storelens.sim.history import HISTORY_FPS, WEEKDAYS, fill_history
from storelens.sim.receipts import simulate_receipts
from storelens.storage.receipts import load_receipts

DAY = date(2026, 3, 4)  # a Wednesday
OPEN, CLOSE = time(17), time(19)


def test_history_stores_each_days_receipts_once_and_conversion_follows_the_truth(tmp_path):
    store = dataclasses.replace(build_store(2), opening_hours={d: (f"{OPEN:%H:%M}-{CLOSE:%H:%M}",) for d in WEEKDAYS})
    config = load_config(write_store_config(store, tmp_path))
    tz = ZoneInfo(store.timezone)
    start, end = datetime.combine(DAY, OPEN, tz), datetime.combine(DAY, CLOSE, tz)
    with open_store_database(config) as db:
        (written,) = fill_history(config, store, db, [DAY], seed=0)
        assert fill_history(config, store, db, [DAY], seed=0) == []  # written whole: skipped
        stored = load_receipts(db, store_id_of(config), start, end)
        report = conversion_report(config, db, start, end, "hour")
    log = simulate_people(store, start, (end - start).total_seconds(), fps=HISTORY_FPS, seed=DAY.toordinal())
    receipts = simulate_receipts(store, log, DAY.toordinal())
    assert written.receipts == len(receipts) == len(stored) > 60
    assert stored.receipt_id.tolist() == sorted(receipts.receipt_id.tolist())
    score = score_conversion(store, log, receipts, report)
    # Exact positions through the analytics: every sale is counted, and nearly every one is matched
    # to its payer; conversion's error is the units' (groups joined by the analytics, not given).
    assert score.total.measured_buyers == score.total.true_buyers, score.text()
    assert score.receipts_matched > 0.9 * score.receipts, score.text()
    true_buyers = sum(z.true_buyers for z in score.zones)
    assert abs(sum(z.measured_buyers for z in score.zones) / true_buyers - 1) < 0.15, score.text()
    assert abs(score.total.error) < 0.2, score.text()
