"""Rollout models: spec (blue-green and canary strategies, steps, traffic routing) and status.

Pure data; Argo's defaults are `effective_*` properties (see `rollouts.api.defaults`). Only Istio traffic routing is
typed; the other routers Argo knows are kept as free objects so their manifests still load.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from rollouts.api import defaults
from rollouts.api.analysis import (
    AnalysisRunMetadata,
    AnalysisTemplateRef,
    Argument,
    DryRun,
    MeasurementRetention,
)
from rollouts.api.common import (
    API_VERSION,
    Condition,
    FreeObject,
    JSONValue,
    KubeModel,
    LabelSelector,
    ObjectMeta,
    PodTemplateMetadata,
    PodTemplateSpec,
)
from rollouts.api.experiment import ExperimentAnalysis, TemplateService
from rollouts.api.types import IntOrPercent, IntOrString, parse_duration

TRAFFIC_ROUTERS = ("istio", "nginx", "alb", "smi", "ambassador", "appMesh", "traefik", "apisix", "plugins")
"""Every traffic router key Argo Rollouts knows inside `trafficRouting` (wire names)."""

SUPPORTED_TRAFFIC_ROUTERS = ("istio",)
"""The traffic routers this controller implements."""

STEP_KINDS = (
    "setWeight",
    "pause",
    "analysis",
    "experiment",
    "setCanaryScale",
    "setHeaderRoute",
    "setMirrorRoute",
    "plugin",
)
"""Every kind of canary step (wire names); a step sets exactly one."""


class RolloutPhase(StrEnum):
    """Phase of a Rollout as computed by the controller."""

    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    PAUSED = "Paused"
    DEGRADED = "Degraded"


# --- shared pieces --------------------------------------------------------------------------------------------------


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


class AnalysisRunStrategy(KubeModel):
    """How many finished AnalysisRuns and Experiments to keep per Rollout."""

    successful_run_history_limit: int | None = None
    """Successful runs to keep (default 5)."""
    unsuccessful_run_history_limit: int | None = None
    """Failed, errored or inconclusive runs to keep (default 5)."""


class RolloutAnalysis(KubeModel):
    """Analysis templates to run, with arguments."""

    templates: list[AnalysisTemplateRef] | None = None
    """Templates whose metrics are merged into one AnalysisRun."""
    args: list[Argument] | None = None
    """Arguments for the templates; may read Rollout fields or pod template hashes."""
    dry_run: list[DryRun] | None = None
    """Metrics to run in dry-run mode."""
    measurement_retention: list[MeasurementRetention] | None = None
    """Per-metric measurement retention."""
    analysis_run_metadata: AnalysisRunMetadata | None = None
    """Labels and annotations for the AnalysisRun."""


class RolloutAnalysisBackground(RolloutAnalysis):
    """Analysis that runs in the background during a canary update."""

    starting_step: int | None = None
    """Index of the step from which the analysis runs (default 0)."""


class PreferredDuringSchedulingIgnoredDuringExecution(KubeModel):
    """Prefer (but do not require) that new pods avoid nodes running stable pods."""

    weight: int
    """Weight of the preference, 1 to 100."""


class RequiredDuringSchedulingIgnoredDuringExecution(KubeModel):
    """Require that new pods do not share a node with stable pods."""


class AntiAffinity(KubeModel):
    """Keep canary or preview pods off the nodes that run stable pods. Set exactly one field."""

    preferred_during_scheduling_ignored_during_execution: PreferredDuringSchedulingIgnoredDuringExecution | None = None
    """Soft anti-affinity with a weight."""
    required_during_scheduling_ignored_during_execution: RequiredDuringSchedulingIgnoredDuringExecution | None = None
    """Hard anti-affinity."""


# --- blue-green -----------------------------------------------------------------------------------------------------


class BlueGreenStrategy(KubeModel):
    """Run the new version next to the old one and switch the active Service over at promotion."""

    active_service: str
    """Service that receives production traffic; switched to the new ReplicaSet at promotion."""
    preview_service: str | None = None
    """Service that always points to the newest ReplicaSet."""
    preview_replica_count: int | None = None
    """Pods of the new ReplicaSet before promotion (default: spec.replicas)."""
    auto_promotion_enabled: bool | None = None
    """Promote automatically once the new ReplicaSet is ready (default true); false waits for promote."""
    auto_promotion_seconds: int | None = None
    """Promote automatically this many seconds after pausing."""
    max_unavailable: IntOrPercent | None = None
    """Pods that may be unavailable during a restart (default 25%)."""
    scale_down_delay_seconds: int | None = None
    """Seconds to keep the old ReplicaSet up after the switch (default 30)."""
    scale_down_delay_revision_limit: int | None = None
    """Old ReplicaSets that may wait for their scale-down delay at the same time."""
    pre_promotion_analysis: RolloutAnalysis | None = None
    """Analysis that must succeed before the active Service switches."""
    anti_affinity: AntiAffinity | None = None
    """Keep new pods off nodes that run stable pods."""
    post_promotion_analysis: RolloutAnalysis | None = None
    """Analysis that must succeed after the switch before the new ReplicaSet is marked stable."""
    preview_metadata: PodTemplateMetadata | None = None
    """Labels and annotations for pods while they are the preview."""
    active_metadata: PodTemplateMetadata | None = None
    """Labels and annotations for pods while they are active."""
    abort_scale_down_delay_seconds: int | None = None
    """Seconds before the preview ReplicaSet is scaled down after an abort (default 30; 0 keeps it)."""

    @property
    def effective_auto_promotion_enabled(self) -> bool:
        """Auto-promotion with Argo's default (on)."""
        return defaults.AUTO_PROMOTION_ENABLED if self.auto_promotion_enabled is None else self.auto_promotion_enabled

    @property
    def effective_auto_promotion_seconds(self) -> int:
        """Auto-promotion delay with Argo's default (0: none)."""
        return self.auto_promotion_seconds or defaults.AUTO_PROMOTION_SECONDS

    @property
    def effective_max_unavailable(self) -> int | str:
        """Max unavailable with Argo's default."""
        return defaults.MAX_UNAVAILABLE if self.max_unavailable is None else self.max_unavailable

    @property
    def effective_scale_down_delay_seconds(self) -> int:
        """Scale-down delay with Argo's default."""
        if self.scale_down_delay_seconds is None:
            return defaults.SCALE_DOWN_DELAY_SECONDS
        return self.scale_down_delay_seconds

    @property
    def effective_abort_scale_down_delay_seconds(self) -> int:
        """Abort scale-down delay with Argo's default."""
        if self.abort_scale_down_delay_seconds is None:
            return defaults.ABORT_SCALE_DOWN_DELAY_SECONDS
        return self.abort_scale_down_delay_seconds


