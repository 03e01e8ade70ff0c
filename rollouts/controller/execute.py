"""Carry out a Plan: run its actions in order, record events, then write the status once if it changed.

Each action is idempotent: ReplicaSet names are deterministic, so AlreadyExists means "already done" when the
ReplicaSet is ours. The first failing action stops the plan (the error goes to the work queue's backoff); the
status is still written for what did happen, because a lost status is worse than a late one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from rollouts.api import Rollout, RolloutStatus
from rollouts.controller.routing import Lookup, ServiceSelector, router_for
from rollouts.controller.routing.adapter import Remember
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.kube.events import EventRecorder
from rollouts.kube.patches import apply_merge_patch, merge_patch
from rollouts.machinery.controller import ExternalError
from rollouts.machinery.keys import ObjectKey
from rollouts.machinery.store import Store
from rollouts.plan.actions import (
    Action,
    AnnotateReplicaSet,
    AnnotateRollout,
    CreateAnalysisRun,
    CreateExperiment,
    CreateReplicaSet,
    DeleteAnalysisRun,
    DeleteReplicaSet,
    EvictPod,
    Plan,
    PointService,
    RouteTraffic,
    ScaleDeployment,
    ScaleReplicaSet,
    SetPodMetadata,
    TerminateAnalysisRun,
    TerminateExperiment,
)
from rollouts.plan.names import EPHEMERAL_METADATA_ANNOTATION
from rollouts.plan.observed import RolloutIdentity
from rollouts.traffic.router import RoutingError

_log = logging.getLogger("rollouts.controller")


@dataclass(frozen=True)
class _Target(RolloutIdentity):
    """The Rollout a plan is applied to: as read, and its model (None when its fields do not parse)."""

    raw: Mapping[str, Any]
    model: Rollout | None

    def note(self, recorder: EventRecorder) -> Callable[[str, str], None]:
        return lambda reason, message: recorder.record(self.raw, reason=reason, message=message)


class NameCollision(Exception):
    """A ReplicaSet with our name exists and is not ours; the status's collisionCount was bumped."""


class TrafficRoutingFailed(ExternalError):
    """The routed objects do not fit the Rollout (say a canary Ingress another object controls): one line, retried
    with backoff, and a TrafficRoutingError event on the Rollout."""


PlanOf = Callable[[Mapping[str, Any]], tuple[Plan, Rollout | None]]
"""Decides on a Rollout as read: its plan, and its model (None when its fields do not parse)."""

CHAINED_ROUNDS = 4
"""Plans one reconcile carries out while each asks to go on at once: a canary step whose weight is set scales for
the next step before the one status write, instead of a status write and another reconcile first."""


def _unchanged(raw: Mapping[str, Any], fresh: Mapping[str, Any] | None) -> bool:
    """Whether nobody else changed the Rollout's spec or status since `raw` was read (our own annotation writes
    may have): only then may the next round decide on it without a new read."""
    if fresh is None:
        return False
    generation = (raw.get("metadata") or {}).get("generation")
    return (fresh.get("metadata") or {}).get("generation") == generation and fresh.get("status") == raw.get("status")


def _advances(previous: Plan, plan: Plan) -> bool:
    """Whether `plan` moves the Rollout on to a later step than `previous` left it at."""
    before, after = previous.status.current_step_index, plan.status.current_step_index
    return before is not None and after is not None and after > before


