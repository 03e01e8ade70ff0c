"""Decide what an AnalysisRun needs at `now`: which measurements to take, resume or stop, and the status after them.

Pure: no I/O, no clock (`now` is passed in), no logging. One reconcile is two calls around the measuring:

    schedule = decide.schedule(run=raw, now=now)                 # what is due; spec problems found here
    taken = {task.metric.name: measure(task) for task in schedule.tasks}       # the controller's I/O
    outcome = decide.settle(schedule=schedule, taken=taken, now=now)
    # outcome.status (full desired status), .events, .requeue_after, .trimmed (provider GC), .expired (TTL)

Timing: a metric is measured again `interval` after its previous measurement finished; the first measurement
waits `initialDelay` after the run started; a measurement that errored is retried after min(10 s, interval)
(Argo always waits 10 s; the shorter wait keeps short-interval metrics, and tests, quick); an asynchronous
measurement (a Job) is looked at again at its `resumeAt`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from analysis import args as arguments
from analysis import assess
from rollouts.api import AnalysisRun, Measurement, Metric, MetricResult, parse_analysis_run, validate
from rollouts.api.types import format_time, parse_duration, parse_time
from rollouts.plan.actions import EventNote

DEFAULT_MEASUREMENT_LIMIT = 10
"""Measurements kept per metric unless a measurementRetention rule says otherwise."""
ERROR_RETRY_SECONDS = 10.0
"""Longest wait before retrying a measurement that errored."""
METRIC_TERMINATED = "Metric Terminated"
SPEC_INVALID = "Analysis spec invalid"
ARGS_UNRESOLVED = "Unable to resolve metric arguments"

Action = Literal["run", "resume", "terminate"]


@dataclass(frozen=True)
class Task:
    """One provider call due now for one metric."""

    metric: Metric
    """The metric with its args substituted (secret values masked as `*****`)."""
    spec: Mapping[str, Any]
    """The metric as written in the run, for substituting real secret values before the provider call."""
    action: Action
    """run: take a new measurement; resume: look at the in-flight one again; terminate: stop it."""
    in_flight: Measurement | None = None
    """The unfinished measurement to resume or terminate."""
    taken: int = 0
    """Measurements taken so far, errors included (Job names count from here)."""


@dataclass(frozen=True)
class Schedule:
    """What one reconcile of a run has to do, and what `settle` needs to finish the job."""

    run: AnalysisRun | None
    status: Mapping[str, Any]
    """The run's status as read."""
    metrics: tuple[Metric, ...] = ()
    dry_run: frozenset[str] = frozenset()
    retention: Mapping[str, int] = field(default_factory=dict)
    tasks: tuple[Task, ...] = ()
    terminating: bool = False
    started_at: str = ""
    problem: str | None = None
    """Why the spec cannot run ("Analysis spec invalid: …"); the run then ends in Error."""
    ttl: Mapping[str, Any] | None = None
    """spec.ttlStrategy as written: when to delete the run once it completed."""

    @property
    def completed(self) -> bool:
        """The run already has a final phase: nothing is measured any more (only its TTL matters)."""
        return self.status.get("phase") in assess.COMPLETED


@dataclass(frozen=True)
class Outcome:
    """The result of a reconcile: the status to write, the events to record, when to look again."""

    status: dict[str, Any]
    events: tuple[EventNote, ...] = ()
    requeue_after: float | None = None
    trimmed: Mapping[str, int] = field(default_factory=dict)
    """Metric name → measurements kept, for metrics that lost old ones (their providers garbage-collect)."""
    expired: bool = False
    """The completed run outlived its ttlStrategy: delete it."""


# --- schedule ------------------------------------------------------------------------------------------------------


