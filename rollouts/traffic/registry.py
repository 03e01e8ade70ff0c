"""Which `TrafficRouter` each ``trafficRouting`` key means, and the routers of one Rollout.

Several routers on one Rollout work together (say Istio inside the mesh and NGINX at the edge, or SMI plus NGINX):
each gets the same split. A key we do not implement is an `UnsupportedRouter` error naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from rollouts.api import Rollout, TrafficRouting
from rollouts.plan import pingpong
from rollouts.traffic import alb, apisix, gatewayapi, nginx, smi, traefik
from rollouts.traffic.config import Config
from rollouts.traffic.istio.router import DESTINATION_RULES, VIRTUAL_SERVICES, IstioRouter
from rollouts.traffic.router import NoRouter, ObjectKey, ObjectKind, RoutedRollout, RoutingError, TrafficRouter

FIELD = "spec.strategy.canary.trafficRouting"

Builder = Callable[[RoutedRollout, Config, TrafficRouting], TrafficRouter]


def _istio(rollout: RoutedRollout, config: Config, routing: TrafficRouting) -> TrafficRouter:
    assert routing.istio is not None  # the key is set, so the typed field is
    return IstioRouter(rollout, routing.istio)


ROUTERS: Mapping[str, Builder] = {
    "istio": _istio,
    "nginx": lambda rollout, config, routing: nginx.NginxRouter.build(rollout, config, routing.max_traffic_weight),
    "alb": lambda rollout, config, _routing: alb.AlbRouter.build(rollout, config),
    "smi": lambda rollout, config, _routing: smi.SmiRouter.build(rollout, config),
    "traefik": lambda rollout, config, _routing: traefik.TraefikRouter.build(rollout, config),
    "apisix": lambda rollout, config, _routing: apisix.ApisixRouter.build(rollout, config),
}
"""``trafficRouting.<key>`` → its router."""

PLUGINS: Mapping[str, Builder] = {
    gatewayapi.PLUGIN: lambda rollout, config, _routing: gatewayapi.GatewayApiRouter.build(rollout, config),
}
"""``trafficRouting.plugins.<name>`` → its router, implemented natively (no plugin process)."""

STEP_SUPPORT: Mapping[str, frozenset[str]] = {
    "istio": frozenset({"setHeaderRoute", "setMirrorRoute"}),
    "nginx": frozenset({"setHeaderRoute"}),
    "alb": frozenset({"setHeaderRoute"}),
    "apisix": frozenset({"setHeaderRoute"}),
    gatewayapi.PLUGIN: frozenset({"setHeaderRoute"}),
}
"""The managed-route steps each router carries out; a step no configured router supports is invalid."""

EXPERIMENT_WEIGHTS = frozenset({"istio", "alb", "smi"})
"""Routers that give experiment templates their ``weight`` (an extra destination each); every router a Rollout
configures must, or the weight is invalid (a router that cannot would send that share to stable)."""

SUPPORTED = (*ROUTERS, *(f'plugins["{name}"]' for name in PLUGINS))

ROUTED_KINDS: tuple[ObjectKind, ...] = (
    VIRTUAL_SERVICES,
    DESTINATION_RULES,
    nginx.INGRESSES,
    smi.TRAFFIC_SPLITS,
    *gatewayapi.KINDS.values(),
    traefik.TRAEFIK_SERVICES,
    apisix.APISIX_ROUTES,
)
"""Every kind a router reads or writes: what the controller watches (when the cluster serves it)."""

API_NAMES: Mapping[str, str] = {
    VIRTUAL_SERVICES.group: "Istio",
    nginx.INGRESSES.group: "Ingress",
    smi.TRAFFIC_SPLITS.group: "SMI",
    gatewayapi.GROUP: "Gateway",
    traefik.TRAEFIK_SERVICES.group: "Traefik",
    apisix.APISIX_ROUTES.group: "APISIX",
}
"""API group → the name an operator knows it by (for "the cluster has no Istio API")."""


class UnsupportedRouter(RoutingError):
    """The Rollout asks for a traffic router this controller does not implement."""


def routed_rollout(
    rollout: Rollout, stable_ping_pong: str | None = None, *, prefer_ping_pong: bool = False
) -> RoutedRollout:
    """What routers need to know about the Rollout itself. With ping-pong Services the stable and canary Services
    are the pair's, by ``stable_ping_pong`` (default: the role the Rollout's status records)."""
    strategy = rollout.spec.strategy
    canary = strategy.canary if strategy is not None else None
    routing = canary.traffic_routing if canary is not None else None
    stable_service, canary_service = "", ""
    if canary is not None:
        role = stable_ping_pong
        if role is None and rollout.status is not None and rollout.status.canary is not None:
            role = rollout.status.canary.stable_ping_pong
        stable_service, canary_service = pingpong.routed_services(canary, role, prefer_ping_pong=prefer_ping_pong)
    return RoutedRollout(
        name=str(rollout.metadata.name or ""),
        namespace=str(rollout.metadata.namespace or ""),
        uid=str(rollout.metadata.uid or ""),
        stable_service=stable_service,
        canary_service=canary_service,
        managed_routes=tuple(route.name for route in (routing.managed_routes or [])) if routing is not None else (),
        max_weight=routing.effective_max_traffic_weight if routing is not None else 100,
    )


def routers_for(rollout: Rollout, stable_ping_pong: str | None = None) -> list[TrafficRouter]:
    """The Rollout's routers, in Argo's key order; `NoRouter` for a canary without trafficRouting or blue-green.
    ``stable_ping_pong`` names the ping-pong role to route for (default: the recorded one).

    Raises `UnsupportedRouter` for a key we do not implement and `RoutingError` for a configuration that does not
    fit (both name the field).
    """
    strategy = rollout.spec.strategy
    routing = strategy.canary.traffic_routing if strategy is not None and strategy.canary is not None else None
    if routing is None:
        return [NoRouter()]
    raw: dict[str, Any] = routing.to_dict()
    routers: list[TrafficRouter] = []
    for key in routing.routers:
        prefer = key in pingpong.PREFERRING_ROUTERS
        routed = routed_rollout(rollout, stable_ping_pong, prefer_ping_pong=prefer)
        if key == "plugins":
            routers += _plugins(routed, Config(raw[key], f"{FIELD}.plugins"), routing)
        elif key in ROUTERS:
            routers.append(ROUTERS[key](routed, Config(raw[key], f"{FIELD}.{key}"), routing))
        else:
            raise UnsupportedRouter(f"{FIELD}.{key}: unsupported traffic router; supported: {', '.join(SUPPORTED)}")
    if not routers:
        raise UnsupportedRouter(f"{FIELD}: names no traffic router; supported: {', '.join(SUPPORTED)}")
    return routers


def problems(rollout: Rollout) -> list[str]:
    """Why the Rollout's routers cannot be built, as messages naming the field; [] when they can."""
    try:
        routers_for(rollout)
    except RoutingError as error:
        return [str(error)]
    return []


