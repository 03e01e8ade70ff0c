"""The statistics of one metric: cleaning a series, then Mann-Whitney with a Hodges-Lehmann shift and its interval.

Pure: no I/O, no clock. SciPy does the tests; this module only arranges them as Kayenta's judge does. Any noise it
adds comes from a generator seeded here, so the same inputs always give the same answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

CONFIDENCE = 0.98
"""Kayenta's judge fixes the interval at 98 %."""
JITTER = 1e-5
"""Relative noise added to two constant (but different) sides, so that their ranks are not all tied."""


class TooFewPoints(ValueError):
    """No interval at the requested confidence exists for so few points; the message gives the counts."""


@dataclass(frozen=True)
class Comparison:
    """Canary against baseline: the location shift (canary − baseline) with its interval, and the effect sizes."""

    shift: float
    lower: float
    upper: float
    mean_ratio: float
    """mean(canary) / mean(baseline); NaN when either mean is 0."""
    cles: float
    """P(canary > baseline), ties counting half (Vargha-Delaney A)."""
    p_value: float


def clean(values: Sequence[float], *, replace_nan: bool, remove_outliers: bool, outlier_factor: float) -> list[float]:
    """NaNs dropped (or 0 when `replace_nan`), then, if asked, points outside a desensitised Tukey fence dropped.

    The fence is [min(P1, Q1 − k·IQR), max(P99, Q3 + k·IQR)] with k = `outlier_factor`, so it never cuts more
    than the outer percent on either side: [1, 1, 1, 1, 100] → [1, 1, 1, 1] (P99 is 96); [1, 2, 3, 4] keeps all.
    """
    array = np.asarray(values, dtype=float)
    array = np.nan_to_num(array, nan=0.0) if replace_nan else array[~np.isnan(array)]
    if remove_outliers and array.size:
        q1, q3, p1, p99 = np.percentile(array, [25, 75, 1, 99])
        spread = outlier_factor * (q3 - q1)
        low, high = min(p1, q1 - spread), max(p99, q3 + spread)
        array = array[(array >= low) & (array <= high)]
    return [float(value) for value in array]


def compare(canary: Sequence[float], baseline: Sequence[float], *, confidence: float = CONFIDENCE) -> Comparison:
    """Mann-Whitney U of canary against baseline, the Hodges-Lehmann shift and its `confidence` interval.

    The interval inverts the two-sided normal-approximation test (tie-corrected, with continuity correction): its
    bounds are the shifts μ at which canary − μ stops differing from baseline. The test's score only changes at a
    pairwise difference, so the bounds are pairwise differences, found by bisection. Two constant sides get a
    little seeded noise first. Raises TooFewPoints when even the largest shift is not significant (under 5 points
    a side).
    """
    x, y = _untied(np.asarray(canary, dtype=float), np.asarray(baseline, dtype=float))
    test = stats.mannwhitneyu(x, y, alternative="two-sided", method="asymptotic")
    differences = np.unique(np.subtract.outer(x, y))
    shift = float(np.median(np.subtract.outer(x, y)))
    critical = float(stats.norm.ppf(1 - (1 - confidence) / 2))
    # Between two consecutive differences the score is constant: test there, just past each difference.
    past = np.append((differences[:-1] + differences[1:]) / 2, differences[-1] + 1.0)
    if _z(x, y, differences[0] - 1.0) < critical or _z(x, y, past[-1]) > -critical:
        raise TooFewPoints(f"too few points for a {confidence:.0%} interval (canary {x.size}, baseline {y.size})")
    lower = differences[_first(past, lambda mu: _z(x, y, mu) <= critical)]
    upper = differences[_first(past, lambda mu: _z(x, y, mu) < -critical)]
    means = float(x.mean()), float(y.mean())
    mean_ratio = means[0] / means[1] if means[0] != 0 and means[1] != 0 else math.nan
    cles = float(test.statistic) / (x.size * y.size)
    return Comparison(shift, float(lower), float(upper), mean_ratio, cles, float(test.pvalue))


def _first(points: np.ndarray, holds: Callable[[float], bool]) -> int:
    """The first index whose point `holds`, for a condition that, once true, stays true (it holds at the last)."""
    low, high = 0, len(points) - 1
    while low < high:
        middle = (low + high) // 2
        if holds(float(points[middle])):
            high = middle
        else:
            low = middle + 1
    return low


def _z(x: np.ndarray, y: np.ndarray, mu: float) -> float:
    # The signed normal score of the test of x − μ against y, read back from SciPy's tie-corrected p-value.
    test = stats.mannwhitneyu(x - mu, y, alternative="two-sided", method="asymptotic")
    sign = np.sign(float(test.statistic) - x.size * y.size / 2)
    return float(sign * stats.norm.isf(float(test.pvalue) / 2))


def _untied(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if np.ptp(x) != 0 or np.ptp(y) != 0:
        return x, y
    rng = np.random.default_rng(0)
    return x + rng.normal(0.0, abs(x[0]) * JITTER, x.size), y + rng.normal(0.0, abs(y[0]) * JITTER, y.size)