def schedule(*, run: Mapping[str, Any], now: datetime) -> Schedule:
    """What is due for the raw AnalysisRun `run` at `now`. Never raises on a bad spec: `problem` says what is wrong."""
    status = run.get("status") or {}
    ttl = _ttl_strategy(run)
    if status.get("phase") in assess.COMPLETED:
        return Schedule(run=None, status=status, ttl=ttl)
    started_at = status.get("startedAt") or format_time(now)
    parsed = parse_analysis_run(run, check=False)
    if isinstance(parsed, list):
        return _invalid(status, started_at, f"{SPEC_INVALID}: {_join(parsed)}", ttl)
    specs = ((run.get("spec") or {}).get("metrics")) or []
    try:
        values = arguments.argument_values(parsed.spec.args)
        resolved_specs = [arguments.substitute(spec, values.values) for spec in specs]
    except arguments.ArgumentError as error:
        return _invalid(status, started_at, f"{ARGS_UNRESOLVED}: {error}", ttl)
    resolved = parse_analysis_run({**run, "spec": {**run["spec"], "metrics": resolved_specs}}, check=True)
    if isinstance(resolved, list):
        return _invalid(status, started_at, f"{SPEC_INVALID}: {_join(resolved)}", ttl)
    metrics = tuple(resolved.spec.metrics)
    try:
        dry_run = frozenset(_matching(resolved.spec.dry_run or [], metrics, "dryRun"))
        retention = {
            name: rule.limit if rule.limit > 0 else DEFAULT_MEASUREMENT_LIMIT
            for rule, name in _rule_matches(resolved.spec.measurement_retention or [], metrics, "measurementRetention")
        }
    except ValueError as error:
        return _invalid(status, started_at, f"{SPEC_INVALID}: {error}", ttl)
    results = _results(status)
    terminating = is_terminating(resolved, results)
    started = _time(started_at, now)
    tasks = tuple(
        task
        for metric, spec in zip(metrics, specs, strict=True)
        if (task := _task(metric, spec, results.get(metric.name), terminating, started, now)) is not None
    )
    return Schedule(
        run=resolved, status=status, metrics=metrics, dry_run=dry_run, retention=retention, tasks=tasks,
        terminating=terminating, started_at=started_at, ttl=ttl,
    )  # fmt: skip


def is_terminating(run: AnalysisRun, results: Mapping[str, MetricResult]) -> bool:
    """spec.terminate, or a non-dry-run metric already Failed, Error or Inconclusive: no new measurements."""
    if run.spec.terminate:
        return True
    return any(not result.dry_run and result.phase in (assess.FAILED, assess.ERROR, assess.INCONCLUSIVE) for result in results.values())


