"""Canary replica targets: how many pods the new and the stable ReplicaSet should run for a weight, and whether
both have reached them.

Without traffic routing the weight is approximated by the replica ratio, within maxSurge and maxUnavailable; with a
router the canary is scaled for its weight (or its setCanaryScale) and stable keeps enough pods for the traffic it
still has. Pure.
"""

from __future__ import annotations

from rollouts.api import CanaryStep, CanaryStrategy, RolloutStatus
from rollouts.plan import replicas as arithmetic
from rollouts.plan import routed_replicas, steps
from rollouts.plan.observed import Observed, ReplicaSet


def step_targets(
    observed: Observed,
    strategy: CanaryStrategy,
    new: ReplicaSet,
    stable: ReplicaSet,
    *,
    at_index: int,
    weight: int,
    status: RolloutStatus,
) -> tuple[int, int]:
    """(canary, stable) replicas for the step at `at_index` and its weight, with or without a router."""
    if strategy.traffic_routing:
        return routed_targets(observed, strategy, strategy.steps or [], at_index, weight, status)
    return basic_targets(observed, strategy, new, stable, weight=weight)


def basic_targets(
    observed: Observed, strategy: CanaryStrategy, new: ReplicaSet, stable: ReplicaSet, *, weight: int
) -> tuple[int, int]:
    others = sum(
        rs.replicas for rs in observed.replica_sets if rs.hash not in (new.hash, stable.hash) and not rs.deleting
    )
    return arithmetic.basic_canary_replica_counts(
        replicas=observed.rollout.spec.effective_replicas,
        weight=weight,
        max_weight=strategy.effective_max_traffic_weight,
        max_surge=strategy.effective_max_surge,
        max_unavailable=strategy.effective_max_unavailable,
        new_rs_replicas=new.replicas,
        new_rs_available=new.available,
        stable_rs_replicas=stable.replicas,
        stable_rs_available=stable.available,
        other_rs_replicas=others,
    )


def routed_targets(
    observed: Observed,
    strategy: CanaryStrategy,
    step_list: list[CanaryStep],
    index: int,
    weight: int,
    status: RolloutStatus,
) -> tuple[int, int]:
    scale = steps.current_canary_scale(step_list, index)
    canary_scale = routed_replicas.CanaryScale(replicas=scale.replicas, weight=scale.weight) if scale else None
    routed = routed_weight(status)
    return routed_replicas.traffic_routed_canary_counts(
        replicas=observed.rollout.spec.effective_replicas,
        weight=weight,
        max_weight=strategy.effective_max_traffic_weight,
        canary_scale=canary_scale,
        min_pods_per_rs=strategy.min_pods_per_replica_set,
        dynamic_stable_scale=bool(strategy.dynamic_stable_scale),
        # The stable keeps enough pods for the traffic it still has until the router has moved it.
        stable_weight_actual=strategy.effective_max_traffic_weight - routed,
        canary_weight_actual=routed,
    )


def at_targets(
    observed: Observed, new: ReplicaSet, stable: ReplicaSet, canary_target: int, stable_target: int, *, routed: bool
) -> bool:
    """Both ReplicaSets asked for their targets, the canary's pods are available and the stable's exist (Argo does
    not wait for a stable that never became available), and, without a router, nothing older still has available
    pods (those would serve traffic; behind a router they get none, so they may drain at their own pace, as Argo)."""
    others_serving = any(rs.available > 0 for rs in observed.replica_sets if rs.hash not in (new.hash, stable.hash))
    return (
        new.replicas == canary_target
        and new.available >= canary_target
        and new.fully_observed
        and stable.replicas == stable_target
        and stable.current == stable_target
        and (routed or not others_serving)
    )


def routed_weight(status: RolloutStatus) -> int:
    """The canary weight the routers were last asked for (recorded in status.canary.weights)."""
    weights = status.canary.weights if status.canary else None
    return (weights.canary.weight or 0) if weights and weights.canary else 0


def recorded_weight(status: RolloutStatus) -> int | None:
    """The canary weight recorded in status.canary.weights, or None if nothing was ever routed."""
    weights = status.canary.weights if status.canary else None
    return (weights.canary.weight or 0) if weights and weights.canary else None


def dynamic_abort(
    observed: Observed, strategy: CanaryStrategy, new: ReplicaSet, stable: ReplicaSet, status: RolloutStatus
) -> tuple[int, int, int]:
    """(traffic weight, canary, stable replicas) of an aborted dynamicStableScale canary: the stable grows back one
    step at a time, traffic follows its available pods, and the canary keeps pods for the traffic it still has."""
    replicas = observed.rollout.spec.effective_replicas
    max_weight = strategy.effective_max_traffic_weight
    sizing = routed_replicas.abort_sizing_weight(
        replicas=replicas,
        step_weights=[step.set_weight for step in strategy.steps or [] if step.set_weight is not None],
        stable_available=stable.available,
        canary_available=new.available,
        max_weight=max_weight,
    )
    weight = routed_replicas.back_to_stable_weight(
        replicas=replicas,
        sizing_weight=sizing,
        stable_available=stable.available,
        routed_weight=recorded_weight(status),
        max_weight=max_weight,
    )
    # Sized with the weight routed in this reconcile: lowering it is routed before any pod is removed.
    canary, stable_count = routed_replicas.traffic_routed_canary_counts(
        replicas=replicas,
        weight=sizing,
        max_weight=max_weight,
        min_pods_per_rs=strategy.min_pods_per_replica_set,
        dynamic_stable_scale=True,
        stable_weight_actual=max_weight - weight,
        canary_weight_actual=weight,
        aborted=True,
    )
    return weight, canary, stable_count


def rolling_back_from(observed: Observed, strategy: CanaryStrategy, new: ReplicaSet) -> ReplicaSet | None:
    """The interrupted canary while a dynamicStableScale Rollout whose template went back to the stable one waits
    for the stable to be fully available: until then that canary keeps its pods, its traffic and its Service."""
    status = observed.rollout.status or RolloutStatus()
    if not (strategy.traffic_routing and strategy.dynamic_stable_scale) or status.stable_rs != new.hash:
        return None
    weights = status.canary.weights if status.canary else None
    previous = weights.canary.pod_template_hash if weights and weights.canary else None
    if not previous or previous == new.hash or new.available >= observed.rollout.spec.effective_replicas:
        return None
    return observed.replica_set_by_hash(previous)


def rollback_weight(observed: Observed, strategy: CanaryStrategy, new: ReplicaSet, status: RolloutStatus) -> int:
    """The interrupted canary's weight while the stable (`new`, after a rollback to it) is not yet whole: traffic
    only ever leaves the canary, as fast as the stable's available pods can take it."""
    return routed_replicas.back_to_stable_weight(
        replicas=observed.rollout.spec.effective_replicas,
        sizing_weight=strategy.effective_max_traffic_weight,
        stable_available=new.available,
        routed_weight=recorded_weight(status),
        max_weight=strategy.effective_max_traffic_weight,
    )