# --- canary steps ---------------------------------------------------------------------------------------------------


class RolloutPause(KubeModel):
    """Pause the rollout, for a while or until promoted."""

    duration: IntOrString | None = None
    """Seconds (int or digits) or a duration with unit (`30s`, `5m`, `1h`). Empty pauses until promoted."""

    @property
    def duration_seconds(self) -> float | None:
        """Length of the pause in seconds; None for an indefinite pause. Raises ValueError when malformed."""
        return None if self.duration is None else parse_duration(self.duration)


class RolloutExperimentTemplate(KubeModel):
    """A ReplicaSet an experiment step runs, copied from the stable or canary pod template."""

    name: str
    """Template name, unique within the step."""
    spec_ref: str
    """Which pod template to copy: stable or canary."""
    replicas: int | None = None
    """Number of pods (default 1)."""
    metadata: PodTemplateMetadata | None = None
    """Labels and annotations added to the pods (labels also to the selector)."""
    selector: LabelSelector | None = None
    """Label selector for the ReplicaSet."""
    weight: int | None = None
    """Share of traffic routed to this ReplicaSet (traffic routing only)."""
    service: TemplateService | None = None
    """Create a Service for this ReplicaSet."""


class RolloutExperimentStep(KubeModel):
    """Run an Experiment and wait for it to finish."""

    templates: list[RolloutExperimentTemplate]
    """ReplicaSets to run."""
    duration: str | None = None
    """How long the experiment runs, e.g. `5m`."""
    analyses: list[ExperimentAnalysis] | None = None
    """Analyses to run against the experiment's ReplicaSets."""
    dry_run: list[DryRun] | None = None
    """Metrics to run in dry-run mode."""
    analysis_run_metadata: AnalysisRunMetadata | None = None
    """Labels and annotations for the AnalysisRuns."""
    scale_down_delay_seconds: int | None = None
    """Seconds to keep the experiment's ReplicaSets after it completed."""