def _task(
    metric: Metric, spec: Mapping[str, Any], result: MetricResult | None, terminating: bool, started: datetime, now: datetime
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
        if last.resume_at and _time(last.resume_at, now) > now:
            return None
        return Task(metric, spec, "resume", last, taken)
    if terminating:
        return None
    if last is None:
        if metric.initial_delay and started + timedelta(seconds=parse_duration(metric.initial_delay)) > now:
            return None
        return Task(metric, spec, "run", None, taken)
    if _count_reached(metric, result):
        return None
    if now >= _time(last.finished_at, now) + timedelta(seconds=_wait_after(metric, last)):
        return Task(metric, spec, "run", None, taken)
    return None


def error_retry_seconds(metric: Metric) -> float:
    """How long to wait before retrying after an Error measurement: min(10 s, interval), 10 s without interval."""
    if not metric.interval:
        return ERROR_RETRY_SECONDS
    return min(ERROR_RETRY_SECONDS, max(parse_duration(metric.interval), 0.0))


def _wait_after(metric: Metric, last: Measurement) -> float:
    if last.phase == assess.ERROR:
        return error_retry_seconds(metric)
    return parse_duration(metric.interval) if metric.interval else ERROR_RETRY_SECONDS


def _count_reached(metric: Metric, result: MetricResult | None) -> bool:
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
            raise ValueError(f"{field_name}[{index}].metricName: invalid regular expression {rule.metric_name!r}: {error}") from None
        names = [metric.name for metric in metrics if pattern.search(metric.name)]
        if not names:
            raise ValueError(f"{field_name}[{index}]: Rule didn't match any metric name(s)")
        matches.extend((rule, name) for name in names)
    return matches


def _invalid(status: Mapping[str, Any], started_at: str, problem: str, ttl: Mapping[str, Any] | None) -> Schedule:
    return Schedule(run=None, status=status, started_at=started_at, problem=problem, ttl=ttl)


def _ttl_strategy(run: Mapping[str, Any]) -> Mapping[str, Any] | None:
    ttl = (run.get("spec") or {}).get("ttlStrategy")
    return ttl if isinstance(ttl, Mapping) else None


def _join(problems: Sequence[Any]) -> str:
    return "; ".join(str(problem) for problem in problems)


# --- settle --------------------------------------------------------------------------------------------------------


def settle(*, schedule: Schedule, taken: Mapping[str, Measurement], now: datetime) -> Outcome:
    """The run's status after the measurements `taken` for `schedule.tasks` (by metric name), and what follows:
    events for metrics and the run completing, measurements trimmed, the next reconcile, TTL expiry."""
    status = dict(schedule.status)
    ttl = schedule.ttl
    if schedule.completed:
        return _after_completion(status, ttl, now)
    if schedule.problem is not None or schedule.run is None:
        return _errored(status, schedule, now)
    run = schedule.run
    results = _results(status)
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
        schedule.metrics, results, dry_run=schedule.dry_run, terminating=schedule.terminating,
        terminate_requested=bool(run.spec.terminate),
    )  # fmt: skip
    trimmed = _trim(results, schedule.retention)
    status["startedAt"] = schedule.started_at
    status["metricResults"] = [result.to_dict() for result in _ordered(results, schedule.metrics)]
    status["runSummary"] = verdict.run_summary.to_dict()
    status["dryRunSummary"] = verdict.dry_run_summary.to_dict()
    if verdict.phase != status.get("phase"):
        status["phase"] = verdict.phase
        status["message"] = verdict.message or None
        if verdict.phase in assess.COMPLETED:
            events.append(_run_completed(verdict.phase))
            status["completedAt"] = status.get("completedAt") or format_time(now)
    status = {key: value for key, value in status.items() if value is not None}
    if status["phase"] in assess.COMPLETED:
        requeue = _ttl_wait(status, ttl, now)  # nothing is measured any more; only the TTL may still act
    elif not schedule.terminating and is_terminating(run, results):
        requeue = 0.0  # a metric just failed: stop the others' in-flight measurements right away
    else:
        requeue = next_reconcile(schedule, results, now)
    return Outcome(status, tuple(events), requeue, trimmed)


_COUNTERS = ("count", "successful", "failed", "inconclusive", "error", "consecutive_error", "consecutive_success")


def _record(result: MetricResult | None, task: Task, measurement: Measurement, dry_run: frozenset[str], now: datetime) -> MetricResult:
    """Fold one new or updated measurement into its metric's counters and list (Argo's runMeasurements)."""
    name = task.metric.name
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
            counters[phase.lower()] += 1
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
    last = (result.measurements or [None])[-1]
    updated = result.model_copy(update={"phase": verdict.phase, "message": last.message if last is not None else None})
    if verdict.phase in assess.COMPLETED:
        if metric.name in schedule.dry_run:
            updated = updated.model_copy(update={"message": assess.dry_run_message(metric, updated) or updated.message})
        kind = "Warning" if verdict.phase in (assess.ERROR, assess.FAILED) else "Normal"
        events.append(EventNote(f"Metric{verdict.phase}", f"Metric '{metric.name}' Completed. Result: {verdict.phase}", kind))
    return updated


def _trim(results: dict[str, MetricResult], retention: Mapping[str, int]) -> dict[str, int]:
    trimmed: dict[str, int] = {}
    for name, result in results.items():
        limit = retention.get(name, DEFAULT_MEASUREMENT_LIMIT)
        measurements = result.measurements or []
        if len(measurements) > limit:
            results[name] = result.model_copy(update={"measurements": measurements[len(measurements) - limit:]})
            trimmed[name] = limit
    return trimmed


