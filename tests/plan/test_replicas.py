"""Replica arithmetic for a canary without a traffic router (rollouts.plan.replicas).

We test these aspects:
* int-or-percent resolution, including Argo's quirk that any string is a percent ("3" is 3%), and its errors;
* surge/unavailable resolution: defaults, rounding directions, the 0/0 -> unavailable 1 rule, caps;
* the weight -> (canary, stable) approximation for a basic canary (Argo's own table, row for row);
* the basic canary step: surge ceiling, availability floor, older ReplicaSets first, stable-first growth,
  abort (shrinking canary), promote-full, first deploy, and a simulation that it converges within limits;
  the rolling update (a canary without steps: weight 100);
* the CLI's actual weight.

The traffic-routed canary is tested in test_routed_replicas.py.

Rows marked "argo:" restate a case of Argo Rollouts' utils/replicaset/canary_test.go in our own terms; where
Argo's case sets promoteFull or aborts, the row passes the weight that situation resolves to (100 or 0).

Not tested here: choosing which weight or setCanaryScale step applies (that is the step cursor's job).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rollouts.plan import replicas

# --- resolve_int_or_percent ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "total", "round_up", "expected"),
    [
        pytest.param(3, 10, True, 3, id="int-is-pods"),
        pytest.param(3, 10, False, 3, id="int-is-pods-either-rounding"),
        pytest.param(0, 10, True, 0, id="int-zero"),
        pytest.param(15, 10, True, 15, id="int-not-capped"),
        pytest.param("25%", 10, True, 3, id="percent-rounds-up"),
        pytest.param("25%", 10, False, 2, id="percent-rounds-down"),
        pytest.param("33%", 7, True, 3, id="percent-of-odd-total-up"),
        pytest.param("33%", 7, False, 2, id="percent-of-odd-total-down"),
        pytest.param("100%", 10, False, 10, id="percent-100"),
        pytest.param("0%", 10, True, 0, id="percent-0"),
        pytest.param("3", 10, True, 1, id="bare-string-3-is-3-percent-up"),
        pytest.param("3", 10, False, 0, id="bare-string-3-is-3-percent-down"),
        pytest.param("%25", 10, True, 3, id="percent-sign-anywhere"),
        pytest.param("2%5", 10, False, 2, id="every-percent-sign-removed"),
        pytest.param("+5", 10, True, 1, id="explicit-plus-sign"),
        pytest.param("-10%", 10, True, -1, id="negative-percent"),
        pytest.param("50%", 0, True, 0, id="percent-of-zero"),
    ],
)
def test_resolve_int_or_percent(value: int | str, total: int, round_up: bool, expected: int) -> None:
    assert replicas.resolve_int_or_percent(value, total, round_up=round_up) == expected


@pytest.mark.parametrize(
    ("default", "expected"),
    [
        pytest.param("25%", 2, id="default-percent"),
        pytest.param(5, 5, id="default-int"),
        pytest.param(None, 0, id="no-default-is-zero"),
    ],
)
def test_resolve_int_or_percent_none_takes_default(default: int | str | None, expected: int) -> None:
    assert replicas.resolve_int_or_percent(None, 8, round_up=False, default=default) == expected


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("abc", id="word"),
        pytest.param("2.5%", id="fraction"),
        pytest.param(" 5", id="leading-space"),
        pytest.param("5 ", id="trailing-space"),
        pytest.param("1_0", id="underscore"),
        pytest.param("٣", id="non-ascii-digit"),
        pytest.param(True, id="bool"),
        pytest.param(2.5, id="float"),
    ],
)
def test_resolve_int_or_percent_rejects(value: object) -> None:
    with pytest.raises(ValueError, match=r"int-or-percent|int or a percentage"):
        replicas.resolve_int_or_percent(value, 10, round_up=True)  # type: ignore[arg-type]


# --- resolve_surge_unavailable ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_surge", "max_unavailable", "count", "expected"),
    [
        pytest.param(None, None, 10, (3, 2), id="defaults-25-percent"),
        pytest.param(None, None, 4, (1, 1), id="defaults-of-4"),
        pytest.param(None, None, 1, (1, 0), id="defaults-of-1"),
        pytest.param(3, 0, 10, (3, 0), id="ints"),
        pytest.param("3", 0, 10, (1, 0), id="surge-string-3-is-3-percent"),
        pytest.param(0, "3", 10, (0, 1), id="unavailable-string-3-is-3-percent-then-0-0-rule"),
        pytest.param("20%", "20%", 10, (2, 2), id="percents"),
        pytest.param(0, "0%", 10, (0, 1), id="both-zero-unavailable-becomes-1"),
        pytest.param("0%", "0%", 10, (0, 1), id="both-zero-percent"),
        pytest.param(0, "10%", 3, (0, 1), id="unavailable-rounds-down-to-0-then-1"),
        pytest.param(1, 5, 3, (1, 3), id="unavailable-capped-at-replicas"),
        pytest.param(5, 0, 3, (5, 0), id="surge-not-capped"),
        pytest.param(0, 0, 0, (0, 0), id="zero-replicas"),
        pytest.param(None, None, 0, (0, 0), id="zero-replicas-defaults"),
        pytest.param(2, 2, 0, (2, 0), id="zero-replicas-keeps-int-surge"),
    ],
)
def test_resolve_surge_unavailable(
    max_surge: int | str | None, max_unavailable: int | str | None, count: int, expected: tuple[int, int]
) -> None:
    assert (
        replicas.resolve_surge_unavailable(max_surge=max_surge, max_unavailable=max_unavailable, replicas=count)
        == expected
    )


# --- split_replicas_by_weight (argo: TestApproximateWeightedNewStableReplicaCounts, every row) ---------------


def split(count: int, weight: int, surge: int, canary: int, stable: int) -> pytest.ParameterSet:
    return pytest.param(count, weight, surge, (canary, stable), id=f"replicas-{count}-weight-{weight}-surge-{surge}")


@pytest.mark.parametrize(
    ("count", "weight", "surge", "expected"),
    [
        split(0, 0, 0, 0, 0),
        split(0, 50, 0, 0, 0),
        split(0, 100, 0, 0, 0),
        split(0, 0, 1, 0, 0),
        split(0, 50, 1, 0, 0),
        split(0, 100, 1, 0, 0),
        # One replica and no surge: all or nothing.
        split(1, 0, 0, 0, 1),
        split(1, 1, 0, 0, 1),
        split(1, 49, 0, 0, 1),
        split(1, 50, 0, 1, 0),
        split(1, 99, 0, 1, 0),
        split(1, 100, 0, 1, 0),
        # One replica with surge: any weight in 1..99 runs one of each.
        split(1, 0, 1, 0, 1),
        split(1, 1, 1, 1, 1),
        split(1, 49, 1, 1, 1),
        split(1, 50, 1, 1, 1),
        split(1, 99, 1, 1, 1),
        split(1, 100, 1, 1, 0),
        split(2, 0, 0, 0, 2),
        split(2, 1, 0, 1, 1),
        split(2, 50, 0, 1, 1),
        split(2, 99, 0, 1, 1),
        split(2, 100, 0, 2, 0),
        split(2, 0, 1, 0, 2),
        split(2, 1, 1, 1, 2),
        split(2, 50, 1, 1, 1),
        split(2, 99, 1, 2, 1),
        split(2, 100, 1, 2, 0),
        split(3, 10, 0, 1, 2),
        split(3, 25, 0, 1, 2),
        split(3, 33, 0, 1, 2),
        split(3, 34, 0, 1, 2),
        split(3, 49, 0, 1, 2),
        split(3, 50, 0, 2, 1),
        split(3, 10, 1, 1, 3),
        split(3, 25, 1, 1, 3),
        split(3, 33, 1, 1, 2),
        split(3, 34, 1, 1, 2),
        split(3, 49, 1, 2, 2),
        split(3, 50, 1, 2, 2),
        split(10, 0, 1, 0, 10),
        split(10, 1, 0, 1, 9),
        split(10, 14, 0, 1, 9),
        split(10, 15, 0, 2, 8),
        split(10, 16, 0, 2, 8),
        split(10, 99, 0, 9, 1),
        split(10, 100, 1, 10, 0),
        split(10, 1, 1, 1, 10),
        split(10, 18, 1, 2, 9),
        split(10, 19, 1, 2, 9),
        split(10, 20, 1, 2, 8),
        split(10, 23, 1, 2, 8),
        split(10, 24, 1, 3, 8),
        split(10, 25, 1, 3, 8),
        split(10, 99, 1, 10, 1),
        # Ours: odd counts, and a large surge only ever adds one pod to the split.
        split(5, 50, 0, 3, 2),
        split(5, 50, 1, 3, 3),
        split(7, 50, 5, 4, 4),
        split(10, 30, 3, 3, 7),
    ],
)
def test_split_replicas_by_weight(count: int, weight: int, surge: int, expected: tuple[int, int]) -> None:
    assert replicas.split_replicas_by_weight(replicas=count, weight=weight, surge=surge) == expected


@pytest.mark.parametrize(
    ("count", "weight", "max_weight", "surge", "expected"),
    [
        pytest.param(10, 150, 1000, 0, (2, 8), id="max-weight-1000-tie-rounds-up"),
        pytest.param(10, 140, 1000, 0, (1, 9), id="max-weight-1000"),
        pytest.param(4, 1000, 1000, 1, (4, 0), id="max-weight-1000-full"),
    ],
)
def test_split_replicas_by_weight_with_max_weight(
    count: int, weight: int, max_weight: int, surge: int, expected: tuple[int, int]
) -> None:
    assert (
        replicas.split_replicas_by_weight(replicas=count, weight=weight, max_weight=max_weight, surge=surge) == expected
    )


# --- basic_canary_replica_counts ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One basic-canary step. RS sizes are (spec.replicas, availableReplicas); None means no such RS."""

    id: str
    spec_replicas: int
    weight: int
    surge: int | str | None
    unavailable: int | str | None
    canary: tuple[int, int] | None
    stable: tuple[int, int] | None
    expected: tuple[int, int]  # (canary, stable)
    other: int = 0

    def param(self) -> pytest.ParameterSet:
        return pytest.param(self, id=self.id)


