"""Decide one reconcile of a Rollout: (observed, now) → actions, desired status, events and when to wake up.

Purely computational, no side effects: no I/O, no clock, no logging. Each call returns only the next safe
increment; convergence happens over several reconciles, each triggered by the watch events the last one caused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from rollouts.api import PodTemplateMetadata, RolloutSpec, RolloutStatus
from rollouts.api.gotext import format_time
from rollouts.api.labels import (
    EPHEMERAL_METADATA_ANNOTATION,
    REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION,
)
from rollouts.plan import bluegreen, bookkeeping, canary, conditions, podmeta, replicasets, runs, workload
from rollouts.plan import replicas as arithmetic
from rollouts.plan.actions import AnnotateReplicaSet, AnnotateRollout, CreateReplicaSet, EventNote, Plan
from rollouts.plan.observed import Observed, ReplicaSet


def decide(*, observed: Observed, now: datetime) -> Plan:
    plan = workload.settle(observed, _decide(observed, now))
    return replace(plan, status=bookkeeping.with_strategy_objects(plan.status))


def _revision_bump(observed: Observed, new: ReplicaSet) -> AnnotateReplicaSet | None:
    """Going back to an older template makes its ReplicaSet the newest revision again (history kept)."""
    latest = max(rs.revision for rs in observed.replica_sets if not rs.deleting)
    if new.revision >= latest:
        return None
    history = ",".join(filter(None, [new.annotations.get(REVISION_HISTORY_ANNOTATION), str(new.revision)]))
    return AnnotateReplicaSet(new.name, {REVISION_ANNOTATION: str(latest + 1), REVISION_HISTORY_ANNOTATION: history})


def _decide(observed: Observed, now: datetime) -> Plan:
    rollout = observed.rollout
    before = rollout.status or RolloutStatus()
    if observed.spec_errors:
        return _invalid(observed, before, now)
    strategy = rollout.spec.strategy
    if strategy is None or (strategy.blue_green is None and strategy.canary is None):
        return _invalid(observed, before, now, ("spec.strategy: set exactly one of blueGreen and canary",))

    try:
        pod_hash = replicasets.desired_hash(rollout)
    except ValueError as error:  # a template Go cannot decode (Argo rejects it too)
        return _invalid(observed, before, now, (f"spec.{error}",))
    new = replicasets.find_new(observed, pod_hash)
    if new is None:
        return _create_new(observed, before, pod_hash, now)

    if (bump := _revision_bump(observed, new)) is not None:
        return Plan(actions=(bump,), status=before)

    status = _baseline(before, new.hash, now)
    if strategy.blue_green is not None:
        step = bluegreen.reconcile(observed, strategy.blue_green, new, status, now)
    else:
        assert strategy.canary is not None
        step = canary.reconcile(observed, strategy.canary, new, status, now)
    status = step.status
    if status.abort and not status.aborted_at:
        # The strategy aborted (a failed analysis): act on it right away, in the next reconcile.
        status = status.model_copy(update={"aborted_at": format_time(now)})
        step.wake_in(0)
    events = list(step.events)
    actions = list(step.actions)
    actions += podmeta.role_actions(observed, _roles(observed, status, new))
    actions += runs.history_actions(observed, keep_names=_current_runs(status))
    restarts, restarted, restart_wake = podmeta.restart(
        observed, now=now, max_unavailable=_max_unavailable(observed), order=_restart_order(status, new)
    )
    actions += restarts
    if restarted:
        status = status.model_copy(update={"restarted_at": rollout.spec.restart_at})
    if restart_wake is not None:
        step.wake_in(restart_wake)

    if rollout_revision(observed) != str(new.revision):
        actions.insert(0, AnnotateRollout({REVISION_ANNOTATION: str(new.revision)}))
        events.insert(0, EventNote("RolloutUpdated", f"Rollout updated to revision {new.revision}"))

    # Only blue-green counts its active ReplicaSet alone (a canary may carry a blue-green past's activeSelector).
    active_hash = status.blue_green.active_selector if status.blue_green and strategy.blue_green else None
    status = bookkeeping.with_counts(observed, status, new, active_hash=active_hash)
    status, deadline_wake = bookkeeping.with_conditions(observed, before, status, new, now, step.abort_reason)
    if deadline_wake is not None:
        step.wake_in(deadline_wake)
    status = bookkeeping.with_phase(observed, status)
    events += bookkeeping.transition_events(observed, before, status, new, step.completed_reason)
    return Plan(actions=tuple(actions), status=status, requeue_after=step.wake, events=tuple(events))


def rollout_revision(observed: Observed) -> str | None:
    return (observed.raw["metadata"].get("annotations") or {}).get(REVISION_ANNOTATION)


def _invalid(observed: Observed, before: RolloutStatus, now: datetime, errors: tuple[str, ...] | None = None) -> Plan:
    problems = errors or observed.spec_errors
    message = f'The Rollout "{observed.name}" is invalid: {problems[0]}'
    found = conditions.put(
        before.conditions, conditions.INVALID_SPEC, "True", conditions.INVALID_SPEC, message, now, touch=False
    )
    status = before.model_copy(update={"conditions": found, "observed_generation": str(observed.generation)})
    status = bookkeeping.with_phase(observed, status)
    events: tuple[EventNote, ...] = ()
    if conditions.find(before.conditions, conditions.INVALID_SPEC) is None:
        events = (EventNote(conditions.INVALID_SPEC, message, "Warning"),)
    return Plan(actions=(), status=status, events=events)


def _create_new(observed: Observed, before: RolloutStatus, pod_hash: str, now: datetime) -> Plan:
    strategy = observed.rollout.spec.strategy
    assert strategy is not None
    has_stable = observed.replica_set_by_hash(before.stable_rs) is not None
    if strategy.blue_green is not None:
        replicas = bluegreen.initial_replicas(observed, strategy.blue_green, has_stable=has_stable)
    else:
        assert strategy.canary is not None
        replicas = canary.initial_replicas(observed, strategy.canary, has_stable=has_stable)
    revision = replicasets.next_revision(observed.replica_sets)
    body = replicasets.new_replica_set(observed, pod_hash, replicas=replicas, revision=revision)
    stable_hash = before.stable_rs if has_stable else None
    _prepare_pods(body, observed, first=not has_stable, stable_hash=stable_hash)
    name = body["metadata"]["name"]
    status = _baseline(before, pod_hash, now)
    progressing = conditions.put(
        status.conditions,
        conditions.PROGRESSING,
        "True",
        conditions.NEW_RS_CREATED,
        f'Created new replica set "{name}"',
        now,
    )
    status = status.model_copy(update={"conditions": progressing, "observed_generation": str(observed.generation)})
    status = bookkeeping.with_phase(observed, status)
    # Argo's order: RolloutUpdated, NewReplicaSetCreated, RolloutNotCompleted (unless a blue-green first deploy,
    # complete at once, or an update that was not complete already), then the scale-up.
    was_completed = conditions.find(before.conditions, conditions.COMPLETED)
    not_completed = (strategy.blue_green is None or has_stable) and (
        was_completed is None or was_completed.status == "True"
    )
    message = f"Rollout not completed, started update to revision {revision} ({pod_hash})"
    announce = (EventNote("RolloutNotCompleted", message),) if not_completed else ()
    # The create first, as Argo does: it is what a template change waits for; the annotation follows it.
    create = CreateReplicaSet(body, revision, announce=announce)
    actions = (create, AnnotateRollout({REVISION_ANNOTATION: str(revision)}))
    updated = EventNote("RolloutUpdated", f"Rollout updated to revision {revision}")
    # Go on at once (in the same reconcile, see controller.execute): the new ReplicaSet's first scale need not wait
    # for this status write to come back as a watch event.
    return Plan(actions=actions, status=status, leading_events=(updated,), requeue_after=0)


def _current_runs(status: RolloutStatus) -> set[str]:
    references = []
    if status.canary is not None:
        references += [
            status.canary.current_step_analysis_run_status,
            status.canary.current_background_analysis_run_status,
        ]
    if status.blue_green is not None:
        references += [
            status.blue_green.pre_promotion_analysis_run_status,
            status.blue_green.post_promotion_analysis_run_status,
        ]
    return {ref.name for ref in references if ref is not None and ref.name}


def _roles(observed: Observed, status: RolloutStatus, new: ReplicaSet) -> dict[str, PodTemplateMetadata | None]:
    """Each ReplicaSet's role metadata: active/preview for blue-green, stable/canary for canary; none otherwise."""
    strategy = observed.rollout.spec.strategy
    roles: dict[str, PodTemplateMetadata | None] = {rs.hash: None for rs in observed.replica_sets}
    if strategy is not None and (bg := strategy.blue_green) is not None:
        active = status.blue_green.active_selector if status.blue_green else None
        if active:
            roles[active] = bg.active_metadata
        # Nothing stable yet (a first deploy, before its active Service switches) or fully promoted: active, as Argo.
        if new.hash != active and status.stable_rs not in (None, "", new.hash):
            roles[new.hash] = bg.preview_metadata
        elif new.hash != active:
            roles[new.hash] = bg.active_metadata
    elif strategy is not None and (canary_strategy := strategy.canary) is not None:
        if status.stable_rs:
            roles[status.stable_rs] = canary_strategy.stable_metadata
        if new.hash != status.stable_rs:  # a first deploy (nothing stable yet) is stable, as Argo has it
            roles[new.hash] = canary_strategy.canary_metadata if status.stable_rs else canary_strategy.stable_metadata
    return roles