def _ordered(results: Mapping[str, MetricResult], metrics: Sequence[Metric]) -> list[MetricResult]:
    names = [metric.name for metric in metrics]
    return [results[name] for name in names if name in results] + [r for name, r in results.items() if name not in names]


def next_reconcile(schedule: Schedule, results: Mapping[str, MetricResult], now: datetime) -> float | None:
    """Seconds until the earliest next interval, initialDelay end or resumeAt of an unfinished metric (None: none)."""
    started = _time(schedule.started_at, now)
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
            due = _time(measurements[-1].resume_at, now) if measurements[-1].resume_at else None
        elif not _count_reached(metric, result) and not schedule.terminating:
            last = measurements[-1]
            if last.phase == assess.ERROR or metric.interval:
                due = _time(last.finished_at, now) + timedelta(seconds=_wait_after(metric, last))
        if due is not None and (earliest is None or due < earliest):
            earliest = due
    return None if earliest is None else max((earliest - now).total_seconds(), 0.0)


# --- completion, errors, TTL ---------------------------------------------------------------------------------------


def _errored(status: dict[str, Any], schedule: Schedule, now: datetime) -> Outcome:
    status.update(phase=assess.ERROR, message=schedule.problem, startedAt=schedule.started_at)
    status["completedAt"] = status.get("completedAt") or format_time(now)
    return Outcome(status, (_run_completed(assess.ERROR),), _ttl_wait(status, schedule.ttl, now))


def spec_error(*, run: Mapping[str, Any], message: str, now: datetime) -> Outcome:
    """The run ends in Error with `message` (e.g. a secret argument the controller could not read)."""
    status = run.get("status") or {}
    started_at = status.get("startedAt") or format_time(now)
    return _errored(dict(status), _invalid(status, started_at, message, _ttl_strategy(run)), now)


def _after_completion(status: dict[str, Any], ttl: Mapping[str, Any] | None, now: datetime) -> Outcome:
    wait = _ttl_wait(status, ttl, now)
    if wait is not None and wait <= 0:
        return Outcome(status, expired=True)
    return Outcome(status, requeue_after=wait)


def ttl_seconds(phase: str | None, ttl: Mapping[str, Any] | None) -> int | None:
    """Seconds a completed run lives: secondsAfterSuccess / secondsAfterFailure for those phases, else
    secondsAfterCompletion; None when the strategy says nothing for this phase."""
    if not ttl:
        return None
    if phase == assess.SUCCESSFUL and ttl.get("secondsAfterSuccess") is not None:
        return int(ttl["secondsAfterSuccess"])
    if phase == assess.FAILED and ttl.get("secondsAfterFailure") is not None:
        return int(ttl["secondsAfterFailure"])
    if ttl.get("secondsAfterCompletion") is not None:
        return int(ttl["secondsAfterCompletion"])
    return None


def _ttl_wait(status: Mapping[str, Any], ttl: Mapping[str, Any] | None, now: datetime) -> float | None:
    seconds = ttl_seconds(status.get("phase"), ttl)
    completed_at = status.get("completedAt")
    if seconds is None or not completed_at:
        return None
    return (_time(completed_at, now) + timedelta(seconds=seconds) - now).total_seconds()


def _run_completed(phase: str) -> EventNote:
    kind = "Warning" if phase in (assess.ERROR, assess.FAILED) else "Normal"
    return EventNote(f"AnalysisRun{phase}", f"Analysis Completed. Result: {phase}", kind)


# --- small helpers -------------------------------------------------------------------------------------------------


def _results(status: Mapping[str, Any]) -> dict[str, MetricResult]:
    results: dict[str, MetricResult] = {}
    for raw in status.get("metricResults") or []:
        try:
            result = MetricResult.model_validate(raw)
        except ValueError:
            continue  # a result we cannot read is measured afresh rather than wedging the run
        if result.name:
            results[result.name] = result
    return results


def _time(text: str | None, fallback: datetime) -> datetime:
    try:
        return parse_time(text) if text else fallback
    except ValueError:
        return fallback
