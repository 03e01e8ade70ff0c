"""Build the `Observed` snapshot of one Rollout from the informer caches. Reads only; never calls the API.

The Rollout is parsed once, here: the model and its validation errors travel together in the snapshot, and what it
refers to comes from `rollouts.plan.references` and the traffic routers' `reads` (`rollouts.traffic.registry`), the
same functions the informers index Rollouts by.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from rollouts import api
from rollouts.api.tolerant import tolerate
from rollouts.api.validation import check_rollout
from rollouts.controller.routing.adapter import resource
from rollouts.kube import resources
from rollouts.kube.resources import Resource
from rollouts.machinery.keys import ObjectKey
from rollouts.machinery.store import Store
from rollouts.plan import workload
from rollouts.plan.actions import TrafficSplit
from rollouts.plan.experiments.view import ExperimentView
from rollouts.plan.names import HASH_LABEL, MANAGED_BY_ANNOTATION
from rollouts.plan.observed import AnalysisRunView, Observed, Pod, ReplicaSet
from rollouts.plan.references import (
    ANALYSIS_TEMPLATE,
    CLUSTER_ANALYSIS_TEMPLATE,
    DESTINATION_RULE,
    ISTIO_FIELD,
    References,
    reference_key,
    references,
    virtual_service_refs,
)
from rollouts.traffic import istio, registry
from rollouts.traffic.istio.router import IstioRouter
from rollouts.traffic.router import RoutingError, TrafficRouter

OWNER_INDEX = "owner"
HASH_INDEX = "pod-hash"
MANAGED_BY_INDEX = "managed-by"
REFERENCES_INDEX = "references"
"""Rollouts by the objects they refer to (`reference_key`s) and by the kinds they refer to (`VirtualService`)."""

T = TypeVar("T")
_log = logging.getLogger(__name__)


class RoutedObjects:
    """The informer caches of the objects traffic routers read, for the kinds the cluster serves."""

    def __init__(self, stores: Mapping[Resource, Store]) -> None:
        self.stores = dict(stores)

    def serves(self, kind: Resource) -> bool:
        return kind in self.stores

    def get(self, kind: Resource, namespace: str, name: str) -> Mapping[str, Any] | None:
        store = self.stores.get(kind)
        return store.get(ObjectKey(namespace, name)) if store is not None else None

    def lookup(self, resource: Resource, namespace: str, name: str) -> Mapping[str, Any] | None:
        return self.get(resource, namespace, name)


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
            parsed = api.parse(tolerate(raw)[0], check=False) if raw is not None else None  # as Argo reads it
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
    deployments: Store | None = None
    """Deployments, for Rollouts that take their pod template from one (spec.workloadRef)."""


def observe(raw: Mapping[str, Any], caches: Caches) -> Observed | list[str]:
    """The snapshot, or the problems that keep the Rollout from even being read as one (wrong field types).

    A pod template value Go cannot decode (``memory: invalid``) is read leniently, as Argo does: the spec is what
    Go's JSON decoder keeps of it (`rollouts.api.tolerant`), with a warning in the log."""
    tolerated, malformed = tolerate(raw)
    if malformed is not None:
        meta = raw.get("metadata") or {}
        _log.warning("malformed rollout %s/%s: %s", meta.get("namespace", ""), meta.get("name", ""), malformed)
    parsed, problems = check_rollout(tolerated)
    if parsed is None:
        return [str(problem) for problem in problems]
    errors = [str(problem) for problem in problems]
    namespace, uid = raw["metadata"].get("namespace", ""), raw["metadata"].get("uid", "")
    # A workloadRef Rollout is planned with its Deployment's template (only once its own fields are valid).
    resolved = workload.resolve(parsed, _workload_of(parsed, caches.deployments)) if not errors else None
    parsed = resolved.rollout if resolved is not None else parsed
    errors += resolved.problems if resolved is not None else ()
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
        workload=resolved.workload if resolved is not None else None,
        spec_errors=tuple(errors),
        run_named=_named(analysis.runs if analysis is not None else None, namespace, AnalysisRunView.from_raw),
        experiment_named=_named(caches.experiments, namespace, ExperimentView.from_raw),
    )


def malformed_rewrite(raw: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str] | None:
    """For a Rollout whose pod template Go cannot decode: the JSON patch that writes its spec back as Argo reads it
    (`rollouts.api.tolerant`), guarded by its resourceVersion, and the problem; None for a well-formed Rollout.

    Argo's first full Update of such a Rollout (defaulting ``spec.replicas``, or recording the revision annotation)
    sends its decoded copy, so the malformed value is gone from the cluster after the first reconcile; Go clients that
    cannot read the object at all (typed watches) see it again from then on."""
    tolerated, malformed = tolerate(raw)
    if malformed is None:
        return None
    version = (raw.get("metadata") or {}).get("resourceVersion")
    guard = [{"op": "test", "path": "/metadata/resourceVersion", "value": version}] if version else []
    return [*guard, {"op": "replace", "path": "/spec", "value": tolerated["spec"]}], malformed


def _named(store: Store | None, namespace: str, view: Callable[[Mapping[str, Any]], T]) -> Callable[[str], T | None]:
    """A lookup by name in the namespace, whoever owns the object (collision handling skips names others hold)."""

    def lookup(name: str) -> T | None:
        found = store.get(ObjectKey(namespace, name)) if store is not None else None
        return view(found) if found is not None else None

    return lookup


