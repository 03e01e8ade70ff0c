"""Where simulated requests go and how many there are (rollouts.simulator.traffic): pure tables, no cluster.

We test these aspects:
* the split of a VirtualService: by host (route → Service → its selector's hash → ReplicaSet) and by subset
  (route → DestinationRule subset labels → ReplicaSet); the catch-all route; host spellings; weights 100/0;
* a Service without a VirtualService: its traffic spread over the ReplicaSets it selects, by ready replicas;
* a version without ready pods gets no traffic, and the log says whose weight was left out;
* what cannot be resolved (missing VirtualService, Service, subset; another namespace; a bad annotation) sends
  nothing there and says why;
* targets found without being named; the log line for a split;
* request counts at a steady rate never drift over ticks; sampled requests follow shares and error rates, and
  the same seed gives the same requests.

Not tested here: the tag convention (test_behaviour.py), the informers and the loop (test_simulator_cluster.py).
"""

from __future__ import annotations

import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest

from rollouts.simulator import behaviour, traffic

NS = "shop"
STABLE, CANARY = "9f8a6c7d5b", "7c6d8b9f4c"


def replica_set(
    hash_: str, image: str, ready: int, *, app: str = "web", annotations: dict[str, str] | None = None
) -> dict[str, Any]:
    template = {
        "metadata": {"labels": {"app": app, "rollouts-pod-template-hash": hash_}, "annotations": annotations or {}},
        "spec": {"containers": [{"name": "app", "image": image}]},
    }
    return {
        "metadata": {"name": f"{app}-{hash_}", "namespace": NS},
        "spec": {"replicas": max(ready, 1), "template": template},
        "status": {"replicas": max(ready, 1), "readyReplicas": ready} if ready else {"replicas": 1},
    }


