"""The judge as a metric provider: `provider: {plugin: {"rollouts/judge": {...}}}` (valid under Argo's CRDs).

For each configured metric it runs two Prometheus range queries over the same window (the last `lookback`, every
`step`), one for the baseline and one for the canary, and hands the series to `analysis.judge`. The verdict is
the measurement's phase: Pass → Successful, Marginal → Inconclusive, Fail → Failed. The value is the score; the
metadata explains it metric by metric. Querying goes through the prometheus provider, so its address default,
headers and authentication apply (`prometheus:` in the judge's settings takes the prometheus provider's fields).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from analysis.providers.base import (
    FAILED,
    INCONCLUSIVE,
    SUCCESSFUL,
    MeasureContext,
    Measurement,
    Phase,
    SingleShot,
    errored,
    format_float,
)
from analysis.providers.prometheus import PrometheusProvider

if TYPE_CHECKING:
    from analysis import judge

PLUGIN_NAME = "rollouts/judge"
PHASES: Mapping[str, Phase] = {"Pass": SUCCESSFUL, "Marginal": INCONCLUSIVE, "Fail": FAILED}


class JudgeProvider(SingleShot):
    """Queries both sides of every metric, then judges; `plugin` metrics other than rollouts/judge are an error."""

    def __init__(self, prometheus: PrometheusProvider) -> None:
        self._prometheus = prometheus

    def run(self, config: Mapping[str, Any], ctx: MeasureContext) -> Measurement:
        # Imported here, not at the top: the judge pulls in scipy (about 1.5 s and 60 MB), which a controller whose
        # templates never use the judge should not pay for.
        from analysis import judge

        try:
            raw = _judge_settings(config)
            settings = judge.parse(raw)
        except (ValueError, judge.JudgeConfigError) as error:
            return errored(str(error), ctx.now)
        series: dict[str, tuple[list[float], list[float]]] = {}
        for metric in settings.metrics:
            sides = []
            for side, query in (("baseline", metric.baseline_query), ("canary", metric.canary_query)):
                measured = self._prometheus.run(_range_query(raw, settings, query), ctx)
                if measured.phase != SUCCESSFUL:
                    return errored(f"metric {metric.name}, {side} query: {measured.message}", ctx.now)
                sides.append(list(measured.result or []))
            series[metric.name] = (sides[0], sides[1])
        return _measurement(judge.judge(settings, series), ctx)


def _judge_settings(config: Mapping[str, Any]) -> Any:
    names = sorted(str(name) for name, value in config.items() if value is not None)
    if names != [PLUGIN_NAME]:
        found = ", ".join(f'"{name}"' for name in names) or "none"
        raise ValueError(f'provider.plugin: expected exactly the "{PLUGIN_NAME}" plugin, found {found}')
    return config[PLUGIN_NAME]


def _range_query(raw: Mapping[str, Any], settings: judge.JudgeConfig, query: str) -> dict[str, Any]:
    connection = dict(raw.get("prometheus") or {}) if isinstance(raw.get("prometheus"), Mapping) else {}
    if settings.address:
        connection["address"] = settings.address
    window = {
        "start": f'now() - duration("{format_float(settings.lookback_seconds)}s")',
        "end": "now()",
        "step": f"{format_float(settings.step_seconds)}s",
    }
    return {**connection, "query": query, "rangeQuery": window}


def _measurement(result: judge.Judgement, ctx: MeasureContext) -> Measurement:
    metadata = {"verdict": result.verdict, "score": format_float(result.score)}
    for outcome in result.outcomes:
        metadata[f"metric.{outcome.name}"] = describe(outcome)
    message = (
        None
        if result.verdict == "Pass"
        else f"judge score {format_float(result.score)} ({result.verdict}): {result.reason}"
    )
    return Measurement(
        PHASES[result.verdict],
        ctx.now,
        ctx.now,
        value=format_float(result.score),
        result=result.score,
        message=message,
        metadata=metadata,
    )


def describe(outcome: judge.MetricOutcome) -> str:
    """One metric's outcome in a line: `High (critical): shift 0.012 [0.008, 0.016], meanRatio 2.1, points 12/12`."""
    head = f"{outcome.classification}{' (critical)' if outcome.critical else ''}"
    points = f"points {outcome.baseline_points}/{outcome.canary_points}"
    if outcome.shift != outcome.shift:  # NaN: nothing was compared
        return f"{head}: {outcome.reason}, {points}"
    interval = f"shift {outcome.shift:.4g} [{outcome.lower:.4g}, {outcome.upper:.4g}]"
    return f"{head}: {interval}, effect {outcome.effect:.3g}, meanRatio {outcome.mean_ratio:.3g}, {points}"
