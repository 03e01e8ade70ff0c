"""The judge's settings, read from a metric's `provider.plugin["rollouts/judge"]` map, every field checked.

Pure: no I/O, no clock. A bad field raises JudgeConfigError naming it and what was expected, e.g.
`metrics[1].direction: expected increase, decrease or either, got "up"`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from rollouts.api.types import parse_duration

Direction = Literal["increase", "decrease", "either"]
Measure = Literal["meanRatio", "cles"]
VERSION_TOKEN = "${version}"
"""Stands for the baseline's or the canary's version in a metric's single `query`."""

_DIRECTIONS = ("increase", "decrease", "either")
_MEASURES = ("meanRatio", "cles")
_NEUTRAL = {"meanRatio": 1.0, "cles": 0.5}
"""The effect size of no change, and the default of every effect threshold."""


class JudgeConfigError(ValueError):
    """A judge setting is missing or malformed; the message names the field and what was expected."""


@dataclass(frozen=True)
class EffectSize:
    """How big a significant change must be to count (allowed) and to fail a critical metric outright (critical)."""

    measure: Measure = "meanRatio"
    allowed_increase: float = 1.0
    allowed_decrease: float = 1.0
    critical_increase: float = 1.0
    critical_decrease: float = 1.0


@dataclass(frozen=True)
class MetricConfig:
    """One compared metric: its two queries, and how a difference is read."""

    name: str
    baseline_query: str
    canary_query: str
    group: str = "default"
    direction: Direction = "either"
    critical: bool = False
    must_have_data: bool = False
    replace_nan: bool = False
    remove_outliers: bool = False
    outlier_factor: float = 3.0
    effect: EffectSize = field(default_factory=EffectSize)


@dataclass(frozen=True)
class JudgeConfig:
    """A whole judgement: where and over which window to query, the metrics, their groups' weights, thresholds."""

    metrics: tuple[MetricConfig, ...]
    lookback_seconds: float = 300.0
    step_seconds: float = 10.0
    group_weights: Mapping[str, float] = field(default_factory=dict)
    pass_score: float = 95.0
    marginal_score: float = 75.0
    address: str = ""


def parse(raw: Any) -> JudgeConfig:
    """The judge's settings from the plugin map's value; raises JudgeConfigError on the first bad field."""
    spec = _mapping(raw, "rollouts/judge")
    versions = (_text(spec, "baselineVersion", optional=True), _text(spec, "canaryVersion", optional=True))
    metrics = spec.get("metrics")
    if not isinstance(metrics, list) or not metrics:
        raise JudgeConfigError("metrics: expected a non-empty list of metrics to compare")
    parsed = tuple(
        _metric(_mapping(item, f"metrics[{i}]"), f"metrics[{i}]", versions) for i, item in enumerate(metrics)
    )
    names = [metric.name for metric in parsed]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise JudgeConfigError(f"metrics: names must be unique, {', '.join(duplicates)} appears more than once")
    thresholds = _mapping(spec.get("thresholds") or {}, "thresholds")
    pass_score = _number(thresholds, "pass", 95.0, "thresholds.", low=0.0, high=100.0)
    marginal_score = _number(thresholds, "marginal", 75.0, "thresholds.", low=0.0, high=pass_score)
    lookback, step = _duration(spec, "lookback", "5m"), _duration(spec, "step", "10s")
    if step > lookback:
        raise JudgeConfigError(f"step: expected at most the lookback ({lookback:g}s), got {step:g}s")
    return JudgeConfig(
        metrics=parsed,
        lookback_seconds=lookback,
        step_seconds=step,
        group_weights=_weights(spec.get("groupWeights")),
        pass_score=pass_score,
        marginal_score=marginal_score,
        address=_text(spec, "address", optional=True),
    )


def _metric(spec: Mapping[str, Any], path: str, versions: tuple[str, str]) -> MetricConfig:
    name = _text(spec, "name", path=path)
    baseline_query, canary_query = _queries(spec, path, versions)
    direction = _choice(spec, "direction", _DIRECTIONS, "either", path)
    nan_strategy = _choice(spec, "nanStrategy", ("remove", "replace"), "remove", path)
    outliers = _mapping(spec.get("outliers") or {}, f"{path}.outliers")
    strategy = _choice(outliers, "strategy", ("keep", "remove"), "keep", f"{path}.outliers")
    return MetricConfig(
        name=name,
        baseline_query=baseline_query,
        canary_query=canary_query,
        group=_text(spec, "group", path=path, optional=True) or "default",
        direction=direction,  # type: ignore[arg-type]  # checked against _DIRECTIONS
        critical=_flag(spec, "critical", path),
        must_have_data=_flag(spec, "mustHaveData", path),
        replace_nan=nan_strategy == "replace",
        remove_outliers=strategy == "remove",
        outlier_factor=_number(outliers, "factor", 3.0, f"{path}.outliers.", low=0.0),
        effect=_effect(_mapping(spec.get("effectSize") or {}, f"{path}.effectSize"), f"{path}.effectSize"),
    )


