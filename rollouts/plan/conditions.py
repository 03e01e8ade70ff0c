"""Rollout conditions and the phase derived from them, with Argo's types, reasons and messages. Pure.

A condition's lastTransitionTime moves only when its status flips; lastUpdateTime moves when anything about it
changes. The Progressing condition's lastUpdateTime is what the progress deadline is measured from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rollouts.api import Condition, RolloutPhase, RolloutStatus
from rollouts.api.gotext import format_time

PROGRESSING = "Progressing"
AVAILABLE = "Available"
PAUSED = "Paused"
HEALTHY = "Healthy"
COMPLETED = "Completed"
INVALID_SPEC = "InvalidSpec"

# Progressing reasons
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
RS_NOT_AVAILABLE = "ReplicaSetNotAvailable"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
PROGRESS_DEADLINE_EXCEEDED = "ProgressDeadlineExceeded"
ROLLOUT_ABORTED = "RolloutAborted"
ROLLOUT_PAUSED = "RolloutPaused"
ROLLOUT_RESUMED = "RolloutResumed"
ROLLOUT_RETRY = "RolloutRetry"


def find(conditions: Sequence[Condition] | None, kind: str) -> Condition | None:
    return next((c for c in conditions or () if c.type == kind), None)


def put(
    conditions: Sequence[Condition] | None,
    kind: str,
    status: str,
    reason: str,
    message: str,
    now: datetime,
    *,
    touch: bool = True,
) -> list[Condition]:
    """Set one condition. Unchanged (status, reason, message) keeps both times unless `touch` asks to bump
    lastUpdateTime (progress was made); a flipped status moves lastTransitionTime."""
    stamp = format_time(now)
    existing = find(conditions, kind)
    others = [c for c in conditions or () if c.type != kind]
    if (
        existing is not None
        and (existing.status, existing.reason, existing.message) == (status, reason, message)
        and not touch
    ):
        return [*others, existing]
    transition = existing.last_transition_time if existing is not None and existing.status == status else stamp
    updated = Condition(
        type=kind,
        status=status,
        reason=reason,
        message=message,
        last_update_time=stamp,
        last_transition_time=transition,
    )
    return [*others, updated]


def drop(conditions: Sequence[Condition] | None, kind: str) -> list[Condition]:
    return [c for c in conditions or () if c.type != kind]


def phase_of(
    status: RolloutStatus, *, desired_replicas: int, spec_paused: bool, blue_green: bool, restart_pending: bool
) -> tuple[RolloutPhase, str]:
    """The phase and its message from a computed status, in Argo's order: the first rule that holds wins."""
    invalid = find(status.conditions, INVALID_SPEC)
    if invalid is not None and invalid.status == "True":
        return RolloutPhase.DEGRADED, f"{INVALID_SPEC}: {invalid.message}"
    progressing = find(status.conditions, PROGRESSING)
    if progressing is not None and progressing.reason in (ROLLOUT_ABORTED, PROGRESS_DEADLINE_EXCEEDED):
        return RolloutPhase.DEGRADED, f"{progressing.reason}: {progressing.message}"
    if spec_paused:
        return RolloutPhase.PAUSED, "manually paused"
    if status.pause_conditions:
        return RolloutPhase.PAUSED, str(status.pause_conditions[0].reason)
    if restart_pending:
        return RolloutPhase.PROGRESSING, "rollout is restarting"
    replicas, updated, available = status.replicas or 0, status.updated_replicas or 0, status.available_replicas or 0
    if updated < desired_replicas:
        return RolloutPhase.PROGRESSING, "more replicas need to be updated"
    if available < updated:
        return RolloutPhase.PROGRESSING, "updated replicas are still becoming available"
    if blue_green:
        active = status.blue_green.active_selector if status.blue_green else None
        if not active or active != status.current_pod_hash:
            return RolloutPhase.PROGRESSING, "active service cutover pending"
        if status.stable_rs != status.current_pod_hash:
            return RolloutPhase.PROGRESSING, "waiting for analysis to complete"
    else:
        if replicas > updated:
            return RolloutPhase.PROGRESSING, "old replicas are pending termination"
        if status.stable_rs != status.current_pod_hash:
            return RolloutPhase.PROGRESSING, "waiting for all steps to complete"
    return RolloutPhase.HEALTHY, ""
