"""Kayenta's judgement: each metric classified Pass, High, Low, Nodata, NodataFail or Error, then a weighted score.

Pure: no I/O, no clock. `classify(metric, baseline, canary)` reads two series; `judge(config, series)` classifies
every metric, scores the groups and gives the verdict (Pass, Marginal or Fail) with a reason.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from analysis.judge import stats
from analysis.judge.config import EffectSize, JudgeConfig, MetricConfig

MetricClass = Literal["Pass", "High", "Low", "Nodata", "NodataFail", "Error"]
Verdict = Literal["Pass", "Marginal", "Fail"]

TOLERANCE = 0.25
"""A shift is practically significant only when its interval clears ±25 % of the shift itself."""
COUNTED: frozenset[str] = frozenset({"Pass", "High", "Low", "NodataFail"})
"""Classes that count in a group's score; Nodata and Error are left out of it."""


@dataclass(frozen=True)
class MetricOutcome:
    """One metric's class, why, and the numbers behind it (NaN where not computed)."""

    name: str
    group: str
    classification: MetricClass
    reason: str
    critical: bool = False
    """The metric is critical and its class fails the whole judgement."""
    baseline_points: int = 0
    canary_points: int = 0
    shift: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    effect: float = math.nan
    mean_ratio: float = math.nan


@dataclass(frozen=True)
class Judgement:
    """The score from 0 to 100, its verdict, why, and every metric's outcome."""

    score: float
    verdict: Verdict
    reason: str
    outcomes: tuple[MetricOutcome, ...]


def classify(metric: MetricConfig, baseline: Sequence[float], canary: Sequence[float]) -> MetricOutcome:
    """One metric's class from its baseline and canary series (cleaned here)."""
    control, experiment = _cleaned(metric, baseline), _cleaned(metric, canary)
    counts = (len(control), len(experiment))
    if not control or not experiment:
        return _no_data(metric, counts)
    if sorted(control) == sorted(experiment):
        return _outcome(metric, "Pass", "the data are identical", counts)
    if len(set(control) | set(experiment)) == 1:
        return _outcome(metric, "Pass", "every point has the same value", counts)
    try:
        comparison = stats.compare(experiment, control)
    except (stats.TooFewPoints, ValueError, ArithmeticError) as error:
        return _outcome(metric, "Error", str(error), counts, critical=metric.critical)
    effect = comparison.mean_ratio if metric.effect.measure == "meanRatio" else comparison.cles
    classification = _direction_class(metric, comparison, effect)
    reason = _explain(classification, comparison, metric.effect.measure, effect)
    outcome = _outcome(metric, classification, reason, counts, critical=_escalates(metric, classification, effect))
    return dataclasses.replace(
        outcome,
        shift=comparison.shift,
        lower=comparison.lower,
        upper=comparison.upper,
        effect=effect,
        mean_ratio=comparison.mean_ratio,
    )


def judge(config: JudgeConfig, series: Mapping[str, tuple[Sequence[float], Sequence[float]]]) -> Judgement:
    """Classify every metric of `config` from `series` (name → (baseline, canary)), then score and classify.

    Any critical metric not Pass → 0; half the metrics or more without data → 0; else each group scores
    100 · Pass / counted (a group with nothing counted scores 100) and the groups are weighted. Groups without
    an explicit weight share what the explicit weights leave of 100.
    """
    outcomes = tuple(classify(metric, *series.get(metric.name, ((), ()))) for metric in config.metrics)
    failed_critical = [outcome for outcome in outcomes if outcome.critical]
    if failed_critical:
        first = failed_critical[0]
        return _verdict(
            config, 0.0, f"critical metric {first.name} is {first.classification}: {first.reason}", outcomes
        )
    no_data = sum(outcome.classification in ("Nodata", "NodataFail") for outcome in outcomes)
    if no_data * 2 >= len(outcomes):
        return _verdict(config, 0.0, f"{no_data} of {len(outcomes)} metrics have no data", outcomes)
    score = round(
        sum(_group_score(outcomes, group) * weight / 100 for group, weight in _weights(config, outcomes).items()), 2
    )
    failing = [
        f"{outcome.name} {outcome.classification}" for outcome in outcomes if outcome.classification not in ("Pass",)
    ]
    return _verdict(config, score, ", ".join(failing) or "every metric passed", outcomes)


