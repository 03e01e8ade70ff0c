"""Experiment models: run ReplicaSets from pod templates side by side for a while, optionally with analyses.

Pure data; Argo's defaults are `effective_*` properties (see `rollouts.api.defaults`).
"""

from __future__ import annotations

from pydantic import Field

from rollouts.api import defaults
from rollouts.api.analysis import AnalysisRunMetadata, Argument, DryRun, MeasurementRetention
from rollouts.api.common import Condition, KubeModel, LabelSelector, ObjectMeta, PodTemplateSpec
from rollouts.api.labels import API_VERSION


class TemplateService(KubeModel):
    """Create a Service for the template's ReplicaSet."""

    name: str | None = None
    """Service name; generated from the experiment and template names when empty."""


class ExperimentAnalysis(KubeModel):
    """An analysis an Experiment (or an experiment step) runs against its ReplicaSets."""

    name: str
    """Name of this analysis within the experiment; also names the AnalysisRun."""
    template_name: str
    """AnalysisTemplate (or ClusterAnalysisTemplate with clusterScope) to run."""
    cluster_scope: bool | None = None
    """Use a ClusterAnalysisTemplate."""
    args: list[Argument] | None = None
    """Arguments for the template."""
    required_for_completion: bool | None = None
    """The experiment completes only when this analysis has completed."""


class ExperimentTemplate(KubeModel):
    """A ReplicaSet to run during the experiment."""

    name: str
    """Template name, unique within the experiment."""
    replicas: int | None = None
    """Number of pods (default 1)."""
    min_ready_seconds: int | None = None
    """Seconds a pod must be ready before it counts as available."""
    selector: LabelSelector | None = None
    """Label selector of the ReplicaSet; must match the template's labels."""
    template: PodTemplateSpec | None = None
    """Pod template of the ReplicaSet, kept as written."""
    service: TemplateService | None = None
    """Create a Service selecting this template's pods."""

    @property
    def effective_replicas(self) -> int:
        """Pod count with Argo's default."""
        return defaults.EXPERIMENT_REPLICAS if self.replicas is None else self.replicas


class ExperimentSpec(KubeModel):
    """Desired state of an Experiment."""

    templates: list[ExperimentTemplate]
    """ReplicaSets to run; names must be unique."""
    duration: str | None = None
    """How long to run once all ReplicaSets are available, e.g. `5m`. Empty means until analyses or terminate."""
    progress_deadline_seconds: int | None = None
    """Seconds a ReplicaSet may take to become available before the experiment fails (default 600)."""
    terminate: bool | None = None
    """Stop the experiment early."""
    analyses: list[ExperimentAnalysis] | None = None
    """Analyses to run while the ReplicaSets are up."""
    scale_down_delay_seconds: int | None = None
    """Seconds to keep the ReplicaSets after the experiment completed (default 30)."""
    dry_run: list[DryRun] | None = None
    """Metrics to run in dry-run mode in all analyses."""
    measurement_retention: list[MeasurementRetention] | None = None
    """Per-metric measurement retention in all analyses."""
    analysis_run_metadata: AnalysisRunMetadata | None = None
    """Labels and annotations for the AnalysisRuns."""

    @property
    def effective_progress_deadline_seconds(self) -> int:
        """Progress deadline with Argo's default."""
        if self.progress_deadline_seconds is None:
            return defaults.EXPERIMENT_PROGRESS_DEADLINE_SECONDS
        return self.progress_deadline_seconds

    @property
    def effective_scale_down_delay_seconds(self) -> int:
        """Scale-down delay with Argo's default."""
        if self.scale_down_delay_seconds is None:
            return defaults.EXPERIMENT_SCALE_DOWN_DELAY_SECONDS
        return self.scale_down_delay_seconds


class TemplateStatus(KubeModel):
    """Observed state of one experiment template's ReplicaSet."""

    name: str | None = None
    """Template name."""
    replicas: int | None = None
    """Pods of the ReplicaSet."""
    updated_replicas: int | None = None
    """Pods with the template's spec."""
    ready_replicas: int | None = None
    """Ready pods."""
    available_replicas: int | None = None
    """Available pods."""
    collision_count: int | None = None
    """Hash collisions met while naming the ReplicaSet."""
    status: str | None = None
    """Progressing, Running, Successful, Failed or Error."""
    message: str | None = None
    """Why the template has its status."""
    last_transition_time: str | None = None
    """RFC 3339 time the status last changed."""
    service_name: str | None = None
    """Name of the Service created for the template."""
    pod_template_hash: str | None = None
    """Pod template hash of the ReplicaSet."""


class ExperimentAnalysisRunStatus(KubeModel):
    """Observed state of one experiment analysis."""

    name: str | None = None
    """Analysis name."""
    analysis_run: str | None = None
    """Name of the AnalysisRun."""
    phase: str | None = None
    """Phase of the AnalysisRun."""
    message: str | None = None
    """Why the AnalysisRun has its phase."""


class ExperimentStatus(KubeModel):
    """Observed state of an Experiment."""

    phase: str | None = None
    """Pending, Running, Successful, Failed, Error or Inconclusive."""
    message: str | None = None
    """Why the experiment has its phase."""
    template_statuses: list[TemplateStatus] | None = None
    """Per-template ReplicaSet state."""
    available_at: str | None = None
    """RFC 3339 time all ReplicaSets became available."""
    conditions: list[Condition] | None = None
    """Latest observations of the experiment's state."""
    analysis_runs: list[ExperimentAnalysisRunStatus] | None = None
    """Per-analysis AnalysisRun state."""


class Experiment(KubeModel):
    """Runs ReplicaSets from pod templates for a limited time, optionally judged by analyses."""

    api_version: str = API_VERSION
    """API version: argoproj.io/v1alpha1."""
    kind: str = "Experiment"
    """Kind: Experiment."""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    """Standard object metadata."""
    spec: ExperimentSpec
    """Desired state."""
    status: ExperimentStatus | None = None
    """Observed state."""
