"""The router registry (rollouts.traffic.registry): trafficRouting keys → routers, errors naming the field, several
routers on one Rollout, the no-op router of the replica-ratio canary, and Istio behind the common interface."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from traffic_helpers import Cluster, header, rollout, split

from rollouts import api
from rollouts.traffic import registry
from rollouts.traffic.alb import AlbRouter
from rollouts.traffic.gatewayapi import GatewayApiRouter
from rollouts.traffic.istio.router import DESTINATION_RULES, VIRTUAL_SERVICES, IstioRouter
from rollouts.traffic.nginx import NginxRouter
from rollouts.traffic.router import MissingObject, NoRouter, ObjectKey, RoutingError
from rollouts.traffic.smi import SmiRouter
from rollouts.traffic.traefik import TraefikRouter

ISTIO = {"istio": {"virtualService": {"name": "web", "routes": ["primary"]}}}


@pytest.mark.parametrize(
    ("routing", "kinds"),
    [
        pytest.param(ISTIO, [IstioRouter], id="istio"),
        pytest.param({"nginx": {"stableIngress": "web"}}, [NginxRouter], id="nginx"),
        pytest.param({"alb": {"ingress": "web", "servicePort": 80}}, [AlbRouter], id="alb"),
        pytest.param({"smi": {}}, [SmiRouter], id="smi"),
        pytest.param({"traefik": {"weightedTraefikServiceName": "web"}}, [TraefikRouter], id="traefik"),
        pytest.param(
            {"plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "web"}}}, [GatewayApiRouter], id="gateway-api"
        ),
        pytest.param({**ISTIO, "smi": {}}, [IstioRouter, SmiRouter], id="istio-and-smi"),
        pytest.param({"nginx": {"stableIngress": "web"}, "smi": {}}, [NginxRouter, SmiRouter], id="nginx-and-smi"),
    ],
)
def test_each_key_has_its_router(routing: dict[str, Any], kinds: list[type]) -> None:
    assert [type(router) for router in registry.routers_for(rollout(routing))] == kinds


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        pytest.param(
            {"ambassador": {"mappings": ["web"]}},
            "spec.strategy.canary.trafficRouting.ambassador: unsupported traffic router; "
            'supported: istio, nginx, alb, smi, traefik, apisix, plugins["argoproj-labs/gatewayAPI"]',
            id="ambassador",
        ),
        pytest.param(
            {"plugins": {"acme/mesh": {}}},
            'spec.strategy.canary.trafficRouting.plugins["acme/mesh"]: unsupported traffic router plugin; '
            "supported: argoproj-labs/gatewayAPI",
            id="unknown-plugin",
        ),
        pytest.param(
            {"nginx": {}},
            "spec.strategy.canary.trafficRouting.nginx: set stableIngress or stableIngresses",
            id="nginx-no-ingress",
        ),
        pytest.param(
            {"nginx": {"stableIngress": 3}},
            "spec.strategy.canary.trafficRouting.nginx.stableIngress: expected a string, got an integer",
            id="wrong-type",
        ),
        pytest.param(
            {"traefik": {}},
            "spec.strategy.canary.trafficRouting.traefik.weightedTraefikServiceName: required",
            id="traefik",
        ),
        pytest.param(
            {"alb": {"ingress": "web"}},
            "spec.strategy.canary.trafficRouting.alb.servicePort: required (the Service port of Ingress web)",
            id="alb-port",
        ),
        pytest.param(
            {"alb": {"ingress": "web", "servicePort": 80, "stickinessConfig": {"enabled": True, "durationSeconds": 0}}},
            "spec.strategy.canary.trafficRouting.alb.stickinessConfig.durationSeconds: "
            "must be 1 to 604800 seconds (7 days)",
            id="alb-stickiness",
        ),
        pytest.param({"apisix": {}}, "spec.strategy.canary.trafficRouting.apisix.route: required", id="apisix"),
        pytest.param(
            {"plugins": {"argoproj-labs/gatewayAPI": {"namespace": "x"}}},
            'spec.strategy.canary.trafficRouting.plugins["argoproj-labs/gatewayAPI"]: '
            "name an httpRoute(s), grpcRoute(s) or tcpRoute(s)",
            id="gateway-api-no-route",
        ),
    ],
)
def test_bad_configuration_is_one_clear_message(routing: dict[str, Any], message: str) -> None:
    with pytest.raises(RoutingError) as raised:
        registry.routers_for(rollout(routing))
    assert str(raised.value) == message
    assert registry.problems(rollout(routing)) == [message]


def test_a_canary_without_traffic_routing_routes_nothing() -> None:
    plain = rollout({})
    assert plain.spec.strategy is not None and plain.spec.strategy.canary is not None
    no_routing = plain.model_copy(
        update={
            "spec": plain.spec.model_copy(
                update={
                    "strategy": plain.spec.strategy.model_copy(
                        update={"canary": plain.spec.strategy.canary.model_copy(update={"traffic_routing": None})}
                    )
                }
            )
        }
    )
    routers = registry.routers_for(no_routing)
    assert routers == [NoRouter()]
    assert routers[0].set_weight({}, split(30)) == [] and routers[0].release({}, split(0)) == []
    assert routers[0].verify({}, split(30)).verified is True


def test_the_routed_rollout_carries_services_managed_routes_and_max_weight() -> None:
    routed = registry.routed_rollout(
        rollout({"nginx": {"stableIngress": "web"}, "maxTrafficWeight": 1000}, managed=["a", "b"])
    )
    assert (routed.stable_service, routed.canary_service, routed.managed_routes, routed.max_weight) == (
        "web-stable",
        "web-canary",
        ("a", "b"),
        1000,
    )
    assert routed.owner_reference()["kind"] == "Rollout" and routed.owner_reference()["controller"] is True


# --- Istio behind the interface --------------------------------------------------------------------------------------


def virtual_service() -> dict[str, Any]:
    route = [
        {"destination": {"host": "web-stable"}, "weight": 100},
        {"destination": {"host": "web-canary"}, "weight": 0},
    ]
    return {"metadata": {"name": "web", "namespace": "shop"}, "spec": {"http": [{"name": "primary", "route": route}]}}


def test_istio_router_sets_weights_and_header_routes_and_verifies() -> None:
    router = registry.routers_for(rollout(ISTIO, managed=["h"]))[0]
    cluster = Cluster({ObjectKey(VIRTUAL_SERVICES, "shop", "web"): virtual_service()})
    edits = cluster.route(router, split(20, header("h")))
    assert [edit.event for edit in edits] == [
        ("TrafficWeightUpdated", "Traffic weight updated to canary 20, stable 80")
    ]
    http = cluster[ObjectKey(VIRTUAL_SERVICES, "shop", "web")]["spec"]["http"]
    assert [route["name"] for route in http] == ["h", "primary"]
    assert [entry["weight"] for entry in http[1]["route"]] == [80, 20]
    assert router.verify(cluster.objects(router), split(30)).verified is False
    cluster.route(router, split(0))
    assert cluster[ObjectKey(VIRTUAL_SERVICES, "shop", "web")] == virtual_service()


def test_istio_router_labels_subsets_and_release_keeps_them_for_the_new_stable() -> None:
    routing = {
        "istio": {
            "virtualService": {"name": "web"},
            "destinationRule": {"name": "web", "canarySubsetName": "canary", "stableSubsetName": "stable"},
        }
    }
    router = registry.routers_for(rollout(routing))[0]
    vs = {
        "metadata": {"name": "web"},
        "spec": {
            "http": [
                {
                    "route": [
                        {"destination": {"host": "web", "subset": "stable"}},
                        {"destination": {"host": "web", "subset": "canary"}},
                    ]
                }
            ]
        },
    }
    rule = {"metadata": {"name": "web"}, "spec": {"subsets": [{"name": "stable"}, {"name": "canary"}]}}
    cluster = Cluster(
        {ObjectKey(VIRTUAL_SERVICES, "shop", "web"): vs, ObjectKey(DESTINATION_RULES, "shop", "web"): rule}
    )
    edits = cluster.route(router, split(10))
    assert [edit.event[0] for edit in edits if edit.event] == ["UpdatedDestinationRule", "TrafficWeightUpdated"]
    subsets = cluster[ObjectKey(DESTINATION_RULES, "shop", "web")]["spec"]["subsets"]
    assert [subset["labels"] for subset in subsets] == [
        {"rollouts-pod-template-hash": "st4b1e"},
        {"rollouts-pod-template-hash": "c4n4ry"},
    ]
    cluster.release(router)  # completed: the canary's hash is the stable one now
    assert cluster[ObjectKey(DESTINATION_RULES, "shop", "web")]["spec"]["subsets"] == [
        {"name": "stable", "labels": {"rollouts-pod-template-hash": "c4n4ry"}},
        {"name": "canary", "labels": {"rollouts-pod-template-hash": "c4n4ry"}},
    ]
    routes = cluster[ObjectKey(VIRTUAL_SERVICES, "shop", "web")]["spec"]["http"][0]["route"]
    assert [entry["weight"] for entry in routes] == [100, 0]


def test_a_missing_object_names_the_field() -> None:
    router = registry.routers_for(rollout(ISTIO))[0]
    with pytest.raises(
        MissingObject, match=r'trafficRouting.istio.virtualService.name: VirtualService "shop/web" not found'
    ):
        router.set_weight({}, split(10))


def test_several_routers_each_get_the_split() -> None:
    routers = registry.routers_for(rollout({**ISTIO, "smi": {}}))
    cluster = Cluster({ObjectKey(VIRTUAL_SERVICES, "shop", "web"): virtual_service()})
    for router in routers:
        cluster.route(router, split(40))
    weights = [
        entry["weight"] for entry in cluster[ObjectKey(VIRTUAL_SERVICES, "shop", "web")]["spec"]["http"][0]["route"]
    ]
    backends = next(obj for key, obj in cluster.items() if key.kind.kind == "TrafficSplit")["spec"]["backends"]
    assert weights == [60, 40] and backends == [
        {"service": "web-canary", "weight": 40},
        {"service": "web-stable", "weight": 60},
    ]


ARGO_MANIFESTS = Path(__file__).resolve().parents[3] / "shared" / "argo-manifests"


def argo_rollouts_with_other_routers() -> list[tuple[str, dict[str, Any]]]:
    """Argo's own Rollouts (examples, e2e fixtures) that route through something other than Istio."""
    found = []
    for path in sorted(ARGO_MANIFESTS.rglob("*.yaml")):
        try:
            documents = list(yaml.safe_load_all(path.read_text()))
        except yaml.YAMLError:
            continue  # Argo keeps a few deliberately broken fixtures
        for document in documents:
            if not isinstance(document, dict) or document.get("kind") != "Rollout":
                continue
            routing = (((document.get("spec") or {}).get("strategy") or {}).get("canary") or {}).get(
                "trafficRouting"
            ) or {}
            if set(routing) - {"istio", "managedRoutes"}:
                found.append((str(path.relative_to(ARGO_MANIFESTS)), document))
    return found