def _queries(spec: Mapping[str, Any], path: str, versions: tuple[str, str]) -> tuple[str, str]:
    # Either two queries, or one in which ${version} stands for each side's version.
    query = _text(spec, "query", path=path, optional=True)
    if not query:
        return _text(spec, "baselineQuery", path=path), _text(spec, "canaryQuery", path=path)
    if VERSION_TOKEN not in query:
        raise JudgeConfigError(
            f"{path}.query: expected {VERSION_TOKEN} where the version goes (or baselineQuery and canaryQuery)"
        )
    for side, version in zip(("baselineVersion", "canaryVersion"), versions, strict=True):
        if not version:
            raise JudgeConfigError(f'{side}: required by {path}.query, e.g. "{{{{args.{side[:-7]}-hash}}}}"')
    return query.replace(VERSION_TOKEN, versions[0]), query.replace(VERSION_TOKEN, versions[1])


def _effect(spec: Mapping[str, Any], path: str) -> EffectSize:
    measure = _choice(spec, "measure", _MEASURES, "meanRatio", path)
    neutral = _NEUTRAL[measure]
    prefix = f"{path}."
    return EffectSize(
        measure=measure,  # type: ignore[arg-type]  # checked against _MEASURES
        allowed_increase=_number(spec, "allowedIncrease", neutral, prefix, low=0.0),
        allowed_decrease=_number(spec, "allowedDecrease", neutral, prefix, low=0.0),
        critical_increase=_number(spec, "criticalIncrease", neutral, prefix, low=0.0),
        critical_decrease=_number(spec, "criticalDecrease", neutral, prefix, low=0.0),
    )


def _weights(raw: Any) -> dict[str, float]:
    weights = _mapping(raw or {}, "groupWeights")
    parsed = {str(group): _number(weights, str(group), 0.0, "groupWeights.", low=0.0) for group in weights}
    if sum(parsed.values()) > 100:
        raise JudgeConfigError(f"groupWeights: expected weights summing to at most 100, got {sum(parsed.values()):g}")
    return parsed


def _mapping(raw: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise JudgeConfigError(f"{path}: expected an object, got {type(raw).__name__}")
    return raw


def _text(spec: Mapping[str, Any], key: str, *, path: str = "", optional: bool = False) -> str:
    value = spec.get(key)
    where = f"{path}.{key}" if path else key
    if value is None or value == "":
        if optional:
            return ""
        raise JudgeConfigError(f"{where}: required")
    if not isinstance(value, str):
        raise JudgeConfigError(f"{where}: expected a string, got {type(value).__name__}")
    return value


def _choice(spec: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str, path: str) -> str:
    value = spec.get(key, default)
    if value not in choices:
        raise JudgeConfigError(f'{path}.{key}: expected {", ".join(choices[:-1])} or {choices[-1]}, got "{value}"')
    return str(value)


def _flag(spec: Mapping[str, Any], key: str, path: str) -> bool:
    value = spec.get(key, False)
    if not isinstance(value, bool):
        raise JudgeConfigError(f"{path}.{key}: expected true or false, got {value!r}")
    return value


def _number(
    spec: Mapping[str, Any], key: str, default: float, prefix: str, *, low: float, high: float = float("inf")
) -> float:
    raw = spec.get(key, default)
    try:
        value = float(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        value = None
    if value is None or not low <= value <= high:
        bounds = f"from {low:g} to {high:g}" if high != float("inf") else f"of at least {low:g}"
        raise JudgeConfigError(f"{prefix}{key}: expected a number {bounds}, got {raw!r}")
    return value


def _duration(spec: Mapping[str, Any], key: str, default: str) -> float:
    raw = spec.get(key) or default
    try:
        seconds = parse_duration(raw)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise JudgeConfigError(f'{key}: expected a positive duration such as "{default}", got {raw!r}')
    return seconds