class SetCanaryScale(KubeModel):
    """Pin the canary's pod count independently of its traffic weight. Set one field."""

    weight: int | None = None
    """Canary pods as a percentage of spec.replicas."""
    replicas: int | None = None
    """Canary pods as an absolute number."""
    match_traffic_weight: bool | None = None
    """Go back to scaling the canary with its traffic weight."""


class StringMatch(KubeModel):
    """How to match a string. Set exactly one field."""

    exact: str | None = None
    """Match this exact string."""
    prefix: str | None = None
    """Match strings starting with this."""
    regex: str | None = None
    """Match strings matching this regular expression."""


class HeaderRoutingMatch(KubeModel):
    """An HTTP header condition."""

    header_name: str
    """Header name."""
    header_value: StringMatch
    """How the header's value must match."""


class SetHeaderRoute(KubeModel):
    """Send requests with matching headers to the canary. Without match the route is removed."""

    name: str | None = None
    """Route name; must be listed in trafficRouting.managedRoutes."""
    match: list[HeaderRoutingMatch] | None = None
    """Header conditions, all of which must hold."""


class RouteMatch(KubeModel):
    """Request conditions of a mirror route; all set fields must match."""

    method: StringMatch | None = None
    """HTTP method."""
    path: StringMatch | None = None
    """URI path."""
    headers: dict[str, StringMatch] | None = None
    """Headers by name."""


class SetMirrorRoute(KubeModel):
    """Mirror (copy) matching traffic to the canary. Without match the route is removed."""

    name: str
    """Route name; must be listed in trafficRouting.managedRoutes."""
    match: list[RouteMatch] | None = None
    """Request conditions; any one may match."""
    percentage: int | None = None
    """Percentage of matching requests to mirror."""


class PluginStep(KubeModel):
    """Run a step plugin."""

    name: str
    """Name of the step plugin as configured for the controller."""
    config: JSONValue = None
    """Plugin configuration, passed as written."""


class CanaryStep(KubeModel):
    """One step of a canary update. Set exactly one field."""

    set_weight: int | None = None
    """Send this percentage of traffic to the canary (and scale it accordingly)."""
    pause: RolloutPause | None = None
    """Pause for a duration or until promoted."""
    experiment: RolloutExperimentStep | None = None
    """Run an Experiment and wait for it."""
    analysis: RolloutAnalysis | None = None
    """Run an analysis and wait for it to succeed."""
    set_canary_scale: SetCanaryScale | None = None
    """Scale the canary independently of its traffic weight (traffic routing only)."""
    set_header_route: SetHeaderRoute | None = None
    """Route requests with matching headers to the canary (traffic routing only)."""
    set_mirror_route: SetMirrorRoute | None = None
    """Mirror matching requests to the canary (traffic routing only)."""
    plugin: PluginStep | None = None
    """Run a step plugin."""

    @property
    def kinds(self) -> list[str]:
        """Wire names of the step kinds that are set (exactly one in a valid step)."""
        data = self.to_dict()
        return [kind for kind in STEP_KINDS if kind in data]


# --- traffic routing ------------------------------------------------------------------------------------------------


