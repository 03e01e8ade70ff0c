"""Update strategies: blue-green and canary, with Argo's defaults as `effective_*` properties. Pure data."""

from __future__ import annotations

from rollouts.api import defaults
from rollouts.api.common import KubeModel, PodTemplateMetadata
from rollouts.api.rollout.analysis import RolloutAnalysis, RolloutAnalysisBackground
from rollouts.api.rollout.steps import CanaryStep
from rollouts.api.rollout.traffic import TrafficRouting
from rollouts.api.types import IntOrPercent


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
