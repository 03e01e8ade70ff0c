"""ReplicaSets of a Rollout: which one runs the current template, what a new one looks like, and old-ReplicaSet
housekeeping (scale-down deadlines, history limit). Pure: no I/O, no clock.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from rollouts.api import AntiAffinity, Rollout
from rollouts.api.gotext import format_time
from rollouts.api.labels import (
    API_VERSION,
    DESIRED_REPLICAS_ANNOTATION,
    HASH_LABEL,
    REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION,
    SCALE_DOWN_DEADLINE_ANNOTATION,
)
from rollouts.plan import hashing
from rollouts.plan.actions import Action, AnnotateReplicaSet, DeleteReplicaSet, ScaleReplicaSet
from rollouts.plan.observed import Observed, ReplicaSet

# Rollout annotations that describe the Rollout itself and must not be copied onto its ReplicaSets.
_NOT_COPIED = {
    "kubectl.kubernetes.io/last-applied-configuration",
    REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION,
    DESIRED_REPLICAS_ANNOTATION,
    "notified.notifications.argoproj.io",
}


def desired_hash(rollout: Rollout) -> str:
    collision = rollout.status.collision_count if rollout.status else None
    return hashing.pod_template_hash(dict(rollout.spec.template or {}), collision_count=collision)


def find_new(observed: Observed, pod_hash: str) -> ReplicaSet | None:
    """The ReplicaSet running the current template: ours by hash, else one whose template is equal ignoring the
    hash label (adopting ReplicaSets another controller made, e.g. Argo Rollouts, without redeploying)."""
    if exact := observed.replica_set_by_hash(pod_hash):
        return exact
    template = dict(observed.rollout.spec.template or {})
    candidates = [
        rs
        for rs in observed.replica_sets
        if not rs.deleting and hashing.templates_equal_ignoring_hash(_without_roles(rs), template)
    ]
    return max(candidates, key=lambda rs: rs.revision, default=None)


def add_anti_affinity(template: dict[str, Any], anti_affinity: AntiAffinity, stable_hash: str) -> None:
    """Keep the new pods off nodes running stable pods (appended to the user's own affinity, in place)."""
    term = {
        "labelSelector": {"matchExpressions": [{"key": HASH_LABEL, "operator": "In", "values": [stable_hash]}]},
        "topologyKey": "kubernetes.io/hostname",
    }
    spec = template.setdefault("spec", {})
    pod_anti = spec.setdefault("affinity", {}).setdefault("podAntiAffinity", {})
    if (preferred := anti_affinity.preferred_during_scheduling_ignored_during_execution) is not None:
        pod_anti.setdefault("preferredDuringSchedulingIgnoredDuringExecution", []).append(
            {"weight": preferred.weight, "podAffinityTerm": term}
        )
    elif anti_affinity.required_during_scheduling_ignored_during_execution is not None:
        pod_anti.setdefault("requiredDuringSchedulingIgnoredDuringExecution", []).append(term)


def _without_roles(rs: ReplicaSet) -> dict[str, Any]:
    """The ReplicaSet's pod template minus the role metadata we injected, to compare with the Rollout's."""
    from rollouts.plan.podmeta import injected  # podmeta builds on this module

    template = copy.deepcopy(dict(rs.template))
    metadata = template.get("metadata") or {}
    for kind, values in injected(rs).items():
        for key in values:
            (metadata.get(kind) or {}).pop(key, None)
    return template


def next_revision(replica_sets: Iterable[ReplicaSet]) -> int:
    return max((rs.revision for rs in replica_sets), default=0) + 1


def new_replica_set(observed: Observed, pod_hash: str, *, replicas: int, revision: int) -> dict[str, Any]:
    """The manifest of the ReplicaSet for the current template: `<rollout>-<hash>`, owned by the Rollout."""
    rollout = observed.rollout
    template = copy.deepcopy(dict(rollout.spec.template or {}))
    template_meta = template.setdefault("metadata", {})
    template_meta["labels"] = {**(template_meta.get("labels") or {}), HASH_LABEL: pod_hash}
    template_meta.pop("creationTimestamp", None)
    selector = copy.deepcopy(dict(rollout.spec.selector or {}))
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pod_hash}
    annotations = {k: v for k, v in (observed.raw["metadata"].get("annotations") or {}).items() if k not in _NOT_COPIED}
    annotations[REVISION_ANNOTATION] = str(revision)
    annotations[DESIRED_REPLICAS_ANNOTATION] = str(rollout.spec.effective_replicas)
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{observed.name}-{pod_hash}",
            "namespace": observed.namespace,
            "labels": {**(template_meta.get("labels") or {}), HASH_LABEL: pod_hash},
            "annotations": annotations,
            "ownerReferences": [
                {
                    "apiVersion": API_VERSION,
                    "kind": "Rollout",
                    "name": observed.name,
                    "uid": observed.uid,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": replicas,
            "minReadySeconds": rollout.spec.min_ready_seconds or 0,
            "selector": selector,
            "template": template,
        },
    }