def _direction_class(metric: MetricConfig, comparison: stats.Comparison, effect: float) -> MetricClass:
    band = TOLERANCE * abs(comparison.shift)
    unknown = math.isnan(effect)
    if (
        metric.direction in ("increase", "either")
        and comparison.lower > band
        and (unknown or effect >= metric.effect.allowed_increase)
    ):
        return "High"
    if (
        metric.direction in ("decrease", "either")
        and comparison.upper < -band
        and (unknown or effect <= metric.effect.allowed_decrease)
    ):
        return "Low"
    return "Pass"


def _escalates(metric: MetricConfig, classification: MetricClass, effect: float) -> bool:
    if not metric.critical:
        return False
    limits: EffectSize = metric.effect
    if classification in ("Nodata", "Error"):
        return True
    unknown = math.isnan(effect)
    if classification == "High":
        return unknown or effect >= limits.critical_increase
    if classification == "Low":
        return unknown or effect <= limits.critical_decrease
    return False


def _cleaned(metric: MetricConfig, values: Sequence[float]) -> list[float]:
    return stats.clean(
        values,
        replace_nan=metric.replace_nan,
        remove_outliers=metric.remove_outliers,
        outlier_factor=metric.outlier_factor,
    )


def _no_data(metric: MetricConfig, counts: tuple[int, int]) -> MetricOutcome:
    side = "canary" if counts[0] else "baseline"
    if metric.replace_nan:  # "no data" means zero for this metric, and zero against anything is not evidence
        return _outcome(metric, "Pass", f"no {side} data (NaN replaced by 0)", counts)
    if metric.must_have_data and not metric.critical:
        return _outcome(metric, "NodataFail", f"no {side} data and mustHaveData is set", counts)
    return _outcome(metric, "Nodata", f"no {side} data", counts, critical=metric.critical)


def _outcome(
    metric: MetricConfig, classification: MetricClass, reason: str, counts: tuple[int, int], *, critical: bool = False
) -> MetricOutcome:
    return MetricOutcome(metric.name, metric.group, classification, reason, critical, *counts)


def _explain(classification: MetricClass, comparison: stats.Comparison, measure: str, effect: float) -> str:
    interval = f"shift {comparison.shift:.4g} in [{comparison.lower:.4g}, {comparison.upper:.4g}]"
    size = f"{measure} {effect:.3g}"
    if classification == "High":
        return f"canary higher: {interval}, {size}"
    if classification == "Low":
        return f"canary lower: {interval}, {size}"
    return f"no significant difference: {interval}, {size}"


def _weights(config: JudgeConfig, outcomes: Sequence[MetricOutcome]) -> dict[str, float]:
    groups = list(dict.fromkeys(outcome.group for outcome in outcomes))
    explicit = {group: config.group_weights[group] for group in groups if group in config.group_weights}
    unweighted = [group for group in groups if group not in explicit]
    share = (100 - sum(config.group_weights.values())) / len(unweighted) if unweighted else 0.0
    return {**explicit, **dict.fromkeys(unweighted, share)}


def _group_score(outcomes: Sequence[MetricOutcome], group: str) -> float:
    counted = [outcome for outcome in outcomes if outcome.group == group and outcome.classification in COUNTED]
    if not counted:
        return 100.0
    return 100.0 * sum(outcome.classification == "Pass" for outcome in counted) / len(counted)


def _verdict(config: JudgeConfig, score: float, reason: str, outcomes: tuple[MetricOutcome, ...]) -> Judgement:
    verdict: Verdict = (
        "Pass" if score >= config.pass_score else "Marginal" if score >= config.marginal_score else "Fail"
    )
    return Judgement(score, verdict, reason, outcomes)
