"""Observed state of a Rollout, written by the controller (abort, pauseConditions and promoteFull by users too).

Pure data.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from rollouts.api.common import Condition, FreeObject, JSONValue, KubeModel


class RolloutPhase(StrEnum):
    """Phase of a Rollout as computed by the controller."""

    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    PAUSED = "Paused"
    DEGRADED = "Degraded"


class PauseCondition(KubeModel):
    """Why and since when the controller paused the rollout."""

    reason: str | None = None
    """CanaryPauseStep, BlueGreenPause, InconclusiveAnalysisRun or InconclusiveExperiment."""
    start_time: str | None = None
    """RFC 3339 time the pause started."""


class RolloutAnalysisRunStatus(KubeModel):
    """The AnalysisRun currently used for one purpose."""

    name: str | None = None
    """Name of the AnalysisRun."""
    status: str | None = None
    """Phase of the AnalysisRun."""
    message: str | None = None
    """Message of the AnalysisRun."""


class WeightDestination(KubeModel):
    """Traffic weight last set for one destination."""

    weight: int | None = None
    """Weight."""
    service_name: str | None = None
    """Service receiving the traffic."""
    pod_template_hash: str | None = None
    """Pod template hash of the destination ReplicaSet."""


class TrafficWeights(KubeModel):
    """Traffic weights last applied to the traffic router."""

    canary: WeightDestination | None = None
    """Canary destination."""
    stable: WeightDestination | None = None
    """Stable destination."""
    additional: list[WeightDestination] | None = None
    """Experiment destinations."""
    verified: bool | None = None
    """Whether the weights were verified at the router (ALB)."""


class StepPluginStatus(KubeModel):
    """Execution state of a plugin step."""

    index: int | None = None
    """Step index."""
    name: str | None = None
    """Plugin name."""
    operation: str | None = None
    """Run, Terminate or Abort."""
    phase: str | None = None
    """Running, Successful, Failed or Error."""
    message: str | None = None
    """Message from the plugin."""
    started_at: str | None = None
    """RFC 3339 time the execution started."""
    updated_at: str | None = None
    """RFC 3339 time of the last update."""
    finished_at: str | None = None
    """RFC 3339 time the execution finished."""
    backoff: str | None = None
    """Duration to wait before the next execution."""
    executions: int | None = None
    """Number of executions."""
    disabled: bool | None = None
    """Whether the plugin is disabled."""
    status: JSONValue = None
    """Plugin-specific state."""


class CanaryStatus(KubeModel):
    """Canary-specific observed state."""

    current_step_analysis_run_status: RolloutAnalysisRunStatus | None = None
    """AnalysisRun of the current analysis step."""
    current_background_analysis_run_status: RolloutAnalysisRunStatus | None = None
    """Background AnalysisRun."""
    current_experiment: str | None = None
    """Experiment of the current experiment step."""
    weights: TrafficWeights | None = None
    """Traffic weights last applied."""
    stable_ping_pong: str | None = None
    """Which ping-pong Service is stable: ping or pong."""
    step_plugin_statuses: list[StepPluginStatus] | None = None
    """Plugin step executions."""


class BlueGreenStatus(KubeModel):
    """Blue-green-specific observed state."""

    preview_selector: str | None = None
    """Pod template hash the preview Service selects."""
    active_selector: str | None = None
    """Pod template hash the active Service selects."""
    scale_up_preview_check_point: bool | None = None
    """The preview ReplicaSet must scale to full size before the switch."""
    pre_promotion_analysis_run_status: RolloutAnalysisRunStatus | None = None
    """Pre-promotion AnalysisRun."""
    post_promotion_analysis_run_status: RolloutAnalysisRunStatus | None = None
    """Post-promotion AnalysisRun."""


class RolloutDurationStatus(KubeModel):
    """Timing of the current or last update."""

    rollout_started_at: str | None = None
    """RFC 3339 time the update started."""
    manual_pause_started_at: str | None = None
    """RFC 3339 time the current manual pause started."""
    total_manual_pause_duration_seconds: int | None = None
    """Seconds spent manually paused."""
    finished_at: str | None = None
    """RFC 3339 time the update finished."""
    completion_status: str | None = None
    """Promoted, FastPromoted, Aborted, Superseded, RolledBack or FastRolledBack."""


class RolloutStatus(KubeModel):
    """Observed state of a Rollout, written by the controller (abort, pauseConditions and promoteFull by users too)."""

    abort: bool | None = None
    """Abort the update: send traffic back to stable and scale the new version down."""
    pause_conditions: list[PauseCondition] | None = None
    """Why the controller paused; clearing them resumes the rollout."""
    controller_pause: bool | None = None
    """The controller paused the rollout (with pauseConditions)."""
    aborted_at: str | None = None
    """RFC 3339 time the abort was first reconciled."""
    current_pod_hash: str | None = None
    """Pod template hash of the current template."""
    current_step_hash: str | None = None
    """Hash of the canary steps; a change restarts the steps."""
    replicas: int | None = None
    """Pods of all ReplicaSets."""
    updated_replicas: int | None = None
    """Pods with the current template."""
    ready_replicas: int | None = None
    """Ready pods."""
    available_replicas: int | None = None
    """Available pods."""
    current_step_index: int | None = None
    """Index of the current canary step; equal to the number of steps when all are done."""
    collision_count: int | None = None
    """Hash collisions met while naming ReplicaSets."""
    observed_generation: str | None = None
    """metadata.generation last reconciled, as a string."""
    conditions: list[Condition] | None = None
    """Latest observations of the rollout's state."""
    canary: CanaryStatus | None = None
    """Canary-specific state."""
    blue_green: BlueGreenStatus | None = None
    """Blue-green-specific state."""
    hpa_replicas: int | None = Field(default=None, alias="HPAReplicas")
    """Pods counted by the scale subresource (HorizontalPodAutoscaler)."""
    selector: str | None = None
    """Label selector of the counted pods, in string form (scale subresource)."""
    stable_rs: str | None = Field(default=None, alias="stableRS")
    """Pod template hash of the stable ReplicaSet."""
    restarted_at: str | None = None
    """RFC 3339 time of the last completed restart."""
    promote_full: bool | None = None
    """Skip the remaining steps and analyses."""
    phase: str | None = None
    """Healthy, Progressing, Paused or Degraded."""
    message: str | None = None
    """Why the rollout has its phase."""
    workload_observed_generation: str | None = None
    """Generation of the referenced workload last reconciled."""
    alb: FreeObject | None = None
    """AWS load balancer state (ALB routing)."""
    albs: list[FreeObject] | None = None
    """AWS load balancer states, one per ingress (ALB routing)."""
    duration: RolloutDurationStatus | None = None
    """Timing of the current or last update."""
