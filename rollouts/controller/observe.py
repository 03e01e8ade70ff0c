"""Build the `Observed` snapshot of one Rollout from the informer caches. Reads only; never calls the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollouts import api
from rollouts.kube import resources
from rollouts.kube.resources import Resource
from rollouts.machinery.informer import Store
from rollouts.traffic import istio
from rollouts.machinery.keys import ObjectKey
from rollouts.plan.names import HASH_LABEL, MANAGED_BY_ANNOTATION
from rollouts.plan.observed import AnalysisRunView, Observed, Pod, ReplicaSet

OWNER_INDEX = "owner"
HASH_INDEX = "pod-hash"
MANAGED_BY_INDEX = "managed-by"


def referenced_services(rollout: api.Rollout) -> dict[str, str]:
    """Service name → the spec field that names it."""
    strategy = rollout.spec.strategy
    found: dict[str, str] = {}
    if strategy is None:
        return found
    if bg := strategy.blue_green:
        found[bg.active_service] = "spec.strategy.blueGreen.activeService"
        if bg.preview_service:
            found[bg.preview_service] = "spec.strategy.blueGreen.previewService"
    if canary := strategy.canary:
        if canary.stable_service:
            found[canary.stable_service] = "spec.strategy.canary.stableService"
        if canary.canary_service:
            found[canary.canary_service] = "spec.strategy.canary.canaryService"
    return found


def observe(
    raw: Mapping[str, Any],
    *,
    replica_sets: Store,
    services: Store,
    pods: Store,
    routed: RoutedObjects | None = None,
    analysis: AnalysisObjects | None = None,
) -> Observed | list[str]:
    """The snapshot, or the problems that keep the Rollout from even being read as one (wrong field types)."""
    parsed = api.parse_rollout(raw, check=False)
    if isinstance(parsed, list):
        return [str(error) for error in parsed]
    errors = [str(error) for error in api.validate(raw)]
    namespace = raw["metadata"].get("namespace", "")
    found_services: dict[str, Mapping[str, Any] | None] = {}
    for name, field in referenced_services(parsed).items():
        service = services.get(ObjectKey(namespace, name))
        found_services[name] = service
        if service is None:
            errors.append(f'{field}: Service "{name}" not found')
    errors += routing_problems(parsed, namespace, routed)
    found_templates, template_problems = analysis.templates_for(parsed, namespace) if analysis is not None else ({}, [])
    errors += template_problems
    owned = tuple(ReplicaSet.from_raw(rs) for rs in replica_sets.by_index(OWNER_INDEX, raw["metadata"].get("uid", "")))
    owned_pods = [pod for rs in owned for pod in pods.by_index(HASH_INDEX, f"{namespace}/{rs.hash}")]
    return Observed(
        rollout=parsed,
        raw=raw,
        replica_sets=owned,
        pods=tuple(Pod.from_raw(pod) for pod in owned_pods),
        analysis_runs=tuple(AnalysisRunView.from_raw(run) for run in analysis.runs.by_index(OWNER_INDEX, raw["metadata"].get("uid", ""))) if analysis else (),
        templates=found_templates,
        services=found_services,
        spec_errors=tuple(errors),
    )


class AnalysisObjects:
    """The informer caches of AnalysisRuns (indexed by owner) and analysis templates."""

    def __init__(self, runs: Store, templates: Store, cluster_templates: Store | None) -> None:
        self.runs = runs
        self.templates = templates
        self.cluster_templates = cluster_templates

    def templates_for(self, rollout: api.Rollout, namespace: str) -> tuple[dict[tuple[bool, str], Any], list[str]]:
        """Every template the Rollout references, nested ones included, and the problems finding them."""
        found: dict[tuple[bool, str], Any] = {}
        problems: list[str] = []
        pending = [(ref.cluster_scope or False, ref.template_name or "") for analysis in analyses_of(rollout) for ref in analysis.templates or []]
        while pending:
            cluster, name = pending.pop()
            if (cluster, name) in found:
                continue
            store = self.cluster_templates if cluster else self.templates
            raw = store.get(ObjectKey("" if cluster else namespace, name)) if store is not None else None
            kind = "ClusterAnalysisTemplate" if cluster else "AnalysisTemplate"
            if raw is None:
                problems.append(f'spec.strategy: {kind} "{name}" not found')
                continue
            parsed = api.parse(raw, check=False)
            if isinstance(parsed, list):
                problems.append(f'{kind} "{name}" is invalid: {parsed[0]}')
                continue
            found[(cluster, name)] = parsed
            pending += [(ref.cluster_scope or False, ref.template_name or "") for ref in parsed.spec.templates or []]  # type: ignore[attr-defined]
        return found, problems


def analyses_of(rollout: api.Rollout) -> list[api.RolloutAnalysis]:
    strategy = rollout.spec.strategy
    if strategy is None:
        return []
    if (bg := strategy.blue_green) is not None:
        return [a for a in (bg.pre_promotion_analysis, bg.post_promotion_analysis) if a is not None]
    canary = strategy.canary
    if canary is None:
        return []
    return [a for a in (canary.analysis, *(step.analysis for step in canary.steps or [])) if a is not None]


class RoutedObjects:
    """The informer caches of the objects traffic routers edit; absent when the cluster has no Istio API."""

    def __init__(self, virtual_services: Store, destination_rules: Store) -> None:
        self.virtual_services = virtual_services
        self.destination_rules = destination_rules

    def lookup(self, resource: Resource, namespace: str, name: str) -> Mapping[str, Any] | None:
        store = self.virtual_services if resource == resources.VIRTUAL_SERVICES else self.destination_rules if resource == resources.DESTINATION_RULES else None
        return store.get(ObjectKey(namespace, name)) if store is not None else None


def routing_problems(rollout: api.Rollout, namespace: str, routed: RoutedObjects | None) -> list[str]:
    """Missing or mismatched VirtualServices and DestinationRules, as InvalidSpec messages."""
    strategy = rollout.spec.strategy
    routing = strategy.canary.traffic_routing if strategy is not None and strategy.canary is not None else None
    if routing is None or routing.istio is None:
        return []
    field = "spec.strategy.canary.trafficRouting.istio"
    if routed is None:
        return [f"{field}: the cluster has no Istio API (networking.istio.io/v1alpha3 VirtualService)"]
    canary = strategy.canary if strategy is not None else None
    assert canary is not None
    problems: list[str] = []
    rule = routing.istio.destination_rule
    if rule is not None and routed.destination_rules.get(ObjectKey(namespace, rule.name)) is None:
        problems.append(f'{field}.destinationRule.name: DestinationRule "{rule.name}" not found')
    keys = (
        istio.SplitKeys(canary_subset=rule.canary_subset_name, stable_subset=rule.stable_subset_name, namespace=namespace)
        if rule is not None
        else istio.SplitKeys(canary_host=canary.canary_service, stable_host=canary.stable_service, namespace=namespace)
    )
    managed = tuple(route.name for route in routing.managed_routes or [])
    refs = routing.istio.virtual_services or ([routing.istio.virtual_service] if routing.istio.virtual_service else [])
    for ref in refs:
        name, _, other_namespace = ref.name.partition(".")
        vs = routed.virtual_services.get(ObjectKey(other_namespace or namespace, name))
        if vs is None:
            problems.append(f'{field}.virtualService.name: VirtualService "{ref.name}" not found')
            continue
        problems += [f"{field}.virtualService: {problem}" for problem in istio.validate_references(vs, ref, keys, managed_names=managed)]
    return problems


def controller_owner_uid(obj: Mapping[str, Any]) -> list[str]:
    """Index function: the uid of the Rollout that controls this object, if any."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller") and ref.get("kind") == "Rollout":
            return [str(ref.get("uid"))]
    return []


def pod_hash_key(obj: Mapping[str, Any]) -> list[str]:
    """Index function: `<namespace>/<pod-template-hash>` of a pod."""
    metadata = obj.get("metadata") or {}
    pod_hash = (metadata.get("labels") or {}).get(HASH_LABEL)
    return [f"{metadata.get('namespace', '')}/{pod_hash}"] if pod_hash else []


def managed_by_key(obj: Mapping[str, Any]) -> list[str]:
    """Index function: `<namespace>/<rollout>` of a Service whose selector a Rollout manages."""
    metadata = obj.get("metadata") or {}
    rollout = (metadata.get("annotations") or {}).get(MANAGED_BY_ANNOTATION)
    return [f"{metadata.get('namespace', '')}/{rollout}"] if rollout else []