def _prepare_pods(body: dict[str, Any], observed: Observed, *, first: bool, stable_hash: str | None) -> None:
    """A new ReplicaSet's pods start with their role's metadata and, during an update, anti-affinity to stable."""
    strategy = observed.rollout.spec.strategy
    assert strategy is not None
    if (bg := strategy.blue_green) is not None:
        role, anti_affinity = (bg.active_metadata if first else bg.preview_metadata), bg.anti_affinity
    else:
        assert strategy.canary is not None
        role, anti_affinity = (
            (strategy.canary.stable_metadata if first else strategy.canary.canary_metadata),
            strategy.canary.anti_affinity,
        )
    template = body["spec"]["template"]
    if recorded := podmeta.with_role(template, podmeta.as_metadata(role)):
        body["metadata"]["annotations"][EPHEMERAL_METADATA_ANNOTATION] = recorded
    if anti_affinity is not None and stable_hash:
        replicasets.add_anti_affinity(template, anti_affinity, stable_hash)


def _max_unavailable(observed: Observed) -> int:
    strategy = observed.rollout.spec.strategy
    replicas = observed.rollout.spec.effective_replicas
    if strategy is not None and strategy.blue_green is not None:
        return arithmetic.resolve_int_or_percent(
            strategy.blue_green.effective_max_unavailable, replicas, round_up=False
        )
    if strategy is not None and strategy.canary is not None:
        return arithmetic.resolve_surge_unavailable(
            max_surge=strategy.canary.effective_max_surge,
            max_unavailable=strategy.canary.effective_max_unavailable,
            replicas=replicas,
        )[1]
    return 1