def _workload_of(rollout: api.Rollout, deployments: Store | None) -> Mapping[str, Any] | None:
    ref = rollout.spec.workload_ref
    if ref is None or not ref.name or deployments is None:
        return None
    return deployments.get(ObjectKey(rollout.metadata.namespace or "", ref.name))


def routing_problems(rollout: api.Rollout, refs: References, routed: RoutedObjects | None) -> list[str]:
    """Traffic routers that cannot be built, steps they cannot carry out, APIs the cluster does not serve, and
    missing or mismatched routed objects, as InvalidSpec messages naming the field."""
    if problems := registry.problems(rollout) + registry.step_problems(rollout):
        return problems
    routed = routed or RoutedObjects({})
    for router in registry.routers_for(rollout):
        unserved = sorted({key.kind for key in router.reads() if not routed.serves(resource(key.kind))}, key=str)
        if unserved:
            kind = unserved[0]
            name = registry.API_NAMES.get(kind.group, kind.group)
            problems.append(f"{router.field}: the cluster has no {name} API ({kind.api_version} {kind.kind})")
        elif not isinstance(router, IstioRouter):  # Istio's objects are checked in detail below
            problems += _unfit(router, routed)
    return problems or _istio_problems(rollout, refs, routed)


def _unfit(router: TrafficRouter, routed: RoutedObjects) -> list[str]:
    """What keeps the router from routing at all (a stable Ingress that is missing or never reaches the stable
    Service, an object another controller owns), found by asking it for a split on what the caches hold."""
    objects = {key: routed.get(resource(key.kind), key.namespace, key.name) for key in router.reads()}
    try:
        router.set_weight(objects, TrafficSplit("", "", canary_weight=0, stable_weight=100))
    except RoutingError as error:
        return [str(error)]
    return []


def _istio_problems(rollout: api.Rollout, refs: References, routed: RoutedObjects) -> list[str]:
    """Missing or mismatched VirtualServices and DestinationRules."""
    strategy = rollout.spec.strategy
    canary = strategy.canary if strategy is not None else None
    routing = canary.traffic_routing if canary is not None else None
    if canary is None or routing is None or routing.istio is None:
        return []
    problems = [
        f'{ref.field}: DestinationRule "{ref.name}" not found'
        for ref in refs.of_kind(DESTINATION_RULE)
        if routed.get(resources.DESTINATION_RULES, ref.namespace, ref.name) is None
    ]
    router = next(router for router in registry.routers_for(rollout) if isinstance(router, IstioRouter))
    try:
        keys = router.keys()  # a ping-pong Rollout's hosts are its pair's (by the recorded role)
    except RoutingError as error:
        return [*problems, str(error)]
    managed = tuple(route.name for route in routing.managed_routes or [])
    for ref, vs_namespace, name in virtual_service_refs(rollout):
        vs = routed.get(resources.VIRTUAL_SERVICES, vs_namespace, name)
        if vs is None:
            problems.append(f'{ISTIO_FIELD}.virtualService.name: VirtualService "{ref.name}" not found')
            continue
        found = istio.validate_references(vs, ref, keys, managed_names=managed)
        problems += [f"{ISTIO_FIELD}.virtualService: {problem}" for problem in found]
    return problems


def references_of_raw(raw: Mapping[str, Any]) -> References | None:
    """What a Rollout as read refers to; None when its fields have the wrong types."""
    parsed = api.parse_rollout(raw, check=False)
    return None if isinstance(parsed, list) else references(parsed)


def rollout_references(raw: dict[str, Any]) -> list[str]:
    """Index function: the `reference_key` of every object a Rollout refers to (its routers' objects included), and
    each kind it refers to."""
    parsed = api.parse_rollout(raw, check=False)
    if isinstance(parsed, list):
        return []
    refs = references(parsed)
    routed = [(key.kind.kind, key.namespace, key.name) for key in registry.references(parsed)]
    keys = {*refs.keys, *(reference_key(kind, namespace, name) for kind, namespace, name in routed)}
    return sorted(keys) + sorted({ref.kind for ref in refs.items} | {kind for kind, _, _ in routed})


def controller_owner_uid(obj: Mapping[str, Any]) -> list[str]:
    """Index function: the uid of the Rollout that controls this object, if any."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller") and ref.get("kind") == "Rollout":
            return [str(ref.get("uid"))]
    return []


def pod_view(pod: dict[str, Any]) -> dict[str, Any]:
    """What the pods cache keeps: metadata and the conditions (`Pod.from_raw` and the owner lookup read nothing
    else); a pod's spec and container statuses are most of its size."""
    conditions = (pod.get("status") or {}).get("conditions")
    kept: dict[str, Any] = {key: pod[key] for key in ("apiVersion", "kind", "metadata") if key in pod}
    return {**kept, "status": {"conditions": conditions}} if conditions is not None else kept


def pod_change_seen(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """Whether a pod update changes what a plan reads of the pod (`Pod.from_raw`): a pod passes through several
    conditions on its way to Ready, and each of the others would cost its Rollout a reconcile that decides nothing."""
    return Pod.from_raw(old) != Pod.from_raw(new)


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
