"""Apache APISIX (pure translation): backend weights in the named rules, header routes as ApisixRoutes owned by the
Rollout (created, updated, deleted), and release."""

from __future__ import annotations

from typing import Any

import pytest
from traffic_helpers import UID, Cluster, header, rollout, split

from rollouts.traffic import registry
from rollouts.traffic.apisix import APISIX_ROUTES
from rollouts.traffic.router import ObjectKey, RoutingError

KEY = ObjectKey(APISIX_ROUTES, "shop", "web-route")
BETA = ObjectKey(APISIX_ROUTES, "shop", "beta")
ROUTING = {"apisix": {"route": {"name": "web-route", "rules": ["web-rule"]}}}


def apisix_route(canary: int = 0, stable: int = 100) -> dict[str, Any]:
    backends = [
        {"serviceName": "web-stable", "servicePort": 80, "weight": stable},
        {"serviceName": "web-canary", "servicePort": 80, "weight": canary},
    ]
    rule = {"name": "web-rule", "match": {"hosts": ["web.example.com"], "paths": ["/*"]}, "backends": backends}
    return {
        "metadata": {"name": "web-route"},
        "spec": {"http": [{"name": "health", "backends": [{"serviceName": "health"}]}, rule]},
    }


def test_weights_follow_the_steps() -> None:
    router = registry.routers_for(rollout(ROUTING))[0]
    cluster = Cluster({KEY: apisix_route()})
    for weight in (5, 50, 0):
        cluster.route(router, split(weight))
        assert cluster[KEY] == apisix_route(weight, 100 - weight)


def test_the_rule_defaults_to_the_route_name() -> None:
    router = registry.routers_for(rollout({"apisix": {"route": {"name": "web-route"}}}))[0]
    with pytest.raises(RoutingError, match="ApisixRoute web-route has no http rule web-route"):
        router.set_weight({KEY: apisix_route()}, split(10))


def test_header_routes_are_owned_copies_created_updated_and_deleted() -> None:
    router = registry.routers_for(rollout(ROUTING, managed=["beta"]))[0]
    cluster = Cluster({KEY: apisix_route()})
    cluster.route(router, split(10, header("beta", exact="yes")))
    copy = cluster[BETA]
    assert copy["metadata"]["ownerReferences"][0]["uid"] == UID
    rule = copy["spec"]["http"][1]
    assert rule["backends"] == [{"serviceName": "web-canary", "servicePort": 80, "weight": 100}]
    assert rule["priority"] == 1
    assert rule["match"] == {
        "hosts": ["web.example.com"],
        "paths": ["/*"],
        "exprs": [{"subject": {"scope": "Header", "name": "X-Canary"}, "op": "Equal", "value": "yes"}],
    }
    assert copy["spec"]["http"][0] == apisix_route()["spec"]["http"][0]
    cluster.route(router, split(10, header("beta", prefix="y")))
    assert cluster[BETA]["spec"]["http"][1]["match"]["exprs"][0]["op"] == "RegexMatch"
    cluster.route(router, split(10))
    assert BETA not in cluster


def test_release_deletes_header_routes_and_gives_stable_everything() -> None:
    router = registry.routers_for(rollout(ROUTING, managed=["beta"]))[0]
    cluster = Cluster({KEY: apisix_route()})
    cluster.route(router, split(30, header("beta")))
    cluster.release(router)
    assert dict(cluster) == {KEY: apisix_route()}


def test_a_header_route_name_taken_by_another_apisix_route_is_an_error() -> None:
    router = registry.routers_for(rollout(ROUTING, managed=["beta"]))[0]
    with pytest.raises(RoutingError, match=r"duplicate ApisixRoute \[beta\] already exists"):
        router.set_weight({KEY: apisix_route(), BETA: {"metadata": {"name": "beta"}}}, split(10, header("beta")))
