"""Checkout queues: length from zone visits, Little's-law wait, and the "open a till" alert."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from storelens.analytics.queue import QUEUE_LONG, QueueAlerts, littles_wait_s, queue_lengths
from storelens.analytics.zones import ZoneSpec

T0 = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
SQUARE = ((0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0))
QUEUE = ZoneSpec("till", SQUARE, kind="checkout_queue", open_till_at=3, open_till_after_s=30.0)


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(0, 50)), max_size=30), st.lists(st.integers(-5, 160)))
def test_queue_lengths_count_the_visits_spanning_each_instant(visits, instants):
    enter = np.array([e for e, _ in visits], np.int64)
    exit_ = enter + np.array([d for _, d in visits], np.int64)
    at = np.array(instants, np.int64)
    brute = [int(((enter <= t) & (exit_ >= t)).sum()) for t in instants]
    assert queue_lengths(enter, exit_, at).tolist() == brute


def test_littles_law_wait():
    # 2 people waiting on average while 60 leave in an hour: each waits 2 minutes.
    assert littles_wait_s(2.0, 60, 3600.0) == 120.0
    assert littles_wait_s(1.5, 0, 3600.0) is None


def run(lengths: list[int], zones=(QUEUE,)) -> list:
    alerts = QueueAlerts(list(zones), "store")
    out = []
    for second, length in enumerate(lengths):
        out += alerts.update(T0 + timedelta(seconds=second), {"till": length})
    return out


def test_a_long_queue_alerts_once_after_the_hold_time():
    out = run([1] * 10 + [3] * 29 + [4] * 60)
    assert len(out) == 1
    alert = out[0]
    assert alert.kind == QUEUE_LONG and alert.zone == "till" and alert.track_id is None
    assert alert.ts == T0 + timedelta(seconds=10 + 30), "held for 30 s from the first second at 3"
    assert alert.message.startswith("open a till: 4 people in queue till")


def test_a_spell_shorter_than_the_hold_does_not_alert_and_a_dip_does_not_restart_it():
    assert run([3] * 29 + [2] + [3] * 29) == []
    # Once raised, a dip shorter than the hold keeps it raised: no second alert...
    assert len(run([3] * 40 + [1] * 20 + [3] * 40)) == 1
    # ...a dip as long as the hold re-arms it.
    assert len(run([3] * 40 + [1] * 31 + [3] * 40)) == 2


def test_only_checkout_queues_with_a_threshold_alert():
    off = ZoneSpec("till", SQUARE, kind="checkout_queue", open_till_at=0)
    aisle = ZoneSpec("till", SQUARE, kind="aisle", open_till_at=3)
    assert run([9] * 100, zones=(off, aisle)) == []
