"""Carry out a Plan: run its actions in order, record events, then write the status once if it changed.

Each action is idempotent: ReplicaSet names are deterministic, so AlreadyExists means "already done" when the
ReplicaSet is ours. The first failing action stops the plan (the error goes to the work queue's backoff); the
status is still written for what did happen, because a lost status is worse than a late one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rollouts import api
from rollouts.api import RolloutStatus
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.kube.events import EventRecorder
from rollouts.kube.patches import merge_patch
from rollouts.machinery.informer import Store
from rollouts.plan.actions import (
    Action,
    AnnotateReplicaSet,
    AnnotateRollout,
    CreateAnalysisRun,
    CreateReplicaSet,
    DeleteAnalysisRun,
    DeleteReplicaSet,
    EvictPod,
    Plan,
    PointService,
    RouteTraffic,
    ScaleReplicaSet,
    SetPodMetadata,
    TerminateAnalysisRun,
)
from rollouts.plan.names import EPHEMERAL_METADATA_ANNOTATION
from rollouts.plan.observed import RolloutIdentity
from rollouts.traffic.routers import Lookup, ServiceSelectorRouter, router_for

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Target(RolloutIdentity):
    """The Rollout a plan is applied to, as read."""

    raw: Mapping[str, Any]


class NameCollision(Exception):
    """A ReplicaSet with our name exists and is not ours; the status's collisionCount was bumped."""