@dataclass
class Executor:
    kube: Kube
    recorder: EventRecorder
    rollouts: Store
    replica_sets: Store
    services: Store
    lookup: Lookup = lambda _resource, _namespace, _name: None
    """Reads routed objects (VirtualServices, DestinationRules) from a cache, when there is one."""
    remember: Remember | None = None
    """Keeps a routed object we wrote in that cache (a chained decision in the same reconcile reads it)."""
    on_status_write: Callable[[], None] | None = None

    def carry_out(self, key: ObjectKey, raw: Mapping[str, Any], plan_of: PlanOf) -> Plan:
        """Decide (`plan_of`) and act on the Rollout `raw`; while a plan asks to go on at once (requeue_after 0),
        decide again on the caches our writes updated and the status about to be written, at most CHAINED_ROUNDS
        times and never into a new step index. Then write the status once, for what did happen, and raise the error
        that stopped an action."""
        written = raw.get("status") or {}
        current, previous = raw, None
        for _ in range(CHAINED_ROUNDS):
            plan, model = plan_of(current)
            if previous is not None and _advances(previous, plan):
                # Every step a Rollout reaches is written, as Argo's are (clients wait for step indexes): this
                # one is taken by the next reconcile, at once (the previous plan asked for requeue_after 0).
                plan, failure = previous, None
                break
            failure = self.act(plan, current, model)
            fresh = self.rollouts.get(key)
            if failure is not None or model is None or plan.requeue_after != 0 or not _unchanged(raw, fresh):
                break
            previous = plan
            assert fresh is not None
            held = merge_patch(written, plan.status.to_dict(), removable=KNOWN_STATUS_KEYS)
            current = {**fresh, "status": apply_merge_patch(written, held)}
        self.write_status(_Target(raw, None), plan.status.to_dict())
        if failure is not None:
            raise failure
        return plan

    def run(self, plan: Plan, rollout: Mapping[str, Any], model: Rollout | None) -> None:
        """Apply `plan` to the Rollout it was computed for (`rollout` as read from the cache, `model` as parsed)."""
        failure = self.act(plan, rollout, model)
        self.write_status(_Target(rollout, model), plan.status.to_dict())
        if failure is not None:
            raise failure

    def act(self, plan: Plan, rollout: Mapping[str, Any], model: Rollout | None) -> Exception | None:
        """Run the plan's actions in order and record its events, without the status write; the error that
        stopped the actions, if one did (the status must still be written for what did happen)."""
        target = _Target(rollout, model)
        with self.recorder.held():  # the first write goes out ahead of the Events that announce it
            for note in plan.leading_events:
                self.recorder.record(rollout, reason=note.reason, message=note.message, type=note.type)
            failure = self._apply_all(plan.actions[:1], target)
        if failure is None:
            failure = self._apply_all(plan.actions[1:], target)
        for note in plan.events:
            self.recorder.record(rollout, reason=note.reason, message=note.message, type=note.type)
        return failure

    def _apply_all(self, actions: Sequence[Action], target: _Target) -> Exception | None:
        for action in actions:
            try:
                self._apply(action, target)
            except (errors.ApiError, NameCollision, TrafficRoutingFailed) as error:
                return error
        return None

    def write_status(self, observed: _Target, desired: Mapping[str, Any]) -> None:
        """Patch the status from what the server holds (`observed.status`) to `desired`; no write when equal."""
        patch = merge_patch(observed.status, desired, removable=KNOWN_STATUS_KEYS)
        if patch is None:
            return  # nothing changed: no write
        updated = self.kube.patch(
            resources.ROLLOUTS, observed.namespace, observed.name, {"status": patch}, subresource="status"
        )
        self.rollouts.write_back(updated)
        if changes := describe_changes(observed.status, desired):
            _log.info("%s", "; ".join(changes), extra={"rollout": f"{observed.namespace}/{observed.name}"})
        if self.on_status_write is not None:
            self.on_status_write()

    # ---- actions: one method each, found by the action's type -----------------------------------------------

    def _apply(self, action: Action, target: _Target) -> None:
        handler = _HANDLERS.get(type(action))
        if handler is None:
            raise TypeError(f"the executor cannot carry out {type(action).__name__}")
        handler(self, action, target)

    def _create_replica_set(self, action: CreateReplicaSet, target: _Target) -> None:
        namespace, name = target.namespace, action.body["metadata"]["name"]
        try:
            created = self.kube.create(resources.REPLICASETS, namespace, dict(action.body))
        except errors.AlreadyExists:
            existing = self.kube.get(resources.REPLICASETS, namespace, name)
            owners = (existing.get("metadata") or {}).get("ownerReferences") or []
            if any(ref.get("uid") == target.uid and ref.get("controller") for ref in owners):
                self.replica_sets.write_back(existing)  # ours: the cache had not caught up
                return
            count = int(target.status.get("collisionCount") or 0) + 1
            patch = {"status": {"collisionCount": count}}
            self.kube.patch(resources.ROLLOUTS, namespace, target.name, patch, subresource="status")
            message = f"ReplicaSet {name} exists and is not owned by Rollout {target.name}; collisionCount is {count}"
            raise NameCollision(message) from None
        self.replica_sets.write_back(created)
        message = f"Created ReplicaSet {name} (revision {action.revision})"
        self.recorder.record(target.raw, reason="NewReplicaSetCreated", message=message)
        for note in action.announce:
            self.recorder.record(target.raw, reason=note.reason, message=note.message, type=note.type)
        if replicas := int(action.body["spec"].get("replicas") or 0):
            # Argo creates at 0 and scales up; we create at size but tell the same story.
            scaled = f"Scaled up ReplicaSet {name} (revision {action.revision}) from 0 to {replicas}"
            self.recorder.record(target.raw, reason="ScalingReplicaSet", message=scaled)

    def _scale_replica_set(self, action: ScaleReplicaSet, target: _Target) -> None:
        patch: dict[str, Any] = {"spec": {"replicas": action.replicas}}
        if action.annotations:
            patch["metadata"] = {"annotations": dict(action.annotations)}
        self.replica_sets.write_back(self.kube.patch(resources.REPLICASETS, target.namespace, action.name, patch))
        direction = "up" if action.replicas > action.previous else "down"
        message = (
            f"Scaled {direction} ReplicaSet {action.name} (revision {action.revision}) "
            f"from {action.previous} to {action.replicas}"
        )
        self.recorder.record(target.raw, reason="ScalingReplicaSet", message=message)

    def _annotate_replica_set(self, action: AnnotateReplicaSet, target: _Target) -> None:
        patch = {"metadata": {"annotations": dict(action.annotations)}}
        self.replica_sets.write_back(self.kube.patch(resources.REPLICASETS, target.namespace, action.name, patch))

    def _delete_replica_set(self, action: DeleteReplicaSet, target: _Target) -> None:
        with suppress(errors.NotFound):
            self.kube.delete(
                resources.REPLICASETS, target.namespace, action.name, propagation="Background", uid=action.uid
            )
        self.replica_sets.forget(ObjectKey(target.namespace, action.name), action.uid)  # gone either way

    def _point_service(self, action: PointService, target: _Target) -> None:
        selector = ServiceSelector(self.kube, lambda service: self.services.write_back(dict(service)))
        selector.point(target.name, target.namespace, action.service, action.pod_hash)
        if action.pod_hash:
            previous, pod_hash = action.previous or "", action.pod_hash
            message = f"Switched selector for service '{action.service}' from '{previous}' to '{pod_hash}'"
            self.recorder.record(target.raw, reason="SwitchService", message=message)

    def _annotate_rollout(self, action: AnnotateRollout, target: _Target) -> None:
        patch = {"metadata": {"annotations": dict(action.annotations)}}
        self.rollouts.write_back(self.kube.patch(resources.ROLLOUTS, target.namespace, target.name, patch))

    def _scale_deployment(self, action: ScaleDeployment, target: _Target) -> None:
        self.kube.patch(resources.DEPLOYMENTS, target.namespace, action.name, {"spec": {"replicas": action.replicas}})
        direction = "up" if action.replicas > action.previous else "down"
        message = f"Scaled {direction} Deployment {action.name} from {action.previous} to {action.replicas}"
        self.recorder.record(target.raw, reason="ScalingDeployment", message=message)

    def _set_pod_metadata(self, action: SetPodMetadata, target: _Target) -> None:
        pairs = (("labels", action.labels), ("annotations", action.annotations))
        template_meta = {key: dict(values) for key, values in pairs if values}
        patch = {
            "metadata": {"annotations": {EPHEMERAL_METADATA_ANNOTATION: action.record}},
            "spec": {"template": {"metadata": template_meta}},
        }
        self.replica_sets.write_back(
            self.kube.patch(resources.REPLICASETS, target.namespace, action.replica_set, patch)
        )
        for pod in action.pods:
            with suppress(errors.NotFound):  # gone meanwhile: its replacement starts from the patched template
                self.kube.patch(resources.PODS, target.namespace, pod, {"metadata": template_meta})

    def _evict_pod(self, action: EvictPod, target: _Target) -> None:
        metadata = {"name": action.name, "namespace": target.namespace}
        eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": metadata}
        try:
            self.kube.raw("POST", resources.PODS.path(target.namespace, action.name, "eviction"), body=eviction)
        except errors.NotFound:
            pass
        except errors.ApiError as error:
            if error.status != 429:  # 429: a PodDisruptionBudget says not now; the next reconcile retries
                raise

    def _route_traffic(self, action: RouteTraffic, target: _Target) -> None:
        if target.model is None:
            raise TypeError("cannot route traffic for a Rollout that does not parse")
        note = target.note(self.recorder)
        try:
            router = router_for(
                target.model,
                kube=self.kube,
                lookup=self.lookup,
                stable_ping_pong=action.split.stable_ping_pong,
                remember=self.remember,
            )
            if action.release:
                router.release(target.model, action.split, note)
            else:
                router.route(target.model, action.split, note)
        except RoutingError as error:
            self.recorder.record(target.raw, reason="TrafficRoutingError", message=str(error), type="Warning")
            raise TrafficRoutingFailed(str(error)) from None

    def _create_analysis_run(self, action: CreateAnalysisRun, target: _Target) -> None:
        try:
            self.kube.create(resources.ANALYSIS_RUNS, target.namespace, dict(action.body))
        except errors.AlreadyExists:
            return  # created by an earlier reconcile whose status write we have not seen yet
        message = f"Created AnalysisRun {action.body['metadata']['name']}"
        self.recorder.record(target.raw, reason="AnalysisRunCreated", message=message)

    def _terminate_analysis_run(self, action: TerminateAnalysisRun, target: _Target) -> None:
        with suppress(errors.NotFound):
            self.kube.patch(resources.ANALYSIS_RUNS, target.namespace, action.name, {"spec": {"terminate": True}})

    def _create_experiment(self, action: CreateExperiment, target: _Target) -> None:
        try:
            self.kube.create(resources.EXPERIMENTS, target.namespace, dict(action.body))
        except errors.AlreadyExists:
            return  # created by an earlier reconcile whose status write we have not seen yet
        message = f"Created Experiment '{action.body['metadata']['name']}'"
        self.recorder.record(target.raw, reason="ExperimentCreated", message=message)

    def _terminate_experiment(self, action: TerminateExperiment, target: _Target) -> None:
        with suppress(errors.NotFound):
            self.kube.patch(resources.EXPERIMENTS, target.namespace, action.name, {"spec": {"terminate": True}})

    def _delete_analysis_run(self, action: DeleteAnalysisRun, target: _Target) -> None:
        with suppress(errors.NotFound):
            self.kube.delete(resources.ANALYSIS_RUNS, target.namespace, action.name, propagation="Background")


