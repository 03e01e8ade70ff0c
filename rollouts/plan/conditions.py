"""Rollout conditions and the phase derived from them, with Argo's types, reasons and messages. Pure.

A condition's lastTransitionTime moves only when its status flips; lastUpdateTime moves when anything about it
changes. The Progressing condition's lastUpdateTime is what the progress deadline is measured from.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rollouts.api import (
    AnalysisPhase,
    BlueGreenStatus,
    Condition,
    RolloutPhase,
    RolloutSpec,
    RolloutStatus,
    RolloutStrategy,
)
from rollouts.api.gotext import format_time
from rollouts.api.gotext import parse_time_or_none as parse_time

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

_RUN_DONE = tuple(phase.value for phase in AnalysisPhase if phase.completed)


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


def phase_of(spec: RolloutSpec, status: RolloutStatus) -> tuple[RolloutPhase, str]:
    """A Rollout's phase and its message from its spec and status alone, as Argo computes it: the first rule
    that holds wins. The controller sets it on every status it writes; a client uses it for a status written
    by a controller that set no phase."""
    for condition in status.conditions or ():
        if condition.type == INVALID_SPEC:
            return RolloutPhase.DEGRADED, f"{INVALID_SPEC}: {condition.message or ''}"
        if condition.reason in (ROLLOUT_ABORTED, PROGRESS_DEADLINE_EXCEEDED):
            return RolloutPhase.DEGRADED, f"{condition.reason}: {condition.message or ''}"
    if spec.paused:
        return RolloutPhase.PAUSED, "manually paused"
    if status.pause_conditions:
        return RolloutPhase.PAUSED, str(status.pause_conditions[0].reason or "")
    if restart_pending(spec, status):
        return RolloutPhase.PROGRESSING, "rollout is restarting"
    updated, available = status.updated_replicas or 0, status.available_replicas or 0
    if updated < spec.effective_replicas:
        return RolloutPhase.PROGRESSING, "more replicas need to be updated"
    if available < updated:
        return RolloutPhase.PROGRESSING, "updated replicas are still becoming available"
    waiting = _waiting_for(spec.strategy, status)
    return (RolloutPhase.PROGRESSING, waiting) if waiting else (RolloutPhase.HEALTHY, "")


def restart_pending(spec: RolloutSpec, status: RolloutStatus) -> bool:
    """`spec.restartAt` asks for a restart that `status.restartedAt` does not record yet (same instant counts)."""
    if not spec.restart_at or spec.restart_at == status.restarted_at:
        return False
    wanted = parse_time(spec.restart_at)
    return wanted is None or wanted != parse_time(status.restarted_at)


def _waiting_for(strategy: RolloutStrategy | None, status: RolloutStatus) -> str:
    """What a strategy still waits for once every replica is updated and available ("" when nothing)."""
    fully_promoted = bool(status.stable_rs) and status.stable_rs == status.current_pod_hash
    if strategy is not None and strategy.blue_green is not None:
        blue_green = status.blue_green or BlueGreenStatus()
        if not blue_green.active_selector or blue_green.active_selector != status.current_pod_hash:
            return "active service cutover pending"
        if fully_promoted:
            return ""
        post = blue_green.post_promotion_analysis_run_status
        if strategy.blue_green.post_promotion_analysis is not None and (post is None or post.status not in _RUN_DONE):
            return "waiting for analysis to complete"
        return "waiting for post-promotion verification to complete"
    if strategy is not None and strategy.canary is not None:
        # Behind a traffic router old pods may stay up on purpose (scaleDownDelaySeconds): no traffic reaches them.
        if strategy.canary.traffic_routing is None and (status.replicas or 0) > (status.updated_replicas or 0):
            return "old replicas are pending termination"
        if not fully_promoted:
            return "waiting for all steps to complete"
    return ""
