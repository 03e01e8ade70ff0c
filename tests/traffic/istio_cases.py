"""The VirtualService table: each case is an object, a split and managed routes, and the spec they must give."""

from __future__ import annotations

import pytest
from istio_builders import (
    CHROME,
    FIREFOX,
    PORTED,
    SUBSET_VS,
    SUBSETS,
    UNNAMED,
    USER_ROUTE,
    WEB,
    Case,
    a_vs,
    header,
    http,
    mirror_all,
    ref,
    spec_with,
    split_routes,
    tcp_route,
    tls_route,
    to,
)

from rollouts.api.rollout import (
    RouteMatch,
    StringMatch,
    TCPRoute,
    TLSRoute,
)
from rollouts.traffic import istio

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
