"""Every object a Rollout refers to by name: one pure function, read by the informers' indexes and by observe.

A reference is (kind, namespace, name) plus the spec field that names it, so a missing object can be reported at
its field. Cluster-scoped kinds have namespace "". `key` is the string the informers file a Rollout under, and
`reference_key` builds the same string from the referred object's side.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rollouts.api import IstioTrafficRouting, IstioVirtualService, Rollout, RolloutAnalysis

SERVICE = "Service"
ANALYSIS_TEMPLATE = "AnalysisTemplate"
CLUSTER_ANALYSIS_TEMPLATE = "ClusterAnalysisTemplate"
VIRTUAL_SERVICE = "VirtualService"
DESTINATION_RULE = "DestinationRule"
SECRET = "Secret"
WORKLOAD = "Workload"
"""spec.workloadRef (Deployment, ReplicaSet or PodTemplate)."""

ISTIO_FIELD = "spec.strategy.canary.trafficRouting.istio"
"""Where a Rollout names its Istio objects (error messages say which of them is missing)."""


@dataclass(frozen=True)
class Reference:
    kind: str
    namespace: str
    """"" for cluster-scoped kinds."""
    name: str
    field: str
    """The spec field that names the object, e.g. `spec.strategy.canary.stableService`."""

    @property
    def key(self) -> str:
        return reference_key(self.kind, self.namespace, self.name)


@dataclass(frozen=True)
class References:
    """What one Rollout refers to, in spec order, without duplicates."""

    items: tuple[Reference, ...] = ()

    def of_kind(self, kind: str) -> tuple[Reference, ...]:
        return tuple(ref for ref in self.items if ref.kind == kind)

    @property
    def keys(self) -> list[str]:
        return sorted({ref.key for ref in self.items})

    @property
    def services(self) -> dict[str, str]:
        """Service name → the spec field that names it."""
        return {ref.name: ref.field for ref in self.of_kind(SERVICE)}


def reference_key(kind: str, namespace: str, name: str) -> str:
    """The index value under which Rollouts referring to this object are found."""
    return f"{kind}/{namespace}/{name}"


def references(rollout: Rollout) -> References:
    namespace = rollout.metadata.namespace or ""
    found: dict[str, Reference] = {}
    for ref in (*_services(rollout, namespace), *_analysis(rollout, namespace), *_routing(rollout, namespace)):
        found.setdefault(ref.key, ref)
    if (workload := rollout.spec.workload_ref) is not None and workload.name:
        ref = Reference(WORKLOAD, namespace, workload.name, "spec.workloadRef.name")
        found.setdefault(ref.key, ref)
    return References(tuple(found.values()))


def virtual_service_refs(rollout: Rollout) -> list[tuple[IstioVirtualService, str, str]]:
    """The Istio VirtualServices a canary routes through, as (ref, namespace, name): a name `vs.ns` means
    VirtualService `vs` in namespace `ns`, a plain name the Rollout's own namespace."""
    istio = _istio(rollout)
    if istio is None:
        return []
    refs = istio.virtual_services or ([istio.virtual_service] if istio.virtual_service else [])
    own = rollout.metadata.namespace or ""
    return [(ref, other or own, name) for ref in refs for name, _, other in [ref.name.partition(".")]]


def _istio(rollout: Rollout) -> IstioTrafficRouting | None:
    strategy = rollout.spec.strategy
    canary = strategy.canary if strategy is not None else None
    routing = canary.traffic_routing if canary is not None else None
    return routing.istio if routing is not None else None


def analyses_of(rollout: Rollout) -> list[tuple[str, RolloutAnalysis]]:
    """Every analysis of the strategy with its field path: blue-green's pre/post promotion, canary's background
    analysis and analysis steps."""
    strategy = rollout.spec.strategy
    if strategy is None:
        return []
    if (bg := strategy.blue_green) is not None:
        path = "spec.strategy.blueGreen"
        pairs = [(f"{path}.prePromotionAnalysis", bg.pre_promotion_analysis)]
        pairs.append((f"{path}.postPromotionAnalysis", bg.post_promotion_analysis))
        return [(field, analysis) for field, analysis in pairs if analysis is not None]
    if (canary := strategy.canary) is None:
        return []
    path = "spec.strategy.canary"
    found: list[tuple[str, RolloutAnalysis]] = [(f"{path}.analysis", canary.analysis)] if canary.analysis else []
    for index, step in enumerate(canary.steps or []):
        if step.analysis is not None:
            found.append((f"{path}.steps[{index}].analysis", step.analysis))
    return found


def _services(rollout: Rollout, namespace: str) -> Iterator[Reference]:
    strategy = rollout.spec.strategy
    if strategy is None:
        return
    if (bg := strategy.blue_green) is not None:
        yield Reference(SERVICE, namespace, bg.active_service, "spec.strategy.blueGreen.activeService")
        if bg.preview_service:
            yield Reference(SERVICE, namespace, bg.preview_service, "spec.strategy.blueGreen.previewService")
    if (canary := strategy.canary) is not None:
        if canary.stable_service:
            yield Reference(SERVICE, namespace, canary.stable_service, "spec.strategy.canary.stableService")
        if canary.canary_service:
            yield Reference(SERVICE, namespace, canary.canary_service, "spec.strategy.canary.canaryService")
        if (pair := canary.ping_pong) is not None:
            for name, field in ((pair.ping_service, "pingService"), (pair.pong_service, "pongService")):
                if name:
                    yield Reference(SERVICE, namespace, name, f"spec.strategy.canary.pingPong.{field}")


def _analysis(rollout: Rollout, namespace: str) -> Iterator[Reference]:
    for path, analysis in analyses_of(rollout):
        for index, template in enumerate(analysis.templates or []):
            if not template.template_name:
                continue
            field = f"{path}.templates[{index}].templateName"
            if template.cluster_scope:
                yield Reference(CLUSTER_ANALYSIS_TEMPLATE, "", template.template_name, field)
            else:
                yield Reference(ANALYSIS_TEMPLATE, namespace, template.template_name, field)
        for index, arg in enumerate(analysis.args or []):
            secret = arg.value_from.secret_key_ref if arg.value_from is not None else None
            if secret is not None:
                yield Reference(SECRET, namespace, secret.name, f"{path}.args[{index}].valueFrom.secretKeyRef.name")


def _routing(rollout: Rollout, namespace: str) -> Iterator[Reference]:
    istio = _istio(rollout)
    if istio is None:
        return
    several = bool(istio.virtual_services)
    for index, (_ref, vs_namespace, name) in enumerate(virtual_service_refs(rollout)):
        field = f"{ISTIO_FIELD}.virtualServices[{index}].name" if several else f"{ISTIO_FIELD}.virtualService.name"
        yield Reference(VIRTUAL_SERVICE, vs_namespace, name, field)
    if (rule := istio.destination_rule) is not None:
        yield Reference(DESTINATION_RULE, namespace, rule.name, f"{ISTIO_FIELD}.destinationRule.name")
