"""Conversion: intervals that hold their coverage on small counts, receipts matched to payers, zone figures."""

from __future__ import annotations

import numpy as np
import pytest

from storelens.pos.attribution import CheckoutStays, attribute_receipts
from storelens.pos.conversion import bucket_figures, compare, figures, zone_figures
from storelens.pos.intervals import mover_ratio, newcombe_difference, wilson

S = 1_000_000  # microseconds per second


@pytest.mark.parametrize("n", [12, 40, 150])
@pytest.mark.parametrize("p", [0.08, 0.3, 0.6])
def test_wilson_interval_covers_the_true_rate_95_percent_of_the_time(n, p):
    k = np.random.default_rng(1).binomial(n, p, 20_000)
    lo, hi = wilson(k, n)
    coverage = ((lo <= p) & (p <= hi)).mean()
    assert 0.92 <= coverage <= 0.985, coverage  # Wilson's coverage wobbles around 95 % with n and p


@pytest.mark.parametrize(("n1", "p1", "n2", "p2"), [(30, 0.2, 30, 0.3), (60, 0.5, 80, 0.5), (25, 0.4, 100, 0.25)])
def test_difference_and_ratio_intervals_cover_the_truth_95_percent_of_the_time(n1, p1, n2, p2):
    rng = np.random.default_rng(2)
    k1, k2 = rng.binomial(n1, p1, 20_000), rng.binomial(n2, p2, 20_000)
    _, d_lo, d_hi = newcombe_difference(k1, n1, k2, n2)
    assert 0.93 <= ((d_lo <= p2 - p1) & (p2 - p1 <= d_hi)).mean() <= 0.985
    _, r_lo, r_hi = mover_ratio(k1, n1, k2, n2)
    ok = (r_lo <= p2 / p1) & (p2 / p1 <= r_hi)
    assert 0.93 <= ok.mean() <= 0.985


def test_intervals_at_the_edges():
    assert [float(v) for v in wilson(0, 20)][0] == 0.0 and [float(v) for v in wilson(20, 20)][1] == 1.0
    assert all(np.isnan(float(v)) for v in wilson(0, 0))
    ratio, lo, hi = mover_ratio(0, 50, 4, 50)  # nothing sold before: the uplift has no upper bound
    assert np.isinf(ratio) and np.isinf(hi) and 0 < lo < 1


def test_figures_per_bucket_count_units_by_their_entry_and_receipts_by_their_time():
    starts = np.array([0, 3600, 7200]) * S
    units = np.array([10, 20, 30, 3700, 3800, 9000, -5]) * S  # the last came in before the range
    receipt_ts = np.array([100, 3500, 4000, 7300, 7400]) * S
    totals = np.array([5.0, 10.0, -2.0, 0.0, 8.0])
    first, second, third = bucket_figures(units, receipt_ts, totals, starts, 10_800 * S)
    assert (first.units, first.receipts, first.conversion, first.average_ticket) == (3, 2, 2 / 3, 7.5)
    assert (second.units, second.receipts, second.returns, second.sales, second.conversion) == (2, 0, 1, -2.0, 0.0)
    assert (third.units, third.receipts, third.sales, third.sales_per_unit) == (1, 1, 8.0, 8.0)
    empty = figures(0, np.zeros(0))
    assert (empty.conversion, empty.conversion_low, empty.average_ticket) == (None, None, None)


def test_more_receipts_than_units_is_reported_as_measured():
    f = figures(4, np.ones(5))
    assert f.conversion == 1.25 and f.conversion_high == 1.0 and f.conversion_low < 1.0


def test_comparison_of_two_periods():
    before, after = figures(200, np.full(40, 10.0)), figures(180, np.full(54, 12.0))
    c = compare(before, after)
    assert c.difference == pytest.approx(0.1) and c.uplift == pytest.approx(0.5)
    assert c.difference_low < 0.1 < c.difference_high and c.uplift_low < 0.5 < c.uplift_high
    assert c.average_ticket_change == pytest.approx(0.2)
    assert c.sales_per_unit_change == pytest.approx((54 * 12 / 180) / (40 * 10 / 200) - 1)
    assert compare(figures(0, np.zeros(0)), after).uplift is None


def stays(*rows) -> CheckoutStays:
    """(unit, zone, enter s, exit s) rows."""
    unit, zone, enter, leave = zip(*rows)
    return CheckoutStays(np.array(unit), np.array(zone, dtype=object), np.array(enter) * S, np.array(leave) * S)


