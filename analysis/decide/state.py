"""The shapes one AnalysisRun reconcile passes around (Task, Schedule, Outcome) and readers of the run's status.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from analysis import assess
from rollouts.api import AnalysisRun, Measurement, Metric, MetricResult
from rollouts.api.types import parse_time
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


def read_results(status: Mapping[str, Any]) -> dict[str, MetricResult]:
    results: dict[str, MetricResult] = {}
    for raw in status.get("metricResults") or []:
        try:
            result = MetricResult.model_validate(raw)
        except ValueError:
            continue  # a result we cannot read is measured afresh rather than wedging the run
        if result.name:
            results[result.name] = result
    return results


def time_or(text: str | None, fallback: datetime) -> datetime:
    try:
        return parse_time(text) if text else fallback
    except ValueError:
        return fallback
