"""Street traffic and visitors follow the hourly profile on the store's own clock."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from storelens.sim import TrafficProfile
from storelens.sim.arrivals import default_visitors_per_hour, sample_arrivals

TZ = "Europe/London"
WEEK_START = datetime(2024, 6, 10, 0, 0, tzinfo=ZoneInfo(TZ))  # a Monday, local midnight
WEEK_S = 7 * 24 * 3600.0


def _local_hours(t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    moments = [WEEK_START + timedelta(seconds=float(t)) for t in t_s]
    return np.array([m.weekday() for m in moments]), np.array([m.hour for m in moments])


def test_default_profile_is_a_realistic_week():
    table = default_visitors_per_hour()
    weekday_total, saturday_total = table[2].sum(), table[5].sum()
    assert 1000 <= weekday_total <= 1500
    assert saturday_total > weekday_total and table[6].sum() > weekday_total
    assert (table[:, :9] == 0).all() and (table[:, 21:] == 0).all()  # closed before 9 and from 21
    assert table[2, 9] < table[2, 13] and table[2, 9] < table[2, 18]  # quiet morning, two peaks
    assert table[TrafficProfile().busiest_hour()] == table.max() >= 150


def test_visitors_per_hour_follow_the_profile_over_a_week():
    profile = TrafficProfile()
    arrivals = sample_arrivals(profile, WEEK_START, WEEK_S, TZ, np.random.default_rng(3))
    day, hour = _local_hours(arrivals.t_s)
    visitors = np.zeros((7, 24))
    np.add.at(visitors, (day[arrivals.enters], hour[arrivals.enters]), arrivals.size[arrivals.enters])
    expected = profile.visitors_per_hour
    # Visitors come in groups, so the variance is the group rate times E[size^2].
    sizes = np.arange(1, 5)
    var_per_visitor = np.dot(sizes**2, profile.group_sizes) / profile.mean_group_size
    sigma_week = np.sqrt(expected.sum() * var_per_visitor)
    assert abs(visitors.sum() - expected.sum()) < 4 * sigma_week
    busy = expected > 0
    z = (visitors[busy] - expected[busy]) / np.sqrt(expected[busy] * var_per_visitor)
    assert np.abs(z).max() < 5
    assert abs(z.mean()) < 4 / np.sqrt(busy.sum())
    assert visitors[~busy].sum() == 0  # nobody comes in while the shop is closed


def test_street_carries_several_times_the_visitors_and_walks_both_ways():
    profile = TrafficProfile(capture_rate=0.2)
    arrivals = sample_arrivals(profile, WEEK_START + timedelta(hours=9), 12 * 3600.0, TZ, np.random.default_rng(5))
    capture = arrivals.size[arrivals.enters].sum() / arrivals.size.sum()
    assert capture == pytest.approx(0.2, abs=0.03)
    assert 0.45 < arrivals.from_left.mean() < 0.55
    assert np.all(np.diff(arrivals.t_s) >= 0)
    assert set(np.unique(arrivals.size)) == {1, 2, 3, 4}


def test_scale_multiplies_the_visitors():
    rng_a, rng_b = np.random.default_rng(1), np.random.default_rng(1)
    start = WEEK_START + timedelta(hours=9)
    base = sample_arrivals(TrafficProfile(), start, 12 * 3600.0, TZ, rng_a)
    double = sample_arrivals(TrafficProfile(scale=2.0), start, 12 * 3600.0, TZ, rng_b)
    ratio = double.size[double.enters].sum() / base.size[base.enters].sum()
    assert ratio == pytest.approx(2.0, rel=0.15)


@pytest.mark.parametrize(
    "kwargs",
    [{"visitors_per_hour": np.zeros((7, 12))}, {"capture_rate": 0.0}, {"group_sizes": (0.5, 0.2)}],
)
def test_profile_refuses_nonsense(kwargs):
    with pytest.raises(ValueError):
        TrafficProfile(**kwargs)
