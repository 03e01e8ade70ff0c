"""Canary steps: set a weight, pause, analyse, scale the canary, add header and mirror routes (and the step kinds
Argo has that this controller rejects: experiment and plugin steps). Pure data."""

from __future__ import annotations

from rollouts.api.analysis import AnalysisRunMetadata, DryRun
from rollouts.api.common import JSONValue, KubeModel, LabelSelector, PodTemplateMetadata
from rollouts.api.experiment import ExperimentAnalysis, TemplateService
from rollouts.api.gotext import parse_duration
from rollouts.api.rollout.analysis import RolloutAnalysis
from rollouts.api.types import IntOrString

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
        """Wire names of the step kinds that are set (see `validation.canary.STEP_MESSAGE` for what may combine)."""
        data = self.to_dict()
        return [kind for kind in STEP_KINDS if kind in data]