class TLSRoute(KubeModel):
    """Selects a TLS route of an Istio VirtualService."""

    port: int | None = None
    """Port the route matches."""
    sni_hosts: list[str] | None = None
    """SNI hosts the route matches."""


class TCPRoute(KubeModel):
    """Selects a TCP route of an Istio VirtualService."""

    port: int | None = None
    """Port the route matches."""


class IstioVirtualService(KubeModel):
    """An Istio VirtualService whose route weights the controller sets."""

    name: str
    """Name, or namespace/name, of the VirtualService."""
    routes: list[str] | None = None
    """Names of the HTTP routes to manage; may be empty when the VirtualService has a single route."""
    tls_routes: list[TLSRoute] | None = None
    """TLS routes to manage."""
    tcp_routes: list[TCPRoute] | None = None
    """TCP routes to manage."""


class IstioDestinationRule(KubeModel):
    """An Istio DestinationRule whose subsets the controller points at the stable and canary pods."""

    name: str
    """Name of the DestinationRule."""
    canary_subset_name: str
    """Subset for canary pods."""
    stable_subset_name: str
    """Subset for stable pods."""
    additional_subset_names: list[str] | None = None
    """Further subsets (experiments)."""


class IstioTrafficRouting(KubeModel):
    """Split traffic with Istio."""

    virtual_service: IstioVirtualService | None = None
    """The VirtualService to manage."""
    destination_rule: IstioDestinationRule | None = None
    """Use DestinationRule subsets (subset split) instead of the stable and canary Services (host split)."""
    virtual_services: list[IstioVirtualService] | None = None
    """Several VirtualServices to manage (instead of virtualService)."""


class ManagedRoute(KubeModel):
    """A route the controller may create for header or mirror steps."""

    name: str
    """Route name; routes are placed in this order, before the weighted routes."""


class TrafficRouting(KubeModel):
    """How the canary's traffic weight is applied. Only Istio is implemented by this controller."""

    istio: IstioTrafficRouting | None = None
    """Istio VirtualService (and optionally DestinationRule)."""
    nginx: FreeObject | None = None
    """NGINX ingress (not supported by this controller)."""
    alb: FreeObject | None = None
    """AWS Application Load Balancer (not supported by this controller)."""
    smi: FreeObject | None = None
    """Service Mesh Interface TrafficSplit (not supported by this controller)."""
    ambassador: FreeObject | None = None
    """Ambassador mappings (not supported by this controller)."""
    app_mesh: FreeObject | None = None
    """AWS App Mesh (not supported by this controller)."""
    traefik: FreeObject | None = None
    """Traefik weighted service (not supported by this controller)."""
    apisix: FreeObject | None = None
    """Apache APISIX route (not supported by this controller)."""
    plugins: FreeObject | None = None
    """Traffic router plugins by name with their configuration (not supported by this controller)."""
    managed_routes: list[ManagedRoute] | None = None
    """Routes header and mirror steps may create, in priority order."""
    max_traffic_weight: int | None = None
    """Weight that means all traffic (default 100)."""

    @property
    def routers(self) -> list[str]:
        """Wire names of the traffic routers that are set."""
        data = self.to_dict()
        return [name for name in TRAFFIC_ROUTERS if name in data]

    @property
    def effective_max_traffic_weight(self) -> int:
        """Total traffic weight with Argo's default."""
        return defaults.MAX_TRAFFIC_WEIGHT if self.max_traffic_weight is None else self.max_traffic_weight


# --- canary ---------------------------------------------------------------------------------------------------------


class PingPongSpec(KubeModel):
    """Alternate two Services as stable instead of changing the stable Service's selector."""

    ping_service: str
    """First Service."""
    pong_service: str
    """Second Service."""


class ReplicaProgressThreshold(KubeModel):
    """How many replicas must be available before a step completes."""

    type: str
    """Percent or Pods."""
    value: int
    """Threshold in the unit given by type."""


