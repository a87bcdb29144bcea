"""Confidence intervals for conversion rates from small counts, and for comparing two periods.

A store's hour has tens of visitors and a handful of receipts, so the normal approximation
(p +- 1.96 sqrt(p(1-p)/n)) is useless: it leaves [0, 1] and covers far less than 95 %. These are
the score-based intervals recommended for small counts:

* one rate k/n: **Wilson**'s score interval (Wilson 1927; Brown, Cai & DasGupta 2001);
* difference of two rates: **Newcombe**'s hybrid score interval (Newcombe 1998, method 10),
  built from the two Wilson intervals;
* ratio of two rates (relative uplift = ratio - 1): **MOVER-R** (Donner & Zou 2012), the same
  recovery of variance from the two Wilson intervals applied to a ratio.

All take arrays (or scalars) and return NaN where a rate has no trials.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Z_95", "mover_ratio", "newcombe_difference", "wilson"]

Z_95 = 1.959963984540054
"""Two-sided 95 % normal quantile."""


def wilson(k, n, z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (lower, upper) of a proportion ``k / n``; NaN where ``n`` is 0.

    >>> [round(float(v), 4) for v in wilson(3, 10)]
    [0.1078, 0.6032]
    >>> [float(v) for v in wilson(0, 10)][0]
    0.0
    """
    k, n = np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    lo, hi = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    none = n <= 0
    return np.where(none, np.nan, np.where(k <= 0, 0.0, lo)), np.where(none, np.nan, np.where(k >= n, 1.0, hi))


def newcombe_difference(k1, n1, k2, n2, z: float = Z_95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Difference ``k2/n2 - k1/n1`` and its Newcombe hybrid score interval (difference, lower, upper).

    >>> [round(float(v), 4) for v in newcombe_difference(56, 70, 48, 80)]   # Newcombe 1998, example (a)
    [-0.2, -0.3339, -0.0524]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        p1 = np.asarray(k1, np.float64) / np.asarray(n1, np.float64)
        p2 = np.asarray(k2, np.float64) / np.asarray(n2, np.float64)
    l1, u1 = wilson(k1, n1, z)
    l2, u2 = wilson(k2, n2, z)
    d = p2 - p1
    return d, d - np.sqrt((p2 - l2) ** 2 + (u1 - p1) ** 2), d + np.sqrt((u2 - p2) ** 2 + (p1 - l1) ** 2)


def mover_ratio(k1, n1, k2, n2, z: float = Z_95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Ratio ``(k2/n2) / (k1/n1)`` and its MOVER-R interval (ratio, lower, upper); the upper limit is
    infinite when period 1 had no successes.

    >>> [round(float(v), 3) for v in mover_ratio(10, 100, 20, 100)]
    [2.0, 1.001, 3.998]
    """
    # Donner & Zou's ratio theta_a / theta_b with a = period 2 (numerator), b = period 1.
    with np.errstate(divide="ignore", invalid="ignore"):
        ta = np.asarray(k2, np.float64) / np.asarray(n2, np.float64)
        tb = np.asarray(k1, np.float64) / np.asarray(n1, np.float64)
        la, ua = wilson(k2, n2, z)
        lb, ub = wilson(k1, n1, z)
        prod = ta * tb
        lower_root = np.sqrt(np.maximum(prod**2 - la * ub * (2 * ta - la) * (2 * tb - ub), 0))
        lower = (prod - lower_root) / (ub * (2 * tb - ub))
        upper_den = lb * (2 * tb - lb)
        upper = np.where(
            upper_den > 0,
            (prod + np.sqrt(np.maximum(prod**2 - ua * lb * (2 * ta - ua) * (2 * tb - lb), 0))) / upper_den,
            np.inf,
        )
        ratio = ta / tb
    return ratio, np.maximum(lower, 0.0), upper
