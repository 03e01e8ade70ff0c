"""What is due for an AnalysisRun at `now`: measurements to take, resume or stop; spec problems found up front.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from analysis import assess, expressions
from analysis.decide.state import (
    ARGS_UNRESOLVED,
    DEFAULT_MEASUREMENT_LIMIT,
    ERROR_RETRY_SECONDS,
    SPEC_INVALID,
    Schedule,
    Task,
    read_results,
    time_or,
)
from rollouts.api import AnalysisRun, Measurement, Metric, MetricResult, parse_analysis_run
from rollouts.api.types import format_time, parse_duration
from rollouts.plan.runspec import args as arguments


def schedule(*, run: Mapping[str, Any], now: datetime) -> Schedule:
    """What is due for the raw AnalysisRun `run` at `now`. Never raises on a bad spec: `problem` says what is wrong."""
    status = run.get("status") or {}
    ttl = ttl_strategy(run)
    if status.get("phase") in assess.COMPLETED:
        return Schedule(run=None, status=status, ttl=ttl)
    started_at = status.get("startedAt") or format_time(now)
    parsed = parse_analysis_run(run, check=False)
    if isinstance(parsed, list):
        return invalid(status, started_at, f"{SPEC_INVALID}: {_join(parsed)}", ttl)
    specs = ((run.get("spec") or {}).get("metrics")) or []
    try:
        values = arguments.argument_values(parsed.spec.args)
        resolved_specs = [arguments.substitute(spec, values.values) for spec in specs]
    except arguments.ArgumentError as error:
        return invalid(status, started_at, f"{ARGS_UNRESOLVED}: {error}", ttl)
    resolved = parse_analysis_run({**run, "spec": {**run["spec"], "metrics": resolved_specs}}, check=True)
    if isinstance(resolved, list):
        return invalid(status, started_at, f"{SPEC_INVALID}: {_join(resolved)}", ttl)
    metrics = tuple(resolved.spec.metrics)
    if (problem := condition_problem(metrics)) is not None:
        return invalid(status, started_at, f"{SPEC_INVALID}: {problem}", ttl)
    try:
        dry_run = frozenset(_matching(resolved.spec.dry_run or [], metrics, "dryRun"))
        retention = {
            name: rule.limit if rule.limit > 0 else DEFAULT_MEASUREMENT_LIMIT
            for rule, name in _rule_matches(resolved.spec.measurement_retention or [], metrics, "measurementRetention")
        }
    except ValueError as error:
        return invalid(status, started_at, f"{SPEC_INVALID}: {error}", ttl)
    results = read_results(status)
    terminating = is_terminating(resolved, results)
    started = time_or(started_at, now)
    tasks = tuple(
        task
        for metric, spec in zip(metrics, specs, strict=True)
        if (task := _task(metric, spec, results.get(metric.name), terminating, started, now)) is not None
    )
    return Schedule(
        run=resolved,
        status=status,
        metrics=metrics,
        dry_run=dry_run,
        retention=retention,
        tasks=tasks,
        terminating=terminating,
        started_at=started_at,
        ttl=ttl,
    )


def condition_problem(metrics: Sequence[Metric]) -> str | None:
    """The first success or failure condition that does not parse, with its column; found before any measurement,
    so a typo ends the run at once instead of erroring once per measurement."""
    for index, metric in enumerate(metrics):
        for field_name, text in (
            ("successCondition", metric.success_condition),
            ("failureCondition", metric.failure_condition),
        ):
            if not text:
                continue
            try:
                expressions.compile_condition(text, field_name)
            except expressions.ExpressionError as error:
                where = f" at column {error.position}" if error.position else ""
                return f'spec.metrics[{index}].{field_name}: {error.reason}{where} of "{text}"'
    return None


def is_terminating(run: AnalysisRun, results: Mapping[str, MetricResult]) -> bool:
    """spec.terminate, or a non-dry-run metric already Failed, Error or Inconclusive: no new measurements."""
    if run.spec.terminate:
        return True
    return any(
        not result.dry_run and result.phase in (assess.FAILED, assess.ERROR, assess.INCONCLUSIVE)
        for result in results.values()
    )


def _task(
    metric: Metric,
    spec: Mapping[str, Any],
    result: MetricResult | None,
    terminating: bool,
    started: datetime,
    now: datetime,
) -> Task | None:
    """Argo's generateMetricTasks for one metric: finish or stop what is in flight, else measure when due."""
    if result is not None and result.phase in assess.COMPLETED:
        return None
    measurements = (result.measurements if result else None) or []
    last = measurements[-1] if measurements else None
    taken = ((result.count or 0) + (result.error or 0)) if result else 0
    if last is not None and not last.finished_at:
        if terminating:
            return Task(metric, spec, "terminate", last, taken)
        if last.resume_at and time_or(last.resume_at, now) > now:
            return None
        return Task(metric, spec, "resume", last, taken)
    if terminating:
        return None
    if last is None:
        if metric.initial_delay and started + timedelta(seconds=parse_duration(metric.initial_delay)) > now:
            return None
        return Task(metric, spec, "run", None, taken)
    if count_reached(metric, result):
        return None
    if now >= time_or(last.finished_at, now) + timedelta(seconds=wait_after(metric, last)):
        return Task(metric, spec, "run", None, taken)
    return None


def error_retry_seconds(metric: Metric) -> float:
    """How long to wait before retrying after an Error measurement: min(10 s, interval), 10 s without interval."""
    if not metric.interval:
        return ERROR_RETRY_SECONDS
    return min(ERROR_RETRY_SECONDS, max(parse_duration(metric.interval), 0.0))


def wait_after(metric: Metric, last: Measurement) -> float:
    if last.phase == assess.ERROR:
        return error_retry_seconds(metric)
    return parse_duration(metric.interval) if metric.interval else ERROR_RETRY_SECONDS


def count_reached(metric: Metric, result: MetricResult | None) -> bool:
    count = metric.effective_count
    return count is not None and result is not None and (result.count or 0) >= count


def _matching(rules: Sequence[Any], metrics: Sequence[Metric], field_name: str) -> list[str]:
    return [name for _, name in _rule_matches(rules, metrics, field_name)]


def _rule_matches(rules: Sequence[Any], metrics: Sequence[Metric], field_name: str) -> list[tuple[Any, str]]:
    """(rule, metric name) for every metric each rule's metricName regex finds (unanchored, as Go's MatchString)."""
    matches: list[tuple[Any, str]] = []
    for index, rule in enumerate(rules):
        try:
            pattern = re.compile(rule.metric_name)
        except re.error as error:
            raise ValueError(
                f"{field_name}[{index}].metricName: invalid regular expression {rule.metric_name!r}: {error}"
            ) from None
        names = [metric.name for metric in metrics if pattern.search(metric.name)]
        if not names:
            raise ValueError(f"{field_name}[{index}]: Rule didn't match any metric name(s)")
        matches.extend((rule, name) for name in names)
    return matches


def invalid(status: Mapping[str, Any], started_at: str, problem: str, ttl: Mapping[str, Any] | None) -> Schedule:
    return Schedule(run=None, status=status, started_at=started_at, problem=problem, ttl=ttl)


def ttl_strategy(run: Mapping[str, Any]) -> Mapping[str, Any] | None:
    ttl = (run.get("spec") or {}).get("ttlStrategy")
    return ttl if isinstance(ttl, Mapping) else None


def _join(problems: Sequence[Any]) -> str:
    return "; ".join(str(problem) for problem in problems)