@dataclass
class Executor:
    kube: Kube
    recorder: EventRecorder
    rollouts: Store
    replica_sets: Store
    services: Store
    lookup: Lookup = lambda _resource, _namespace, _name: None
    """Reads routed objects (VirtualServices, DestinationRules) from a cache, when there is one."""
    on_status_write: Callable[[], None] | None = None

    def run(self, plan: Plan, rollout: Mapping[str, Any]) -> None:
        """Apply `plan` to the Rollout it was computed for (`rollout` as read from the cache)."""
        target = _Target(rollout)
        failure: Exception | None = None
        for action in plan.actions:
            try:
                self._apply(action, target)
            except (errors.ApiError, NameCollision) as error:
                failure = error
                break
        for note in plan.events:
            self.recorder.record(rollout, reason=note.reason, message=note.message, type=note.type)
        self.write_status(target, plan.status.to_dict())
        if failure is not None:
            raise failure

    def write_status(self, observed: _Target, desired: Mapping[str, Any]) -> None:
        patch = merge_patch(observed.status, desired, removable=KNOWN_STATUS_KEYS)
        if patch is None:
            return  # nothing changed: no write
        updated = self.kube.patch(resources.ROLLOUTS, observed.namespace, observed.name, {"status": patch}, subresource="status")
        self.rollouts.write_back(updated)
        if self.on_status_write is not None:
            self.on_status_write()

    # ---- actions ---------------------------------------------------------------------------------------------

    def _apply(self, action: Action, observed: _Target) -> None:
        namespace = observed.namespace
        match action:
            case CreateReplicaSet(body=body, revision=revision):
                self._create_replica_set(observed, body, revision)
            case ScaleReplicaSet(name=name, replicas=replicas, previous=previous, revision=revision, annotations=annotations):
                patch: dict[str, Any] = {"spec": {"replicas": replicas}}
                if annotations:
                    patch["metadata"] = {"annotations": dict(annotations)}
                self.replica_sets.write_back(self.kube.patch(resources.REPLICASETS, namespace, name, patch))
                direction = "up" if replicas > previous else "down"
                message = f"Scaled {direction} ReplicaSet {name} (revision {revision}) from {previous} to {replicas}"
                self.recorder.record(observed.raw, reason="ScalingReplicaSet", message=message)
            case AnnotateReplicaSet(name=name, annotations=annotations):
                patch = {"metadata": {"annotations": dict(annotations)}}
                self.replica_sets.write_back(self.kube.patch(resources.REPLICASETS, namespace, name, patch))
            case DeleteReplicaSet(name=name, uid=uid):
                try:
                    self.kube.delete(resources.REPLICASETS, namespace, name, propagation="Background", uid=uid)
                except errors.NotFound:
                    pass
            case PointService(service=service, pod_hash=pod_hash, previous=previous):
                ServiceSelectorRouter(self.kube, self.services.write_back).point(observed.name, namespace, service, pod_hash)
                if pod_hash:
                    message = f"Switched selector for service '{service}' from '{previous or ''}' to '{pod_hash}'"
                    self.recorder.record(observed.raw, reason="SwitchService", message=message)
            case AnnotateRollout(annotations=annotations):
                updated = self.kube.patch(resources.ROLLOUTS, namespace, observed.name, {"metadata": {"annotations": dict(annotations)}})
                self.rollouts.write_back(updated)
            case SetPodMetadata(replica_set=replica_set, labels=labels, annotations=annotations, record=record, pods=pods):
                template_meta = {key: dict(values) for key, values in (("labels", labels), ("annotations", annotations)) if values}
                patch = {"metadata": {"annotations": {EPHEMERAL_METADATA_ANNOTATION: record}}, "spec": {"template": {"metadata": template_meta}}}
                self.replica_sets.write_back(self.kube.patch(resources.REPLICASETS, namespace, replica_set, patch))
                for pod in pods:
                    try:
                        self.kube.patch(resources.PODS, namespace, pod, {"metadata": template_meta})
                    except errors.NotFound:
                        pass  # gone meanwhile: its replacement starts from the patched template
            case EvictPod(name=name):
                eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": namespace}}
                try:
                    self.kube.raw("POST", resources.PODS.path(namespace, name, "eviction"), body=eviction)
                except errors.NotFound:
                    pass
                except errors.ApiError as error:
                    if error.status != 429:  # 429: a PodDisruptionBudget says not now; the next reconcile retries
                        raise
            case RouteTraffic(split=split):
                model = api.parse_rollout(observed.raw, check=False)
                if isinstance(model, list):
                    raise TypeError("cannot route traffic for a Rollout that does not parse")
                router = router_for(model, kube=self.kube, lookup=self.lookup)
                router.route(model, split, lambda reason, message: self.recorder.record(observed.raw, reason=reason, message=message))
            case CreateAnalysisRun(body=body):
                try:
                    self.kube.create(resources.ANALYSIS_RUNS, namespace, dict(body))
                except errors.AlreadyExists:
                    pass  # created by an earlier reconcile whose status write we have not seen yet
                else:
                    self.recorder.record(observed.raw, reason="AnalysisRunCreated", message=f"Created AnalysisRun {body['metadata']['name']}")
            case TerminateAnalysisRun(name=name):
                try:
                    self.kube.patch(resources.ANALYSIS_RUNS, namespace, name, {"spec": {"terminate": True}})
                except errors.NotFound:
                    pass
            case DeleteAnalysisRun(name=name):
                try:
                    self.kube.delete(resources.ANALYSIS_RUNS, namespace, name, propagation="Background")
                except errors.NotFound:
                    pass
            case _:
                raise TypeError(f"the executor cannot carry out {type(action).__name__}")

    def _create_replica_set(self, observed: _Target, body: Mapping[str, Any], revision: int) -> None:
        namespace, name = observed.namespace, body["metadata"]["name"]
        try:
            created = self.kube.create(resources.REPLICASETS, namespace, dict(body))
        except errors.AlreadyExists:
            existing = self.kube.get(resources.REPLICASETS, namespace, name)
            owners = (existing.get("metadata") or {}).get("ownerReferences") or []
            if any(ref.get("uid") == observed.uid and ref.get("controller") for ref in owners):
                self.replica_sets.write_back(existing)  # ours: the cache had not caught up
                return
            count = int((observed.status.get("collisionCount") or 0)) + 1
            self.kube.patch(resources.ROLLOUTS, namespace, observed.name, {"status": {"collisionCount": count}}, subresource="status")
            raise NameCollision(f"ReplicaSet {name} exists and is not owned by Rollout {observed.name}; collisionCount is now {count}") from None
        self.replica_sets.write_back(created)
        self.recorder.record(observed.raw, reason="NewReplicaSetCreated", message=f"Created ReplicaSet {name} (revision {revision})")


# Status keys we model. A key we do not know (from a newer Argo, say) is never removed by our diff.
KNOWN_STATUS_KEYS = frozenset(field.alias or name for name, field in RolloutStatus.model_fields.items())