def test_a_zone_over_the_till_credits_the_unit_leaving_it_just_after_the_receipt():
    # A queue of three: each is in the zone when the first receipt prints, but leaves after their own;
    # unit 5 crossed the zone in 3 s at the moment of the first receipt (on its way elsewhere).
    queue = stays((1, "till", 0, 62), (2, "till", 10, 105), (3, "till", 20, 151), (4, "till", 500, 520),
                  (5, "till", 59, 61))
    receipt_ts = np.array([60, 103, 150, 900]) * S
    out = attribute_receipts(receipt_ts, ["t1"] * 4, queue, ["till"], window_s=120, zone_covers="till")
    assert out.unit.tolist() == [1, 2, 3, -1] and out.matched == 3  # the last is 380 s from any stay
    assert out.gap_s[:3].tolist() == [2.0, 2.0, 1.0]


def test_a_zone_over_the_line_credits_the_unit_that_left_it_last_before_the_receipt():
    # The line: 1 is called to the till at 20 and pays until 60; 2 steps up as 1's receipt prints
    # (leaving the line at 61) and pays until 103; 3 waits until 104 and pays until 150.
    line = stays((1, "queue", 0, 20), (2, "queue", 10, 61), (3, "queue", 20, 104), (4, "queue", 300, 301))
    receipt_ts = np.array([60, 103, 150, 302]) * S
    out = attribute_receipts(receipt_ts, ["t1"] * 4, line, ["queue"], window_s=120, zone_covers="queue")
    assert out.unit.tolist() == [1, 2, 3, -1]  # 4 only crossed the line (1 s)
    assert out.gap_s[:3].tolist() == [40.0, 42.0, 46.0]


def test_a_unit_pays_once_and_a_till_only_in_its_own_zone():
    two_tills = stays((1, "till_a", 0, 60), (2, "till_b", 0, 61), (1, "till_a", 200, 230))
    receipt_ts = np.array([60, 61, 230]) * S
    till_zones = {"a": "till_a", "b": "till_b"}
    zones = ["till_a", "till_b"]
    out = attribute_receipts(receipt_ts, ["a", "b", "a"], two_tills, zones, till_zones, zone_covers="till")
    assert out.unit.tolist() == [1, 2, -1]  # unit 1 paid already; unit 2 was at the other till
    anywhere = attribute_receipts(receipt_ts[1:2], ["b"], two_tills, zones, {"b": "till_a"}, zone_covers="till")
    assert anywhere.unit.tolist() == [1]


def test_a_till_clock_behind_the_cameras_is_corrected_by_the_offset():
    one = stays((7, "till", 0, 100))
    late = np.array([100 - 150]) * S  # the till's clock is 150 s behind
    match = {"window_s": 60, "zone_covers": "till"}
    assert attribute_receipts(late, ["t"], one, ["till"], **match).unit.tolist() == [-1]
    assert attribute_receipts(late, ["t"], one, ["till"], clock_offset_s=150, **match).unit.tolist() == [7]


def test_zone_conversion_counts_units_who_stayed_and_bought_from_the_zones_categories():
    zone_units = {"snacks": {1, 2, 3, 4}, "drinks": {2, 5}, "promo": set()}
    receipt_unit = np.array([1, 2, -1, 5])
    line_receipt = np.array([0, 0, 1, 2, 3, 3])
    line_category = np.array(["crisps", "cola", "sweets", "crisps", "cola", "crisps"], dtype=object)
    line_amount = np.array([1.0, 2.0, 1.5, 1.0, 2.0, -1.0])
    categories = {"snacks": ("crisps", "sweets"), "drinks": ("cola",), "promo": ("seasonal",), "aisle": ()}
    snacks, drinks, promo = zone_figures(zone_units, categories, receipt_unit, line_receipt, line_category, line_amount)
    # Unit 1 bought crisps, unit 2 sweets; the unmatched receipt's crisps count for sales only;
    # unit 5's crisps were a return.
    assert (snacks.units, snacks.buyers, snacks.conversion, snacks.category_sales) == (4, 2, 0.5, 2.5)
    assert snacks.category_receipts == 3  # the return is no sale
    assert (drinks.units, drinks.buyers, drinks.category_sales) == (2, 1, 4.0)  # unit 5 bought cola; 2 did not
    assert drinks.category_receipts == 2
    assert (promo.units, promo.buyers, promo.conversion, promo.category_sales) == (0, 0, None, 0.0)
