"""Gateway API (pure translation): backendRef weights in HTTP, GRPC and TCP routes; header routes appear, change and
disappear in HTTPRoutes, recorded in an annotation; release gives the routes back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from traffic_helpers import Cluster, header, rollout, split

from rollouts.traffic import registry
from rollouts.traffic.gatewayapi import KINDS, MANAGED_ANNOTATION
from rollouts.traffic.router import ObjectKey, RoutingError

PLUGIN = "argoproj-labs/gatewayAPI"
HTTP_KEY = ObjectKey(KINDS["http"], "shop", "web")


def route(canary: int | None = None, stable: int = 100, *, kind: str = "http") -> dict[str, Any]:
    canary_ref = {"name": "web-canary", "port": 80} | ({} if canary is None else {"weight": canary})
    rule: dict[str, Any] = {"backendRefs": [{"name": "web-stable", "port": 80, "weight": stable}, canary_ref]}
    if kind == "http":
        rule["matches"] = [{"path": {"type": "PathPrefix", "value": "/"}}]
    other = {"backendRefs": [{"name": "docs", "port": 80}]}
    return {
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"parentRefs": [{"name": "gw"}], "rules": [rule, other]},
    }


@pytest.mark.parametrize("kind", ["http", "grpc", "tcp"])
def test_weights_follow_the_steps_in_each_kind_of_route(kind: str) -> None:
    router = registry.routers_for(rollout({"plugins": {PLUGIN: {f"{kind}Route": "web"}}}))[0]
    key = ObjectKey(KINDS[kind], "shop", "web")
    cluster = Cluster({key: route(kind=kind)})
    for weight in (10, 50, 0):
        cluster.route(router, split(weight))
        assert cluster[key] == route(weight, 100 - weight, kind=kind)


def test_several_routes_in_another_namespace() -> None:
    config = {"httpRoutes": [{"name": "web"}, {"name": "web-internal"}], "namespace": "edge"}
    router = registry.routers_for(rollout({"plugins": {PLUGIN: config}}))[0]
    keys = [ObjectKey(KINDS["http"], "edge", name) for name in ("web", "web-internal")]
    assert router.reads() == keys
    cluster = Cluster({key: route() for key in keys})
    cluster.route(router, split(30))
    assert all(cluster[key] == route(30, 70) for key in keys)


def test_header_routes_appear_change_and_disappear() -> None:
    router = registry.routers_for(
        rollout({"plugins": {PLUGIN: {"httpRoute": "web", "useHeaderRoutes": True}}}, managed=["beta"])
    )[0]
    cluster = Cluster({HTTP_KEY: route()})
    cluster.route(router, split(10, header("beta", exact="yes")))
    rules = cluster[HTTP_KEY]["spec"]["rules"]
    added = {
        "matches": [
            {
                "path": {"type": "PathPrefix", "value": "/"},
                "headers": [{"type": "Exact", "name": "X-Canary", "value": "yes"}],
            }
        ],
        "backendRefs": [{"name": "web-canary", "port": 80}],
    }
    assert rules[2] == added and len(rules) == 3
    assert json.loads(cluster[HTTP_KEY]["metadata"]["annotations"][MANAGED_ANNOTATION]) == {"beta": added}
    cluster.route(router, split(10, header("beta", prefix="b")))
    assert cluster[HTTP_KEY]["spec"]["rules"][2]["matches"][0]["headers"] == [
        {"type": "RegularExpression", "name": "X-Canary", "value": "^b.*"}
    ]
    cluster.route(router, split(0))
    assert cluster[HTTP_KEY]["spec"] == route(0, 100)["spec"]
    assert cluster[HTTP_KEY]["metadata"].get("annotations") == {}  # the API server drops an empty map


def test_release_removes_header_routes_and_gives_stable_everything() -> None:
    router = registry.routers_for(
        rollout({"plugins": {PLUGIN: {"httpRoutes": [{"name": "web", "useHeaderRoutes": True}]}}}, managed=["beta"])
    )[0]
    cluster = Cluster({HTTP_KEY: route()})
    cluster.route(router, split(40, header("beta")))
    cluster.release(router)
    assert cluster[HTTP_KEY]["spec"] == route(0, 100)["spec"]
    assert MANAGED_ANNOTATION not in cluster[HTTP_KEY]["metadata"]["annotations"]


def test_a_route_without_both_services_is_named() -> None:
    router = registry.routers_for(rollout({"plugins": {PLUGIN: {"httpRoute": "web"}}}))[0]
    broken = route()
    broken["spec"]["rules"][0]["backendRefs"].pop()
    with pytest.raises(
        RoutingError,
        match='HTTPRoute "shop/web": no rule has backendRefs for both Services "web-canary" and "web-stable"',
    ):
        router.set_weight({HTTP_KEY: broken}, split(10))


def test_header_rules_are_recognised_after_the_api_server_fills_in_defaults() -> None:
    router = registry.routers_for(
        rollout({"plugins": {PLUGIN: {"httpRoute": "web", "useHeaderRoutes": True}}}, managed=["beta"])
    )[0]
    cluster = Cluster({HTTP_KEY: route()})
    cluster.route(router, split(10, header("beta")))
    for ref in cluster[HTTP_KEY]["spec"]["rules"][2]["backendRefs"]:
        ref.update({"group": "", "kind": "Service", "weight": 1})  # what the API server adds
    assert router.set_weight(cluster.objects(router), split(10, header("beta"))) == []
    cluster.route(router, split(0))
    assert cluster[HTTP_KEY]["spec"] == route(0, 100)["spec"]