_HANDLERS: dict[type, Callable[[Executor, Any, _Target], None]] = {
    CreateReplicaSet: Executor._create_replica_set,
    ScaleReplicaSet: Executor._scale_replica_set,
    AnnotateReplicaSet: Executor._annotate_replica_set,
    DeleteReplicaSet: Executor._delete_replica_set,
    PointService: Executor._point_service,
    AnnotateRollout: Executor._annotate_rollout,
    ScaleDeployment: Executor._scale_deployment,
    SetPodMetadata: Executor._set_pod_metadata,
    EvictPod: Executor._evict_pod,
    RouteTraffic: Executor._route_traffic,
    CreateAnalysisRun: Executor._create_analysis_run,
    TerminateAnalysisRun: Executor._terminate_analysis_run,
    DeleteAnalysisRun: Executor._delete_analysis_run,
    CreateExperiment: Executor._create_experiment,
    TerminateExperiment: Executor._terminate_experiment,
}


# Status keys we model. A key we do not know (from a newer Argo, say) is never removed by our diff.
KNOWN_STATUS_KEYS = frozenset(field.alias or name for name, field in RolloutStatus.model_fields.items())


# What an operator wants to follow at info level, as (label, path into the status). One line per status write that
# changes any of these.
_STORY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("update to", ("currentPodHash",)),
    ("step", ("currentStepIndex",)),
    ("canary weight", ("canary", "weights", "canary", "weight")),
    ("paused", ("pauseConditions",)),
    ("aborted", ("abort",)),
    ("stable", ("stableRS",)),
    ("active", ("blueGreen", "activeSelector")),
    ("preview", ("blueGreen", "previewSelector")),
    ("step analysis", ("canary", "currentStepAnalysisRunStatus", "status")),
    ("background analysis", ("canary", "currentBackgroundAnalysisRunStatus", "status")),
    ("pre-promotion analysis", ("blueGreen", "prePromotionAnalysisRunStatus", "status")),
    ("post-promotion analysis", ("blueGreen", "postPromotionAnalysisRunStatus", "status")),
    ("phase", ("phase",)),
)


def describe_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """The state changes between two statuses, e.g. `["step: 1 -> 2", "canary weight: 10 -> 50"]`."""
    changes = []
    for label, path in _STORY:
        old, new = _story_value(before, path), _story_value(after, path)
        if old != new:
            changes.append(f"{label}: {new}" if not old else f"{label}: {old} -> {new or 'none'}")
    if changes and after.get("message") and _story_value(before, ("phase",)) != _story_value(after, ("phase",)):
        changes[-1] += f" ({after['message']})"
    return changes


def _story_value(status: Mapping[str, Any], path: tuple[str, ...]) -> str:
    value: Any = status
    for key in path:
        value = value.get(key) if isinstance(value, Mapping) else None
    if isinstance(value, list):  # pauseConditions: their reasons
        return ",".join(str(item.get("reason")) for item in value if isinstance(item, Mapping))
    return "" if value is None or value is False else "true" if value is True else str(value)