BASIC_CANARY_CASES = [
    # argo: the docstring examples that still hold, and the named rows of TestCalculateReplicaCountsForCanary.
    Case("replicas-10-weight-30-surge-3", 10, 30, 3, 0, canary=(0, 0), stable=(10, 10), expected=(3, 10)),
    Case("replicas-10-weight-30-unavailable-5", 10, 30, 0, 5, canary=(0, 0), stable=(10, 10), expected=(0, 7)),
    Case("argo-spec-below-available-not-counted", 10, 100, 3, 0, canary=(6, 3), stable=(7, 8), expected=(6, 7)),
    Case("argo-surge-int-scales-up-canary", 10, 20, 2, 0, canary=(0, 0), stable=(10, 10), expected=(2, 10)),
    Case("argo-surge-percent-scales-up-canary", 10, 20, "20%", 0, canary=(0, 0), stable=(10, 10), expected=(2, 10)),
    Case("argo-scale-down-extra-stable", 10, 20, "20%", 0, canary=(2, 2), stable=(10, 10), expected=(2, 8)),
    Case("argo-do-not-go-past-surge", 10, 30, 2, 0, canary=(0, 0), stable=(10, 10), expected=(2, 10)),
    Case("argo-unavailable-int-scales-down-stable", 10, 20, 0, 2, canary=(0, 0), stable=(10, 10), expected=(0, 8)),
    Case(
        "argo-unavailable-percent-scales-down-stable", 10, 20, 0, "20%", canary=(0, 0), stable=(10, 10), expected=(0, 8)
    ),
    Case("argo-do-not-go-past-unavailable", 10, 30, 0, 2, canary=(0, 0), stable=(10, 10), expected=(0, 8)),
    Case("argo-surge-and-unavailable", 10, 50, 2, 1, canary=(0, 0), stable=(10, 10), expected=(2, 9)),
    Case("argo-weight-0-scales-canary-to-zero", 10, 0, 1, 1, canary=(1, 1), stable=(10, 10), expected=(0, 10)),
    Case("argo-weight-100-scales-stable-to-zero", 10, 100, 1, 1, canary=(10, 10), stable=(1, 1), expected=(10, 0)),
    Case("argo-replicas-1-weight-20-keeps-a-canary", 1, 20, 1, 0, canary=(0, 0), stable=(1, 1), expected=(1, 1)),
    Case("argo-replicas-1-weight-90-keeps-a-stable", 1, 90, 1, 0, canary=(0, 0), stable=(1, 1), expected=(1, 1)),
    Case("argo-replicas-1-weight-49-no-surge-no-canary", 1, 49, 0, 1, canary=(0, 0), stable=(1, 1), expected=(0, 1)),
    Case("argo-replicas-1-weight-51-no-surge-drops-stable", 1, 51, 0, 1, canary=(0, 0), stable=(1, 1), expected=(0, 0)),
    Case("argo-replicas-1-weight-51-no-surge-then-canary", 1, 51, 0, 1, canary=(0, 0), stable=(0, 0), expected=(1, 0)),
    Case("argo-stable-grows-before-canary", 10, 30, 1, 0, canary=(0, 0), stable=(1, 1), other=3, expected=(1, 7)),
    Case("argo-scale-down-canary-and-stable", 10, 30, 0, 3, canary=(4, 4), stable=(8, 5), expected=(3, 7)),
    Case("argo-scale-down-stable-counting-canary", 10, 100, 1, 0, canary=(10, 8), stable=(10, 2), expected=(9, 2)),
    Case("argo-older-rs-blocks-scale-down", 10, 30, 0, 1, canary=(4, 2), stable=(8, 6), other=3, expected=(4, 8)),
    Case("argo-uneven-weight-no-surge", 10, 5, 0, 1, canary=(0, 0), stable=(10, 10), expected=(0, 9)),
    Case("argo-uneven-weight-no-surge-next", 10, 5, 0, 1, canary=(0, 0), stable=(9, 9), expected=(1, 9)),
    Case("argo-surge-and-unavailable-0-percent", 10, 10, "0%", "0%", canary=(0, 0), stable=(10, 10), expected=(0, 9)),
    Case("argo-surge-1-while-stable-unavailable", 4, 100, 1, 0, canary=(0, 0), stable=(4, 1), expected=(1, 4)),
    Case("argo-unavailable-without-surge", 3, 99, 0, 2, canary=(0, 0), stable=(3, 3), expected=(0, 1)),
    Case("argo-unavailable-without-surge-next", 3, 99, 0, 2, canary=(0, 0), stable=(1, 1), expected=(2, 1)),
    Case("argo-unavailable-0-while-stable-unavailable", 4, 100, 1, 0, canary=(1, 1), stable=(4, 1), expected=(1, 3)),
    Case("argo-abort-surges-stable-first", 4, 0, 1, 0, canary=(4, 4), stable=(0, 0), expected=(4, 1)),
    Case("argo-abort-waits-for-stable", 4, 0, 1, 0, canary=(4, 4), stable=(1, 0), expected=(4, 1)),
    Case("argo-abort-then-shrinks-canary-by-one", 4, 0, 1, 0, canary=(4, 4), stable=(1, 1), expected=(3, 1)),
    Case("argo-promote-full-ignores-weight", 4, 100, 4, 4, canary=(0, 0), stable=(4, 4), expected=(4, 0)),
    Case("argo-promote-full-honours-limits", 4, 100, 3, 0, canary=(0, 0), stable=(4, 4), expected=(3, 4)),
    # argo e2e TestReduceWeightAndHonorMaxUnavailable: 3 replicas, maxSurge 2, maxUnavailable 0, weight 100 -> 0.
    Case("e2e-weight-lowered-stable-up-to-surge", 3, 0, 2, 0, canary=(3, 3), stable=(0, 0), expected=(3, 2)),
    Case("e2e-weight-lowered-wait-for-stable", 3, 0, 2, 0, canary=(3, 3), stable=(2, 0), expected=(3, 2)),
    Case("e2e-weight-lowered-canary-gives-way", 3, 0, 2, 0, canary=(3, 3), stable=(2, 2), expected=(1, 2)),
    Case("e2e-weight-lowered-stable-refilled", 3, 0, 2, 0, canary=(1, 1), stable=(2, 2), expected=(1, 3)),
    Case("e2e-weight-lowered-waits-for-last-stable", 3, 0, 2, 0, canary=(1, 1), stable=(3, 2), expected=(1, 3)),
    Case("e2e-weight-lowered-done", 3, 0, 2, 0, canary=(1, 1), stable=(3, 3), expected=(0, 3)),
    # argo: TestCalculateReplicaCountsForNewDeployment / ...StableRSdEdgeCases: no distinct stable RS.
    Case("argo-first-deploy-goes-to-full", 10, 10, 0, 1, canary=(10, 0), stable=None, expected=(10, 0)),
    Case("argo-new-rs-is-stable-goes-to-full", 10, 10, 0, 1, canary=(9, 9), stable=None, expected=(10, 0)),
    # Ours.
    Case("surge-string-3-is-3-percent", 10, 30, "3", 0, canary=(0, 0), stable=(10, 10), expected=(1, 10)),
    Case("defaults-25-percent", 10, 30, None, None, canary=(0, 0), stable=(10, 10), expected=(3, 8)),
    Case("zero-replicas", 0, 50, None, None, canary=(0, 0), stable=(0, 0), expected=(0, 0)),
    Case(
        "scaled-to-zero-mid-canary-stable-first-to-ceiling", 0, 50, 1, 0, canary=(1, 1), stable=(3, 3), expected=(0, 1)
    ),
    Case("scaled-to-zero-mid-canary-then-empty", 0, 50, 1, 0, canary=(0, 0), stable=(1, 1), expected=(0, 0)),
    Case("no-new-rs-yet", 10, 20, None, None, canary=None, stable=(10, 10), expected=(0, 8)),
    Case("weight-0-at-rest", 10, 0, 1, 0, canary=(0, 0), stable=(10, 10), expected=(0, 10)),
    Case("weight-100-done", 10, 100, 1, 0, canary=(10, 10), stable=(0, 0), expected=(10, 0)),
    Case("odd-replicas-weight-50-first-step", 5, 50, 1, 0, canary=(0, 0), stable=(5, 5), expected=(1, 5)),
    Case("odd-replicas-weight-50-second-step", 5, 50, 1, 0, canary=(1, 1), stable=(5, 5), expected=(1, 4)),
    Case("other-rs-uses-surge-room", 10, 20, 2, 0, canary=(0, 0), stable=(10, 10), other=1, expected=(1, 10)),
    Case("other-rs-fills-surge-room", 10, 20, 2, 0, canary=(0, 0), stable=(10, 10), other=2, expected=(0, 10)),
    Case("crash-looping-stable-does-not-block-canary", 4, 50, 0, 1, canary=(1, 1), stable=(4, 0), expected=(1, 2)),
    Case("crash-looping-canary-does-not-block-abort", 4, 0, 0, 1, canary=(2, 0), stable=(2, 2), expected=(1, 2)),
    # A canary without steps is a rolling update: the same arithmetic aiming at 100%.
    Case("rolling-update-surge-one-canary", 4, 100, 1, 0, canary=(0, 0), stable=(4, 4), expected=(1, 4)),
    Case("rolling-update-then-drop-one-stable", 4, 100, 1, 0, canary=(1, 1), stable=(4, 4), expected=(1, 3)),
    Case("rolling-update-wait-for-canary-ready", 4, 100, 1, 0, canary=(1, 0), stable=(4, 4), expected=(1, 4)),
    Case("rolling-update-unready-stable-scaled-down", 4, 100, 1, 0, canary=(1, 1), stable=(4, 1), expected=(1, 3)),
    Case("rolling-update-last-canary", 4, 100, 1, 0, canary=(3, 3), stable=(1, 1), expected=(4, 1)),
    Case("rolling-update-last-stable-removed", 4, 100, 1, 0, canary=(4, 4), stable=(1, 1), expected=(4, 0)),
    Case("rolling-update-done", 4, 100, 1, 0, canary=(4, 4), stable=(0, 0), expected=(4, 0)),
]


