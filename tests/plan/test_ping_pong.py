"""Ping-pong Services as tables: roles, which Service selects what, the swap at promotion, what routers route to.

Aspects: without a recorded role pong is stable (so the first deploy makes ping stable); during an update the
canary Service of the pair selects the new ReplicaSet and the stable one is left alone; each promotion swaps the
roles and routes all traffic to the Service that selected the canary; ALB routes by the pair, Istio by
stableService/canaryService when set, else by the pair. Pure: no API.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts import api
from rollouts.plan import hashing, pingpong, steps
from rollouts.plan.actions import PointService, RouteTraffic, TrafficSplit
from rollouts.plan.decide import decide
from rollouts.plan.observed import Observed, ReplicaSet
from rollouts.traffic import registry
from rollouts.traffic.alb import AlbRouter
from rollouts.traffic.istio.router import IstioRouter
from rollouts.traffic.router import ObjectKey

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
V1 = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:1"}]}}
V2 = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:2"}]}}
H1, H2 = hashing.pod_template_hash(V1), hashing.pod_template_hash(V2)
STEPS: list[dict[str, Any]] = [{"setWeight": 25}, {"pause": {}}]
STEP_HASH = steps.steps_hash([api.CanaryStep.model_validate(step) for step in STEPS])
PAIR = {"pingService": "ping", "pongService": "pong"}
ISTIO = {"istio": {"virtualService": {"name": "vs", "routes": ["primary"]}}}
ALB = {"alb": {"ingress": "web", "servicePort": 80, "rootService": "web"}}


def a_strategy(**canary: Any) -> api.CanaryStrategy:
    return api.CanaryStrategy.model_validate({"pingPong": PAIR, **canary})


@pytest.mark.parametrize(
    ("recorded", "stable", "canary"),
    [
        pytest.param(None, "pong", "ping", id="none-recorded-pong-is-stable"),
        pytest.param("ping", "ping", "pong", id="ping"),
        pytest.param("pong", "pong", "ping", id="pong"),
    ],
)
def test_roles(recorded: str | None, stable: str, canary: str) -> None:
    assert pingpong.roles(a_strategy(), recorded) == (stable, canary)


def test_a_promotion_swaps_the_roles() -> None:
    assert [pingpong.swapped(role) for role in (None, "ping", "pong")] == ["ping", "pong", "ping"]


@pytest.mark.parametrize(
    ("own", "prefer", "expected"),
    [
        pytest.param({}, False, ("ping", "pong"), id="istio-without-own-services-routes-the-pair"),
        pytest.param({"stableService": "s", "canaryService": "c"}, False, ("s", "c"), id="istio-prefers-own"),
        pytest.param({"stableService": "s", "canaryService": "c"}, True, ("ping", "pong"), id="alb-prefers-the-pair"),
    ],
)
def test_routed_services(own: dict[str, str], prefer: bool, expected: tuple[str, str]) -> None:
    assert pingpong.routed_services(a_strategy(**own), "ping", prefer_ping_pong=prefer) == expected


@pytest.mark.parametrize(
    ("status", "new_hash", "expected"),
    [
        pytest.param({}, H1, ("ping", H1), id="first-deploy-on-ping"),
        pytest.param({"stableRS": H1, "currentPodHash": H1, "canary": {"stablePingPong": "ping"}}, H1, None,
                     id="fully-promoted-leaves-both-alone"),
        pytest.param({"stableRS": H1, "currentPodHash": H1, "canary": {"stablePingPong": "ping"}}, H2, ("pong", H2),
                     id="update-claims-the-canary-service"),
        pytest.param({"stableRS": H1, "currentPodHash": H2, "canary": {"stablePingPong": "pong"}}, H2, ("ping", H2),
                     id="next-update-the-other-way"),
    ],
)  # fmt: skip
def test_canary_selector(status: dict[str, Any], new_hash: str, expected: tuple[str, str] | None) -> None:
    assert pingpong.canary_selector(a_strategy(), status, new_hash) == expected


# ---- decide -------------------------------------------------------------------------------------------------------


def a_replica_set(pod_hash: str, revision: int, template: dict[str, Any], replicas: int) -> ReplicaSet:
    return ReplicaSet.from_raw(
        {
            "metadata": {
                "name": f"demo-{pod_hash}",
                "uid": f"uid-{pod_hash}",
                "generation": 1,
                "creationTimestamp": f"2026-01-01T0{revision}:00:00Z",
                "labels": {"rollouts-pod-template-hash": pod_hash},
                "annotations": {"rollout.argoproj.io/revision": str(revision)},
            },
            "spec": {"replicas": replicas, "template": template},
            "status": {
                "observedGeneration": 1,
                "replicas": replicas,
                "readyReplicas": replicas,
                "availableReplicas": replicas,
            },
        }
    )


def a_service(pod_hash: str | None) -> dict[str, Any]:
    selector = {"app": "demo", **({"rollouts-pod-template-hash": pod_hash} if pod_hash else {})}
    return {"metadata": {"name": "svc"}, "spec": {"selector": selector}}


def observe(
    template: dict[str, Any],
    status: dict[str, Any],
    replica_sets: tuple[ReplicaSet, ...],
    services: dict[str, str | None],
    router: dict[str, Any] = ISTIO,
) -> Observed:
    revision = str(max(rs.revision for rs in replica_sets))
    raw = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "demo", "namespace": "ns", "uid": "uid", "generation": 1,
                     "annotations": {"rollout.argoproj.io/revision": revision}},
        "spec": {
            "replicas": 4,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": copy.deepcopy(template),
            "strategy": {"canary": {"pingPong": PAIR, "trafficRouting": router, "steps": STEPS}},
        },
        "status": status,
    }  # fmt: skip
    model = api.parse_rollout(raw, check=False)
    assert not isinstance(model, list)
    return Observed(
        rollout=model,
        raw=raw,
        replica_sets=replica_sets,
        services={name: a_service(pod_hash) for name, pod_hash in services.items()},
    )


def points(plan: Any) -> list[tuple[str, str | None]]:
    return [(a.service, a.pod_hash) for a in plan.actions if isinstance(a, PointService)]


def splits(plan: Any) -> list[TrafficSplit]:
    return [a.split for a in plan.actions if isinstance(a, RouteTraffic)]


def test_first_deploy_runs_on_ping_and_makes_it_stable() -> None:
    observed = observe(V1, {"currentPodHash": H1}, (a_replica_set(H1, 1, V1, 4),), {"ping": None, "pong": None})
    plan = decide(observed=observed, now=NOW)
    assert points(plan) == [("ping", H1)]
    assert plan.status.stable_rs == H1
    assert plan.status.canary is not None and plan.status.canary.stable_ping_pong == "ping"
    assert [(s.stable_ping_pong, s.canary_weight) for s in splits(plan)] == [("ping", 0)], "all to ping at once"


def updating(**extra: Any) -> dict[str, Any]:
    return {
        "stableRS": H1,
        "currentPodHash": H2,
        "currentStepHash": STEP_HASH,
        "canary": {"stablePingPong": "ping", "weights": {"canary": {"weight": 25}, "stable": {"weight": 75}}},
        **extra,
    }


def test_an_update_claims_the_canary_service_and_routes_by_the_pair() -> None:
    replica_sets = (a_replica_set(H1, 1, V1, 4), a_replica_set(H2, 2, V2, 1))
    observed = observe(V2, updating(currentStepIndex=0), replica_sets, {"ping": H1, "pong": None})
    plan = decide(observed=observed, now=NOW)
    assert points(plan) == [("pong", H2)], "stable's Service (ping) keeps its selector"
    assert [(s.stable_ping_pong, s.canary_weight) for s in splits(plan)] == [("ping", 25)]
    assert plan.status.canary is not None and plan.status.canary.stable_ping_pong == "ping"


def test_the_promotion_swaps_the_roles_and_routes_everything_to_the_new_stable() -> None:
    replica_sets = (a_replica_set(H1, 1, V1, 4), a_replica_set(H2, 2, V2, 4))
    status = updating(currentStepIndex=len(STEPS))
    status["canary"]["weights"] = {"canary": {"weight": 100}, "stable": {"weight": 0}}
    observed = observe(V2, status, replica_sets, {"ping": H1, "pong": H2})
    plan = decide(observed=observed, now=NOW)
    assert plan.status.stable_rs == H2
    assert plan.status.canary is not None and plan.status.canary.stable_ping_pong == "pong"
    assert points(plan) == [], "no selector moves: pong already selects the new stable"
    assert [(s.stable_ping_pong, s.canary_weight, s.stable_hash) for s in splits(plan)] == [("pong", 0, H2)]


def test_fully_promoted_leaves_both_services_alone() -> None:
    status = {"stableRS": H2, "currentPodHash": H2, "currentStepHash": STEP_HASH, "currentStepIndex": 2,
              "canary": {"stablePingPong": "pong"}}  # fmt: skip
    observed = observe(V2, status, (a_replica_set(H1, 1, V1, 0), a_replica_set(H2, 2, V2, 4)), {"ping": H1, "pong": H2})
    plan = decide(observed=observed, now=NOW)
    assert points(plan) == []
    assert [(s.stable_ping_pong, s.canary_weight) for s in splits(plan)] == [("pong", 0)]


# ---- routers ------------------------------------------------------------------------------------------------------


def a_rollout(router: dict[str, Any], role: str | None, **canary: Any) -> api.Rollout:
    raw = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "demo", "namespace": "ns", "uid": "uid"},
        "spec": {
            "selector": {"matchLabels": {"app": "demo"}},
            "template": V1,
            "strategy": {"canary": {"pingPong": PAIR, "trafficRouting": router, **canary}},
        },
        "status": {"canary": {"stablePingPong": role}} if role else {},
    }
    model = api.parse_rollout(raw, check=False)
    assert not isinstance(model, list)
    return model


def a_vs(ping: int, pong: int) -> dict[str, Any]:
    route = [{"destination": {"host": "ping"}, "weight": ping}, {"destination": {"host": "pong"}, "weight": pong}]
    return {"metadata": {"name": "vs", "namespace": "ns"}, "spec": {"http": [{"name": "primary", "route": route}]}}


@pytest.mark.parametrize(
    ("recorded", "split_role", "expected"),
    [
        pytest.param("ping", None, (75, 25), id="recorded-ping-stable"),
        pytest.param("ping", "pong", (25, 75), id="the-split-names-the-role"),
        pytest.param(None, None, (25, 75), id="nothing-recorded-pong-stable"),
    ],
)
def test_istio_routes_the_pair(recorded: str | None, split_role: str | None, expected: tuple[int, int]) -> None:
    (router,) = registry.routers_for(a_rollout(ISTIO, recorded), split_role)
    assert isinstance(router, IstioRouter)
    key = ObjectKey(router.reads()[0].kind, "ns", "vs")
    split = TrafficSplit(H2, H1, canary_weight=25, stable_weight=75, stable_ping_pong=split_role)
    edits = router.set_weight({key: a_vs(100, 0)}, split)
    weights = [op["value"] for edit in edits for op in edit.ops if op["op"] == "replace"]
    assert tuple(weights) == expected


def test_alb_routes_the_pair_even_next_to_stable_and_canary_services() -> None:
    rollout = a_rollout(ALB, "pong", stableService="stable", canaryService="canary")
    (router,) = registry.routers_for(rollout)
    assert isinstance(router, AlbRouter)
    assert (router.rollout.stable_service, router.rollout.canary_service) == ("pong", "ping")
    assert router.root_service == "web"


def test_an_older_replica_set_still_draining_does_not_hold_a_routed_step() -> None:
    """Argo: behind a router, older ReplicaSets may keep pods (their scaleDownDelaySeconds) while a step completes;
    the router sends them nothing. (Seen as a 30 s stall in TestIstioPingPongUpdate's second update.)"""
    v3 = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:3"}]}}
    h3 = hashing.pod_template_hash(v3)
    draining = a_replica_set(H1, 1, V1, 4)
    replica_sets = (draining, a_replica_set(H2, 2, V2, 4), a_replica_set(h3, 3, v3, 1))
    status = {
        "stableRS": H2,
        "currentPodHash": h3,
        "currentStepHash": STEP_HASH,
        "currentStepIndex": 0,
        "canary": {"stablePingPong": "pong", "weights": {"canary": {"weight": 25}, "stable": {"weight": 75}}},
    }
    plan = decide(observed=observe(v3, status, replica_sets, {"ping": h3, "pong": H2}), now=NOW)
    assert plan.status.current_step_index == 1, "setWeight 25 done although the old stable still drains"
