"""Canary: move the new version up step by step (setWeight, pause, setCanaryScale, header and mirror routes).

Without traffic routing the weight is approximated by the replica ratio, within maxSurge and maxUnavailable.
With a router the canary gets exactly the weight (but never before it has ready pods) and is scaled for it;
stable stays at full size. All steps done (or promote --full) makes the new ReplicaSet stable. An abort sends
all traffic back to stable at once and scales the canary down (after abortScaleDownDelaySeconds with a router).

Pure: (observed, now) in, a Decision out. No I/O, no clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rollouts.api import (
    CanaryStatus,
    CanaryStep,
    CanaryStrategy,
    RolloutStatus,
    TrafficWeights,
    WeightDestination,
)
from rollouts.api.gotext import format_time
from rollouts.api.labels import SCALE_DOWN_DEADLINE_ANNOTATION
from rollouts.plan import canary_gates as gates
from rollouts.plan import canary_targets as targets
from rollouts.plan import pingpong, replicasets, rollback, runs, steps
from rollouts.plan.actions import AnnotateReplicaSet, EventNote, PointService, RouteTraffic, TrafficSplit
from rollouts.plan.bluegreen import selector_hash
from rollouts.plan.decision import Decision
from rollouts.plan.experiments import step as experiment_step
from rollouts.plan.observed import Observed, ReplicaSet


def initial_replicas(observed: Observed, strategy: CanaryStrategy, *, has_stable: bool) -> int:
    """Pods of a just-created new ReplicaSet: all of them on a first deploy, otherwise none yet (the next
    reconcile scales it within the step's limits)."""
    return observed.rollout.spec.effective_replicas if not has_stable else 0


def reconcile(
    observed: Observed, strategy: CanaryStrategy, new: ReplicaSet, status: RolloutStatus, now: datetime
) -> Decision:
    decision = Decision(status=status, now_text=format_time(now))
    step_list = strategy.steps or []
    step_hash = steps.steps_hash(step_list)
    stable = observed.replica_set_by_hash(status.stable_rs)
    index = status.current_step_index or 0
    if status.current_step_hash and status.current_step_hash != step_hash:
        # Edited steps restart the update from the first step.
        index = 0
        decision.update(pause_conditions=None, controller_pause=None)
    decision.update(current_step_hash=step_hash)
    if status.promote_full and status.abort:  # a full promotion lifts an abort (as Argo)
        decision.update(abort=None, aborted_at=None, pause_conditions=None, controller_pause=None)
    fast = rollback.within_window(observed, new, stable)
    if fast:
        _skip_to_rollback(decision, observed, step_list, new)
    _point_ping_pong(decision, observed, strategy, new)
    updating = stable is not None and stable.hash != new.hash and not decision.status.abort and not status.promote_full
    keeping = updating and not fast
    experiment_step.cancel_others(
        decision,
        observed,
        experiment_step.current_name(observed, step_list, index, new) if keeping else None,
        experiment_step.later_names(observed, step_list, index, new) if keeping else (),
    )

    if stable is None or stable.hash == new.hash:
        _settle(decision, observed, strategy, new, stable, now)
        return decision
    if decision.status.abort:
        _abort(decision, observed, strategy, new, stable, now)
        return decision
    if status.promote_full or fast:
        index = len(step_list)
    _advance(decision, observed, strategy, new, stable, min(index, len(step_list)), now)
    return decision


def _skip_to_rollback(decision: Decision, observed: Observed, step_list: list[CanaryStep], new: ReplicaSet) -> None:
    """A rollback within rollbackWindow: no steps, no analysis, no pause, no abort (as Argo: fully promoted once the
    ReplicaSet is available)."""
    decision.update(abort=None, aborted_at=None, pause_conditions=None, controller_pause=None)
    for run in observed.analysis_runs:
        runs.terminate(decision, run)
    if observed.status.get("currentPodHash") != new.hash and step_list and new.replicas > 0:
        decision.events.append(EventNote("SkipSteps", rollback.SKIP_STEPS_MESSAGE))


# ---- not updating: the new ReplicaSet is (or becomes) stable ------------------------------------------------------


def _settle(
    decision: Decision,
    observed: Observed,
    strategy: CanaryStrategy,
    new: ReplicaSet,
    stable: ReplicaSet | None,
    now: datetime,
) -> None:
    """First deploy, or the template is back to the stable one: run everything on the new ReplicaSet."""
    replicas = observed.rollout.spec.effective_replicas
    step_count = len(strategy.steps or [])
    _scale(decision, new, replicas, replicas)
    # dynamicStableScale: an interrupted canary keeps its pods, traffic and Service until the stable is whole again.
    previous = targets.rolling_back_from(observed, strategy, new)
    _point_services(decision, observed, strategy, canary=(previous or new).hash, stable=new.hash)
    # A first deploy is stable at once, available or not (Argo's "Initial deploy"): an update of a Rollout that never
    # became available then surges from it instead of replacing it.
    completing = decision.status.stable_rs != new.hash and (stable is None or new.saturated_at >= replicas)
    if completing:  # before routing: a ping-pong Rollout routes to the Service that just became stable
        _complete(decision, strategy, new, "Initial deploy")
    if previous is not None:
        weight = targets.rollback_weight(observed, strategy, new, decision.status)
        _route(decision, observed, strategy, canary=previous, stable=new, weight=weight, release=weight == 0)
    else:
        _route(decision, observed, strategy, canary=new, stable=new, weight=0, release=True)
    decision.update(
        current_step_index=step_count if strategy.steps is not None else None,
        pause_conditions=None,
        controller_pause=None,
    )
    if (
        not completing
        and stable is not None
        and decision.status.current_step_index != observed.status.get("currentStepIndex")
        and step_count
    ):
        decision.events.append(EventNote("SkipSteps", "Rollback to stable ReplicaSets"))
    _retire(decision, observed, strategy, keep={new.hash} | ({previous.hash} if previous else set()), now=now)


# ---- aborted ------------------------------------------------------------------------------------------------------


def _abort(
    decision: Decision, observed: Observed, strategy: CanaryStrategy, new: ReplicaSet, stable: ReplicaSet, now: datetime
) -> None:
    replicas = observed.rollout.spec.effective_replicas
    canary_status = decision.status.canary
    if canary_status is not None:
        runs.terminate(decision, runs.current(observed, canary_status.current_step_analysis_run_status))
        runs.terminate(decision, runs.current(observed, canary_status.current_background_analysis_run_status))
    if strategy.traffic_routing and strategy.dynamic_stable_scale:
        _abort_dynamic(decision, observed, strategy, new, stable, now)
    else:  # traffic first: all of it back to stable in this very reconcile
        _route(decision, observed, strategy, canary=new, stable=stable, weight=0, release=True)
        _point_services(decision, observed, strategy, canary=stable.hash, stable=stable.hash)
        if strategy.traffic_routing:
            _scale(decision, stable, replicas, replicas)
            _scale_down_aborted(decision, strategy, new, replicas, now)
        else:  # one step back within maxSurge and maxUnavailable, as for a lowered weight
            canary_target, stable_target = targets.basic_targets(observed, strategy, new, stable, weight=0)
            _scale(decision, new, canary_target, replicas)
            _scale(decision, stable, stable_target, replicas)
    decision.update(current_step_index=0 if strategy.steps else None)
    _retire(decision, observed, strategy, keep={new.hash, stable.hash}, now=now)


def _abort_dynamic(
    decision: Decision, observed: Observed, strategy: CanaryStrategy, new: ReplicaSet, stable: ReplicaSet, now: datetime
) -> None:
    """dynamicStableScale: the stable grows back step by step and traffic follows its available pods; the canary
    Service and the routers are handed back only once all traffic is on stable."""
    replicas = observed.rollout.spec.effective_replicas
    weight, canary_target, stable_target = targets.dynamic_abort(observed, strategy, new, stable, decision.status)
    _route(decision, observed, strategy, canary=new, stable=stable, weight=weight, release=weight == 0)
    _scale(decision, stable, stable_target, replicas)
    if weight == 0:
        _point_services(decision, observed, strategy, canary=stable.hash, stable=stable.hash)
    if strategy.abort_scale_down_delay_seconds:  # set explicitly: the canary waits it out once stable has it all
        if weight == 0:
            _scale_down_aborted(decision, strategy, new, replicas, now)
    else:
        _scale(decision, new, canary_target, replicas)


def _scale_down_aborted(
    decision: Decision, strategy: CanaryStrategy, new: ReplicaSet, replicas: int, now: datetime
) -> None:
    """Behind a router the aborted canary goes after abortScaleDownDelaySeconds (kept if that is 0)."""
    delay = strategy.effective_abort_scale_down_delay_seconds
    deadline = new.scale_down_deadline
    if delay > 0 and new.replicas > 0:
        if deadline is None:
            decision.actions.append(
                AnnotateReplicaSet(
                    new.name, {SCALE_DOWN_DEADLINE_ANNOTATION: format_time(now + timedelta(seconds=delay))}
                )
            )
            decision.wake_in(delay)
        elif now >= deadline:
            _scale(decision, new, 0, replicas)
        else:
            decision.wake_in((deadline - now).total_seconds())


# ---- updating: follow the steps -----------------------------------------------------------------------------------


def _advance(
    decision: Decision,
    observed: Observed,
    strategy: CanaryStrategy,
    new: ReplicaSet,
    stable: ReplicaSet,
    index: int,
    now: datetime,
) -> None:
    replicas = observed.rollout.spec.effective_replicas
    step_list = strategy.steps or []
    max_weight = strategy.effective_max_traffic_weight
    fast = rollback.within_window(observed, new, stable)  # like an abort, a fast rollback is never held
    held = not fast and gates.window_held(decision, observed, step_list, index, now, new=new)
    if held and decision.status.promote_full:  # a full promotion waits for a window with the traffic as it is
        gates.background_analysis(decision, observed, strategy, new, stable, index)  # a failure still aborts
        return
    at_index = index - 1 if held else index  # held before the step: the previous step's traffic
    weight = steps.current_weight(step_list, at_index, max_weight=max_weight)

    canary_target, stable_target = targets.step_targets(
        observed, strategy, new, stable, at_index=at_index, weight=weight, status=decision.status
    )
    _scale(decision, new, canary_target, replicas)
    _scale(decision, stable, stable_target, replicas)
    _point_services(decision, observed, strategy, canary=new.hash, stable=stable.hash)
    _retire(decision, observed, strategy, keep={new.hash, stable.hash}, now=now)

    at_targets = targets.at_targets(
        observed, new, stable, canary_target, stable_target, routed=bool(strategy.traffic_routing)
    )
    if strategy.traffic_routing:
        # Never send traffic to a canary without ready pods; move to the step's weight once it is scaled for it.
        routed = weight if at_targets else min(weight, targets.routed_weight(decision.status))
        routed = routed if new.available > 0 else 0
        _route(decision, observed, strategy, canary=new, stable=stable, weight=routed, index=at_index)

    # A failed background analysis aborts; a full promotion skips the steps and their analysis (as Argo).
    skip = fast or decision.status.promote_full
    if not (skip or gates.background_analysis(decision, observed, strategy, new, stable, index)) or held:
        return
    if index < len(step_list):
        if at_targets and gates.step_done(
            decision, observed, step_list[index], now, new=new, stable=stable, index=index
        ):
            decision.update(current_step_index=index + 1, controller_pause=None)
            gates.window_holds(decision, observed, step_list, index + 1, now, new=new)
            message = f"Rollout step {index + 1}/{len(step_list)} completed ({steps.describe(step_list[index])})"
            decision.events.append(EventNote("RolloutStepCompleted", message))
            decision.wake_in(0)  # take the next step now: our own status write does not trigger a reconcile
        else:
            decision.update(current_step_index=index)
        return

    decision.update(current_step_index=len(step_list) if strategy.steps is not None else None)
    if new.saturated_at >= replicas and new.fully_observed and at_targets:
        _promote(decision, observed, strategy, new, stable, now)


def _promote(
    decision: Decision, observed: Observed, strategy: CanaryStrategy, new: ReplicaSet, stable: ReplicaSet, now: datetime
) -> None:
    """Every step done (or promote --full) and the canary at full size: it becomes stable and takes all traffic;
    the old stable drains after scaleDownDelaySeconds behind a router (at once without one)."""
    replicas = observed.rollout.spec.effective_replicas
    reason = f"Completed all {len(strategy.steps or [])} canary steps"
    if decision.status.promote_full:
        reason = "Full promotion requested"
    elif rollback.within_window(observed, new, stable):
        reason = rollback.PROMOTION_REASON
    _complete(decision, strategy, new, reason)
    canary_status = decision.status.canary
    runs.terminate(
        decision,
        runs.current(observed, canary_status.current_background_analysis_run_status if canary_status else None),
    )
    _point_services(decision, observed, strategy, canary=new.hash, stable=new.hash)
    _route(decision, observed, strategy, canary=new, stable=new, weight=0, release=True)
    # With dynamicStableScale the stable was already scaled down as the canary grew.
    delay = 0 if strategy.dynamic_stable_scale else strategy.effective_scale_down_delay_seconds
    if strategy.traffic_routing and delay > 0:
        if action := replicasets.delay_scale_down(stable, delay_seconds=delay, now=now, desired_total=replicas):
            decision.actions.append(action)
        decision.wake_in(delay)
    else:
        _scale(decision, stable, 0, replicas)


# ---- effects ------------------------------------------------------------------------------------------------------


def _scale(decision: Decision, rs: ReplicaSet, replicas: int, desired_total: int) -> None:
    if action := replicasets.scale(
        rs,
        replicas,
        desired_total=desired_total,
        annotations={SCALE_DOWN_DEADLINE_ANNOTATION: None} if replicas else None,
    ):
        decision.actions.append(action)


def _point_services(
    decision: Decision, observed: Observed, strategy: CanaryStrategy, *, canary: str, stable: str
) -> None:
    for service, pod_hash in ((strategy.stable_service, stable), (strategy.canary_service, canary)):
        if service and (current := selector_hash(observed.services.get(service))) != pod_hash:
            decision.actions.append(PointService(service, pod_hash, current))


def _route(
    decision: Decision,
    observed: Observed,
    strategy: CanaryStrategy,
    *,
    canary: ReplicaSet,
    stable: ReplicaSet,
    weight: int,
    index: int | None = None,
    release: bool = False,
) -> None:
    """Ask the traffic router for `weight` to the canary (the router writes only what differs) and record it."""
    routing = strategy.traffic_routing
    if routing is None:
        return
    step_list = strategy.steps or []
    header_routes = steps.current_header_routes(step_list, index) if index is not None else {}
    mirror_routes = steps.current_mirror_routes(step_list, index) if index is not None else {}
    max_weight = strategy.effective_max_traffic_weight
    additional = (
        experiment_step.weighted_destinations(decision, observed, step_list, index)
        if index is not None and not release
        else ()
    )
    stable_weight = max(0, max_weight - weight - sum(destination.weight for destination in additional))
    split = TrafficSplit(
        canary_hash=canary.hash,
        stable_hash=stable.hash,
        canary_weight=weight,
        stable_weight=stable_weight,
        header_routes=tuple(header_routes.values()),
        mirror_routes=tuple(mirror_routes.values()),
        stable_ping_pong=(decision.status.canary or CanaryStatus()).stable_ping_pong
        if pingpong.enabled(strategy)
        else None,
        additional=additional,
    )
    # One route per reconcile: a later decision (the promotion after the last step's weight) supersedes an earlier one.
    decision.actions[:] = [action for action in decision.actions if not isinstance(action, RouteTraffic)]
    if weight < targets.routed_weight(observed.rollout.status or RolloutStatus()):
        # Less canary traffic: move it before any pod goes away.
        decision.actions.insert(0, RouteTraffic(split, release))
    else:
        decision.actions.append(RouteTraffic(split, release))  # more: only after the canary was scaled for it
    weights = TrafficWeights(
        canary=WeightDestination(weight=weight, service_name=strategy.canary_service, pod_template_hash=canary.hash),
        stable=WeightDestination(
            weight=stable_weight, service_name=strategy.stable_service, pod_template_hash=stable.hash
        ),
        additional=[
            WeightDestination(weight=d.weight, service_name=d.service_name, pod_template_hash=d.pod_template_hash)
            for d in additional
        ]
        or None,
    )
    canary_status = (decision.status.canary or CanaryStatus()).model_copy(update={"weights": weights})
    decision.update(canary=canary_status)


def _complete(decision: Decision, strategy: CanaryStrategy, new: ReplicaSet, reason: str) -> None:
    decision.completed_reason = reason
    decision.update(stable_rs=new.hash, pause_conditions=None, controller_pause=None, promote_full=None)
    if pingpong.enabled(strategy):  # the Service that selected the canary now serves stable
        canary_status = decision.status.canary or CanaryStatus()
        role = pingpong.swapped(canary_status.stable_ping_pong)
        decision.update(canary=canary_status.model_copy(update={"stable_ping_pong": role}))


def _point_ping_pong(decision: Decision, observed: Observed, strategy: CanaryStrategy, new: ReplicaSet) -> None:
    """During an update the canary Service of the ping-pong pair selects the new ReplicaSet."""
    wanted = pingpong.canary_selector(strategy, observed.status, new.hash)
    if wanted is not None and (current := selector_hash(observed.services.get(wanted[0]))) != wanted[1]:
        decision.actions.append(PointService(wanted[0], wanted[1], current))


def _retire(decision: Decision, observed: Observed, strategy: CanaryStrategy, *, keep: set[str], now: datetime) -> None:
    actions, wake = replicasets.retire_old(
        observed,
        keep=keep,
        now=now,
        desired_total=observed.rollout.spec.effective_replicas,
        revision_limit=strategy.scale_down_delay_revision_limit,
        wait_deadlines=strategy.traffic_routing is not None,  # Argo: the delay only applies behind a router
    )
    decision.actions.extend(actions)
    if wake is not None:
        decision.wake_in(wake)
