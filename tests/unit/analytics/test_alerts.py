"""Restricted-zone alerts: one per entry (after inertia), one per approach, none elsewhere."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from factories import EPOCH

from storelens.analytics import (
    RESTRICTED_APPROACH,
    RESTRICTED_ENTRY,
    AnalyticsSpec,
    FloorPositions,
    StoreAnalytics,
    ZoneSpec,
)

FPS = 10.0
LAB = ZoneSpec("lab", ((0, 0), (2, 0), (2, 2), (0, 2)), kind="restricted", inertia_s=1.0)


def _alerts(zones: tuple[ZoneSpec, ...], xs: list[float | None], track_timeout_s: float = 10.0):
    """Alerts for person 7 walking along y = 1 through ``xs`` (None: not seen), at 10 fps."""
    engine = StoreAnalytics(AnalyticsSpec(zones=zones, track_timeout_s=track_timeout_s), "cam")
    alerts = []
    for i, x in enumerate(xs):
        seen = [] if x is None else [7]
        positions = FloorPositions("cam", EPOCH + timedelta(seconds=i / FPS), seen, [(x, 1.0)] * len(seen))
        alerts += engine.update(positions).alerts
    return alerts + engine.flush().alerts


def test_entering_alerts_once_when_the_entry_counts():
    alerts = _alerts((LAB,), [-1.0] * 10 + [1.0] * 50 + [3.0] * 30)
    assert [(a.kind, a.zone, a.camera_id, a.track_id) for a in alerts] == [(RESTRICTED_ENTRY, "lab", "cam", 7)]
    assert alerts[0].ts == EPOCH + timedelta(seconds=2.0)  # inside from 1.0 s, plus 1 s of inertia
    assert alerts[0].message == "person 7 entered restricted zone lab"


def test_brushing_the_zone_quicker_than_inertia_gives_no_alert():
    assert _alerts((LAB,), [-1.0] * 10 + [1.0] * 5 + [-1.0] * 20) == []


def test_jitter_on_the_edge_does_not_repeat_the_alert():
    xs = [1.0] * 30 + [2.05, 1.95] * 30 + [1.0] * 10 + [5.0] * 20
    assert [a.kind for a in _alerts((LAB,), xs)] == [RESTRICTED_ENTRY]


def test_each_entry_alerts_again():
    xs = ([1.0] * 20 + [5.0] * 20) * 2
    assert [a.ts for a in _alerts((LAB,), xs)] == [EPOCH + timedelta(seconds=1.0), EPOCH + timedelta(seconds=5.0)]


def test_a_track_that_ends_and_a_new_one_inside_each_alert():
    engine = StoreAnalytics(AnalyticsSpec(zones=(LAB,), track_timeout_s=1.0), "cam")
    alerts = []
    for i in range(60):  # person 1 for 2 s, gone, then person 2 in the same spot
        tid = 1 if i < 20 else 2
        if 20 <= i < 35:
            continue
        alerts += engine.update(FloorPositions("cam", EPOCH + timedelta(seconds=i / FPS), [tid], [(1.0, 1.0)])).alerts
    assert [a.track_id for a in alerts] == [1, 2]


@pytest.mark.parametrize("kind", ["aisle", "display", "staff_only", "entrance", "checkout_queue"])
def test_other_zone_kinds_never_alert(kind):
    zone = ZoneSpec("lab", LAB.polygon_m, kind=kind, inertia_s=0.0, alert_distance_m=2.0)
    assert _alerts((zone,), [-3.0] * 10 + [1.0] * 30 + [4.0] * 10) == []


def test_approaching_alerts_once_per_approach():
    zone = ZoneSpec("lab", LAB.polygon_m, kind="restricted", alert_distance_m=1.0)
    # Comes to 0.5 m from the edge (x = -0.5), paces at the alert distance (jitter inside the
    # hysteresis), walks away, comes back, then enters.
    xs = [-4.0] * 5 + [-0.5] * 10 + [-1.05, -0.95] * 10 + [-4.0] * 10 + [-0.5] * 10 + [1.0] * 20
    alerts = _alerts((zone,), xs)
    assert [a.kind for a in alerts] == [RESTRICTED_APPROACH, RESTRICTED_APPROACH, RESTRICTED_ENTRY]
    assert [a.ts for a in alerts[:2]] == [EPOCH + timedelta(seconds=0.5), EPOCH + timedelta(seconds=4.5)]
    assert alerts[0].message == "person 7 came within 1 m of restricted zone lab"


def test_stepping_back_within_the_hysteresis_does_not_rearm():
    zone = ZoneSpec("lab", LAB.polygon_m, kind="restricted", alert_distance_m=1.0)
    xs = [-0.5] * 5 + [-1.4] * 5 + [-0.5] * 5 + [-1.6] * 5 + [-0.5] * 5  # re-arms past 1.5 m
    assert len(_alerts((zone,), xs)) == 2


def test_no_alert_distance_means_entry_alerts_only():
    assert [a.kind for a in _alerts((LAB,), [-0.1] * 30 + [1.0] * 20)] == [RESTRICTED_ENTRY]


def test_approach_state_is_forgotten_with_the_track():
    zone = ZoneSpec("lab", LAB.polygon_m, kind="restricted", alert_distance_m=1.0)
    engine = StoreAnalytics(AnalyticsSpec(zones=(zone,), track_timeout_s=1.0), "cam")
    for i in range(1000):  # a new person every second, each near the zone for 1 s
        ids = np.array([i // 10])
        engine.update(FloorPositions("cam", EPOCH + timedelta(seconds=i / FPS), ids, [(-0.5, 1.0)]))
    assert max(len(s) for s in engine._alerts._near) <= 3
