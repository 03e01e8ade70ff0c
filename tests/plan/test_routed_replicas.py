"""Replica arithmetic for a canary behind a traffic router (rollouts.plan.routed_replicas).

We test these aspects: weight -> pods (rounded up, any max weight); setCanaryScale (pinned replicas, own weight,
back to matching the traffic); minPodsPerReplicaSet; dynamic stable scale, and keeping pods for the traffic an
aborted canary still actually carries. Rows marked "argo:" restate a case of Argo Rollouts'
utils/replicaset/canary_test.go in our own terms.

Not tested here: choosing which weight or setCanaryScale step applies (that is the step cursor's job).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from rollouts.plan import routed_replicas


@pytest.mark.parametrize(
    ("count", "weight", "max_weight", "expected"),
    [
        pytest.param(10, 0, 100, 0, id="weight-0"),
        pytest.param(10, 20, 100, 2, id="weight-20"),
        pytest.param(10, 25, 100, 3, id="weight-25-rounds-up"),
        pytest.param(10, 33, 100, 4, id="weight-33-rounds-up"),
        pytest.param(10, 99, 100, 10, id="weight-99"),
        pytest.param(10, 100, 100, 10, id="weight-100"),
        pytest.param(23, 100_000_000, 100_000_000, 23, id="huge-max-weight"),
        pytest.param(0, 50, 100, 0, id="zero-replicas"),
    ],
)
def test_replicas_for_weight(count: int, weight: int, max_weight: int, expected: int) -> None:
    assert routed_replicas.replicas_for_weight(replicas=count, weight=weight, max_weight=max_weight) == expected


@dataclass(frozen=True)
class RoutedCase:
    """One traffic-routed canary computation; ``actual`` is the router's (canary, stable) weights."""

    id: str
    spec_replicas: int
    weight: int
    expected: tuple[int, int]  # (canary, stable)
    max_weight: int = 100
    scale: routed_replicas.CanaryScale | None = None
    min_pods: int | None = None
    dynamic: bool = False
    actual: tuple[int, int] | None = None
    aborted: bool = False

    def param(self) -> pytest.ParameterSet:
        return pytest.param(self, id=self.id)


ROUTED_CASES = [
    RoutedCase("argo-replicas-10-weight-10", 10, 10, expected=(1, 10)),
    RoutedCase(
        "argo-scale-replicas-ignores-weight", 1, 100, scale=routed_replicas.CanaryScale(replicas=9), expected=(9, 1)
    ),
    RoutedCase(
        "argo-scale-weight-ignores-weight", 4, 100, scale=routed_replicas.CanaryScale(weight=200), expected=(8, 4)
    ),
    RoutedCase(
        "argo-match-traffic-weight-ignores-scale",
        10,
        20,
        scale=routed_replicas.CanaryScale(replicas=9, weight=100, match_traffic_weight=True),
        expected=(2, 10),
    ),
    RoutedCase(
        "argo-aborted-scale-kept-when-delay-0", 1, 0, scale=routed_replicas.CanaryScale(replicas=1), expected=(1, 1)
    ),
    RoutedCase("argo-aborted-scale-dropped", 1, 0, expected=(0, 1)),
    RoutedCase("argo-min-pods-raises-canary", 10, 5, min_pods=2, expected=(2, 10)),
    RoutedCase("argo-min-pods-capped-at-replicas", 1, 100, min_pods=2, expected=(1, 1)),
    # argo: TestCalculateReplicaCountsForCanaryTrafficRoutingDynamicScale (aborted rows pass the resolved weight).
    RoutedCase("argo-dynamic-scales-stable-down", 10, 10, dynamic=True, actual=(10, 90), expected=(1, 9)),
    RoutedCase("argo-dynamic-desired-canary-above-actual", 10, 20, dynamic=True, actual=(10, 90), expected=(2, 9)),
    RoutedCase(
        "argo-dynamic-abort-keeps-canary-with-traffic",
        10,
        0,
        dynamic=True,
        actual=(20, 80),
        aborted=True,
        expected=(2, 10),
    ),
    RoutedCase(
        "argo-dynamic-abort-reduces-canary", 10, 0, dynamic=True, actual=(10, 90), aborted=True, expected=(1, 10)
    ),
    RoutedCase("argo-dynamic-abort-steps-down", 10, 20, dynamic=True, actual=(60, 40), aborted=True, expected=(6, 8)),
    RoutedCase(
        "argo-dynamic-abort-without-replicasets", 10, 0, dynamic=True, actual=(60, 40), aborted=True, expected=(6, 10)
    ),
    # argo e2e TestCanaryDynamicStableScale, after the abort at 75% (weight: the abort sizing weight; actual: routed).
    RoutedCase(
        "e2e-dynamic-abort-stable-one-step-back", 4, 25, dynamic=True, actual=(75, 25), aborted=True, expected=(3, 3)
    ),
    RoutedCase(
        "e2e-dynamic-abort-traffic-moved-to-25", 4, 25, dynamic=True, actual=(25, 75), aborted=True, expected=(1, 3)
    ),
    RoutedCase("e2e-dynamic-abort-sized-for-0", 4, 0, dynamic=True, actual=(25, 75), aborted=True, expected=(1, 4)),
    RoutedCase("e2e-dynamic-abort-all-back", 4, 0, dynamic=True, actual=(0, 100), aborted=True, expected=(0, 4)),
    # Ours.
    RoutedCase("weight-0", 10, 0, expected=(0, 10)),
    RoutedCase("weight-0-min-pods-stays-0", 10, 0, min_pods=2, expected=(0, 10)),
    RoutedCase("weight-100", 10, 100, expected=(10, 10)),
    RoutedCase("zero-replicas", 0, 50, min_pods=2, expected=(0, 0)),
    RoutedCase("odd-replicas-rounds-up", 5, 50, expected=(3, 5)),
    RoutedCase("max-weight-1000", 10, 5, max_weight=1000, expected=(1, 10)),
    RoutedCase(
        "scale-weight-is-out-of-max-weight",
        10,
        5,
        max_weight=1000,
        scale=routed_replicas.CanaryScale(weight=500),
        expected=(5, 10),
    ),
    RoutedCase("empty-scale-uses-weight", 10, 30, scale=routed_replicas.CanaryScale(), expected=(3, 10)),
    RoutedCase(
        "pinned-replicas-skip-min-pods",
        10,
        50,
        scale=routed_replicas.CanaryScale(replicas=1),
        min_pods=2,
        expected=(1, 10),
    ),
    RoutedCase(
        "pinned-replicas-may-exceed-replicas", 2, 50, scale=routed_replicas.CanaryScale(replicas=5), expected=(5, 2)
    ),
    RoutedCase(
        "scale-weight-gets-min-pods", 10, 50, scale=routed_replicas.CanaryScale(weight=5), min_pods=2, expected=(2, 10)
    ),
    RoutedCase("dynamic-without-actual-weights", 10, 30, dynamic=True, expected=(3, 7)),
    RoutedCase("dynamic-weight-100", 10, 100, dynamic=True, actual=(100, 0), expected=(10, 0)),
    RoutedCase("dynamic-min-pods-on-both", 10, 95, dynamic=True, min_pods=3, actual=(95, 5), expected=(10, 3)),
    RoutedCase(
        "dynamic-pinned-replicas-sizes-stable-full",
        10,
        50,
        dynamic=True,
        scale=routed_replicas.CanaryScale(replicas=2),
        expected=(2, 10),
    ),
    RoutedCase(
        "dynamic-pinned-replicas-get-min-pods",
        10,
        50,
        dynamic=True,
        scale=routed_replicas.CanaryScale(replicas=1),
        min_pods=2,
        expected=(2, 10),
    ),
    RoutedCase(
        "dynamic-scale-weight-sizes-stable",
        10,
        50,
        dynamic=True,
        scale=routed_replicas.CanaryScale(weight=20),
        expected=(2, 8),
    ),
    RoutedCase("not-aborted-ignores-actual-canary", 10, 10, dynamic=True, actual=(60, 40), expected=(1, 9)),
    RoutedCase("actual-ignored-without-dynamic", 10, 10, actual=(60, 40), aborted=True, expected=(1, 10)),
]


