"""The Rollout kind and its spec: replicas, selector, pod template and strategy (Argo's defaults as `effective_*`
properties). Pure data."""

from __future__ import annotations

from pydantic import Field

from rollouts.api import defaults
from rollouts.api.common import KubeModel, LabelSelector, ObjectMeta, PodTemplateSpec
from rollouts.api.labels import API_VERSION
from rollouts.api.rollout.analysis import AnalysisRunStrategy
from rollouts.api.rollout.status import RolloutStatus
from rollouts.api.rollout.strategy import RolloutStrategy


class ObjectRef(KubeModel):
    """A reference to the workload that provides the pod template and selector."""

    api_version: str | None = None
    """API version of the workload, e.g. apps/v1."""
    kind: str | None = None
    """Kind of the workload: Deployment (ReplicaSet and PodTemplate are accepted too)."""
    name: str | None = None
    """Name of the workload in the Rollout's namespace."""
    scale_down: str | None = None
    """What to do with the Deployment: never (default), onsuccess, or progressively."""

    @property
    def effective_scale_down(self) -> str:
        """Scale-down mode with Argo's default."""
        return self.scale_down or defaults.WORKLOAD_SCALE_DOWN


class RollbackWindow(KubeModel):
    """Skip steps and analysis when rolling back to a recent revision."""

    revisions: int | None = None
    """Number of most recent revisions a rollback to which is fast-tracked."""


class RolloutSpec(KubeModel):
    """Desired state of a Rollout."""

    replicas: int | None = None
    """Desired number of pods (default 1)."""
    selector: LabelSelector | None = None
    """Label selector for the pods; must match the template's labels. Required unless workloadRef is set."""
    template: PodTemplateSpec | None = None
    """Pod template, kept as written; any change starts an update. Must be empty when workloadRef is set."""
    workload_ref: ObjectRef | None = None
    """Take the pod template and selector from a Deployment instead."""
    min_ready_seconds: int | None = None
    """Seconds a new pod must be ready before it counts as available."""
    rollback_window: RollbackWindow | None = None
    """Fast-track rollbacks to recent revisions."""
    strategy: RolloutStrategy | None = None
    """Update strategy: blueGreen or canary."""
    revision_history_limit: int | None = None
    """Old ReplicaSets to keep (default 10)."""
    paused: bool | None = None
    """Pause the rollout manually."""
    progress_deadline_seconds: int | None = None
    """Seconds an update may go without progress before it is Degraded (default 600)."""
    progress_deadline_abort: bool | None = None
    """Also abort the update when the progress deadline is exceeded."""
    restart_at: str | None = None
    """RFC 3339 time; pods created before it are restarted once that time has passed."""
    analysis: AnalysisRunStrategy | None = None
    """How many finished AnalysisRuns to keep."""

    @property
    def effective_replicas(self) -> int:
        """Desired pods with Argo's default (1)."""
        return defaults.REPLICAS if self.replicas is None else self.replicas

    @property
    def effective_revision_history_limit(self) -> int:
        """Old ReplicaSets to keep with Argo's default (10)."""
        return defaults.REVISION_HISTORY_LIMIT if self.revision_history_limit is None else self.revision_history_limit

    @property
    def effective_progress_deadline_seconds(self) -> int:
        """Progress deadline with Argo's default (600)."""
        if self.progress_deadline_seconds is None:
            return defaults.PROGRESS_DEADLINE_SECONDS
        return self.progress_deadline_seconds

    @property
    def effective_successful_run_history_limit(self) -> int:
        """Successful runs to keep with Argo's default (5)."""
        limit = self.analysis.successful_run_history_limit if self.analysis else None
        return defaults.SUCCESSFUL_RUN_HISTORY_LIMIT if limit is None else limit

    @property
    def effective_unsuccessful_run_history_limit(self) -> int:
        """Unsuccessful runs to keep with Argo's default (5)."""
        limit = self.analysis.unsuccessful_run_history_limit if self.analysis else None
        return defaults.UNSUCCESSFUL_RUN_HISTORY_LIMIT if limit is None else limit


class Rollout(KubeModel):
    """A Deployment replacement with blue-green and canary updates, analysis and traffic shifting."""

    api_version: str = API_VERSION
    """API version: argoproj.io/v1alpha1."""
    kind: str = "Rollout"
    """Kind: Rollout."""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    """Standard object metadata."""
    spec: RolloutSpec
    """Desired state."""
    status: RolloutStatus | None = None
    """Observed state."""
