"""AnalysisRun: one execution of an analysis, its phases, measurements and results. Pure data."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from rollouts.api.analysis.inputs import Argument, DryRun, MeasurementRetention
from rollouts.api.analysis.template import Metric
from rollouts.api.common import KubeModel, ObjectMeta
from rollouts.api.labels import API_VERSION


class AnalysisPhase(StrEnum):
    """Phase of an AnalysisRun, a metric or a measurement (also used by Experiments)."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    ERROR = "Error"
    INCONCLUSIVE = "Inconclusive"

    @property
    def completed(self) -> bool:
        """True for the terminal phases: Successful, Failed, Error, Inconclusive."""
        return self not in (AnalysisPhase.PENDING, AnalysisPhase.RUNNING)


class TTLStrategy(KubeModel):
    """When to delete a completed AnalysisRun."""

    seconds_after_completion: int | None = None
    """Delete this many seconds after the run completed, whatever the result."""
    seconds_after_failure: int | None = None
    """Delete this many seconds after the run failed (overrides secondsAfterCompletion)."""
    seconds_after_success: int | None = None
    """Delete this many seconds after the run succeeded (overrides secondsAfterCompletion)."""


class AnalysisRunSpec(KubeModel):
    """One execution of an analysis, with arguments resolved by its creator."""

    metrics: list[Metric]
    """Metrics to measure; names must be unique."""
    args: list[Argument] | None = None
    """Arguments the metrics use as `{{args.<name>}}`."""
    terminate: bool | None = None
    """Stop taking measurements and finish the run with what has been measured."""
    dry_run: list[DryRun] | None = None
    """Metrics to run in dry-run mode."""
    measurement_retention: list[MeasurementRetention] | None = None
    """Per-metric measurement retention."""
    ttl_strategy: TTLStrategy | None = None
    """When to delete the run after it completed."""


class Measurement(KubeModel):
    """One measurement of a metric."""

    phase: str | None = None
    """Pending, Running, Successful, Failed, Error or Inconclusive."""
    message: str | None = None
    """Why the measurement has its phase (errors, for example)."""
    started_at: str | None = None
    """RFC 3339 time the measurement started."""
    finished_at: str | None = None
    """RFC 3339 time the measurement finished."""
    value: str | None = None
    """The measured value as text."""
    metadata: dict[str, str] | None = None
    """Provider-specific details (job-name, ResolvedPrometheusQuery, ...)."""
    resume_at: str | None = None
    """RFC 3339 time at which to check an asynchronous measurement (jobs) again."""


class MetricResult(KubeModel):
    """The measurements and verdict of one metric."""

    name: str | None = None
    """Metric name."""
    phase: str | None = None
    """Phase of the metric."""
    measurements: list[Measurement] | None = None
    """Most recent measurements, oldest first."""
    message: str | None = None
    """Why the metric has its phase."""
    count: int | None = None
    """Measurements taken (errors excluded)."""
    successful: int | None = None
    """Successful measurements."""
    failed: int | None = None
    """Failed measurements."""
    inconclusive: int | None = None
    """Inconclusive measurements."""
    error: int | None = None
    """Measurements that errored."""
    consecutive_error: int | None = None
    """Errors in a row, reset by a non-error measurement."""
    consecutive_success: int | None = None
    """Successes in a row, reset by a non-successful measurement."""
    dry_run: bool | None = None
    """True when the metric ran in dry-run mode."""
    metadata: dict[str, str] | None = None
    """Provider-specific details about the metric."""


class RunSummary(KubeModel):
    """Metric counts by phase."""

    count: int | None = None
    """Number of metrics."""
    successful: int | None = None
    """Successful metrics."""
    failed: int | None = None
    """Failed metrics."""
    inconclusive: int | None = None
    """Inconclusive metrics."""
    error: int | None = None
    """Metrics that errored."""


class AnalysisRunStatus(KubeModel):
    """Observed state of an AnalysisRun."""

    phase: str | None = None
    """Pending, Running, Successful, Failed, Error or Inconclusive."""
    message: str | None = None
    """Why the run has its phase."""
    metric_results: list[MetricResult] | None = None
    """Per-metric results."""
    started_at: str | None = None
    """RFC 3339 time the run started."""
    completed_at: str | None = None
    """RFC 3339 time the run completed."""
    run_summary: RunSummary | None = None
    """Counts of metrics by phase (dry-run metrics excluded)."""
    dry_run_summary: RunSummary | None = None
    """Counts of dry-run metrics by phase."""


class AnalysisRun(KubeModel):
    """An execution of an analysis: measures its metrics and decides Successful, Failed, Error or Inconclusive."""

    api_version: str = API_VERSION
    """API version: argoproj.io/v1alpha1."""
    kind: str = "AnalysisRun"
    """Kind: AnalysisRun."""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    """Standard object metadata."""
    spec: AnalysisRunSpec
    """What to measure."""
    status: AnalysisRunStatus | None = None
    """What has been measured so far."""