def references(rollout: Rollout) -> list[ObjectKey]:
    """The objects the Rollout's routers read (for informer indexes); [] when they cannot be built."""
    try:
        return [key for router in routers_for(rollout) for key in router.reads()]
    except RoutingError:
        return []


def step_problems(rollout: Rollout) -> list[str]:
    """setHeaderRoute and setMirrorRoute steps that none of the Rollout's routers carries out, naming the step."""
    strategy = rollout.spec.strategy
    canary = strategy.canary if strategy is not None else None
    if canary is None:
        return []
    routing = canary.traffic_routing
    keys = [*(routing.routers if routing is not None else [])]
    if routing is not None and routing.plugins:
        keys = [key for key in keys if key != "plugins"] + list(routing.plugins)
    problems = []
    for index, step in enumerate(canary.steps or []):
        for kind in ("setHeaderRoute", "setMirrorRoute"):
            if kind in step.kinds and not any(kind in STEP_SUPPORT.get(key, frozenset()) for key in keys):
                able = [key for key, kinds in STEP_SUPPORT.items() if kind in kinds]
                field = f"spec.strategy.canary.steps[{index}].{kind}"
                problems.append(f"{field}: needs a traffic router that supports it: {', '.join(able)}")
        unable = [key for key in keys if key not in EXPERIMENT_WEIGHTS]
        for number, template in enumerate(step.experiment.templates if step.experiment and keys and unable else []):
            if template.weight is not None:
                field = f"spec.strategy.canary.steps[{index}].experiment.templates[{number}].weight"
                problems.append(
                    f"{field}: traffic router {', '.join(unable)} cannot give an experiment template a share of the "
                    f"traffic; supported: {', '.join(sorted(EXPERIMENT_WEIGHTS))}"
                )
    return problems


def _plugins(rollout: RoutedRollout, plugins: Config, routing: TrafficRouting) -> list[TrafficRouter]:
    routers = []
    for name, config in plugins.data.items():
        field = f'{plugins.field}["{name}"]'
        if name not in PLUGINS:
            raise UnsupportedRouter(f"{field}: unsupported traffic router plugin; supported: {', '.join(PLUGINS)}")
        routers.append(PLUGINS[name](rollout, Config(config, field), routing))
    return routers
