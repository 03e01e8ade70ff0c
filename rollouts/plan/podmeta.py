"""Role-based pod metadata and pod restarts: what pods should carry and which ones to evict. Pure.

Ephemeral metadata: while a ReplicaSet plays a role (active, preview, stable, canary) its pods carry that
role's labels and annotations; when the role changes they are patched in place (no restart). What was injected
is remembered in the ReplicaSet's `rollout.argoproj.io/ephemeral-metadata` annotation, so it can be taken off.

Restarts: once `spec.restartAt` has passed, pods created before it are evicted a few at a time (at most
maxUnavailable, at least one), stable first; when none are left `status.restartedAt` records it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from rollouts.api import PodTemplateMetadata
from rollouts.api.gotext import parse_time_or_none as parse_time
from rollouts.api.labels import EPHEMERAL_METADATA_ANNOTATION, HASH_LABEL
from rollouts.plan.actions import Action, EvictPod, SetPodMetadata
from rollouts.plan.observed import Observed, Pod, ReplicaSet

Metadata = dict[str, dict[str, str]]


def as_metadata(source: PodTemplateMetadata | None) -> Metadata:
    if source is None:
        return {}
    found = {"labels": dict(source.labels or {}), "annotations": dict(source.annotations or {})}
    found["labels"].pop(HASH_LABEL, None)  # the hash label is ours to set, never a role's
    return {kind: values for kind, values in found.items() if values}


def injected(rs: ReplicaSet) -> Metadata:
    """What we injected into `rs` before, from its annotation ({} when absent or unreadable)."""
    try:
        recorded = json.loads(rs.annotations.get(EPHEMERAL_METADATA_ANNOTATION) or "{}")
    except ValueError:
        return {}
    return {
        kind: {str(k): str(v) for k, v in (recorded.get(kind) or {}).items()}
        for kind in ("labels", "annotations")
        if recorded.get(kind)
    }


def record(metadata: Metadata) -> str | None:
    return json.dumps(metadata, sort_keys=True, separators=(",", ":")) if metadata else None


def role_actions(observed: Observed, roles: Mapping[str, PodTemplateMetadata | None]) -> list[Action]:
    """Bring each ReplicaSet (by hash) and its pods to the metadata of its role."""
    actions: list[Action] = []
    for rs in observed.replica_sets:
        if rs.hash not in roles or rs.deleting:
            continue
        desired, current = as_metadata(roles[rs.hash]), injected(rs)
        if desired == current:
            continue
        changes = {kind: _diff(current.get(kind, {}), desired.get(kind, {})) for kind in ("labels", "annotations")}
        pods = tuple(pod.name for pod in observed.pods if pod.hash == rs.hash and not pod.deleting)
        actions.append(SetPodMetadata(rs.name, changes["labels"], changes["annotations"], record(desired), pods))
    return actions


def _diff(current: Mapping[str, str], desired: Mapping[str, str]) -> dict[str, str | None]:
    changes: dict[str, str | None] = {key: None for key in current if key not in desired}
    changes.update({key: value for key, value in desired.items() if current.get(key) != value})
    return changes


def with_role(template: dict[str, Any], metadata: Metadata) -> str | None:
    """Add a role's metadata to a new ReplicaSet's pod template (in place); returns the annotation to record."""
    template_meta = template.setdefault("metadata", {})
    for kind, values in metadata.items():
        template_meta[kind] = {**(template_meta.get(kind) or {}), **values}
    return record(metadata)


def restart(
    observed: Observed, *, now: datetime, max_unavailable: int, order: list[str]
) -> tuple[list[Action], bool, float | None]:
    """Evictions for a pending restart, whether it is complete, and when to look again.

    `order` lists pod hashes in eviction order (stable first, then the new ReplicaSet, then the rest).
    """
    restart_at = parse_time(observed.rollout.spec.restart_at)
    if restart_at is None:
        return [], False, None
    if now < restart_at:
        return [], False, (restart_at - now).total_seconds()
    pods = [pod for pod in observed.pods if not pod.deleting]
    stale = [pod for pod in pods if (parse_time(pod.created) or now) < restart_at]
    if not stale:
        return [], True, None
    unavailable = sum(1 for pod in pods if not pod.ready)
    budget = max(max(max_unavailable, 1) - unavailable, 0)
    rank = {pod_hash: position for position, pod_hash in enumerate(order)}
    stale.sort(key=lambda pod: (rank.get(pod.hash, len(rank)), pod.created, pod.name))
    return [EvictPod(pod.name) for pod in stale[:budget]], False, 1.0


def pods_of(pods: tuple[Pod, ...], hashes: set[str]) -> tuple[Pod, ...]:
    return tuple(pod for pod in pods if pod.hash in hashes)