@pytest.mark.parametrize("case", [case.param() for case in BASIC_CANARY_CASES])
def test_basic_canary_replica_counts(case: Case) -> None:
    canary_spec, canary_available = case.canary if case.canary else (None, 0)
    stable_spec, stable_available = case.stable if case.stable else (None, 0)
    counts = replicas.basic_canary_replica_counts(
        replicas=case.spec_replicas,
        weight=case.weight,
        max_surge=case.surge,
        max_unavailable=case.unavailable,
        new_rs_replicas=canary_spec,
        new_rs_available=canary_available,
        stable_rs_replicas=stable_spec,
        stable_rs_available=stable_available,
        other_rs_replicas=case.other,
    )
    assert counts == case.expected


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 10])
@pytest.mark.parametrize("weight", [0, 1, 10, 25, 33, 50, 67, 90, 99, 100])
@pytest.mark.parametrize(("surge", "unavailable"), [(1, 0), (0, 1), (2, 1), ("25%", "25%"), (0, "100%")])
def test_basic_canary_converges_within_limits(
    count: int, weight: int, surge: int | str, unavailable: int | str
) -> None:
    """Starting from a fully scaled stable, with pods ready at once, each step keeps within surge and
    availability limits, and the rollout reaches the weight's split."""
    max_surge, max_unavailable = replicas.resolve_surge_unavailable(
        max_surge=surge, max_unavailable=unavailable, replicas=count
    )
    target = replicas.split_replicas_by_weight(replicas=count, weight=weight, surge=max_surge)
    canary, stable = 0, count
    for _ in range(4 * count + 4):
        next_canary, next_stable = replicas.basic_canary_replica_counts(
            replicas=count,
            weight=weight,
            max_surge=surge,
            max_unavailable=unavailable,
            new_rs_replicas=canary,
            new_rs_available=canary,
            stable_rs_replicas=stable,
            stable_rs_available=stable,
        )
        assert next_canary + next_stable <= count + max_surge
        # Pods being removed were all available; what stays available must not fall below the floor.
        assert min(canary, next_canary) + min(stable, next_stable) >= min(canary + stable, count - max_unavailable)
        if (next_canary, next_stable) == (canary, stable):
            break
        canary, stable = next_canary, next_stable
    assert (canary, stable) == target


# --- approximate_weight -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("canary_available", "total_available", "max_weight", "expected"),
    [
        pytest.param(1, 10, 100, 10, id="1-of-10"),
        pytest.param(1, 3, 100, 33, id="1-of-3-rounds-down"),
        pytest.param(2, 3, 100, 66, id="2-of-3-rounds-down"),
        pytest.param(5, 5, 100, 100, id="all"),
        pytest.param(0, 5, 100, 0, id="none"),
        pytest.param(0, 0, 100, 0, id="nothing-available"),
        pytest.param(1, 4, 1000, 250, id="max-weight-1000"),
    ],
)
def test_approximate_weight(canary_available: int, total_available: int, max_weight: int, expected: int) -> None:
    assert (
        replicas.approximate_weight(
            canary_available=canary_available, total_available=total_available, max_weight=max_weight
        )
        == expected
    )