def test_argos_own_manifests_build_their_routers() -> None:
    manifests = argo_rollouts_with_other_routers()
    assert manifests or not ARGO_MANIFESTS.is_dir()
    for path, document in manifests:
        parsed = api.parse_rollout(
            {**document, "metadata": {"namespace": "default", **document["metadata"]}}, check=False
        )
        assert not isinstance(parsed, list), (path, parsed)
        assert registry.problems(parsed) == [], path


HEADER_STEP = {"setHeaderRoute": {"name": "h", "match": [{"headerName": "X", "headerValue": {"exact": "1"}}]}}
MIRROR_STEP = {"setMirrorRoute": {"name": "m", "match": [{"method": {"exact": "GET"}}]}}


@pytest.mark.parametrize(
    ("routing", "steps", "problems"),
    [
        pytest.param(ISTIO, [HEADER_STEP, MIRROR_STEP], [], id="istio-does-both"),
        pytest.param({"alb": {"ingress": "web", "servicePort": 80}}, [HEADER_STEP], [], id="alb-header"),
        pytest.param(
            {"alb": {"ingress": "web", "servicePort": 80}},
            [{"setWeight": 5}, MIRROR_STEP],
            ["spec.strategy.canary.steps[1].setMirrorRoute: needs a traffic router that supports it: istio"],
            id="alb-mirror",
        ),
        pytest.param(
            {"smi": {}},
            [HEADER_STEP],
            [
                "spec.strategy.canary.steps[0].setHeaderRoute: needs a traffic router that supports it: "
                "istio, nginx, alb, apisix, argoproj-labs/gatewayAPI"
            ],
            id="smi-header",
        ),
        pytest.param({"smi": {}, **ISTIO}, [HEADER_STEP], [], id="one-router-is-enough"),
        pytest.param({"plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "web"}}}, [HEADER_STEP], [], id="plugin"),
    ],
)
def test_managed_route_steps_need_a_router_that_supports_them(
    routing: dict[str, Any], steps: list[dict[str, Any]], problems: list[str]
) -> None:
    assert registry.step_problems(rollout(routing, managed=["h", "m"], steps=steps)) == problems


def test_references_are_what_the_routers_read() -> None:
    keys = registry.references(rollout({**ISTIO, "nginx": {"stableIngresses": ["a", "b"]}}))
    assert [(key.kind.kind, key.name) for key in keys] == [
        ("VirtualService", "web"),
        ("Ingress", "a"),
        ("Ingress", "web-a-canary"),
        ("Ingress", "b"),
        ("Ingress", "web-b-canary"),
    ]
    assert {key.kind for key in keys} <= set(registry.ROUTED_KINDS)
    assert registry.references(rollout({"ambassador": {}})) == []
