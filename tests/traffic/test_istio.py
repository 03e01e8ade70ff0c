"""Istio JSON Patches (rollouts.traffic.istio), applied to plain dicts with a tiny RFC 6902 applier (traffic_helpers).

We test these aspects:
* weights: host split on a named route, the single unnamed route, several routes, TLS routes by port and SNI
  hosts, TCP routes by port, subset split, FQDN hosts, a missing weight written explicitly;
* minimality: an object already as wanted gives [], and applying the operations twice changes nothing;
* managed routes: header and mirror routes inserted at the top in managedRoutes order, replaced when they change,
  moved when misplaced, removed at completion; user routes are never written;
* the `test` guards: the operations fail on an object reordered after they were computed;
* errors and validation messages naming the VirtualService and route; observed weights;
* DestinationRule hash labels and the managed-by annotation: added, replaced, removed, and JSON Pointer escaping.

Not tested here: the API server's view of these patches (tests/traffic/test_istio_cluster.py does that) and which
split or managed routes a Rollout wants (the planner's job).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest
from traffic_helpers import PatchFailed, apply_patch

from rollouts.api.rollout import (
    HeaderRoutingMatch,
    IstioVirtualService,
    RouteMatch,
    SetHeaderRoute,
    SetMirrorRoute,
    StringMatch,
    TCPRoute,
    TLSRoute,
)
from rollouts.traffic import istio


def test_applier_follows_rfc6902() -> None:
    document = {"a": [1, 2], "m/k": {"x": 1}}
    patched = apply_patch(
        document,
        [
            {"op": "test", "path": "/a/1", "value": 2},
            {"op": "add", "path": "/a/0", "value": 0},
            {"op": "add", "path": "/a/-", "value": 3},
            {"op": "replace", "path": "/m~1k/x", "value": 2},
            {"op": "remove", "path": "/a/1"},
        ],
    )
    assert patched == {"a": [0, 2, 3], "m/k": {"x": 2}}
    assert document == {"a": [1, 2], "m/k": {"x": 1}}
    with pytest.raises(PatchFailed):
        apply_patch(document, [{"op": "test", "path": "/a/0", "value": 9}])
    with pytest.raises(PatchFailed):
        apply_patch(document, [{"op": "replace", "path": "/missing", "value": 9}])


# --- builders -----------------------------------------------------------------------------------------------------

HOSTS = istio.SplitKeys(canary_host="web-canary", stable_host="web-stable")
SUBSETS = istio.SplitKeys(canary_subset="canary", stable_subset="stable")


def to(host: str, weight: int | None = None, *, subset: str | None = None, port: int | None = None) -> dict[str, Any]:
    """One weighted destination of a route."""
    destination: dict[str, Any] = {"host": host}
    if subset:
        destination["subset"] = subset
    if port:
        destination["port"] = {"number": port}
    return {"destination": destination} if weight is None else {"destination": destination, "weight": weight}


def http(name: str | None, *entries: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return ({"name": name} if name else {}) | extra | {"route": list(entries)}


def split_routes(stable: int, canary: int, name: str | None = "primary", **extra: Any) -> dict[str, Any]:
    return http(name, to("web-stable", stable), to("web-canary", canary), **extra)


def a_vs(*, http_routes: list | None = None, tls: list | None = None, tcp: list | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"hosts": ["web.example.com"], "gateways": ["web-gateway"]}
    for key, routes in (("http", http_routes), ("tls", tls), ("tcp", tcp)):
        if routes is not None:
            spec[key] = routes
    return {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "VirtualService",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": spec,
    }


def ref(*routes: str, tls: list[TLSRoute] | None = None, tcp: list[TCPRoute] | None = None) -> IstioVirtualService:
    return IstioVirtualService(name="web", routes=list(routes) or None, tls_routes=tls, tcp_routes=tcp)


def header(name: str, **headers: StringMatch) -> istio.HeaderRoute:
    return istio.HeaderRoute(
        name=name,
        match=tuple(HeaderRoutingMatch(header_name=key, header_value=value) for key, value in headers.items()),
    )


def tls_route(port: int, *sni_hosts: str, stable: int = 100, canary: int = 0) -> dict[str, Any]:
    return {
        "match": [{"port": port, "sniHosts": list(sni_hosts)}],
        "route": [to("web-stable", stable), to("web-canary", canary)],
    }


def tcp_route(port: int, *, stable: int = 100, canary: int = 0) -> dict[str, Any]:
    return {"match": [{"port": port}], "route": [to("web-stable", stable), to("web-canary", canary)]}


def mirror_all(name: str, *, stable: int, canary: int) -> dict[str, Any]:
    """A mirror route as Istio stores it: every request mirrored to the canary, weights as in the primary route."""
    return {
        "name": name,
        "match": [{"uri": {"prefix": "/"}}],
        "route": [to("web-stable", stable), to("web-canary", canary)],
        "mirror": {"host": "web-canary"},
        "mirrorPercentage": {"value": 100},
    }


FIREFOX = StringMatch(regex=".*firefox.*")
CHROME = StringMatch(regex=".*chrome.*")
USER_ROUTE = http("api", to("api-svc", 100), match=[{"uri": {"prefix": "/api"}}])


# --- weights and managed routes: one table ------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    vs: dict[str, Any]
    ref: IstioVirtualService
    canary_weight: int
    expected: dict[str, Any]
    """The VirtualService's spec after the operations."""
    keys: istio.SplitKeys = HOSTS
    managed: istio.ManagedRoutes | None = None


