"""Replica arithmetic: how many pods the canary, stable and preview ReplicaSets should run next.

Pure: no I/O, no clock, no logging. Ints in, ints out. Arguments are keyword-only, except the value and
total of :func:`resolve_int_or_percent`.

Words used throughout:

* ``replicas``: the Rollout's ``spec.replicas``.
* ``weight``: the canary's share of traffic out of ``max_weight`` (100, unless
  ``trafficRouting.maxTrafficWeight`` raises it).
* ``surge``: how many pods may run above ``replicas`` (``maxSurge``).
* ``unavailable``: how many of ``replicas`` may be unavailable at once (``maxUnavailable``).
* new RS, stable RS, other RSs: the ReplicaSet being rolled out, the last fully promoted one, and every
  older one.

The rules follow Argo Rollouts (``utils/replicaset``) including its quirks, so that a Rollout behaves the
same under either controller. Each quirk is named where it is implemented. The worked examples in the
docstrings are rows of ``tests/plan/test_replicas.py``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

IntOrPercent = int | str

DEFAULT_MAX_SURGE: IntOrPercent = "25%"
DEFAULT_MAX_UNAVAILABLE: IntOrPercent = "25%"
DEFAULT_MAX_WEIGHT = 100

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


# --- int-or-percent fields ----------------------------------------------------------------------------------


def resolve_int_or_percent(
    value: IntOrPercent | None,
    total: int,
    *,
    round_up: bool,
    default: IntOrPercent | None = None,
) -> int:
    """Turn an int-or-percent field such as ``maxSurge`` into a number of pods out of ``total``.

    An int is used as is. *Any* string is a percentage of ``total``, with or without a ``%`` sign:
    Argo resolves these fields with the lenient Kubernetes helper that deletes every ``%`` and reads
    the rest as a percent. So ``"3"`` means 3%, not 3 pods. Percentages round up when ``round_up`` is
    true (surge) and down otherwise (unavailable). ``None`` takes ``default``, or 0 if there is none.

    Examples:
        resolve_int_or_percent(3, 10, round_up=True)                     == 3
        resolve_int_or_percent("25%", 10, round_up=True)                 == 3   # 2.5 rounds up
        resolve_int_or_percent("25%", 10, round_up=False)                == 2   # 2.5 rounds down
        resolve_int_or_percent("3", 10, round_up=True)                   == 1   # "3" is 3%, and 0.3 rounds up
        resolve_int_or_percent(None, 8, round_up=False, default="25%")   == 2
        resolve_int_or_percent(None, 8, round_up=False)                  == 0

    Raises ``ValueError`` for booleans, non-int non-str values, and strings that are not a whole number
    once the ``%`` signs are gone (``""``, ``"abc"``, ``"2.5%"``).
    """
    if value is None:
        value = default
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"expected an int or a percentage string, got {value!r}")
    if isinstance(value, int):
        return value
    scaled = _percent(value) * total
    return -(-scaled // 100) if round_up else scaled // 100


def _percent(text: str) -> int:
    digits = text.replace("%", "")
    if not _WHOLE_NUMBER.fullmatch(digits):
        raise ValueError(f"invalid int-or-percent {text!r}: expected a whole number or a percentage such as '25%'")
    return int(digits)


def resolve_surge_unavailable(
    *,
    max_surge: IntOrPercent | None,
    max_unavailable: IntOrPercent | None,
    replicas: int,
) -> tuple[int, int]:
    """Resolve a canary's ``maxSurge`` and ``maxUnavailable`` into ``(surge, unavailable)`` pod counts.

    Both default to "25%". Surge rounds up and unavailable rounds down. If both come out as 0,
    unavailable becomes 1 so the rollout can still move: validation forbids writing 0 for both, but
    percentages can round down to it. Unavailable is capped at ``replicas`` (and so is 0 for 0 replicas);
    surge is not capped.

    Examples:
        replicas 10, surge None, unavailable None  -> (3, 2)
        replicas 10, surge 3,    unavailable 0     -> (3, 0)
        replicas 10, surge "3",  unavailable 0     -> (1, 0)    # "3" is 3%
        replicas 10, surge 0,    unavailable "0%"  -> (0, 1)
        replicas 3,  surge 1,    unavailable 5     -> (1, 3)
        replicas 0,  surge 0,    unavailable 0     -> (0, 0)
    """
    surge = resolve_int_or_percent(max_surge, replicas, round_up=True, default=DEFAULT_MAX_SURGE)
    unavailable = resolve_int_or_percent(max_unavailable, replicas, round_up=False, default=DEFAULT_MAX_UNAVAILABLE)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, max(0, min(unavailable, replicas))


# --- basic canary: traffic follows the replica ratio ----------------------------------------------------------


def split_replicas_by_weight(
    *, replicas: int, weight: int, max_weight: int = DEFAULT_MAX_WEIGHT, surge: int
) -> tuple[int, int]:
    """Pick ``(canary, stable)`` pod counts whose ratio comes closest to ``weight``.

    Without a traffic router the canary's share of traffic *is* its share of pods, so the split is chosen
    by closeness of ``canary / (canary + stable)`` to ``weight / max_weight``:

    * the candidates are the rounded-up and rounded-down canary counts over a total of ``replicas``, and,
      when surge is allowed, the same two counts over ``replicas + 1``;
    * on an exact tie between rounding up and down, the larger canary wins;
    * a weight strictly between 0 and ``max_weight`` leaves at least one pod on each side, except with a
      single replica and no surge, where the only choices are all or nothing.

    Examples:
        replicas 10, weight 15, surge 0  -> (2, 8)    # a tie between 1 and 2: round up
        replicas 10, weight 14, surge 0  -> (1, 9)
        replicas 10, weight 24, surge 1  -> (3, 8)    # 3 of 11 (27.3%) beats 2 of 10 (20%)
        replicas 3,  weight 50, surge 0  -> (2, 1)    # a tie between 1 and 2: round up
        replicas 1,  weight 49, surge 0  -> (0, 1)
        replicas 1,  weight 1,  surge 1  -> (1, 1)    # surge rather than leave the canary at 0
        replicas 0,  weight 50, surge 1  -> (0, 0)
    """
    if replicas == 0:
        return 0, 0
    exact = replicas * weight
    ceil, floor = -(-exact // max_weight), exact // max_weight
    zero_allowed = weight in (0, max_weight) or (replicas == 1 and surge == 0)
    floor_allowed = floor != 0 or zero_allowed

    candidates: list[tuple[int, int]] = []  # (canary, total), in order of preference
    if ceil < replicas or zero_allowed:
        candidates.append((ceil, replicas))
    if floor_allowed and not _halfway(replicas, weight, max_weight):
        candidates.append((floor, replicas))
    if surge > 0:
        candidates.append((ceil, replicas + 1))
        if floor_allowed and not _halfway(replicas + 1, weight, max_weight):
            candidates.append((floor, replicas + 1))
    if not candidates:  # unreachable for sane input; keep the stable whole rather than guess
        return 0, replicas

    # min() keeps the earliest of equally close candidates, which is the preference order above. The
    # distance is a float on purpose: Argo computes it that way, and near-ties must break the same way.
    canary, total = min(candidates, key=lambda c: abs(c[0] * max_weight / c[1] - weight))
    return canary, total - canary


def _halfway(total: int, weight: int, max_weight: int) -> bool:
    """Is ``total * weight / max_weight`` exactly half-way between two whole numbers?

    Computed in floating point on purpose, the same way Argo does, so rounding at the edges matches.
    """
    return math.modf(total * (weight / max_weight))[0] == 0.5


class _ReplicaSet(NamedTuple):
    replicas: int  # spec.replicas
    available: int  # status.availableReplicas


def basic_canary_replica_counts(
    *,
    replicas: int,
    weight: int,
    max_weight: int = DEFAULT_MAX_WEIGHT,
    max_surge: IntOrPercent | None = None,
    max_unavailable: IntOrPercent | None = None,
    new_rs_replicas: int | None,
    new_rs_available: int = 0,
    stable_rs_replicas: int | None,
    stable_rs_available: int = 0,
    other_rs_replicas: int = 0,
) -> tuple[int, int]:
    """The next safe ``(canary, stable)`` spec.replicas for a canary without a traffic router.

    ``new_rs_replicas`` is None when the new RS does not exist yet; ``stable_rs_replicas`` is None when
    there is no stable RS or the stable RS *is* the new one (then the new RS simply goes to ``replicas``).
    ``other_rs_replicas`` is the sum of spec.replicas over every other (older) RS.

    One call moves one step towards the split from :func:`split_replicas_by_weight`, within two limits:

    * **scale up** only within ``replicas + surge`` pods in total, counting every RS. The stable is
      grown first (after an abort it must be refilled before the canary grows again), then the canary;
    * **scale down** only as far as keeps ``replicas - unavailable`` pods available. Older RSs go first:
      while any has pods, new and stable are not shrunk at all. When the canary is growing, the stable's
      unavailable pods are not counted against it (a crash-looping stable must not block the canary);
      when the canary is shrinking (weight lowered, or aborted), the same holds for the canary's pods.

    Examples (the RS counts are spec/available):
        replicas 10, weight 20, surge 2, unavailable 0, canary 0/0,  stable 10/10  -> (2, 10)
        replicas 10, weight 20, surge 2, unavailable 0, canary 2/2,  stable 10/10  -> (2, 8)
        replicas 10, weight 30, surge 3, unavailable 0, canary 0/0,  stable 10/10  -> (3, 10)
        replicas 10, weight 30, surge 0, unavailable 5, canary 0/0,  stable 10/10  -> (0, 7)
        replicas 10, weight 50, surge 2, unavailable 1, canary 0/0,  stable 10/10  -> (2, 9)
        replicas 4,  weight 0,  surge 1, unavailable 0, canary 4/4,  stable 1/1    -> (3, 1)
        replicas 10, weight 30, surge 1, unavailable 0, canary 0/0,  stable 1/1, other RSs 3  -> (1, 7)
    """
    surge, unavailable = resolve_surge_unavailable(
        max_surge=max_surge, max_unavailable=max_unavailable, replicas=replicas
    )
    canary_rs = None if new_rs_replicas is None else _ReplicaSet(new_rs_replicas, new_rs_available)
    stable_rs = None if stable_rs_replicas is None else _ReplicaSet(stable_rs_replicas, stable_rs_available)

    if stable_rs is None:
        # Nothing to split with (first deploy, or the new RS is already stable): take the new RS to full size.
        want_canary, want_stable = replicas, 0
    else:
        want_canary, want_stable = split_replicas_by_weight(
            replicas=replicas, weight=weight, max_weight=max_weight, surge=surge
        )

    canary = canary_rs.replicas if canary_rs else 0
    stable = stable_rs.replicas if stable_rs else 0
    ceiling = replicas + surge
    headroom = ceiling - (other_rs_replicas + canary + stable)
    if stable_rs is not None:
        stable, headroom = _grow(stable, want=want_stable, headroom=headroom)
    if canary_rs is not None:
        canary, headroom = _grow(canary, want=want_canary, headroom=headroom)

    if other_rs_replicas > 0:
        return canary, stable

    min_available = replicas - unavailable
    increasing = canary_rs is None or want_canary >= canary_rs.replicas
    countable = _countable(canary_rs, ignore_availability=not increasing) + _countable(
        stable_rs, ignore_availability=increasing
    )
    spare = countable - min_available
    if spare <= 0:
        return canary, stable

    if canary_rs is not None and not increasing:
        canary = _shrink(canary, want=want_canary, by=spare)
        canary, stable = _settle(
            draining=canary_rs,
            draining_to=canary,
            other=stable_rs,
            other_to=stable,
            ceiling=ceiling,
            min_available=min_available,
        )
    elif stable_rs is not None:
        stable = _shrink(stable, want=want_stable, by=spare)
        stable, canary = _settle(
            draining=stable_rs,
            draining_to=stable,
            other=canary_rs,
            other_to=canary,
            ceiling=ceiling,
            min_available=min_available,
        )
    return canary, stable


def rolling_update_replica_counts(
    *,
    replicas: int,
    max_surge: IntOrPercent | None = None,
    max_unavailable: IntOrPercent | None = None,
    new_rs_replicas: int | None,
    new_rs_available: int = 0,
    stable_rs_replicas: int | None,
    stable_rs_available: int = 0,
    other_rs_replicas: int = 0,
) -> tuple[int, int]:
    """A canary with no steps is a rolling update: the basic canary math aiming at 100%.

    Examples (the RS counts are spec/available):
        replicas 4, surge 1, unavailable 0, canary 0/0, stable 4/4  -> (1, 4)
        replicas 4, surge 1, unavailable 0, canary 1/1, stable 4/4  -> (1, 3)
        replicas 4, surge 1, unavailable 0, canary 1/1, stable 4/1  -> (1, 3)
    """
    return basic_canary_replica_counts(
        replicas=replicas,
        weight=DEFAULT_MAX_WEIGHT,
        max_surge=max_surge,
        max_unavailable=max_unavailable,
        new_rs_replicas=new_rs_replicas,
        new_rs_available=new_rs_available,
        stable_rs_replicas=stable_rs_replicas,
        stable_rs_available=stable_rs_available,
        other_rs_replicas=other_rs_replicas,
    )


def _grow(count: int, *, want: int, headroom: int) -> tuple[int, int]:
    """Grow ``count`` towards ``want`` using at most ``headroom`` pods; return the new count and what is left."""
    if count >= want or headroom <= 0:
        return count, headroom
    step = min(headroom, want - count)
    return count + step, headroom - step


def _shrink(count: int, *, want: int, by: int) -> int:
    """Shrink ``count`` towards ``want`` by at most ``by`` pods."""
    return max(want, count - by) if count > want else count


def _countable(rs: _ReplicaSet | None, *, ignore_availability: bool) -> int:
    """Pods of ``rs`` that count as available when deciding how far we may scale down.

    Pods above spec.replicas are already on their way out, so they never count.
    """
    if rs is None:
        return 0
    return rs.replicas if ignore_availability else min(rs.replicas, rs.available)


def _settle(
    *,
    draining: _ReplicaSet,
    draining_to: int,
    other: _ReplicaSet | None,
    other_to: int,
    ceiling: int,
    min_available: int,
) -> tuple[int, int]:
    """After ``draining`` was shrunk, pull ``other`` back under the surge ceiling without breaking availability.

    ``other`` first gives up whatever sticks out above ``ceiling``. If that cut pods that were serving and
    availability would drop below ``min_available``, ``other`` gets back just enough of them, and the excess
    comes off ``draining`` instead. Returns ``(draining_to, other_to)``.
    """
    if other is None:
        return draining_to, other_to
    other_to -= max(0, other_to + draining_to - ceiling)
    available = min(draining.available, draining_to) + min(other.available, other_to)
    cut_while_serving = max(0, other.available - other_to)
    other_to += min(cut_while_serving, max(0, min_available - available))
    draining_to -= max(0, other_to + draining_to - ceiling)
    return draining_to, other_to


def approximate_weight(*, canary_available: int, total_available: int, max_weight: int = DEFAULT_MAX_WEIGHT) -> int:
    """The canary's actual weight in a basic canary: its share of the available pods, rounded down.

    This is what the CLI shows as "ActualWeight" when no traffic router is configured.

    Examples:
        canary 1 of 10 available   -> 10
        canary 1 of 3 available    -> 33
        canary 2 of 3 available    -> 66
        canary 0 of 0 available    -> 0
        canary 1 of 4, max 1000    -> 250
    """
    if total_available <= 0:
        return 0
    return canary_available * max_weight // total_available


# --- canary behind a traffic router --------------------------------------------------------------------------


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


def abort_step_down_weight(
    *,
    replicas: int,
    step_weights: Sequence[int],
    stable_available: int,
    canary_available: int,
    max_weight: int = DEFAULT_MAX_WEIGHT,
    explicit_abort_delay: bool = False,
) -> int:
    """The canary weight to aim for while an abort unwinds with dynamic stable scaling.

    Instead of jumping to 0 (which would scale the stable to full size at once and surge), the weight
    walks back down the ``setWeight`` steps: it is the highest step weight whose pod count is below what
    the canary still carries. The canary is taken to carry whatever the stable does not yet cover, or the
    canary pods still available if that is more, except with an explicit ``abortScaleDownDelaySeconds``,
    where the canary stays at full size until its deadline and must not hold the weight up.

    ``step_weights`` are the ``setWeight`` values of the steps, in step order. ``explicit_abort_delay`` is
    true when ``abortScaleDownDelaySeconds`` is set to more than 0 (0 means "keep the canary up", which
    does not count).

    Examples:
        replicas 10, steps 20,60, stable 4 available, canary 6 available               -> 20
        replicas 10, steps 20,60, stable 9 available, canary 1 available               -> 0
        replicas 10, steps 10,50, stable 9 available, canary 5 available               -> 10
        replicas 10, steps 10,50, stable 5 available, canary 5 available, explicit delay -> 10
        replicas 10, steps 10,50, stable 9 available, canary 5 available, explicit delay -> 0
    """
    still_on_canary = replicas - stable_available
    if not explicit_abort_delay:
        still_on_canary = max(still_on_canary, canary_available)
    for step_weight in reversed(step_weights):
        if replicas_for_weight(replicas=replicas, weight=step_weight, max_weight=max_weight) < still_on_canary:
            return step_weight
    return 0


# --- blue-green -------------------------------------------------------------------------------------------


def bluegreen_new_rs_replicas(
    *,
    replicas: int,
    preview_replica_count: int | None,
    new_rs_is_active: bool,
    promote_full: bool,
    new_rs_is_current: bool,
    paused: bool,
    scale_up_preview_checkpoint: bool,
) -> int:
    """spec.replicas for a blue-green rollout's new (preview) RS.

    Without ``previewReplicaCount`` the preview runs at full size. With it, the preview runs that many pods
    until promotion starts, then full size. Promotion has started once any of these holds: the active
    Service already points at the new RS (``new_rs_is_active``, also true when no active RS exists yet),
    a full promotion was requested, or the rollout is not ``paused`` (``spec.paused`` or any pause
    condition) and ``status.blueGreen.scaleUpPreviewCheckPoint`` is set. A brand-new update (the new RS is
    not yet ``status.currentPodHash``, so ``new_rs_is_current`` is false) always starts at the preview count.

    Examples:
        replicas 5, no preview count                                  -> 5
        replicas 5, preview 1, new update                             -> 1
        replicas 5, preview 1, paused, checkpoint set                 -> 1
        replicas 5, preview 1, resumed, checkpoint set                -> 5
        replicas 5, preview 1, promote full                           -> 5
        replicas 5, preview 1, new RS already active                  -> 5
    """
    if preview_replica_count is None or new_rs_is_active or promote_full:
        return replicas
    if not new_rs_is_current:
        return preview_replica_count
    if scale_up_preview_checkpoint and not paused:
        return replicas
    return preview_replica_count