def scale(
    rs: ReplicaSet, replicas: int, *, desired_total: int, annotations: Mapping[str, str | None] | None = None
) -> Action | None:
    """Scale `rs` (and keep its desired-replicas annotation current); None when nothing would change."""
    wanted: dict[str, str | None] = {DESIRED_REPLICAS_ANNOTATION: str(desired_total), **(annotations or {})}
    changes = {key: value for key, value in wanted.items() if rs.annotations.get(key) != value}
    if replicas == rs.replicas and not changes:
        return None
    if replicas == rs.replicas:
        return AnnotateReplicaSet(rs.name, changes)
    return ScaleReplicaSet(rs.name, replicas, rs.replicas, rs.revision, changes)


def delay_scale_down(rs: ReplicaSet, *, delay_seconds: int, now: datetime, desired_total: int) -> Action | None:
    """Mark `rs` to be scaled to zero `delay_seconds` from now (at once when the delay is 0)."""
    if delay_seconds <= 0:
        return scale(rs, 0, desired_total=desired_total, annotations={SCALE_DOWN_DEADLINE_ANNOTATION: None})
    if rs.scale_down_deadline is not None or rs.replicas == 0:
        return None
    return AnnotateReplicaSet(
        rs.name, {SCALE_DOWN_DEADLINE_ANNOTATION: format_time(now + timedelta(seconds=delay_seconds))}
    )


def retire_old(
    observed: Observed,
    *,
    keep: set[str],
    now: datetime,
    desired_total: int,
    revision_limit: int | None,
    wait_deadlines: bool = True,
) -> tuple[list[Action], float | None]:
    """Scale down ReplicaSets not in `keep` (waiting out any scale-down deadline, at most `revision_limit` of
    them at a time, unless `wait_deadlines` is False) and delete scaled-down ones beyond spec.revisionHistoryLimit.

    Returns the actions and the seconds until the next deadline passes.
    """
    actions: list[Action] = []
    wake: float | None = None
    old = sorted(
        (rs for rs in observed.replica_sets if rs.hash not in keep and not rs.deleting),
        key=lambda rs: rs.revision,
        reverse=True,
    )
    waiting = 0
    for rs in old:
        deadline = rs.scale_down_deadline
        if (
            wait_deadlines
            and rs.replicas > 0
            and deadline is not None
            and deadline > now
            and (revision_limit is None or waiting < revision_limit)
        ):
            waiting += 1
            remaining = (deadline - now).total_seconds()
            wake = remaining if wake is None else min(wake, remaining)
            continue
        if (rs.replicas > 0 or deadline is not None) and (
            action := scale(rs, 0, desired_total=desired_total, annotations={SCALE_DOWN_DEADLINE_ANNOTATION: None})
        ):
            actions.append(action)
    history_limit = observed.rollout.spec.effective_revision_history_limit
    idle = [rs for rs in old if rs.replicas == 0 and rs.current == 0]
    for rs in idle[history_limit:]:
        actions.append(DeleteReplicaSet(rs.name, rs.uid))
    return actions, wake


def counts(replica_sets: Iterable[ReplicaSet]) -> tuple[int, int, int]:
    """(current, ready, available) pods summed over ReplicaSets."""
    total = ready = available = 0
    for rs in replica_sets:
        total += rs.current
        ready += rs.ready
        available += rs.available
    return total, ready, available