class CanaryStrategy(KubeModel):
    """Shift traffic to the new version step by step."""

    canary_service: str | None = None
    """Service that selects only canary pods."""
    stable_service: str | None = None
    """Service that selects only stable pods."""
    steps: list[CanaryStep] | None = None
    """Steps of an update; none means a rolling update."""
    traffic_routing: TrafficRouting | None = None
    """Route traffic by weight through a router; without it the split follows the replica ratio."""
    max_unavailable: IntOrPercent | None = None
    """Pods that may be unavailable during the update (default 25%; percentages round down)."""
    max_surge: IntOrPercent | None = None
    """Pods that may exist above spec.replicas during the update (default 25%; percentages round up)."""
    analysis: RolloutAnalysisBackground | None = None
    """Analysis that runs in the background during the update."""
    anti_affinity: AntiAffinity | None = None
    """Keep canary pods off nodes that run stable pods."""
    canary_metadata: PodTemplateMetadata | None = None
    """Labels and annotations for pods while they are the canary."""
    stable_metadata: PodTemplateMetadata | None = None
    """Labels and annotations for pods while they are stable."""
    scale_down_delay_seconds: int | None = None
    """Seconds to keep the old stable ReplicaSet after promotion (traffic routing only; default 30)."""
    scale_down_delay_revision_limit: int | None = None
    """Old ReplicaSets that may wait for their scale-down delay at the same time."""
    abort_scale_down_delay_seconds: int | None = None
    """Seconds before the canary is scaled down after an abort (traffic routing only; default 30; 0 keeps it)."""
    dynamic_stable_scale: bool | None = None
    """Scale the stable ReplicaSet down as the canary's weight grows (traffic routing only)."""
    ping_pong: PingPongSpec | None = None
    """Use ping-pong Services instead of stable and canary Services."""
    min_pods_per_replica_set: int | None = None
    """Lowest non-zero pod count of a ReplicaSet (traffic routing only; default 1)."""
    replica_progress_threshold: ReplicaProgressThreshold | None = None
    """Available replicas needed before a step completes (default 100%)."""

    @property
    def effective_max_surge(self) -> int | str:
        """Max surge with Argo's default."""
        return defaults.MAX_SURGE if self.max_surge is None else self.max_surge

    @property
    def effective_max_unavailable(self) -> int | str:
        """Max unavailable with Argo's default."""
        return defaults.MAX_UNAVAILABLE if self.max_unavailable is None else self.max_unavailable

    @property
    def effective_scale_down_delay_seconds(self) -> int:
        """Scale-down delay with Argo's default: 30 s with traffic routing, none without."""
        if self.scale_down_delay_seconds is not None:
            return self.scale_down_delay_seconds
        return defaults.SCALE_DOWN_DELAY_SECONDS if self.traffic_routing else 0

    @property
    def effective_abort_scale_down_delay_seconds(self) -> int:
        """Abort scale-down delay with Argo's default (30)."""
        if self.abort_scale_down_delay_seconds is None:
            return defaults.ABORT_SCALE_DOWN_DELAY_SECONDS
        return self.abort_scale_down_delay_seconds

    @property
    def effective_max_traffic_weight(self) -> int:
        """Total traffic weight with Argo's default (100)."""
        if self.traffic_routing is None:
            return defaults.MAX_TRAFFIC_WEIGHT
        return self.traffic_routing.effective_max_traffic_weight

    @property
    def effective_min_pods_per_replica_set(self) -> int:
        """Lowest non-zero pod count with Argo's default (1)."""
        return self.min_pods_per_replica_set or defaults.MIN_PODS_PER_REPLICA_SET


class RolloutStrategy(KubeModel):
    """How an update proceeds. Set exactly one of blueGreen and canary."""

    blue_green: BlueGreenStrategy | None = None
    """Blue-green: switch Services at promotion."""
    canary: CanaryStrategy | None = None
    """Canary: shift traffic step by step."""


# --- spec -----------------------------------------------------------------------------------------------------------


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


# --- status ---------------------------------------------------------------------------------------------------------


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
