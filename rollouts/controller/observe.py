"""Build the `Observed` snapshot of one Rollout from the informer caches. Reads only; never calls the API.

The Rollout is parsed once, here: the model and its validation errors travel together in the snapshot, and what it
refers to comes from `rollouts.plan.references`, the same function the informers index Rollouts by.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rollouts import api
from rollouts.api.validation import check_rollout
from rollouts.kube import resources
from rollouts.kube.resources import Resource
from rollouts.machinery.keys import ObjectKey
from rollouts.machinery.store import Store
from rollouts.plan.experiments.view import ExperimentView
from rollouts.plan.names import HASH_LABEL, MANAGED_BY_ANNOTATION
from rollouts.plan.observed import AnalysisRunView, Observed, Pod, ReplicaSet
from rollouts.plan.references import (
    ANALYSIS_TEMPLATE,
    CLUSTER_ANALYSIS_TEMPLATE,
    DESTINATION_RULE,
    References,
    references,
    virtual_service_refs,
)
from rollouts.traffic import istio

OWNER_INDEX = "owner"
HASH_INDEX = "pod-hash"
MANAGED_BY_INDEX = "managed-by"
REFERENCES_INDEX = "references"
"""Rollouts by the objects they refer to (`reference_key`s) and by the kinds they refer to (`VirtualService`)."""
_ISTIO = "spec.strategy.canary.trafficRouting.istio"


class RoutedObjects:
    """The informer caches of the objects traffic routers edit; absent while the cluster has no Istio API."""

    def __init__(self, virtual_services: Store, destination_rules: Store) -> None:
        self.virtual_services = virtual_services
        self.destination_rules = destination_rules

    def lookup(self, resource: Resource, namespace: str, name: str) -> Mapping[str, Any] | None:
        if resource == resources.VIRTUAL_SERVICES:
            return self.virtual_services.get(ObjectKey(namespace, name))
        if resource == resources.DESTINATION_RULES:
            return self.destination_rules.get(ObjectKey(namespace, name))
        return None


@dataclass(frozen=True)
class AnalysisObjects:
    """The informer caches of AnalysisRuns (indexed by owner) and analysis templates."""

    runs: Store
    templates: Store
    cluster_templates: Store | None
    """None for a namespaced controller, which may not read cluster-scoped objects."""

    def templates_for(self, refs: References) -> tuple[dict[tuple[bool, str], Any], list[str]]:
        """Every template the Rollout refers to, nested ones included, and the problems finding them."""
        found: dict[tuple[bool, str], Any] = {}
        problems: list[str] = []
        named = (*refs.of_kind(ANALYSIS_TEMPLATE), *refs.of_kind(CLUSTER_ANALYSIS_TEMPLATE))
        pending = [(ref.kind == CLUSTER_ANALYSIS_TEMPLATE, ref.namespace, ref.name, ref.field) for ref in named]
        for cluster, namespace, name, field in pending:  # grows while we walk it: nested templates
            if (cluster, name) in found:
                continue
            kind = CLUSTER_ANALYSIS_TEMPLATE if cluster else ANALYSIS_TEMPLATE
            store = self.cluster_templates if cluster else self.templates
            raw = store.get(ObjectKey(namespace, name)) if store is not None else None
            parsed = api.parse(raw, check=False) if raw is not None else None
            if parsed is None:
                problems.append(f'{field}: {kind} "{name}" not found')
            elif isinstance(parsed, list):
                problems.append(f'{field}: {kind} "{name}" is invalid: {parsed[0]}')
            else:
                found[(cluster, name)] = parsed
                nested = parsed.spec.templates or []  # type: ignore[attr-defined]  # both template kinds have it
                within = f'{kind} "{name}" spec.templates'
                pending += [
                    (bool(t.cluster_scope), "" if t.cluster_scope else namespace, t.template_name or "", within)
                    for t in nested
                ]
        return found, problems


@dataclass(frozen=True)
class Caches:
    """The informer caches `observe` reads."""

    replica_sets: Store
    services: Store
    pods: Store
    routed: RoutedObjects | None = None
    analysis: AnalysisObjects | None = None
    experiments: Store | None = None
    """Experiments, indexed by owner (a Rollout's experiment steps)."""


def observe(raw: Mapping[str, Any], caches: Caches) -> Observed | list[str]:
    """The snapshot, or the problems that keep the Rollout from even being read as one (wrong field types)."""
    parsed, problems = check_rollout(raw)
    if parsed is None:
        return [str(problem) for problem in problems]
    errors = [str(problem) for problem in problems]
    namespace, uid = raw["metadata"].get("namespace", ""), raw["metadata"].get("uid", "")
    refs = references(parsed)
    found_services: dict[str, Mapping[str, Any] | None] = {}
    for name, field in refs.services.items():
        found_services[name] = caches.services.get(ObjectKey(namespace, name))
        if found_services[name] is None:
            errors.append(f'{field}: Service "{name}" not found')
    errors += routing_problems(parsed, refs, caches.routed)
    analysis = caches.analysis
    found_templates, template_problems = analysis.templates_for(refs) if analysis is not None else ({}, [])
    errors += template_problems
    owned = tuple(ReplicaSet.from_raw(rs) for rs in caches.replica_sets.by_index(OWNER_INDEX, uid))
    owned_pods = [pod for rs in owned for pod in caches.pods.by_index(HASH_INDEX, f"{namespace}/{rs.hash}")]
    runs = analysis.runs.by_index(OWNER_INDEX, uid) if analysis is not None else []
    return Observed(
        rollout=parsed,
        raw=raw,
        replica_sets=owned,
        pods=tuple(Pod.from_raw(pod) for pod in owned_pods),
        analysis_runs=tuple(AnalysisRunView.from_raw(run) for run in runs),
        experiments=tuple(ExperimentView.from_raw(ex) for ex in caches.experiments.by_index(OWNER_INDEX, uid))
        if caches.experiments is not None
        else (),
        templates=found_templates,
        services=found_services,
        spec_errors=tuple(errors),
    )


def routing_problems(rollout: api.Rollout, refs: References, routed: RoutedObjects | None) -> list[str]:
    """Missing or mismatched VirtualServices and DestinationRules, as InvalidSpec messages."""
    strategy = rollout.spec.strategy
    canary = strategy.canary if strategy is not None else None
    routing = canary.traffic_routing if canary is not None else None
    if canary is None or routing is None or routing.istio is None:
        return []
    if routed is None:
        return [f"{_ISTIO}: the cluster has no Istio API (networking.istio.io/v1alpha3 VirtualService)"]
    problems = [
        f'{ref.field}: DestinationRule "{ref.name}" not found'
        for ref in refs.of_kind(DESTINATION_RULE)
        if routed.destination_rules.get(ObjectKey(ref.namespace, ref.name)) is None
    ]
    namespace = rollout.metadata.namespace or ""
    rule = routing.istio.destination_rule
    keys = (
        istio.SplitKeys(
            canary_subset=rule.canary_subset_name, stable_subset=rule.stable_subset_name, namespace=namespace
        )
        if rule is not None
        else istio.SplitKeys(canary_host=canary.canary_service, stable_host=canary.stable_service, namespace=namespace)
    )
    managed = tuple(route.name for route in routing.managed_routes or [])
    for ref, vs_namespace, name in virtual_service_refs(rollout):
        vs = routed.virtual_services.get(ObjectKey(vs_namespace, name))
        if vs is None:
            problems.append(f'{_ISTIO}.virtualService.name: VirtualService "{ref.name}" not found')
            continue
        found = istio.validate_references(vs, ref, keys, managed_names=managed)
        problems += [f"{_ISTIO}.virtualService: {problem}" for problem in found]
    return problems


def references_of_raw(raw: Mapping[str, Any]) -> References | None:
    """What a Rollout as read refers to; None when its fields have the wrong types."""
    parsed = api.parse_rollout(raw, check=False)
    return None if isinstance(parsed, list) else references(parsed)


def rollout_references(raw: dict[str, Any]) -> list[str]:
    """Index function: the `reference_key` of every object a Rollout refers to, and each kind it refers to."""
    refs = references_of_raw(raw)
    return [] if refs is None else [*refs.keys, *sorted({ref.kind for ref in refs.items})]


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
