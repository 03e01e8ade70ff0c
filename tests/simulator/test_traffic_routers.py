"""The split through each router besides Istio (rollouts.simulator.routes and traffic): pure tables, no cluster.

We test these aspects, with one worked example per router in the shape the controller writes (examples/*-canary/):
* Gateway API HTTPRoute: backendRef weights (1 when missing); the header rule Argo adds is passed over; a rule for
  every request needs headers, a backendRef that is no Service, or one in another namespace: said why;
* NGINX: the stable Ingress' Service, less the canary Ingress' ``canary-weight`` (of ``canary-weight-total``) for
  the same host and path; a custom annotation prefix; canary Ingresses for another host, or no canary Ingress;
* ALB: the ``actions.<root>`` forward action's target group weights; header paths (``conditions.<route>``) passed
  over; a missing or unreadable action said;
* SMI TrafficSplit backends (numbers and quantities), Traefik weighted services, APISIX rules (``match.exprs``
  passed over);
* discovery: every router object is a target but NGINX canary Ingresses, Services they route to are not;
* `routes.weights`, the weights the demo's summary shows, per router.

Not tested here: the Istio split, sampling (test_traffic.py); the informers (test_simulator_cluster.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from test_traffic import BLUE, CANARY_ROW, NS, STABLE_ROW, YELLOW, YELLOW_NOT_READY, hash_services, service

from rollouts.simulator import routes, traffic

Raw = dict[str, Any]


def meta(name: str, annotations: dict[str, str] | None = None) -> Raw:
    return {"name": name, "namespace": NS, "annotations": annotations or {}}


def http_route(*rules: Raw, name: str = "web") -> Raw:
    return {"kind": "HTTPRoute", "metadata": meta(name), "spec": {"parentRefs": [{"name": "gw"}], "rules": list(rules)}}


def rule(*refs: tuple[str, int | None], headers: bool = False, **extra: Any) -> Raw:
    backend_refs = [{"name": name, "port": 80, **({} if weight is None else {"weight": weight})} for name, weight in refs]
    match: Raw = {"path": {"type": "PathPrefix", "value": "/"}}
    if headers:
        match["headers"] = [{"type": "Exact", "name": "X-Canary", "value": "yes"}]
    for ref in backend_refs:
        ref.update(extra)
    return {"matches": [match], "backendRefs": backend_refs}


def path(service_name: str, port: Raw | None = None, at: str = "/") -> Raw:
    backend = {"service": {"name": service_name, "port": port or {"number": 80}}}
    return {"path": at, "pathType": "Prefix", "backend": backend}


def ingress(name: str, *paths: Raw, host: str = "web.local", annotations: dict[str, str] | None = None) -> Raw:
    return {
        "kind": "Ingress",
        "metadata": meta(name, annotations),
        "spec": {"rules": [{"host": host, "http": {"paths": list(paths)}}]},
    }


def nginx_canary(weight: str, host: str = "web.local", prefix: str = "nginx.ingress.kubernetes.io", **more: str) -> Raw:
    annotations = {f"{prefix}/canary": "true", f"{prefix}/canary-weight": weight, **more}
    return ingress("web-web-canary", path("canary"), host=host, annotations=annotations)


def alb_ingress(canary: int, stable: int, *, header_route: bool = False, action: str | None = None) -> Raw:
    groups = [
        {"ServiceName": "canary", "ServicePort": "80", "Weight": canary},
        {"ServiceName": "stable", "ServicePort": "80", "Weight": stable},
    ]
    annotations = {
        "kubernetes.io/ingress.class": "alb",
        "alb.ingress.kubernetes.io/actions.root": action
        if action is not None
        else json.dumps({"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}),
    }
    paths = [path("root", {"name": "use-annotation"}, "/*")]
    if header_route:
        annotations["alb.ingress.kubernetes.io/actions.beta-testers"] = json.dumps(
            {"Type": "forward", "ForwardConfig": {"TargetGroups": [groups[0] | {"Weight": 100}]}}
        )
        annotations["alb.ingress.kubernetes.io/conditions.beta-testers"] = json.dumps(
            [{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Canary", "Values": ["yes"]}}]
        )
        paths.insert(0, path("beta-testers", {"name": "use-annotation"}, "/*"))
    return ingress("web", *paths, annotations=annotations)


def traffic_split(*backends: tuple[str, Any]) -> Raw:
    return {
        "kind": "TrafficSplit",
        "metadata": meta("web"),
        "spec": {"service": "root", "backends": [{"service": name, "weight": weight} for name, weight in backends]},
    }


def traefik_service(*services: tuple[str, int]) -> Raw:
    entries = [{"name": name, "port": 80, "weight": weight} for name, weight in services]
    return {"kind": "TraefikService", "metadata": meta("web"), "spec": {"weighted": {"services": entries}}}


def apisix_route(*http: Raw, name: str = "web") -> Raw:
    return {"kind": "ApisixRoute", "metadata": meta(name), "spec": {"http": list(http)}}


def apisix_rule(*backends: tuple[str, int], exprs: bool = False) -> Raw:
    match: Raw = {"hosts": ["web.local"], "paths": ["/*"]}
    if exprs:
        match["exprs"] = [{"subject": {"scope": "Header", "name": "X-Canary"}, "op": "Equal", "value": "yes"}]
    entries = [{"serviceName": name, "servicePort": 80, "weight": weight} for name, weight in backends]
    return {"name": "web", "match": match, "backends": entries}


Row = tuple[str, str, str, str, float]


@dataclass(frozen=True)
class Case:
    id: str
    target: traffic.Target
    routers: dict[str, list[Raw]]
    expected: list[Row]
    replica_sets: list[Raw] = field(default_factory=lambda: [BLUE, YELLOW])
    services: list[Raw] = field(default_factory=hash_services)
    problems: list[str] = field(default_factory=list)


ROUTE = traffic.Target("HTTPRoute", "web")
INGRESS = traffic.Target("Ingress", "web")
SPLIT = traffic.Target("TrafficSplit", "web")
EIGHTY_TWENTY = [(*STABLE_ROW, 0.8), (*CANARY_ROW, 0.2)]

CASES = [
    Case(
        "gatewayapi-80-20-header-rule-passed-over",
        ROUTE,
        {"http_routes": [http_route(rule(("stable", 80), ("canary", 20)), rule(("canary", None), headers=True))]},
        EIGHTY_TWENTY,
    ),
    Case(
        "gatewayapi-header-rule-first",
        ROUTE,
        {"http_routes": [http_route(rule(("canary", None), headers=True), rule(("stable", 70), ("canary", 30)))]},
        [(*STABLE_ROW, 0.7), (*CANARY_ROW, 0.3)],
    ),
    Case(
        "gatewayapi-missing-weights-are-1",
        ROUTE,
        {"http_routes": [http_route(rule(("stable", None), ("canary", None)))]},
        [(*STABLE_ROW, 0.5), (*CANARY_ROW, 0.5)],
    ),
    Case(
        "gatewayapi-canary-not-ready",
        ROUTE,
        {"http_routes": [http_route(rule(("stable", 80), ("canary", 20)))]},
        [(*STABLE_ROW, 1.0)],
        replica_sets=[BLUE, YELLOW_NOT_READY],
        problems=["canary (20% of the weight) has no ready pods"],
    ),
    Case(
        "gatewayapi-every-rule-needs-headers",
        ROUTE,
        {"http_routes": [http_route(rule(("canary", None), headers=True))]},
        [],
        problems=["HTTPRoute web: every rule needs headers or query parameters"],
    ),
    Case(
        "gatewayapi-backend-in-another-namespace",
        ROUTE,
        {"http_routes": [http_route({"backendRefs": [{"name": "stable", "weight": 80}, {"name": "canary", "namespace": "elsewhere", "weight": 20}]})]},
        [(*STABLE_ROW, 1.0)],
        problems=["host 'canary.elsewhere' is not a Service of namespace shop (20% of the weight)"],
    ),
    Case(
        "gatewayapi-backend-not-a-service",
        ROUTE,
        {"http_routes": [http_route(rule(("stable", 80), ("canary", 20), kind="ServiceImport", group="mcs"))]},
        [],
        problems=["host 'ServiceImport.mcs/stable' is not a Service", "host 'ServiceImport.mcs/canary'"],
    ),
    Case("gatewayapi-route-missing", ROUTE, {}, [], problems=[f"HTTPRoute web not found in namespace {NS}"]),
    Case(
        "nginx-canary-ingress-takes-its-weight",
        INGRESS,
        {"ingresses": [ingress("web", path("stable")), nginx_canary("20", **{"nginx.ingress.kubernetes.io/canary-by-header": "X"})]},
        EIGHTY_TWENTY,
    ),
    Case(
        "nginx-weight-total-and-custom-prefix",
        INGRESS,
        {"ingresses": [ingress("web", path("stable")), nginx_canary("250", prefix="ing", **{"ing/canary-weight-total": "1000"})]},
        [(*STABLE_ROW, 0.75), (*CANARY_ROW, 0.25)],
    ),
    Case(
        "nginx-no-canary-ingress-all-stable",
        INGRESS,
        {"ingresses": [ingress("web", path("stable"))]},
        [(*STABLE_ROW, 1.0)],
    ),
    Case(
        "nginx-canary-for-another-host-ignored",
        INGRESS,
        {"ingresses": [ingress("web", path("stable")), nginx_canary("50", host="other.local")]},
        [(*STABLE_ROW, 1.0)],
    ),
    Case("alb-forward-action-weights", INGRESS, {"ingresses": [alb_ingress(20, 80)]}, [(*CANARY_ROW, 0.2), (*STABLE_ROW, 0.8)]),
    Case(
        "alb-header-path-passed-over",
        INGRESS,
        {"ingresses": [alb_ingress(40, 60, header_route=True)]},
        [(*CANARY_ROW, 0.4), (*STABLE_ROW, 0.6)],
    ),
    Case(
        "alb-action-missing",
        INGRESS,
        {"ingresses": [{**alb_ingress(20, 80), "metadata": meta("web")}]},
        [],
        problems=["Ingress web: path on root uses an annotation, but there is no actions.root"],
    ),
    Case(
        "alb-action-unreadable",
        INGRESS,
        {"ingresses": [alb_ingress(20, 80, action='{"Type": "fixed-response"}')]},
        [],
        problems=["Ingress web: annotation alb.ingress.kubernetes.io/actions.root is not a forward action to Services"],
    ),
    Case("smi-backends", SPLIT, {"traffic_splits": [traffic_split(("canary", 20), ("stable", 80))]}, [(*CANARY_ROW, 0.2), (*STABLE_ROW, 0.8)]),
    Case(
        "smi-quantity-weights",
        SPLIT,
        {"traffic_splits": [traffic_split(("canary", "250m"), ("stable", "750m"))]},
        [(*CANARY_ROW, 0.25), (*STABLE_ROW, 0.75)],
    ),
    Case(
        "traefik-weighted-services",
        traffic.Target("TraefikService", "web"),
        {"traefik_services": [traefik_service(("stable", 80), ("canary", 20))]},
        EIGHTY_TWENTY,
    ),
    Case(
        "apisix-rule-without-exprs",
        traffic.Target("ApisixRoute", "web"),
        {"apisix_routes": [apisix_route(apisix_rule(("canary", 100), exprs=True), apisix_rule(("stable", 80), ("canary", 20)))]},
        EIGHTY_TWENTY,
    ),
    Case(
        "apisix-header-route-object-gets-nothing",
        traffic.Target("ApisixRoute", "beta-testers"),
        {"apisix_routes": [apisix_route(apisix_rule(("canary", 100), exprs=True), name="beta-testers")]},
        [],
        problems=["ApisixRoute beta-testers: every rule needs headers (match.exprs)"],
    ),
    Case("unknown-kind", traffic.Target("Gateway", "gw"), {}, [], problems=["Gateway is not a kind the simulator follows"]),
]  # fmt: skip


@pytest.mark.parametrize("case", [pytest.param(case, id=case.id) for case in CASES])
def test_split(case: Case) -> None:
    split = traffic.split(
        target=case.target, namespace=NS, services=case.services, replica_sets=case.replica_sets, **case.routers
    )
    rows = [(d.service, d.workload, d.pod_template_hash, d.image, pytest.approx(d.share)) for d in split.destinations]
    assert rows == case.expected
    assert len(split.problems) == len(case.problems), split.problems
    for problem, expected in zip(split.problems, case.problems, strict=True):
        assert expected in problem


def test_discover_targets_every_router_object_but_canary_ingresses() -> None:
    services = [*hash_services(), service("root", app="web"), service("api", app="api"), service("lonely", app="x")]
    found = traffic.discover_targets(
        namespace=NS,
        services=services,
        virtual_services=[],
        http_routes=[http_route(rule(("stable", 100), ("canary", 0)), name="web-route")],
        ingresses=[ingress("web", path("stable")), nginx_canary("20"), ingress("api", path("api"))],
        traffic_splits=[traffic_split(("canary", 0), ("stable", 100))],
    )
    assert found == [
        traffic.Target("HTTPRoute", "web-route"),
        traffic.Target("Ingress", "api"),
        traffic.Target("Ingress", "web"),
        traffic.Target("TrafficSplit", "web"),
        traffic.Target("Service", "lonely"),
    ]


@pytest.mark.parametrize(
    "kind, obj, ingresses, expected",
    [
        pytest.param("HTTPRoute", http_route(rule(("stable", 40), ("canary", 60))), [], {"stable": 40, "canary": 60}, id="gatewayapi"),
        pytest.param("Ingress", ingress("web", path("stable")), [nginx_canary("30")], {"stable": 70, "canary": 30}, id="nginx"),
        pytest.param("Ingress", ingress("web", path("stable")), [], {"stable": 100}, id="nginx-canary-ingress-gone"),
        pytest.param("Ingress", alb_ingress(0, 100), [], {"canary": 0, "stable": 100}, id="alb"),
        pytest.param("TrafficSplit", traffic_split(("canary", 20), ("stable", 80)), [], {"canary": 20, "stable": 80}, id="smi"),
        pytest.param("HTTPRoute", http_route(rule(("canary", None), headers=True)), [], {}, id="nothing-readable"),
    ],
)  # fmt: skip
def test_weights_as_the_demo_shows_them(kind: str, obj: Raw, ingresses: list[Raw], expected: dict[str, int]) -> None:
    assert routes.weights(kind, obj, ingresses=[obj, *ingresses]) == expected