def _restart_order(status: RolloutStatus, new: ReplicaSet) -> list[str]:
    return [h for h in (status.stable_rs, new.hash) if h]


def _baseline(before: RolloutStatus, current_hash: str, now: datetime) -> RolloutStatus:
    """The status a strategy starts from: per-update state is reset when the template changed, and abort
    bookkeeping is kept in step with the abort flag."""
    status = before.model_copy(
        update={"conditions": conditions.drop(before.conditions, conditions.INVALID_SPEC) or None}
    )
    if before.current_pod_hash and before.current_pod_hash != current_hash:
        # A new update supersedes whatever the previous one was doing.
        blue_green = (
            before.blue_green.model_copy(update={"scale_up_preview_check_point": None}) if before.blue_green else None
        )
        canary_status = (
            before.canary.model_copy(
                update={"current_step_analysis_run_status": None, "current_background_analysis_run_status": None}
            )
            if before.canary
            else None
        )
        status = status.model_copy(
            update={
                "pause_conditions": None,
                "controller_pause": None,
                "abort": None,
                "aborted_at": None,
                "promote_full": None,
                "blue_green": blue_green,
                "canary": canary_status,
                "current_step_index": None,
            }
        )
    if status.abort and before.stable_rs == current_hash:
        # Nothing to abort once fully promoted: Argo clears the flag and the Rollout stays Healthy.
        status = status.model_copy(update={"abort": None, "aborted_at": None})
    elif status.abort and not status.aborted_at:
        status = status.model_copy(
            update={"aborted_at": format_time(now), "pause_conditions": None, "controller_pause": None}
        )
    elif not status.abort and status.aborted_at:
        # A retry: the update starts over, its analysis too, in fresh runs (the finished ones are not reused).
        status = _without_runs(status).model_copy(update={"aborted_at": None, "abort": None})
    return status.model_copy(update={"current_pod_hash": current_hash})


def _without_runs(status: RolloutStatus) -> RolloutStatus:
    """The status naming no current AnalysisRun: the next analysis gets a new run (Argo: `<name>.1`)."""
    canary_runs = {"current_step_analysis_run_status": None, "current_background_analysis_run_status": None}
    blue_green_runs = {"pre_promotion_analysis_run_status": None, "post_promotion_analysis_run_status": None}
    return status.model_copy(
        update={
            "canary": status.canary.model_copy(update=canary_runs) if status.canary else None,
            "blue_green": status.blue_green.model_copy(update=blue_green_runs) if status.blue_green else None,
        }
    )


def unreadable(*, raw: Mapping[str, Any], problems: list[str], now: datetime) -> Plan:
    """A Rollout whose fields have the wrong types cannot be planned: report InvalidSpec and keep its status."""
    try:
        before = RolloutStatus.model_validate(raw.get("status") or {})
    except ValidationError:
        before = RolloutStatus()
    name = raw.get("metadata", {}).get("name", "")
    message = f'The Rollout "{name}" is invalid: {problems[0]}'
    found = conditions.put(
        before.conditions, conditions.INVALID_SPEC, "True", conditions.INVALID_SPEC, message, now, touch=False
    )
    status = before.model_copy(
        update={
            "conditions": found,
            "observed_generation": str(raw.get("metadata", {}).get("generation") or 0),
        }
    )
    phase, phase_message = conditions.phase_of(RolloutSpec(), status)
    status = status.model_copy(update={"phase": phase.value, "message": phase_message})
    events = (
        ()
        if conditions.find(before.conditions, conditions.INVALID_SPEC)
        else (EventNote(conditions.INVALID_SPEC, message, "Warning"),)
    )
    return Plan(actions=(), status=bookkeeping.with_strategy_objects(status), events=events)