def spec_with(vs: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return vs["spec"] | changes


WEB = a_vs(http_routes=[split_routes(100, 0)])
UNNAMED = a_vs(http_routes=[split_routes(100, 0, name=None)])
SUBSET_VS = a_vs(http_routes=[http(None, to("web", 100, subset="stable"), to("web", 0, subset="canary"))])
PORTED = a_vs(http_routes=[http("primary", to("web-stable", 90, port=8080), to("web-canary", 10, port=8080))])

CASES = [
    pytest.param(
        Case(WEB, ref("primary"), 10, spec_with(WEB, http=[split_routes(90, 10)])),
        id="host-split-named-route",
    ),
    pytest.param(
        Case(UNNAMED, ref(), 30, spec_with(UNNAMED, http=[split_routes(70, 30, name=None)])),
        id="single-unnamed-route",
    ),
    pytest.param(
        Case(
            a_vs(http_routes=[split_routes(100, 0), USER_ROUTE, split_routes(100, 0, name="secondary")]),
            ref("primary", "secondary"),
            20,
            spec_with(WEB, http=[split_routes(80, 20), USER_ROUTE, split_routes(80, 20, name="secondary")]),
        ),
        id="several-routes-user-route-untouched",
    ),
    pytest.param(
        Case(
            a_vs(tls=[tls_route(3000, "web.example.com"), tls_route(3001, "other.example.com")]),
            ref(tls=[TLSRoute(port=3000, sni_hosts=["web.example.com"])]),
            10,
            spec_with(
                a_vs(),
                tls=[tls_route(3000, "web.example.com", stable=90, canary=10), tls_route(3001, "other.example.com")],
            ),
        ),
        id="tls-route-by-port-and-sni-hosts",
    ),
    pytest.param(
        Case(
            a_vs(http_routes=[split_routes(100, 0)], tls=[tls_route(3000, "web.example.com")]),
            ref("primary", tls=[TLSRoute(port=3000, sni_hosts=["web.example.com"])]),
            10,
            spec_with(WEB, http=[split_routes(90, 10)], tls=[tls_route(3000, "web.example.com", stable=90, canary=10)]),
        ),
        id="http-and-tls-routes",
    ),
    pytest.param(
        Case(
            a_vs(tcp=[tcp_route(5432), tcp_route(6379)]),
            ref(tcp=[TCPRoute(port=6379)]),
            50,
            spec_with(a_vs(), tcp=[tcp_route(5432), tcp_route(6379, stable=50, canary=50)]),
        ),
        id="tcp-route-by-port",
    ),
    pytest.param(
        Case(
            SUBSET_VS,
            ref(),
            10,
            spec_with(SUBSET_VS, http=[http(None, to("web", 90, subset="stable"), to("web", 10, subset="canary"))]),
            keys=SUBSETS,
        ),
        id="subset-split",
    ),
    pytest.param(
        Case(
            a_vs(http_routes=[http("primary", to("web-stable.shop.svc.cluster.local", 100), to("web-canary.shop", 0))]),
            ref("primary"),
            40,
            spec_with(
                WEB, http=[http("primary", to("web-stable.shop.svc.cluster.local", 60), to("web-canary.shop", 40))]
            ),
        ),
        id="fqdn-hosts",
    ),
    pytest.param(
        Case(
            a_vs(http_routes=[http("primary", to("web-stable", 100), to("web-canary"))]),
            ref("primary"),
            0,
            spec_with(WEB, http=[split_routes(100, 0)]),
        ),
        id="missing-weight-written-explicitly",
    ),
    pytest.param(
        Case(
            WEB,
            ref("primary"),
            20,
            spec_with(
                WEB,
                http=[
                    http(
                        "set-header-1", to("web-canary", 100), match=[{"headers": {"agent": {"regex": ".*firefox.*"}}}]
                    ),
                    split_routes(80, 20),
                ],
            ),
            managed=istio.ManagedRoutes(names=("set-header-1",), desired=(header("set-header-1", agent=FIREFOX),)),
        ),
        id="header-route-inserted-on-top",
    ),
    pytest.param(
        Case(
            a_vs(
                http_routes=[
                    http("b", to("web-canary", 100), match=[{"headers": {"x": {"exact": "b"}}}]),
                    split_routes(80, 20),
                ]
            ),
            ref("primary"),
            20,
            spec_with(
                WEB,
                http=[
                    http("a", to("web-canary", 100), match=[{"headers": {"x": {"exact": "a"}}}]),
                    http("b", to("web-canary", 100), match=[{"headers": {"x": {"exact": "b"}}}]),
                    split_routes(80, 20),
                ],
            ),
            managed=istio.ManagedRoutes(
                names=("a", "b"), desired=(header("b", x=StringMatch(exact="b")), header("a", x=StringMatch(exact="a")))
            ),
        ),
        id="managed-routes-in-managedRoutes-order",
    ),
    pytest.param(
        Case(
            PORTED,
            ref("primary"),
            20,
            spec_with(
                WEB,
                http=[
                    {
                        "name": "mirror-route-1",
                        "match": [
                            {
                                "uri": {"prefix": "/"},
                                "method": {"exact": "GET"},
                                "headers": {"x-debug": {"exact": "1"}},
                            },
                            {"uri": {"prefix": "/api"}},
                        ],
                        "route": [to("web-stable", 80, port=8080), to("web-canary", 20, port=8080)],
                        "mirror": {"host": "web-canary", "port": {"number": 8080}},
                        "mirrorPercentage": {"value": 80},
                    },
                    http("primary", to("web-stable", 80, port=8080), to("web-canary", 20, port=8080)),
                ],
            ),
            managed=istio.ManagedRoutes(
                names=("mirror-route-1",),
                desired=(
                    istio.MirrorRoute(
                        name="mirror-route-1",
                        percentage=80,
                        match=(
                            RouteMatch(
                                path=StringMatch(prefix="/"),
                                method=StringMatch(exact="GET"),
                                headers={"x-debug": StringMatch(exact="1")},
                            ),
                            RouteMatch(path=StringMatch(prefix="/api")),
                        ),
                    ),
                ),
            ),
        ),
        id="mirror-route-percentage-matches-and-port",
    ),
    pytest.param(
        Case(
            a_vs(
                http_routes=[
                    mirror_all("m", stable=90, canary=10),
                    split_routes(90, 10),
                ]
            ),
            ref("primary"),
            40,
            spec_with(
                WEB,
                http=[
                    mirror_all("m", stable=60, canary=40),
                    split_routes(60, 40),
                ],
            ),
            managed=istio.ManagedRoutes(
                names=("m",), desired=(istio.MirrorRoute(name="m", match=(RouteMatch(path=StringMatch(prefix="/")),)),)
            ),
        ),
        id="mirror-route-weights-follow-split",
    ),
    pytest.param(
        Case(
            a_vs(
                http_routes=[
                    http("h", to("web-canary", 100), match=[{"headers": {"agent": {"regex": ".*firefox.*"}}}]),
                    split_routes(80, 20),
                ]
            ),
            ref("primary"),
            20,
            spec_with(
                WEB,
                http=[
                    http("h", to("web-canary", 100), match=[{"headers": {"agent": {"regex": ".*chrome.*"}}}]),
                    split_routes(80, 20),
                ],
            ),
            managed=istio.ManagedRoutes(names=("h",), desired=(header("h", agent=CHROME),)),
        ),
        id="header-route-replaced-when-match-changes",
    ),
    pytest.param(
        Case(
            a_vs(
                http_routes=[
                    http("m1", to("web-canary", 100), match=[{"headers": {"x": {"exact": "1"}}}]),
                    http("m2", to("web-canary", 100), match=[{"headers": {"x": {"exact": "2"}}}]),
                    USER_ROUTE,
                    split_routes(40, 60),
                ]
            ),
            ref("primary"),
            0,
            spec_with(WEB, http=[USER_ROUTE, split_routes(100, 0)]),
            managed=istio.ManagedRoutes(names=("m1", "m2")),
        ),
        id="completion-removes-managed-routes",
    ),
    pytest.param(
        Case(
            a_vs(
                http_routes=[
                    USER_ROUTE,
                    http("h", to("web-canary", 100), match=[{"headers": {"agent": {"regex": ".*firefox.*"}}}]),
                    split_routes(90, 10),
                ]
            ),
            ref("primary"),
            10,
            spec_with(
                WEB,
                http=[
                    http("h", to("web-canary", 100), match=[{"headers": {"agent": {"regex": ".*firefox.*"}}}]),
                    USER_ROUTE,
                    split_routes(90, 10),
                ],
            ),
            managed=istio.ManagedRoutes(names=("h",), desired=(header("h", agent=FIREFOX),)),
        ),
        id="managed-route-below-user-route-moved-on-top",
    ),
    pytest.param(
        Case(
            a_vs(
                http_routes=[
                    http("h", to("web-canary", 100), match=[{"headers": {"agent": {"regex": ".*firefox.*"}}}]),
                    split_routes(90, 10, name=None),
                ]
            ),
            ref(),
            50,
            spec_with(
                WEB,
                http=[
                    http("h", to("web-canary", 100), match=[{"headers": {"agent": {"regex": ".*firefox.*"}}}]),
                    split_routes(50, 50, name=None),
                ],
            ),
            managed=istio.ManagedRoutes(names=("h",), desired=(header("h", agent=FIREFOX),)),
        ),
        id="single-unnamed-route-besides-managed-route",
    ),
    pytest.param(
        Case(
            SUBSET_VS,
            ref(),
            10,
            spec_with(
                SUBSET_VS,
                http=[
                    http(
                        "h", to("web", 100, subset="canary"), match=[{"headers": {"agent": {"regex": ".*firefox.*"}}}]
                    ),
                    http(None, to("web", 90, subset="stable"), to("web", 10, subset="canary")),
                ],
            ),
            keys=SUBSETS,
            managed=istio.ManagedRoutes(names=("h",), desired=(header("h", agent=FIREFOX),)),
        ),
        id="subset-header-route-copies-subset",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_virtual_service_ops_reach_the_wanted_spec(case: Case) -> None:
    before = copy.deepcopy(case.vs)
    operations = istio.virtual_service_ops(
        case.vs, ref=case.ref, split=istio.WeightSplit.of(case.canary_weight, case.keys), managed=case.managed
    )
    patched = apply_patch(case.vs, operations)
    assert patched["spec"] == case.expected
    assert patched["metadata"] == case.vs["metadata"]
    assert case.vs == before, "the input object must not be modified"


@pytest.mark.parametrize("case", CASES)
def test_virtual_service_ops_are_idempotent(case: Case) -> None:
    split = istio.WeightSplit.of(case.canary_weight, case.keys)
    patched = apply_patch(case.vs, istio.virtual_service_ops(case.vs, ref=case.ref, split=split, managed=case.managed))
    assert istio.virtual_service_ops(patched, ref=case.ref, split=split, managed=case.managed) == []


@pytest.mark.parametrize("case", CASES)
def test_every_replace_and_remove_follows_a_test(case: Case) -> None:
    operations = istio.virtual_service_ops(
        case.vs, ref=case.ref, split=istio.WeightSplit.of(case.canary_weight, case.keys), managed=case.managed
    )
    for previous, operation in zip(operations, operations[1:], strict=False):
        if operation["op"] in ("replace", "remove"):
            assert previous["op"] == "test", f"{operation} is not guarded"
    assert not operations or operations[0]["op"] in ("test", "add")


def test_weight_only_change_is_test_test_replace() -> None:
    operations = istio.virtual_service_ops(WEB, ref=ref("primary"), split=istio.WeightSplit.of(10, HOSTS))
    assert operations == [
        {"op": "test", "path": "/spec/http/0/name", "value": "primary"},
        {"op": "test", "path": "/spec/http/0/route/0/destination", "value": {"host": "web-stable"}},
        {"op": "replace", "path": "/spec/http/0/route/0/weight", "value": 90},
        {"op": "test", "path": "/spec/http/0/route/1/destination", "value": {"host": "web-canary"}},
        {"op": "replace", "path": "/spec/http/0/route/1/weight", "value": 10},
    ]


@pytest.mark.parametrize(
    ("vs", "the_ref", "keys", "managed"),
    [
        pytest.param(a_vs(http_routes=[split_routes(90, 10)]), ref("primary"), HOSTS, None, id="named-route"),
        pytest.param(
            a_vs(http_routes=[split_routes(90, 10, name=None)]), ref(), HOSTS, None, id="single-unnamed-route"
        ),
        pytest.param(
            a_vs(http_routes=[http(None, to("web", 90, subset="stable"), to("web", 10, subset="canary"))]),
            ref(),
            SUBSETS,
            None,
            id="subset-split",
        ),
        pytest.param(
            a_vs(tls=[tls_route(3000, "web.example.com", stable=90, canary=10)]),
            ref(tls=[TLSRoute(port=3000, sni_hosts=["web.example.com"])]),
            HOSTS,
            None,
            id="tls-route",
        ),
        pytest.param(
            a_vs(
                http_routes=[
                    http("h", to("web-canary", 100), match=[{"headers": {"agent": {"regex": ".*firefox.*"}}}]),
                    split_routes(90, 10),
                ]
            ),
            ref("primary"),
            HOSTS,
            istio.ManagedRoutes(names=("h",), desired=(header("h", agent=FIREFOX),)),
            id="with-header-route",
        ),
        pytest.param(
            a_vs(http_routes=[split_routes(90, 10)]),
            ref("primary"),
            HOSTS,
            istio.ManagedRoutes(names=("h",)),
            id="no-managed-route-wanted",
        ),
    ],
)
def test_already_correct_virtual_service_gives_no_operations(
    vs: dict, the_ref: IstioVirtualService, keys: istio.SplitKeys, managed: Any
) -> None:
    assert istio.virtual_service_ops(vs, ref=the_ref, split=istio.WeightSplit.of(10, keys), managed=managed) == []


def test_managed_none_leaves_managed_routes_alone() -> None:
    vs = a_vs(http_routes=[http("h", to("web-canary", 100)), split_routes(100, 0)])
    patched = apply_patch(vs, istio.virtual_service_ops(vs, ref=ref("primary"), split=istio.WeightSplit.of(10, HOSTS)))
    assert patched["spec"]["http"] == [http("h", to("web-canary", 100)), split_routes(90, 10)]


# --- the test guards ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vs", "managed", "concurrent_change"),
    [
        pytest.param(WEB, None, lambda spec: spec["http"][0]["route"].reverse(), id="destinations-reordered"),
        pytest.param(
            a_vs(http_routes=[split_routes(100, 0), split_routes(100, 0, name="secondary")]),
            None,
            lambda spec: spec["http"].reverse(),
            id="routes-reordered",
        ),
        pytest.param(
            a_vs(http_routes=[http("h", to("web-canary", 100)), split_routes(100, 0)]),
            istio.ManagedRoutes(names=("h",)),
            lambda spec: spec["http"].reverse(),
            id="managed-route-moved-before-removal",
        ),
        pytest.param(
            WEB,
            istio.ManagedRoutes(names=("h",), desired=(header("h", agent=FIREFOX),)),
            lambda spec: spec["http"].insert(0, USER_ROUTE),
            id="route-inserted-where-managed-route-goes",
        ),
        pytest.param(
            a_vs(tls=[tls_route(3000, "a"), tls_route(3001, "b")]),
            None,
            lambda spec: spec["tls"].reverse(),
            id="tls-routes-reordered",
        ),
    ],
)
def test_operations_fail_on_a_concurrently_reordered_object(vs: dict, managed: Any, concurrent_change: Any) -> None:
    the_ref = ref(tls=[TLSRoute(port=3001, sni_hosts=["b"])]) if "tls" in vs["spec"] else ref("primary")
    operations = istio.virtual_service_ops(vs, ref=the_ref, split=istio.WeightSplit.of(10, HOSTS), managed=managed)
    assert operations
    changed = copy.deepcopy(vs)
    concurrent_change(changed["spec"])
    with pytest.raises(PatchFailed, match="test failed"):
        apply_patch(changed, operations)


# --- errors and validation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("vs", "the_ref", "keys", "messages"),
    [
        pytest.param(
            a_vs(http_routes=[http("primary", to("web-stable", 100))]),
            ref("primary"),
            HOSTS,
            ['VirtualService "web": HTTP route "primary" has no destination for Service "web-canary"'],
            id="missing-canary-destination",
        ),
        pytest.param(
            a_vs(http_routes=[http("primary", to("web", 100, subset="stable"))]),
            ref("primary"),
            SUBSETS,
            ['VirtualService "web": HTTP route "primary" has no destination for subset "canary"'],
            id="missing-canary-subset",
        ),
        pytest.param(
            a_vs(http_routes=[split_routes(100, 0, name="other")]),
            ref("primary"),
            HOSTS,
            ['VirtualService "web": HTTP route "primary" not found'],
            id="named-route-missing",
        ),
        pytest.param(
            a_vs(http_routes=[split_routes(100, 0, name="a"), split_routes(100, 0, name="b")]),
            ref(),
            HOSTS,
            [
                'VirtualService "web": has 2 HTTP routes; '
                "name the ones to manage in trafficRouting.istio.virtualService.routes"
            ],
            id="several-routes-none-named",
        ),
        pytest.param(
            a_vs(),
            ref(),
            HOSTS,
            ['VirtualService "web": has no HTTP route, and trafficRouting.istio names no TLS or TCP route'],
            id="no-routes",
        ),
        pytest.param(
            a_vs(tls=[tls_route(3000, "web.example.com")]),
            ref(tls=[TLSRoute(port=3000, sni_hosts=["other.example.com"])]),
            HOSTS,
            ["VirtualService \"web\": TLS route for port 3000 and sniHosts ['other.example.com'] not found"],
            id="tls-route-missing",
        ),
        pytest.param(
            a_vs(tcp=[tcp_route(5432)]),
            ref(tcp=[TCPRoute(port=6379)]),
            HOSTS,
            ['VirtualService "web": TCP route for port 6379 not found'],
            id="tcp-route-missing",
        ),
        pytest.param(
            a_vs(http_routes=[http("primary", to("web-stable", 50), to("web-canary", 0), to("web-canary.shop", 50))]),
            ref("primary"),
            HOSTS,
            ['VirtualService "web": HTTP route "primary" has 2 destinations for Service "web-canary"'],
            id="doubled-canary-destination",
        ),
        pytest.param(
            a_vs(http_routes=[http("primary", to("web-stable.other", 100), to("web-canary.shop.svc", 0))]),
            ref("primary"),
            HOSTS,
            ['VirtualService "web": HTTP route "primary" has no destination for Service "web-stable"'],
            id="fqdn-in-another-namespace-is-another-service",
        ),
    ],
)
def test_validation_messages_and_routing_errors(
    vs: dict, the_ref: IstioVirtualService, keys: istio.SplitKeys, messages: list[str]
) -> None:
    assert istio.validate_references(vs, the_ref, keys) == messages
    with pytest.raises(istio.RoutingError) as raised:
        istio.virtual_service_ops(vs, ref=the_ref, split=istio.WeightSplit.of(10, keys))
    assert str(raised.value) == "; ".join(messages)


def test_validation_of_a_fitting_virtual_service_is_empty() -> None:
    assert istio.validate_references(WEB, ref("primary"), HOSTS) == []


def test_namespace_of_the_services_overrides_the_virtual_services() -> None:
    vs = a_vs(http_routes=[http("primary", to("web-stable.apps", 100), to("web-canary.apps.svc.cluster.local", 0))])
    keys = istio.SplitKeys(canary_host="web-canary", stable_host="web-stable", namespace="apps")
    assert istio.validate_references(vs, ref("primary"), keys) == []
    assert istio.virtual_service_ops(vs, ref=ref("primary"), split=istio.WeightSplit.of(0, keys)) == []  # already 0/100


def test_managed_routes_need_an_http_route_to_copy_from() -> None:
    vs = a_vs(tls=[tls_route(3000, "web.example.com")])
    managed = istio.ManagedRoutes(names=("h",), desired=(header("h", agent=FIREFOX),))
    with pytest.raises(istio.RoutingError, match=r"VirtualService \"web\": managed routes \['h'\] need an HTTP route"):
        istio.virtual_service_ops(
            vs, ref=ref(tls=[TLSRoute(port=3000)]), split=istio.WeightSplit.of(10, HOSTS), managed=managed
        )


def test_a_managed_route_cannot_be_a_weighted_route() -> None:
    messages = istio.validate_references(WEB, ref("primary"), HOSTS, managed_names=("primary",))
    assert messages == [
        'VirtualService "web": HTTP route "primary" is a managed route; it cannot also be a weighted route'
    ]


# --- value types --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({}, id="nothing"),
        pytest.param({"canary_host": "c"}, id="one-host"),
        pytest.param(
            {"canary_host": "c", "stable_host": "s", "canary_subset": "x", "stable_subset": "y"}, id="both-modes"
        ),
        pytest.param({"canary_host": "same", "stable_host": "same"}, id="same-host"),
    ],
)
def test_split_keys_need_one_complete_mode(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        istio.SplitKeys(**kwargs)


@pytest.mark.parametrize(
    ("canary", "stable"), [pytest.param(10, 80, id="not-100"), pytest.param(101, -1, id="over-100")]
)
def test_weight_split_adds_up_to_100(canary: int, stable: int) -> None:
    with pytest.raises(ValueError):
        istio.WeightSplit(canary_weight=canary, stable_weight=stable, keys=HOSTS)
    assert istio.WeightSplit.of(10, HOSTS) == istio.WeightSplit(canary_weight=10, stable_weight=90, keys=HOSTS)


def test_managed_routes_must_be_named_in_managed_routes() -> None:
    with pytest.raises(ValueError, match="not in trafficRouting.managedRoutes"):
        istio.ManagedRoutes(names=("a",), desired=(header("b", x=FIREFOX),))
    with pytest.raises(ValueError, match="desired twice"):
        istio.ManagedRoutes(names=("a",), desired=(header("a", x=FIREFOX), header("a", x=CHROME)))


def test_managed_routes_from_steps() -> None:
    step = SetHeaderRoute(name="h", match=[HeaderRoutingMatch(header_name="agent", header_value=FIREFOX)])
    assert istio.HeaderRoute.from_step(step) == header("h", agent=FIREFOX)
    assert istio.HeaderRoute.from_step(SetHeaderRoute(name="h")) is None
    mirror = SetMirrorRoute(name="m", match=[RouteMatch(path=StringMatch(prefix="/"))])
    assert istio.MirrorRoute.from_step(mirror) == istio.MirrorRoute(
        name="m", match=(RouteMatch(path=StringMatch(prefix="/")),), percentage=100
    )
    assert istio.MirrorRoute.from_step(SetMirrorRoute(name="m", match=[])) is None


# --- DestinationRule ----------------------------------------------------------------------------------------------

MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts"


def a_dr(*subsets: dict[str, Any], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "web-dr", "namespace": "shop"}
    if annotations is not None:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "DestinationRule",
        "metadata": metadata,
        "spec": {"host": "web", "subsets": list(subsets)},
    }


