"""Replica arithmetic for a canary behind a traffic router: the router, not the pod ratio, decides who gets
traffic, so pods follow the weight (rounded up) and neither surge nor unavailable applies.

Pure: ints in, ints out, keyword-only. Words as in `rollouts.plan.replicas`; the worked examples in the docstrings
are rows of ``tests/plan/test_replicas.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rollouts.plan.replicas import DEFAULT_MAX_WEIGHT


@dataclass(frozen=True)
class CanaryScale:
    """A ``setCanaryScale`` step: size the canary apart from its traffic weight.

    ``replicas`` pins a pod count; ``weight`` sizes the canary as that weight of ``replicas``;
    ``match_traffic_weight`` goes back to sizing it by the traffic weight.
    """

    replicas: int | None = None
    weight: int | None = None
    match_traffic_weight: bool = False


def replicas_for_weight(*, replicas: int, weight: int, max_weight: int = DEFAULT_MAX_WEIGHT) -> int:
    """Pods needed to carry ``weight`` of the traffic: ``replicas * weight / max_weight``, rounded up.

    Examples:
        replicas 10, weight 25             -> 3
        replicas 10, weight 33             -> 4
        replicas 10, weight 99             -> 10
        replicas 10, weight 0              -> 0
        replicas 23, weight 10**8 of 10**8 -> 23
    """
    return -(-replicas * weight // max_weight)


def traffic_routed_canary_counts(
    *,
    replicas: int,
    weight: int,
    max_weight: int = DEFAULT_MAX_WEIGHT,
    canary_scale: CanaryScale | None = None,
    min_pods_per_rs: int | None = None,
    dynamic_stable_scale: bool = False,
    stable_weight_actual: int | None = None,
    canary_weight_actual: int | None = None,
    aborted: bool = False,
) -> tuple[int, int]:
    """The desired ``(canary, stable)`` spec.replicas when a traffic router splits the traffic.

    The router, not the pod ratio, decides who gets traffic, so neither surge nor unavailable applies:

    * the canary runs enough pods for its weight (:func:`replicas_for_weight`), unless a ``canary_scale``
      pins its replica count, or its own weight (which, like the traffic weight, is out of ``max_weight``);
    * the stable stays at ``replicas`` until promotion;
    * with ``dynamic_stable_scale`` the stable instead runs enough pods for its own share,
      ``max_weight - weight``, but never fewer than its *actual* share (``stable_weight_actual``) still
      needs, so traffic is moved off before pods are removed. When ``aborted``, the canary likewise keeps
      enough pods for the traffic it still actually has (``canary_weight_actual``);
    * ``min_pods_per_rs`` raises any non-zero count to at least that many pods (but never above
      ``replicas``). A pinned replica count is taken as is, unless the stable scales dynamically.

    The caller decides which ``canary_scale`` applies; Argo ignores it after an abort unless
    ``abortScaleDownDelaySeconds`` is 0.

    Examples:
        replicas 10, weight 10                                  -> (1, 10)
        replicas 10, weight 5, min pods 2                       -> (2, 10)
        replicas 1, weight 100, min pods 2                      -> (1, 1)
        replicas 1, scale to 9 replicas                         -> (9, 1)
        replicas 4, scale to weight 200                         -> (8, 4)
        replicas 10, weight 10, dynamic, actual stable 90       -> (1, 9)
        replicas 10, weight 20, dynamic, actual stable 90       -> (2, 9)
        replicas 10, weight 0, dynamic, aborted, actual 20/80   -> (2, 10)
    """
    pinned_replicas, sizing_weight = _canary_sizing(canary_scale, weight)
    if pinned_replicas is not None:
        canary = pinned_replicas
    else:
        canary = _at_least_min_pods(
            replicas_for_weight(replicas=replicas, weight=sizing_weight, max_weight=max_weight),
            min_pods=min_pods_per_rs,
            replicas=replicas,
        )
    if not dynamic_stable_scale:
        return canary, replicas

    stable = replicas_for_weight(replicas=replicas, weight=max_weight - sizing_weight, max_weight=max_weight)
    if stable_weight_actual is not None:
        stable = max(stable, replicas_for_weight(replicas=replicas, weight=stable_weight_actual, max_weight=max_weight))
    if aborted and canary_weight_actual is not None:
        canary = max(canary, replicas_for_weight(replicas=replicas, weight=canary_weight_actual, max_weight=max_weight))
    return (
        _at_least_min_pods(canary, min_pods=min_pods_per_rs, replicas=replicas),
        _at_least_min_pods(stable, min_pods=min_pods_per_rs, replicas=replicas),
    )


def _canary_sizing(canary_scale: CanaryScale | None, weight: int) -> tuple[int | None, int]:
    """``(pinned replica count or None, weight to size by)``. A pinned count sizes the stable as if weight were 0."""
    if canary_scale is None or canary_scale.match_traffic_weight:
        return None, weight
    if canary_scale.replicas is not None:
        return canary_scale.replicas, 0
    if canary_scale.weight is not None:
        return None, canary_scale.weight
    return None, weight


def _at_least_min_pods(count: int, *, min_pods: int | None, replicas: int) -> int:
    if count == 0 or min_pods is None:
        return count
    # Capped at replicas: a floor above spec.replicas could never be satisfied.
    return max(count, min(min_pods, replicas))


# --- dynamicStableScale: going back to stable without overwhelming it ---------------------------------------------


def abort_sizing_weight(
    *,
    replicas: int,
    step_weights: list[int],
    stable_available: int,
    canary_available: int,
    max_weight: int = DEFAULT_MAX_WEIGHT,
) -> int:
    """The weight an aborted ``dynamicStableScale`` canary is sized for: the steps' weights walked back down.

    The canary still needs pods for whatever the stable cannot carry yet (``replicas - stable_available``) and
    never drops below what is available now, so the stable is grown one step at a time instead of all at once
    (no surge of new pods). The answer is the largest ``setWeight`` (from the last step back) that needs fewer
    pods than that, or 0 once none does.

    Examples:
        replicas 4, steps 25/75, stable 1 available, canary 3 available   -> 25
        replicas 4, steps 25/75, stable 3 available, canary 3 available   -> 25
        replicas 4, steps 25/75, stable 3 available, canary 1 available   -> 0
        replicas 4, steps 25/75, stable 0 available, canary 4 available   -> 75
    """
    still_needed = max(replicas - stable_available, canary_available)
    for weight in reversed(step_weights):
        if replicas_for_weight(replicas=replicas, weight=weight, max_weight=max_weight) < still_needed:
            return weight
    return 0


def back_to_stable_weight(
    *,
    replicas: int,
    sizing_weight: int,
    stable_available: int,
    routed_weight: int | None,
    max_weight: int = DEFAULT_MAX_WEIGHT,
) -> int:
    """The canary's traffic weight while ``dynamicStableScale`` goes back to stable (aborted, or the template
    rolled back to the stable one): traffic leaves the canary only as fast as the stable's available pods can
    take it, and never comes back to it.

    ``sizing_weight`` is what the canary is sized for (:func:`abort_sizing_weight`; the full weight on a
    rollback to stable), ``routed_weight`` what the routers were last asked for (None if never).

    Examples:
        replicas 4, sizing 25, stable 1 available, routed 75   -> 75   # the stable can carry only 25
        replicas 4, sizing 25, stable 3 available, routed 75   -> 25
        replicas 4, sizing 0,  stable 3 available, routed 25   -> 25   # the stable can carry only 75
        replicas 4, sizing 0,  stable 4 available, routed 25   -> 0
        replicas 4, sizing 100, stable 1 available, routed 25  -> 25   # a rollback keeps the weight it had
        replicas 0, sizing 25, stable 0 available, routed 75   -> 0
    """
    if replicas <= 0:
        return 0
    stable_can_carry = max_weight * stable_available // replicas
    left_over = max(0, max_weight - stable_can_carry)
    if routed_weight is None:
        return max(left_over, sizing_weight)
    if sizing_weight <= 0:
        return min(left_over, routed_weight)
    if stable_can_carry < max_weight - sizing_weight:
        return routed_weight
    return min(sizing_weight, routed_weight)