def service(name: str, **selector: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": NS}, "spec": {"selector": selector, "ports": [{"port": 80}]}}


def hash_services(stable: str = STABLE, canary: str = CANARY) -> list[dict[str, Any]]:
    """Host split: Argo points each Service at one version by adding the hash to its selector."""
    return [
        service("stable", app="web", **{"rollouts-pod-template-hash": stable}),
        service("canary", app="web", **{"rollouts-pod-template-hash": canary}),
    ]


def virtual_service(*routes: dict[str, Any], name: str = "web") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": NS}, "spec": {"hosts": ["web.example.com"], "http": list(routes)}}


def route(
    *destinations: tuple[str, int | None], match: list[dict[str, Any]] | None = None, subsets: bool = False
) -> dict[str, Any]:
    entries = []
    for host, weight in destinations:
        destination = {"host": "web", "subset": host} if subsets else {"host": host}
        entries.append(
            {"destination": destination} if weight is None else {"destination": destination, "weight": weight}
        )
    return {"route": entries, **({"match": match} if match else {})}


def destination_rule(host: str = "web", **subsets: str) -> dict[str, Any]:
    return {
        "metadata": {"name": host, "namespace": NS},
        "spec": {
            "host": host,
            "subsets": [{"name": name, "labels": {"rollouts-pod-template-hash": h}} for name, h in subsets.items()],
        },
    }


BLUE = replica_set(STABLE, "argoproj/rollouts-demo:blue", 3)
YELLOW = replica_set(CANARY, "argoproj/rollouts-demo:yellow-errors-50", 1)
YELLOW_NOT_READY = replica_set(CANARY, "argoproj/rollouts-demo:yellow-errors-50", 0)

Row = tuple[str, str, str, str, float]
"""(destination_service_name, destination_workload, pod_template_hash, image, share);
versions behind one Service by name."""


@dataclass(frozen=True)
class Case:
    id: str
    target: traffic.Target
    replica_sets: list[dict[str, Any]]
    expected: list[Row]
    services: list[dict[str, Any]] = field(default_factory=hash_services)
    virtual_services: list[dict[str, Any]] = field(default_factory=list)
    destination_rules: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    """Substrings, one per expected problem, in order."""


VS = traffic.Target("VirtualService", "web")
STABLE_ROW = ("stable", f"web-{STABLE}", STABLE, "argoproj/rollouts-demo:blue")
CANARY_ROW = ("canary", f"web-{CANARY}", CANARY, "argoproj/rollouts-demo:yellow-errors-50")

BASELINE_HASH, EXPERIMENT_CANARY_HASH = "5b4c3d2e1f", "6a5b4c3d2e"
EXPERIMENT_BASELINE = replica_set(BASELINE_HASH, "argoproj/rollouts-demo:blue", 1, app="exp-baseline")
EXPERIMENT_CANARY = replica_set(EXPERIMENT_CANARY_HASH, "argoproj/rollouts-demo:yellow-errors-50", 1, app="exp-canary")

CASES = [
    Case(
        # An Experiment step with weights: Argo routes a share to each experiment template's Service.
        "experiment-replicasets-get-their-weight",
        VS,
        [BLUE, YELLOW, EXPERIMENT_BASELINE, EXPERIMENT_CANARY],
        [
            (*STABLE_ROW, 0.8),
            ("exp-baseline", f"exp-baseline-{BASELINE_HASH}", BASELINE_HASH, STABLE_ROW[3], 0.1),
            ("exp-canary", f"exp-canary-{EXPERIMENT_CANARY_HASH}", EXPERIMENT_CANARY_HASH, CANARY_ROW[3], 0.1),
        ],
        services=[
            *hash_services(),
            service("exp-baseline", app="exp-baseline"),
            service("exp-canary", app="exp-canary"),
        ],
        virtual_services=[
            virtual_service(route(("stable", 80), ("canary", 0), ("exp-baseline", 10), ("exp-canary", 10)))
        ],
    ),
    Case(
        "host-split-80-20",
        VS,
        [BLUE, YELLOW],
        [(*STABLE_ROW, 0.8), (*CANARY_ROW, 0.2)],
        virtual_services=[virtual_service(route(("stable", 80), ("canary", 20)))],
    ),
    Case(
        "subset-split-75-25",
        VS,
        [BLUE, YELLOW],
        [("web", f"web-{STABLE}", STABLE, STABLE_ROW[3], 0.75), ("web", f"web-{CANARY}", CANARY, CANARY_ROW[3], 0.25)],
        services=[service("web", app="web")],
        virtual_services=[virtual_service(route(("stable", 75), ("canary", 25), subsets=True))],
        destination_rules=[destination_rule(stable=STABLE, canary=CANARY)],
    ),
    Case(
        "canary-without-ready-pods-gets-nothing",
        VS,
        [BLUE, YELLOW_NOT_READY],
        [(*STABLE_ROW, 1.0)],
        virtual_services=[virtual_service(route(("stable", 80), ("canary", 20)))],
        problems=["canary (20% of the weight) has no ready pods: not simulated"],
    ),
    Case(
        "subset-canary-without-ready-pods",
        VS,
        [BLUE, YELLOW_NOT_READY],
        [("web", f"web-{STABLE}", STABLE, STABLE_ROW[3], 1.0)],
        services=[service("web", app="web")],
        virtual_services=[virtual_service(route(("stable", 90), ("canary", 10), subsets=True))],
        destination_rules=[destination_rule(stable=STABLE, canary=CANARY)],
        problems=["web/canary (10% of the weight) has no ready pods"],
    ),
    Case(
        "weights-100-0",
        VS,
        [BLUE, YELLOW],
        [(*STABLE_ROW, 1.0)],
        virtual_services=[virtual_service(route(("stable", 100), ("canary", 0)))],
    ),
    Case(
        "weights-0-100",
        VS,
        [BLUE, YELLOW],
        [(*CANARY_ROW, 1.0)],
        virtual_services=[virtual_service(route(("stable", 0), ("canary", 100)))],
    ),
    Case(
        "weights-0-100-canary-not-ready",
        VS,
        [BLUE, YELLOW_NOT_READY],
        [],
        virtual_services=[virtual_service(route(("stable", 0), ("canary", 100)))],
        problems=["canary (100% of the weight) has no ready pods"],
    ),
    Case(
        "lone-destination-without-weight-gets-all",
        VS,
        [BLUE, YELLOW],
        [(*STABLE_ROW, 1.0)],
        virtual_services=[virtual_service(route(("stable", None)))],
    ),
    Case(
        "host-spellings",
        VS,
        [BLUE, YELLOW],
        [(*STABLE_ROW, 0.5), (*CANARY_ROW, 0.5)],
        virtual_services=[virtual_service(route((f"stable.{NS}.svc.cluster.local", 50), (f"canary.{NS}", 50)))],
    ),
    Case(
        "same-stable-and-canary-merge",
        VS,
        [BLUE],
        [(*STABLE_ROW, 1.0)],
        services=hash_services(stable=STABLE, canary=STABLE),
        virtual_services=[virtual_service(route(("stable", 70), ("stable", 30)))],
    ),
    Case(
        "header-route-skipped-for-catch-all",
        VS,
        [BLUE, YELLOW],
        [(*STABLE_ROW, 0.9), (*CANARY_ROW, 0.1)],
        virtual_services=[
            virtual_service(
                route(("canary", 100), match=[{"headers": {"x-canary": {"exact": "yes"}}}]),
                route(("stable", 90), ("canary", 10)),
            )
        ],
    ),
    Case(
        "every-route-matches-takes-the-last",
        VS,
        [BLUE, YELLOW],
        [(*STABLE_ROW, 0.6), (*CANARY_ROW, 0.4)],
        virtual_services=[
            virtual_service(
                route(("canary", 100), match=[{"headers": {"x-canary": {"exact": "yes"}}}]),
                route(("stable", 60), ("canary", 40), match=[{"uri": {"prefix": "/"}}]),
            )
        ],
    ),
    Case(
        "service-selecting-both-versions-splits-its-weight-by-ready-pods",
        VS,
        [BLUE, YELLOW],
        [("web", f"web-{CANARY}", CANARY, CANARY_ROW[3], 0.25), ("web", f"web-{STABLE}", STABLE, STABLE_ROW[3], 0.75)],
        services=[service("web", app="web")],
        virtual_services=[virtual_service(route(("web", None)))],
    ),
    Case(
        "no-virtual-service-service-by-ready-replicas",
        traffic.Target("Service", "web"),
        [BLUE, YELLOW, replica_set("0000000000", "demo:other-app", 5, app="other")],
        [("web", f"web-{CANARY}", CANARY, CANARY_ROW[3], 0.25), ("web", f"web-{STABLE}", STABLE, STABLE_ROW[3], 0.75)],
        services=[service("web", app="web")],
    ),
    Case(
        "no-virtual-service-unready-version-ignored",
        traffic.Target("Service", "web"),
        [BLUE, YELLOW_NOT_READY],
        [("web", f"web-{STABLE}", STABLE, STABLE_ROW[3], 1.0)],
        services=[service("web", app="web")],
    ),
    Case(
        "service-with-hash-selector",
        traffic.Target("Service", "canary"),
        [BLUE, YELLOW],
        [(*CANARY_ROW, 1.0)],
    ),
    Case(
        "virtual-service-missing",
        VS,
        [BLUE, YELLOW],
        [],
        problems=[f"VirtualService web not found in namespace {NS}"],
    ),
    Case(
        "service-missing",
        traffic.Target("Service", "web"),
        [BLUE],
        [],
        services=[],
        problems=[f"Service web not found in namespace {NS}"],
    ),
    Case(
        "service-without-selector",
        traffic.Target("Service", "external"),
        [BLUE],
        [],
        services=[{"metadata": {"name": "external"}, "spec": {"ports": [{"port": 80}]}}],
        problems=["Service external has no selector"],
    ),
    Case(
        "destination-service-missing",
        VS,
        [BLUE, YELLOW],
        [(*STABLE_ROW, 1.0)],
        services=hash_services()[:1],
        virtual_services=[virtual_service(route(("stable", 80), ("canary", 20)))],
        problems=["canary: Service canary not found (20% of the weight): not simulated"],
    ),
    Case(
        "host-in-another-namespace",
        VS,
        [BLUE, YELLOW],
        [(*STABLE_ROW, 1.0)],
        virtual_services=[virtual_service(route(("stable", 80), ("canary.elsewhere.svc.cluster.local", 20)))],
        problems=["host 'canary.elsewhere.svc.cluster.local' is not a Service of namespace shop (20% of the weight)"],
    ),
    Case(
        "subset-missing-from-destination-rule",
        VS,
        [BLUE, YELLOW],
        [("web", f"web-{STABLE}", STABLE, STABLE_ROW[3], 1.0)],
        services=[service("web", app="web")],
        virtual_services=[virtual_service(route(("stable", 80), ("canary", 20), subsets=True))],
        destination_rules=[destination_rule(stable=STABLE)],
        problems=["web/canary: no DestinationRule subset canary for host web (20% of the weight)"],
    ),
    Case(
        "no-http-route",
        VS,
        [BLUE],
        [],
        virtual_services=[
            {
                "metadata": {"name": "web"},
                "spec": {"hosts": ["web"], "tcp": [{"route": [{"destination": {"host": "stable"}}]}]},
            }
        ],
        problems=["VirtualService web has no HTTP route"],
    ),
    Case(
        "bad-annotation-stops-the-whole-target",
        VS,
        [BLUE, replica_set(CANARY, "demo:yellow", 1, annotations={behaviour.ERROR_RATE_ANNOTATION: "lots"})],
        [],
        virtual_services=[virtual_service(route(("stable", 80), ("canary", 20)))],
        problems=[
            f"ReplicaSet web-{CANARY}: annotation {behaviour.ERROR_RATE_ANNOTATION}: "
            "'lots' is not a fraction from 0 to 1"
        ],
    ),
]


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_split(case: Case) -> None:
    split = traffic.split(
        target=case.target,
        namespace=NS,
        virtual_services=case.virtual_services,
        destination_rules=case.destination_rules,
        services=case.services,
        replica_sets=case.replica_sets,
    )
    rows = [(d.service, d.workload, d.pod_template_hash, d.image, pytest.approx(d.share)) for d in split.destinations]
    assert rows == case.expected
    assert all(d.namespace == NS for d in split.destinations)
    if split.destinations:
        assert sum(d.share for d in split.destinations) == pytest.approx(1.0)
    assert len(split.problems) == len(case.problems), split.problems
    for problem, expected in zip(split.problems, case.problems, strict=True):
        assert expected in problem


def test_split_carries_each_versions_behaviour() -> None:
    split = traffic.split_virtual_service(
        virtual_service(route(("stable", 80), ("canary", 20))),
        name="web",
        namespace=NS,
        destination_rules=[],
        services=hash_services(),
        replica_sets=[
            BLUE,
            replica_set(CANARY, "demo:yellow-errors-30", 1, annotations={behaviour.LATENCY_ANNOTATION: "450"}),
        ],
    )
    assert [d.behaviour for d in split.destinations] == [
        behaviour.HEALTHY,
        behaviour.Behaviour(error_rate=0.3, latency_ms=450.0),
    ]


def test_describe() -> None:
    split = traffic.split_virtual_service(
        virtual_service(route(("stable", 90), ("canary", 10))),
        name="web",
        namespace=NS,
        destination_rules=[],
        services=hash_services(),
        replica_sets=[BLUE, replica_set(CANARY, "argoproj/rollouts-demo:yellow-errors-30", 1)],
    )
    assert traffic.describe(split) == "stable 9f8a… 90% (blue), canary 7c6d… 10% (yellow-errors-30)"
    unready = traffic.split_virtual_service(
        virtual_service(route(("stable", 90), ("canary", 10))),
        name="web",
        namespace=NS,
        destination_rules=[],
        services=hash_services(),
        replica_sets=[BLUE, YELLOW_NOT_READY],
    )
    assert (
        traffic.describe(unready)
        == "stable 9f8a… 100% (blue); canary (10% of the weight) has no ready pods: not simulated"
    )
    assert traffic.describe(traffic.Split(VS, (), ("VirtualService web not found in namespace shop",))) == (
        "no traffic; VirtualService web not found in namespace shop"
    )


def test_discover_targets_every_virtual_service_then_unrouted_services() -> None:
    services = [
        *hash_services(),
        service("api", app="api"),
        {"metadata": {"name": "kubernetes"}, "spec": {"ports": [{"port": 443}]}},
    ]
    vs = virtual_service(route(("stable", 80), (f"canary.{NS}.svc.cluster.local", 20)))
    assert traffic.discover_targets(namespace=NS, virtual_services=[vs], services=services) == [
        traffic.Target("VirtualService", "web"),
        traffic.Target("Service", "api"),
    ]
    assert traffic.discover_targets(namespace=NS, virtual_services=[], services=services) == [
        traffic.Target("Service", "api"),
        traffic.Target("Service", "canary"),
        traffic.Target("Service", "stable"),
    ]


@pytest.mark.parametrize(
    "rate, before, now, due",
    [
        pytest.param(20, 0.0, 0.1, 2, id="20-per-second-first-tick"),
        pytest.param(15, 0.0, 0.1, 1, id="15-per-second-first-tick"),
        pytest.param(15, 0.1, 0.2, 2, id="15-per-second-second-tick"),
        pytest.param(100, 0.0, 0.29, 29, id="float-error-absorbed"),
        pytest.param(20, 5.0, 5.0, 0, id="no-time-no-requests"),
        pytest.param(0.5, 0.0, 1.9, 0, id="slow-rate-not-yet"),
        pytest.param(0.5, 1.9, 2.0, 1, id="slow-rate-now"),
    ],
)
def test_requests_due(rate: float, before: float, now: float, due: int) -> None:
    assert traffic.requests_due(rate_per_second=rate, elapsed_before=before, elapsed_now=now) == due


@pytest.mark.parametrize("rate", [20.0, 15.0, 7.3, 0.5])
def test_requests_due_never_drift_over_ticks(rate: float) -> None:
    ticks = [round(i * 0.1, 10) for i in range(601)]  # 60 s of 100 ms ticks
    total = sum(
        traffic.requests_due(rate_per_second=rate, elapsed_before=a, elapsed_now=b)
        for a, b in itertools.pairwise(ticks)
    )
    assert total == int(rate * 60)


def split_80_20(canary_image: str = "demo:yellow-errors-30") -> traffic.Split:
    return traffic.split_virtual_service(
        virtual_service(route(("stable", 80), ("canary", 20))),
        name="web",
        namespace=NS,
        destination_rules=[],
        services=hash_services(),
        replica_sets=[BLUE, replica_set(CANARY, canary_image, 1)],
    )


@pytest.mark.parametrize(
    "rate, seconds, count",
    [
        pytest.param(20.0, 60.0, 1200, id="20-for-a-minute"),
        pytest.param(20.0, 0.1, 2, id="one-tick"),
        pytest.param(7.5, 2.0, 15, id="fractional-rate"),
        pytest.param(0.5, 1.0, 0, id="less-than-one"),
    ],
)
def test_simulate_count_is_rate_times_seconds(rate: float, seconds: float, count: int) -> None:
    assert len(traffic.simulate(split_80_20(), rate_per_second=rate, seconds=seconds, rng=random.Random(1))) == count


def test_simulate_follows_shares_and_error_rates() -> None:
    samples = traffic.simulate(split_80_20(), rate_per_second=100.0, seconds=300.0, rng=random.Random(3))
    by_service = Counter(sample.destination.service for sample in samples)
    assert by_service["stable"] / len(samples) == pytest.approx(0.8, abs=0.01)
    canary = [sample for sample in samples if sample.destination.service == "canary"]
    stable = [sample for sample in samples if sample.destination.service == "stable"]
    assert sum(sample.response_code == 500 for sample in canary) / len(canary) == pytest.approx(0.3, abs=0.02)
    assert {sample.response_code for sample in stable} == {200}


def test_simulate_is_deterministic_for_a_seed() -> None:
    split = split_80_20()
    first = traffic.simulate(split, rate_per_second=20.0, seconds=10.0, rng=random.Random(9))
    again = traffic.simulate(split, rate_per_second=20.0, seconds=10.0, rng=random.Random(9))
    other = traffic.simulate(split, rate_per_second=20.0, seconds=10.0, rng=random.Random(10))
    assert first == again
    assert first != other


def test_simulate_without_destinations_sends_nothing() -> None:
    empty = traffic.Split(VS, (), ("VirtualService web not found in namespace shop",))
    assert traffic.simulate(empty, rate_per_second=20.0, seconds=10.0, rng=random.Random(1)) == []