@pytest.mark.parametrize("case", [case.param() for case in ROUTED_CASES])
def test_traffic_routed_canary_counts(case: RoutedCase) -> None:
    canary_actual, stable_actual = case.actual if case.actual else (None, None)
    counts = routed_replicas.traffic_routed_canary_counts(
        replicas=case.spec_replicas,
        weight=case.weight,
        max_weight=case.max_weight,
        canary_scale=case.scale,
        min_pods_per_rs=case.min_pods,
        dynamic_stable_scale=case.dynamic,
        stable_weight_actual=stable_actual,
        canary_weight_actual=canary_actual,
        aborted=case.aborted,
    )
    assert counts == case.expected


@pytest.mark.parametrize(
    ("replicas", "stable_available", "canary_available", "expected"),
    [
        pytest.param(4, 1, 3, 25, id="argo-e2e-just-aborted-at-75-steps-back-to-25"),
        pytest.param(4, 3, 3, 25, id="stable-grown-canary-not-yet-shrunk"),
        pytest.param(4, 3, 1, 0, id="canary-down-to-the-first-step-then-0"),
        pytest.param(4, 0, 4, 75, id="nothing-on-stable-steps-back-one"),
        pytest.param(4, 4, 0, 0, id="stable-full"),
        pytest.param(10, 2, 8, 25, id="75-needs-8-as-many-as-still-needed"),
        pytest.param(10, 1, 9, 75, id="75-needs-8-fewer-than-9"),
    ],
)
def test_abort_sizing_weight_walks_the_steps_back(
    replicas: int, stable_available: int, canary_available: int, expected: int
) -> None:
    weight = routed_replicas.abort_sizing_weight(
        replicas=replicas,
        step_weights=[25, 75],
        stable_available=stable_available,
        canary_available=canary_available,
    )
    assert weight == expected


@pytest.mark.parametrize(
    ("replicas", "sizing", "stable_available", "routed", "expected"),
    [
        pytest.param(4, 25, 1, 75, 75, id="stable-cannot-carry-75-yet"),
        pytest.param(4, 25, 3, 75, 25, id="stable-carries-75-step-down"),
        pytest.param(4, 0, 3, 25, 25, id="sized-for-0-but-stable-carries-only-75"),
        pytest.param(4, 0, 4, 25, 0, id="stable-full-all-back"),
        pytest.param(4, 0, 4, 0, 0, id="already-back"),
        pytest.param(4, 0, 2, 25, 25, id="never-back-up-when-stable-flaps"),
        pytest.param(4, 100, 1, 25, 25, id="rollback-to-stable-keeps-its-weight"),
        pytest.param(4, 25, 3, None, 25, id="never-routed"),
        pytest.param(0, 25, 0, 75, 0, id="zero-replicas"),
    ],
)
def test_back_to_stable_weight_follows_stable_availability(
    replicas: int, sizing: int, stable_available: int, routed: int | None, expected: int
) -> None:
    weight = routed_replicas.back_to_stable_weight(
        replicas=replicas, sizing_weight=sizing, stable_available=stable_available, routed_weight=routed
    )
    assert weight == expected
