"""The judge's statistics and classification, on worked examples and on Kayenta's edge cases."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from analysis.judge import JudgeConfigError, classify, judge, parse, stats

NAN = float("nan")
BASE = [10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0]


def config(*metrics: dict[str, Any], **extra: Any) -> Any:
    items = [{"baselineQuery": "b", "canaryQuery": "c", **metric} for metric in metrics]
    return parse({"metrics": items, **extra})


def metric(**fields: Any) -> Any:
    return config({"name": "m", **fields}).metrics[0]


# --- statistics ------------------------------------------------------------------------------------------------------


def test_the_shift_is_the_hodges_lehmann_estimate_and_its_interval_brackets_it() -> None:
    canary = [value + 5 for value in BASE]
    result = stats.compare(canary, BASE)
    assert result.shift == 5.0  # the median of the 100 pairwise differences
    assert 0 < result.lower < 5 < result.upper < 10
    differences = np.subtract.outer(canary, BASE).ravel()
    # The bounds are where the rank sum changes, i.e. pairwise differences.
    assert min(abs(differences - result.lower)) < 1e-6 and min(abs(differences - result.upper)) < 1e-6
    assert result.mean_ratio == pytest.approx(19.5 / 14.5)
    assert result.cles == 0.875  # 85 pairs greater, 5 tied, of 100


def test_the_98_percent_interval_is_wider_than_the_95_percent_one() -> None:
    rng = np.random.default_rng(7)
    baseline, canary = list(rng.normal(100, 10, 40)), list(rng.normal(104, 10, 40))
    wide, narrow = stats.compare(canary, baseline), stats.compare(canary, baseline, confidence=0.95)
    assert wide.lower < narrow.lower < narrow.upper < wide.upper


def test_identical_samples_shift_nothing() -> None:
    result = stats.compare(BASE, BASE)
    assert (result.shift, result.mean_ratio, result.cles, result.p_value) == (0.0, 1.0, 0.5, 1.0)
    assert result.lower < 0 < result.upper


def test_four_points_a_side_cannot_give_a_98_percent_interval() -> None:
    with pytest.raises(stats.TooFewPoints, match=r"canary 4, baseline 4"):
        stats.compare([5.0, 6.0, 7.0, 8.0], [1.0, 2.0, 3.0, 4.0])
    assert stats.compare([5.0, 6.0, 7.0, 8.0, 9.0], [1.0, 2.0, 3.0, 4.0, 0.0]).lower > 0


@pytest.mark.parametrize(
    ("values", "replace_nan", "remove_outliers", "expected"),
    [
        ([1.0, NAN, 2.0], False, False, [1.0, 2.0]),
        ([1.0, NAN, 2.0], True, False, [1.0, 0.0, 2.0]),
        ([1.0, 1.0, 1.0, 1.0, 100.0], False, True, [1.0, 1.0, 1.0, 1.0]),
        ([1.0, 1.0, 1.0, 1.0, 100.0], False, False, [1.0, 1.0, 1.0, 1.0, 100.0]),
        ([1.0, 2.0, 3.0, 4.0], False, True, [1.0, 2.0, 3.0, 4.0]),
        ([NAN, NAN], False, True, []),
    ],
)
def test_cleaning(values: list[float], replace_nan: bool, remove_outliers: bool, expected: list[float]) -> None:
    assert stats.clean(values, replace_nan=replace_nan, remove_outliers=remove_outliers, outlier_factor=3.0) == expected


# --- one metric ------------------------------------------------------------------------------------------------------

UP = [value * 2 for value in BASE]
DOWN = [value / 2 for value in BASE]
PLUS_5 = [value + 5 for value in BASE]
PLUS_6 = [value + 6 for value in BASE]
NARROW = [100 + (i % 10) * 0.1 for i in range(30)]
SLIGHTLY_UP = [value * 1.05 for value in NARROW]


@pytest.mark.parametrize(
    ("fields", "baseline", "canary", "expected"),
    [
        ({}, BASE, BASE, ("Pass", "the data are identical")),
        ({}, BASE, list(reversed(BASE)), ("Pass", "the data are identical")),
        ({}, [3.0] * 10, [3.0] * 12, ("Pass", "every point has the same value")),
        ({}, [1.0] * 10, [2.0] * 10, ("High", "canary higher")),
        ({}, BASE, UP, ("High", "canary higher")),
        ({}, BASE, DOWN, ("Low", "canary lower")),
        ({"direction": "increase"}, BASE, DOWN, ("Pass", "no significant difference")),
        ({"direction": "decrease"}, BASE, UP, ("Pass", "no significant difference")),
        ({}, NARROW, SLIGHTLY_UP, ("High", "canary higher")),
        ({"effectSize": {"allowedIncrease": 1.1}}, NARROW, SLIGHTLY_UP, ("Pass", "meanRatio 1.05")),
        ({"effectSize": {"measure": "cles", "allowedIncrease": 0.9}}, BASE, PLUS_6, ("High", "cles 0.92")),
        ({"effectSize": {"measure": "cles", "allowedIncrease": 0.95}}, BASE, PLUS_6, ("Pass", "cles 0.92")),
        # Significant (the interval [1, 9] excludes 0) but not clear of the ±25 % band around the shift of 5.
        ({}, BASE, PLUS_5, ("Pass", "shift 5 in [1, 9]")),
        ({}, [], BASE, ("Nodata", "no baseline data")),
        ({}, BASE, [NAN, NAN], ("Nodata", "no canary data")),
        ({"mustHaveData": True}, BASE, [], ("NodataFail", "mustHaveData")),
        ({"nanStrategy": "replace"}, BASE, [], ("Pass", "NaN replaced by 0")),
        ({"nanStrategy": "replace"}, [0.0] * 10, [NAN] * 10, ("Pass", "the data are identical")),
        # Ties shrink the test's variance: one point above ten equal ones is already significant.
        ({}, [0.0] * 10, [NAN] * 9 + [1.0], ("High", "shift 1 in [1, 1]")),
        ({}, [1.0, 2.0, 3.0], [7.0, 8.0, 9.0], ("Error", "too few points for a 98% interval (canary 3, baseline 3)")),
    ],
)
def test_classification(
    fields: dict[str, Any], baseline: list[float], canary: list[float], expected: tuple[str, str]
) -> None:
    outcome = classify(metric(**fields), baseline, canary)
    assert outcome.classification == expected[0]
    assert expected[1] in outcome.reason


def test_nan_removal_decides_on_the_remaining_points() -> None:
    canary = [*UP, NAN, NAN]
    removed = classify(metric(), BASE, canary)
    assert (removed.classification, removed.canary_points) == ("High", 10)
    replaced = classify(metric(nanStrategy="replace"), BASE, canary)
    assert replaced.canary_points == 12


def test_outlier_removal_keeps_one_spike_from_failing_the_canary() -> None:
    baseline = [10.0 + (i % 5) * 0.1 for i in range(200)]
    canary = [*baseline[:199], 5000.0]
    assert classify(metric(outliers={"strategy": "remove"}), baseline, canary).canary_points == 199
    assert classify(metric(outliers={"strategy": "remove"}), baseline, canary).classification == "Pass"


def test_the_outcome_carries_the_numbers_that_explain_it() -> None:
    outcome = classify(metric(), BASE, UP)
    assert (outcome.baseline_points, outcome.canary_points) == (10, 10)
    assert outcome.shift == pytest.approx(14.5) and outcome.lower > 0 and outcome.mean_ratio == pytest.approx(2.0)
    assert outcome.effect == outcome.mean_ratio and not outcome.critical


@pytest.mark.parametrize(
    ("fields", "baseline", "canary", "critical"),
    [
        ({"critical": True}, BASE, UP, True),
        ({"critical": True, "effectSize": {"criticalIncrease": 3.0}}, BASE, UP, False),
        ({"critical": True, "effectSize": {"criticalDecrease": 0.4}}, BASE, DOWN, False),
        ({"critical": True}, BASE, DOWN, True),
        ({"critical": True}, BASE, [], True),
        ({"critical": True, "mustHaveData": True}, BASE, [], True),
        ({"critical": True}, BASE, [1.0, 2.0], True),
        ({"critical": True}, BASE, BASE, False),
        ({}, BASE, UP, False),
    ],
)
def test_critical_escalation(
    fields: dict[str, Any], baseline: list[float], canary: list[float], critical: bool
) -> None:
    assert classify(metric(**fields), baseline, canary).critical is critical


# --- a whole judgement -----------------------------------------------------------------------------------------------


def test_every_metric_passing_scores_100() -> None:
    result = judge(config({"name": "a"}, {"name": "b"}), {"a": (BASE, BASE), "b": (BASE, list(reversed(BASE)))})
    assert (result.score, result.verdict, result.reason) == (100.0, "Pass", "every metric passed")


def test_a_failed_critical_metric_scores_0_whatever_the_others() -> None:
    cfg = config({"name": "errors", "critical": True}, {"name": "a"}, {"name": "b"})
    result = judge(cfg, {"errors": (BASE, UP), "a": (BASE, BASE), "b": (BASE, BASE)})
    assert (result.score, result.verdict) == (0.0, "Fail")
    assert result.reason.startswith("critical metric errors is High: canary higher")


def test_half_the_metrics_without_data_scores_0() -> None:
    result = judge(config({"name": "a"}, {"name": "b"}), {"a": (BASE, BASE)})
    assert (result.score, result.verdict, result.reason) == (0.0, "Fail", "1 of 2 metrics have no data")


def test_nodata_and_error_are_left_out_of_the_group_score() -> None:
    cfg = config({"name": "a"}, {"name": "b"}, {"name": "c"}, {"name": "d"}, {"name": "e"})
    series = {"a": (BASE, BASE), "b": (BASE, BASE), "c": (BASE, UP), "d": (BASE, [1.0])}
    result = judge(cfg, series)  # e: Nodata, d: Error → 2 Pass of 3 counted
    assert [o.classification for o in result.outcomes] == ["Pass", "Pass", "High", "Error", "Nodata"]
    assert result.score == pytest.approx(66.67)


def test_groups_are_weighted_and_unweighted_groups_share_the_rest() -> None:
    metrics = [
        {"name": "e1", "group": "errors"},
        {"name": "e2", "group": "errors"},
        {"name": "lat", "group": "latency"},
    ]
    series = {"e1": (BASE, BASE), "e2": (BASE, UP), "lat": (BASE, BASE)}
    weighted = judge(config(*metrics, groupWeights={"errors": 80, "latency": 20}), series)
    assert weighted.score == 60.0  # errors 50 × 0.8 + latency 100 × 0.2
    shared = judge(config(*metrics, groupWeights={"errors": 40}), series)
    assert shared.score == 80.0  # errors 50 × 0.4 + latency 100 × 0.6


@pytest.mark.parametrize(
    ("canary_of_a", "thresholds", "verdict"),
    [
        (BASE, {"pass": 90, "marginal": 75}, "Pass"),
        (UP, {"pass": 90, "marginal": 75}, "Marginal"),
        (UP, {"pass": 80, "marginal": 75}, "Pass"),
        (UP, {"pass": 90, "marginal": 85}, "Fail"),
    ],
)
def test_the_score_is_classified_by_the_thresholds(
    canary_of_a: list[float], thresholds: dict[str, float], verdict: str
) -> None:
    series = dict.fromkeys("bcde", (BASE, BASE)) | {"a": (BASE, canary_of_a)}
    result = judge(config(*({"name": name} for name in "abcde"), thresholds=thresholds), series)
    assert result.score == (100.0 if canary_of_a is BASE else 80.0)
    assert result.verdict == verdict


# --- settings --------------------------------------------------------------------------------------------------------


def test_one_query_with_the_version_token_serves_both_sides() -> None:
    cfg = parse(
        {
            "baselineVersion": "aaa",
            "canaryVersion": "bbb",
            "lookback": "2m",
            "step": "5s",
            "metrics": [{"name": "errors", "query": 'rate(x{destination_version="${version}"}[5s])'}],
        }
    )
    (only,) = cfg.metrics
    assert (only.baseline_query, only.canary_query) == (
        'rate(x{destination_version="aaa"}[5s])',
        'rate(x{destination_version="bbb"}[5s])',
    )
    assert (cfg.lookback_seconds, cfg.step_seconds, cfg.pass_score, cfg.marginal_score) == (120.0, 5.0, 95.0, 75.0)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("nope", "rollouts/judge: expected an object, got str"),
        ({}, "metrics: expected a non-empty list"),
        ({"metrics": [{"name": "a"}]}, "metrics[0].baselineQuery: required"),
        ({"metrics": [{"name": "a", "query": "q"}]}, "metrics[0].query: expected ${version}"),
        (
            {"metrics": [{"name": "a", "query": "${version}"}]},
            'baselineVersion: required by metrics[0].query, e.g. "{{args.baseline-hash}}"',
        ),
        ({"metrics": [{"baselineQuery": "b", "canaryQuery": "c"}]}, "metrics[0].name: required"),
        (
            {"metrics": [{"name": "a", "baselineQuery": "b", "canaryQuery": "c", "direction": "up"}]},
            'metrics[0].direction: expected increase, decrease or either, got "up"',
        ),
        (
            {"metrics": [{"name": "a", "baselineQuery": "b", "canaryQuery": "c", "critical": "yes"}]},
            "metrics[0].critical: expected true or false",
        ),
        (
            {"metrics": [{"name": "a", "baselineQuery": "b", "canaryQuery": "c", "nanStrategy": "zero"}]},
            "metrics[0].nanStrategy: expected remove or replace",
        ),
        (
            {"metrics": [{"name": "a", "baselineQuery": "b", "canaryQuery": "c", "effectSize": {"measure": "d"}}]},
            "metrics[0].effectSize.measure: expected meanRatio or cles",
        ),
        (
            {
                "metrics": [
                    {"name": "a", "baselineQuery": "b", "canaryQuery": "c", "effectSize": {"allowedIncrease": "x"}}
                ]
            },
            "metrics[0].effectSize.allowedIncrease: expected a number of at least 0",
        ),
        (
            {"metrics": [{"name": "a", "baselineQuery": "b", "canaryQuery": "c"}] * 2},
            "metrics: names must be unique, a appears",
        ),
        (
            {
                "metrics": [{"name": "a", "baselineQuery": "b", "canaryQuery": "c"}],
                "thresholds": {"pass": 50, "marginal": 60},
            },
            "thresholds.marginal: expected a number from 0 to 50",
        ),
        (
            {"metrics": [{"name": "a", "baselineQuery": "b", "canaryQuery": "c"}], "groupWeights": {"x": 70, "y": 40}},
            "groupWeights: expected weights summing to at most 100",
        ),
        (
            {"metrics": [{"name": "a", "baselineQuery": "b", "canaryQuery": "c"}], "lookback": "soon"},
            'lookback: expected a positive duration such as "5m"',
        ),
        (
            {"metrics": [{"name": "a", "baselineQuery": "b", "canaryQuery": "c"}], "lookback": "1m", "step": "2m"},
            "step: expected at most the lookback (60s)",
        ),
    ],
)
def test_bad_settings_name_the_field(raw: Any, message: str) -> None:
    with pytest.raises(JudgeConfigError) as error:
        parse(raw)
    assert message in str(error.value)


def test_defaults_follow_kayenta() -> None:
    only = metric()
    assert (only.direction, only.critical, only.must_have_data, only.replace_nan, only.remove_outliers) == (
        "either",
        False,
        False,
        False,
        False,
    )
    assert (only.effect.measure, only.effect.allowed_increase, only.effect.critical_decrease) == ("meanRatio", 1.0, 1.0)
    assert metric(effectSize={"measure": "cles"}).effect.allowed_increase == 0.5
    assert math.isnan(classify(only, [], []).shift)
