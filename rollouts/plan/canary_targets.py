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