def subset(name: str, pod_hash: str | None = None, **labels: str) -> dict[str, Any]:
    """A subset with ``labels``, plus the pod-hash label when ``pod_hash`` is given."""
    return {"name": name, "labels": labels | ({"rollouts-pod-template-hash": pod_hash} if pod_hash else {})}


@pytest.mark.parametrize(
    ("dr", "canary_hash", "stable_hash", "expected_subsets", "expected_annotations"),
    [
        pytest.param(
            a_dr(subset("other", app="web"), subset("stable", app="web"), subset("canary", app="web")),
            "abc",
            "def",
            [
                subset("other", app="web"),
                subset("stable", app="web", pod_hash="def"),
                subset("canary", app="web", pod_hash="abc"),
            ],
            {MANAGED_BY: "web"},
            id="labels-and-annotation-added",
        ),
        pytest.param(
            a_dr(
                {"name": "stable"},
                {"name": "canary", "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}}},
                annotations={"team": "shop"},
            ),
            "abc",
            "def",
            [
                subset("stable", pod_hash="def"),
                {
                    "name": "canary",
                    "labels": {"rollouts-pod-template-hash": "abc"},
                    "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}},
                },
            ],
            {"team": "shop", MANAGED_BY: "web"},
            id="labels-map-absent-and-other-annotations-kept",
        ),
        pytest.param(
            a_dr(
                subset("stable", app="web", pod_hash="old"),
                subset("canary", app="web", pod_hash="old"),
                annotations={MANAGED_BY: "web"},
            ),
            "new",
            "old",
            [subset("stable", app="web", pod_hash="old"), subset("canary", app="web", pod_hash="new")],
            {MANAGED_BY: "web"},
            id="canary-hash-replaced",
        ),
        pytest.param(
            a_dr(subset("stable", pod_hash="old"), subset("canary", pod_hash="old"), annotations={MANAGED_BY: "web"}),
            None,
            "old",
            [subset("stable", pod_hash="old"), subset("canary")],
            {MANAGED_BY: "web"},
            id="no-canary-hash-removes-label",
        ),
    ],
)
def test_destination_rule_ops(
    dr: dict, canary_hash: str | None, stable_hash: str | None, expected_subsets: list, expected_annotations: dict
) -> None:
    operations = istio.destination_rule_ops(
        dr,
        canary_subset="canary",
        stable_subset="stable",
        canary_hash=canary_hash,
        stable_hash=stable_hash,
        rollout_name="web",
    )
    patched = apply_patch(dr, operations)
    assert patched["spec"]["subsets"] == expected_subsets
    assert patched["metadata"]["annotations"] == expected_annotations
    again = istio.destination_rule_ops(
        patched,
        canary_subset="canary",
        stable_subset="stable",
        canary_hash=canary_hash,
        stable_hash=stable_hash,
        rollout_name="web",
    )
    assert again == []


def test_destination_rule_ops_escape_the_annotation_key_and_guard_subsets() -> None:
    dr = a_dr(subset("stable", pod_hash="s"), subset("canary", pod_hash="c"), annotations={"team": "shop"})
    operations = istio.destination_rule_ops(
        dr, canary_subset="canary", stable_subset="stable", canary_hash="c2", stable_hash="s", rollout_name="web"
    )
    assert operations == [
        {"op": "test", "path": "/spec/subsets/1/name", "value": "canary"},
        {"op": "replace", "path": "/spec/subsets/1/labels/rollouts-pod-template-hash", "value": "c2"},
        {"op": "add", "path": "/metadata/annotations/argo-rollouts.argoproj.io~1managed-by-rollouts", "value": "web"},
    ]
    with pytest.raises(PatchFailed, match="test failed"):
        apply_patch(a_dr(subset("canary", pod_hash="c"), subset("stable", pod_hash="s")), operations)


def test_destination_rule_missing_subset_is_an_error() -> None:
    with pytest.raises(istio.RoutingError, match='DestinationRule "web-dr": subset "canary" not found'):
        istio.destination_rule_ops(
            a_dr(subset("stable")),
            canary_subset="canary",
            stable_subset="stable",
            canary_hash="a",
            stable_hash="b",
            rollout_name="web",
        )


@pytest.mark.parametrize(
    ("dr", "expected_subsets", "expected_metadata_annotations"),
    [
        pytest.param(
            a_dr(
                subset("stable", app="web", pod_hash="s"),
                subset("canary", app="web", pod_hash="c"),
                subset("other", pod_hash="x"),
                annotations={MANAGED_BY: "web", "team": "shop"},
            ),
            [subset("stable", app="web"), subset("canary", app="web"), subset("other", pod_hash="x")],
            {"team": "shop"},
            id="labels-and-annotation-removed",
        ),
        pytest.param(
            a_dr(subset("stable"), {"name": "canary"}),
            [subset("stable"), {"name": "canary"}],
            None,
            id="nothing-to-remove",
        ),
    ],
)
def test_release_destination_rule_ops(
    dr: dict, expected_subsets: list, expected_metadata_annotations: dict | None
) -> None:
    operations = istio.release_destination_rule_ops(dr, canary_subset="canary", stable_subset="stable")
    patched = apply_patch(dr, operations)
    assert patched["spec"]["subsets"] == expected_subsets
    assert patched["metadata"].get("annotations") == expected_metadata_annotations
    assert istio.release_destination_rule_ops(patched, canary_subset="canary", stable_subset="stable") == []


def test_module_exports() -> None:
    assert sorted(istio.__all__) == sorted(
        [
            "FULL_WEIGHT",
            "HeaderRoute",
            "ManagedHttpRoute",
            "ManagedRoutes",
            "MirrorRoute",
            "RoutingError",
            "SplitKeys",
            "WeightSplit",
            "destination_rule_ops",
            "release_destination_rule_ops",
            "validate_references",
            "virtual_service_ops",
        ]
    )
