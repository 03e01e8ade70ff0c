"""Builders of Istio VirtualServices and the Case type of the VirtualService table (istio_cases)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rollouts.api.rollout import (
    HeaderRoutingMatch,
    IstioVirtualService,
    StringMatch,
    TCPRoute,
    TLSRoute,
)
from rollouts.traffic import istio

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


def a_vs(
    *, http_routes: list[Any] | None = None, tls: list[Any] | None = None, tcp: list[Any] | None = None
) -> dict[str, Any]:
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
    return {**vs["spec"], **changes}


WEB = a_vs(http_routes=[split_routes(100, 0)])
UNNAMED = a_vs(http_routes=[split_routes(100, 0, name=None)])
SUBSET_VS = a_vs(http_routes=[http(None, to("web", 100, subset="stable"), to("web", 0, subset="canary"))])
PORTED = a_vs(http_routes=[http("primary", to("web-stable", 90, port=8080), to("web-canary", 10, port=8080))])
