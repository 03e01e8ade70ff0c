"""The status bookkeeping common to both strategies, after one decided: replica counts, Argo's conditions (and
the progress deadline), the phase, and the events a transition deserves. Pure.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rollouts.api import BlueGreenStatus, CanaryStatus, Condition, RolloutStatus
from rollouts.api import selectors as label_selectors
from rollouts.api.gotext import format_time
from rollouts.api.gotext import parse_time_or_none as parse_time
from rollouts.api.labels import HASH_LABEL
from rollouts.plan import conditions, replicasets
from rollouts.plan.actions import EventNote
from rollouts.plan.observed import Observed, ReplicaSet


def with_counts(
    observed: Observed, status: RolloutStatus, new: ReplicaSet, *, active_hash: str | None
) -> RolloutStatus:
    live = [rs for rs in observed.replica_sets if not rs.deleting]
    total, ready, available = replicasets.counts(live)
    active = observed.replica_set_by_hash(active_hash)
    selector = dict(observed.rollout.spec.selector or {})
    if active is not None:
        # Blue-green's scale subresource counts the active ReplicaSet's pods, selected by its hash too.
        selector = {**selector, "matchLabels": {**(selector.get("matchLabels") or {}), HASH_LABEL: active.hash}}
        # ...and Argo reports the active ReplicaSet's ready and available pods, not the preview's too.
        ready, available = active.ready, active.available
    return status.model_copy(
        update={
            "replicas": total,
            "updated_replicas": new.current,
            "ready_replicas": ready,
            "available_replicas": available,
            "hpa_replicas": active.current if active is not None else total,
            "selector": label_selectors.to_string(selector),
            "observed_generation": str(observed.generation),
        }
    )


def with_strategy_objects(status: RolloutStatus) -> RolloutStatus:
    """Argo writes `canary` and `blueGreen` for either strategy, at least `{}`: Argo CD's resource actions index
    them without a nil check."""
    return status.model_copy(
        update={"canary": status.canary or CanaryStatus(), "blue_green": status.blue_green or BlueGreenStatus()}
    )


def with_conditions(
    observed: Observed,
    before: RolloutStatus,
    status: RolloutStatus,
    new: ReplicaSet,
    now: datetime,
    abort_reason: str | None,
) -> tuple[RolloutStatus, float | None]:
    """Progressing, Available, Paused, Completed and Healthy as Argo sets them, and when the progress deadline is
    due (None when it is not running). A deadline passed with progressDeadlineAbort aborts the update."""
    spec = observed.rollout.spec
    replicas = spec.effective_replicas
    completed_now = status.stable_rs == status.current_pod_hash
    paused = bool(spec.paused or status.pause_conditions)
    healthy = completed_now and new.saturated_at >= replicas and (status.updated_replicas or 0) >= replicas
    if status.abort:
        found = _aborted(status, new, now, abort_reason)
        wake = None
    elif healthy:
        message = f'ReplicaSet "{new.name}" has successfully progressed.'
        found = conditions.put(
            status.conditions, conditions.PROGRESSING, "True", conditions.NEW_RS_AVAILABLE, message, now, touch=False
        )
        wake = None
    elif paused:
        found = conditions.put(
            status.conditions,
            conditions.PROGRESSING,
            "Unknown",
            conditions.ROLLOUT_PAUSED,
            "Rollout is paused",
            now,
            touch=False,
        )
        wake = None
    else:
        status, wake = _progressing(observed, before, status, new, now)
        found = list(status.conditions or [])
    available_now = new.saturated_at >= replicas if completed_now else (status.available_replicas or 0) >= replicas
    is_healthy = healthy and not paused and not status.abort
    for kind, holds, reason, (yes, no) in (
        (conditions.AVAILABLE, available_now, "AvailableReason", _AVAILABLE_TEXT),
        (conditions.PAUSED, paused, conditions.ROLLOUT_PAUSED, ("Rollout is paused", "Rollout is not paused")),
        (conditions.COMPLETED, completed_now, "RolloutCompleted", ("RolloutCompleted", "Rollout not completed")),
        (conditions.HEALTHY, is_healthy, "RolloutHealthy", ("Rollout is healthy", "Rollout is not healthy")),
    ):
        found = conditions.put(found, kind, str(holds), reason, yes if holds else no, now, touch=False)
    return status.model_copy(update={"conditions": found}), wake


_AVAILABLE_TEXT = ("Rollout has minimum availability", "Rollout does not have minimum availability")


def _aborted(status: RolloutStatus, new: ReplicaSet, now: datetime, abort_reason: str | None) -> list[Condition]:
    # Keep the first reason given (the failed analysis, say): later reconciles no longer know it.
    progressing = conditions.find(status.conditions, conditions.PROGRESSING)
    message = f"Rollout aborted update to revision {new.revision}" + (f": {abort_reason}" if abort_reason else "")
    if progressing is not None and progressing.reason == conditions.ROLLOUT_ABORTED and not abort_reason:
        message = str(progressing.message)
    return conditions.put(
        status.conditions, conditions.PROGRESSING, "False", conditions.ROLLOUT_ABORTED, message, now, touch=False
    )


def _progressing(
    observed: Observed, before: RolloutStatus, status: RolloutStatus, new: ReplicaSet, now: datetime
) -> tuple[RolloutStatus, float | None]:
    """An update under way: progress restarts the deadline clock; without progress the deadline may pass."""
    spec = observed.rollout.spec
    found = list(status.conditions or [])
    progressing = conditions.find(found, conditions.PROGRESSING)
    made_progress = _progress_made(before, status)
    settled = progressing is not None and progressing.reason not in (
        conditions.ROLLOUT_PAUSED,
        conditions.NEW_RS_AVAILABLE,
        conditions.ROLLOUT_ABORTED,
    )
    wake: float | None = None
    if made_progress or not settled:
        # Progress (or a fresh start after a pause or abort) restarts the deadline clock.
        reason, message = conditions.RS_UPDATED, f'ReplicaSet "{new.name}" is progressing.'
        if progressing is not None and progressing.reason == conditions.NEW_RS_CREATED and not made_progress:
            reason, message = progressing.reason, str(progressing.message)
        found = conditions.put(found, conditions.PROGRESSING, "True", reason, message, now, touch=made_progress)
    elif progressing is not None and progressing.reason != conditions.PROGRESS_DEADLINE_EXCEEDED:
        due = (parse_time(progressing.last_update_time) or now) + timedelta(
            seconds=spec.effective_progress_deadline_seconds
        )
        if now >= due:
            message = f'ReplicaSet "{new.name}" has timed out progressing.'
            found = conditions.put(
                found, conditions.PROGRESSING, "False", conditions.PROGRESS_DEADLINE_EXCEEDED, message, now
            )
            if spec.progress_deadline_abort and status.stable_rs != status.current_pod_hash:
                status = status.model_copy(update={"abort": True, "aborted_at": format_time(now)})
        else:
            wake = (due - now).total_seconds()
    return status.model_copy(update={"conditions": found}), wake


def _progress_made(before: RolloutStatus, after: RolloutStatus) -> bool:
    watched = (
        "updated_replicas",
        "ready_replicas",
        "available_replicas",
        "current_pod_hash",
        "stable_rs",
        "current_step_index",
    )
    if any(getattr(before, name) != getattr(after, name) for name in watched):
        return True
    selectors_before = (
        (before.blue_green.active_selector, before.blue_green.preview_selector) if before.blue_green else (None, None)
    )
    selectors_after = (
        (after.blue_green.active_selector, after.blue_green.preview_selector) if after.blue_green else (None, None)
    )
    return selectors_before != selectors_after


def with_phase(observed: Observed, status: RolloutStatus) -> RolloutStatus:
    phase, message = conditions.phase_of(observed.rollout.spec, status)
    return status.model_copy(update={"phase": phase.value, "message": message or None})


def transition_events(
    observed: Observed, before: RolloutStatus, after: RolloutStatus, new: ReplicaSet, completed: str | None
) -> list[EventNote]:
    events: list[EventNote] = []
    was_completed = conditions.find(before.conditions, conditions.COMPLETED)
    if (
        after.stable_rs != after.current_pod_hash
        and (was_completed is None or was_completed.status == "True")
        and before.current_pod_hash != after.current_pod_hash
    ):
        events.append(
            EventNote(
                "RolloutNotCompleted", f"Rollout not completed, started update to revision {new.revision} ({new.hash})"
            )
        )
    if after.abort and not before.aborted_at:
        aborted = conditions.find(after.conditions, conditions.PROGRESSING)
        message = (
            str(aborted.message)
            if aborted is not None and aborted.reason == conditions.ROLLOUT_ABORTED
            else f"Rollout aborted update to revision {new.revision}"
        )
        events.append(EventNote("RolloutAborted", message, "Warning"))
    if after.pause_conditions and not before.pause_conditions:
        events.append(EventNote("RolloutPaused", f"Rollout is paused ({after.pause_conditions[0].reason})"))
    elif before.pause_conditions and not after.pause_conditions and not after.abort:
        events.append(EventNote("RolloutResumed", "Rollout is resumed"))
    if completed and before.stable_rs != after.stable_rs:
        events.append(
            EventNote(
                "RolloutCompleted", f"Rollout completed update to revision {new.revision} ({new.hash}): {completed}"
            )
        )
    return events
