"""Istio VirtualService JSON Patches (rollouts.traffic.istio), applied to plain dicts with a tiny RFC 6902 applier.

We test these aspects:
* weights: host split on a named route, the single unnamed route, several routes, TLS routes by port and SNI
  hosts, TCP routes by port, subset split, FQDN hosts, a missing weight written explicitly (table: istio_cases);
* minimality: an object already as wanted gives [], and applying the operations twice changes nothing;
* managed routes: header and mirror routes inserted at the top in managedRoutes order, replaced when they change,
  moved when misplaced, removed at completion; user routes are never written;
* the `test` guards: the operations fail on an object reordered after they were computed;
* errors and validation messages naming the VirtualService and route.

Not tested here: the API server's view of these patches (tests/traffic/test_istio_cluster.py does that) and which
split or managed routes a Rollout wants (the planner's job).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from istio_builders import (
    FIREFOX,
    HOSTS,
    SUBSETS,
    USER_ROUTE,
    WEB,
    Case,
    a_vs,
    header,
    http,
    ref,
    split_routes,
    tcp_route,
    tls_route,
    to,
)
from istio_cases import CASES
from traffic_helpers import PatchFailed, apply_patch

from rollouts.api.rollout import (
    IstioVirtualService,
    TCPRoute,
    TLSRoute,
)
from rollouts.traffic import istio


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
    vs: dict[str, Any], the_ref: IstioVirtualService, keys: istio.SplitKeys, managed: Any
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
def test_operations_fail_on_a_concurrently_reordered_object(
    vs: dict[str, Any], managed: Any, concurrent_change: Any
) -> None:
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
    vs: dict[str, Any], the_ref: IstioVirtualService, keys: istio.SplitKeys, messages: list[str]
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
