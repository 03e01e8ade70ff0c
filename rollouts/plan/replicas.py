"""Replica arithmetic: how many pods the canary and stable ReplicaSets should run next (without a traffic router;
`routed_replicas` has the arithmetic behind one).

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
    # Without a stable (first deploy, or the new RS is already stable) the new RS simply goes to full size.
    want = (
        (replicas, 0)
        if stable_rs is None
        else split_replicas_by_weight(replicas=replicas, weight=weight, max_weight=max_weight, surge=surge)
    )
    ceiling = replicas + surge
    counts = _scale_up(canary_rs, stable_rs, want, ceiling=ceiling, others=other_rs_replicas)
    if other_rs_replicas > 0:
        return counts
    return _scale_down(canary_rs, stable_rs, counts, want, ceiling=ceiling, min_available=replicas - unavailable)


def _scale_up(
    canary_rs: _ReplicaSet | None, stable_rs: _ReplicaSet | None, want: tuple[int, int], *, ceiling: int, others: int
) -> tuple[int, int]:
    """Grow towards `want` within the surge `ceiling`: the stable first (after an abort it must be refilled before
    the canary grows again), then the canary."""
    canary = canary_rs.replicas if canary_rs else 0
    stable = stable_rs.replicas if stable_rs else 0
    headroom = ceiling - (others + canary + stable)
    if stable_rs is not None:
        stable, headroom = _grow(stable, want=want[1], headroom=headroom)
    if canary_rs is not None:
        canary, headroom = _grow(canary, want=want[0], headroom=headroom)
    return canary, stable


def _scale_down(
    canary_rs: _ReplicaSet | None,
    stable_rs: _ReplicaSet | None,
    counts: tuple[int, int],
    want: tuple[int, int],
    *,
    ceiling: int,
    min_available: int,
) -> tuple[int, int]:
    """Shrink the side that moves away from `want` as far as keeps `min_available` pods, ignoring the unavailable
    pods of the side that grows (a crash-looping stable must not block the canary, nor the reverse)."""
    canary, stable = counts
    increasing = canary_rs is None or want[0] >= canary_rs.replicas
    spare = (
        _countable(canary_rs, ignore_availability=not increasing)
        + _countable(stable_rs, ignore_availability=increasing)
        - min_available
    )
    if spare <= 0:
        return canary, stable
    if canary_rs is not None and not increasing:
        canary = _shrink(canary, want=want[0], by=spare)
        return _settle(
            draining=canary_rs,
            draining_to=canary,
            other=stable_rs,
            other_to=stable,
            ceiling=ceiling,
            min_available=min_available,
        )
    if stable_rs is not None:
        stable = _shrink(stable, want=want[1], by=spare)
        stable, canary = _settle(
            draining=stable_rs,
            draining_to=stable,
            other=canary_rs,
            other_to=canary,
            ceiling=ceiling,
            min_available=min_available,
        )
    return canary, stable


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
