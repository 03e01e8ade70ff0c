"""Fold the measurements taken into the run's status: counters, metric and run phases, events, trimming, and
when to look again.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from analysis import assess
from analysis.decide import bounds
from analysis.decide.lifetime import after_completion, errored, run_completed, ttl_wait
from analysis.decide.schedule import count_reached, is_terminating, wait_after
from analysis.decide.state import (
    DEFAULT_MEASUREMENT_LIMIT,
    METRIC_TERMINATED,
    Outcome,
    Schedule,
    Task,
    read_results,
    time_or,
)
from rollouts.api import Measurement, Metric, MetricResult
from rollouts.api.types import format_time, parse_duration
from rollouts.plan.actions import EventNote


def settle(*, schedule: Schedule, taken: Mapping[str, Measurement], now: datetime) -> Outcome:
    """The run's status after the measurements `taken` for `schedule.tasks` (by metric name), and what follows:
    events for metrics and the run completing, measurements trimmed, the next reconcile, TTL expiry."""
    status = dict(schedule.status)
    ttl = schedule.ttl
    if schedule.completed:
        return after_completion(status, ttl, now)
    if schedule.problem is not None or schedule.run is None:
        return errored(status, schedule, now)
    run = schedule.run
    results = read_results(status)
    events: list[EventNote] = []
    for task in schedule.tasks:
        measurement = taken.get(task.metric.name)
        if measurement is not None:
            results[task.metric.name] = _record(results.get(task.metric.name), task, measurement, schedule.dry_run, now)
    for metric in schedule.metrics:
        result = results.get(metric.name)
        if result is not None:
            results[metric.name] = _assess(metric, result, schedule, events)
    verdict = assess.assess_run(
        schedule.metrics,
        results,
        dry_run=schedule.dry_run,
        terminating=schedule.terminating,
        terminate_requested=bool(run.spec.terminate),
    )
    trimmed = _trim(results, schedule.retention)
    trimmed |= bounds.fit(results)  # after retention: what fits the budget is at most what retention kept
    status["startedAt"] = schedule.started_at
    status["metricResults"] = [result.to_dict() for result in _ordered(results, schedule.metrics)]
    status["runSummary"] = verdict.run_summary.to_dict()
    status["dryRunSummary"] = verdict.dry_run_summary.to_dict()
    if verdict.phase != status.get("phase"):
        status["phase"] = verdict.phase
        status["message"] = verdict.message or None
        if verdict.phase in assess.COMPLETED:
            events.append(run_completed(verdict.phase))
            status["completedAt"] = status.get("completedAt") or format_time(now)
    status = {key: value for key, value in status.items() if value is not None}
    if status["phase"] in assess.COMPLETED:
        requeue = ttl_wait(status, ttl, now)  # nothing is measured any more; only the TTL may still act
    elif not schedule.terminating and is_terminating(run, results):
        requeue = 0.0  # a metric just failed: stop the others' in-flight measurements right away
    else:
        requeue = next_reconcile(schedule, results, now)
    return Outcome(status, tuple(events), requeue, trimmed)


_COUNTERS = ("count", "successful", "failed", "inconclusive", "error", "consecutive_error", "consecutive_success")


def _record(
    result: MetricResult | None, task: Task, measurement: Measurement, dry_run: frozenset[str], now: datetime
) -> MetricResult:
    """Fold one new or updated measurement into its metric's counters and list (Argo's runMeasurements)."""
    name = task.metric.name
    measurement = bounds.bounded(measurement)
    if result is None:
        result = MetricResult(name=name, phase=assess.RUNNING, dry_run=True if name in dry_run else None)
    if task.action == "terminate" and measurement.phase in (assess.SUCCESSFUL, assess.INCONCLUSIVE):
        measurement = measurement.model_copy(update={"message": METRIC_TERMINATED})
    counters = {key: getattr(result, key) or 0 for key in _COUNTERS}
    if measurement.phase in assess.COMPLETED:
        if not measurement.finished_at:
            measurement = measurement.model_copy(update={"finished_at": format_time(now)})
        phase = measurement.phase
        if phase == assess.ERROR:
            counters["error"] += 1
            counters["consecutive_error"] += 1
            counters["consecutive_success"] = 0
        else:
            counters[str(phase).lower()] += 1
            counters["count"] += 1
            counters["consecutive_error"] = 0
            counters["consecutive_success"] = counters["consecutive_success"] + 1 if phase == assess.SUCCESSFUL else 0
    measurements = list(result.measurements or [])
    if task.action == "run" or not measurements:
        measurements.append(measurement)
    else:
        measurements[-1] = measurement
    return result.model_copy(update={**counters, "measurements": measurements})


def _assess(metric: Metric, result: MetricResult, schedule: Schedule, events: list[EventNote]) -> MetricResult:
    verdict = assess.assess_metric(metric, result, terminating=schedule.terminating)
    if verdict.phase == result.phase:
        return result
    last = result.measurements[-1] if result.measurements else None
    updated = result.model_copy(update={"phase": verdict.phase, "message": last.message if last is not None else None})
    if verdict.phase in assess.COMPLETED:
        if metric.name in schedule.dry_run:
            updated = updated.model_copy(update={"message": assess.dry_run_message(metric, updated) or updated.message})
        kind = "Warning" if verdict.phase in (assess.ERROR, assess.FAILED) else "Normal"
        events.append(
            EventNote(f"Metric{verdict.phase}", f"Metric '{metric.name}' Completed. Result: {verdict.phase}", kind)
        )
    return updated


def _trim(results: dict[str, MetricResult], retention: Mapping[str, int]) -> dict[str, int]:
    trimmed: dict[str, int] = {}
    for name, result in results.items():
        limit = retention.get(name, DEFAULT_MEASUREMENT_LIMIT)
        measurements = result.measurements or []
        if len(measurements) > limit:
            results[name] = result.model_copy(update={"measurements": measurements[len(measurements) - limit :]})
            trimmed[name] = limit
    return trimmed


def _ordered(results: Mapping[str, MetricResult], metrics: Sequence[Metric]) -> list[MetricResult]:
    names = [metric.name for metric in metrics]
    return [results[name] for name in names if name in results] + [
        r for name, r in results.items() if name not in names
    ]


def next_reconcile(schedule: Schedule, results: Mapping[str, MetricResult], now: datetime) -> float | None:
    """Seconds until the earliest next interval, initialDelay end or resumeAt of an unfinished metric (None: none)."""
    started = time_or(schedule.started_at, now)
    earliest: datetime | None = None
    for metric in schedule.metrics:
        result = results.get(metric.name)
        if result is not None and result.phase in assess.COMPLETED:
            continue
        measurements = (result.measurements if result else None) or []
        due: datetime | None = None
        if not measurements:
            if metric.initial_delay and not schedule.terminating:
                due = started + timedelta(seconds=parse_duration(metric.initial_delay))
        elif not measurements[-1].finished_at:
            due = time_or(measurements[-1].resume_at, now) if measurements[-1].resume_at else None
        elif not count_reached(metric, result) and not schedule.terminating:
            last = measurements[-1]
            if last.phase == assess.ERROR or metric.interval:
                due = time_or(last.finished_at, now) + timedelta(seconds=wait_after(metric, last))
        if due is not None and (earliest is None or due < earliest):
            earliest = due
    return None if earliest is None else max((earliest - now).total_seconds(), 0.0)
