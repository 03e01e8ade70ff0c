"""How each router's objects look on the cluster, for the router tests: the canary weight a router set (None when
its objects carry no canary at all) and whether the header route is in force."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rollouts.kube import errors
from rollouts.kube.client import Kube
from rollouts.kube.resources import Resource

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
INGRESSES = Resource("networking.k8s.io", "v1", "ingresses", "Ingress")


@dataclass(frozen=True)
class RouterView:
    name: str
    """The example directory (examples/<name>/) and the Rollout's name."""
    weight: Callable[[Kube, str], int | None]
    header_route: Callable[[Kube, str], bool]
    header_steps: bool = True
    """Whether the example has a setHeaderRoute step (SMI and Traefik carry none)."""

    @property
    def example(self) -> Path:
        return EXAMPLES / self.name / "rollout.yaml"


def annotations(kube: Kube, resource: Resource, namespace: str, name: str) -> dict[str, str] | None:
    try:
        found = kube.get(resource, namespace, name)
    except errors.NotFound:
        return None
    return dict(found["metadata"].get("annotations") or {})


def nginx_weight(kube: Kube, namespace: str) -> int | None:
    found = annotations(kube, INGRESSES, namespace, "nginx-canary-nginx-canary-canary")
    return None if found is None else int(found["nginx.ingress.kubernetes.io/canary-weight"])


def nginx_header(kube: Kube, namespace: str) -> bool:
    found = annotations(kube, INGRESSES, namespace, "nginx-canary-nginx-canary-canary") or {}
    return found.get("nginx.ingress.kubernetes.io/canary-by-header") == "X-Canary"


def alb_weight(kube: Kube, namespace: str) -> int | None:
    found = annotations(kube, INGRESSES, namespace, "alb-canary") or {}
    action = found.get("alb.ingress.kubernetes.io/actions.alb-canary-root")
    if action is None:
        return None
    groups = json.loads(action)["ForwardConfig"]["TargetGroups"]
    return next(int(group["Weight"]) for group in groups if group["ServiceName"] == "alb-canary-canary")


def alb_header(kube: Kube, namespace: str) -> bool:
    found = annotations(kube, INGRESSES, namespace, "alb-canary") or {}
    return "alb.ingress.kubernetes.io/conditions.beta-testers" in found


NGINX = RouterView("nginx-canary", nginx_weight, nginx_header)
ALB = RouterView("alb-canary", alb_weight, alb_header)


def spec_of(kube: Kube, resource: Resource, namespace: str, name: str) -> dict | None:
    try:
        return dict(kube.get(resource, namespace, name).get("spec") or {})
    except errors.NotFound:
        return None


def weight_of(entries: list[dict], name_key: str, service: str) -> int:
    return next(int(entry.get("weight", 0)) for entry in entries if entry.get(name_key) == service)


TRAFFIC_SPLITS = Resource("split.smi-spec.io", "v1alpha1", "trafficsplits", "TrafficSplit")
HTTP_ROUTES = Resource("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute")
TRAEFIK_SERVICES = Resource("traefik.containo.us", "v1alpha1", "traefikservices", "TraefikService")
APISIX_ROUTES = Resource("apisix.apache.org", "v2", "apisixroutes", "ApisixRoute")


def smi_weight(kube: Kube, namespace: str) -> int | None:
    spec = spec_of(kube, TRAFFIC_SPLITS, namespace, "smi-canary")
    return None if spec is None else weight_of(spec["backends"], "service", "smi-canary-canary")


def gateway_weight(kube: Kube, namespace: str) -> int | None:
    spec = spec_of(kube, HTTP_ROUTES, namespace, "gatewayapi-canary") or {}
    return weight_of(spec["rules"][0]["backendRefs"], "name", "gatewayapi-canary-canary")


def gateway_header(kube: Kube, namespace: str) -> bool:
    return len((spec_of(kube, HTTP_ROUTES, namespace, "gatewayapi-canary") or {})["rules"]) > 1


def traefik_weight(kube: Kube, namespace: str) -> int | None:
    spec = spec_of(kube, TRAEFIK_SERVICES, namespace, "traefik-canary") or {}
    return weight_of(spec["weighted"]["services"], "name", "traefik-canary-canary")


def apisix_weight(kube: Kube, namespace: str) -> int | None:
    spec = spec_of(kube, APISIX_ROUTES, namespace, "apisix-canary") or {}
    return weight_of(spec["http"][0]["backends"], "serviceName", "apisix-canary-canary")


def apisix_header(kube: Kube, namespace: str) -> bool:
    return spec_of(kube, APISIX_ROUTES, namespace, "beta-testers") is not None


def no_header_route(_kube: Kube, _namespace: str) -> bool:
    return False


SMI = RouterView("smi-canary", smi_weight, no_header_route, header_steps=False)
GATEWAY_API = RouterView("gatewayapi-canary", gateway_weight, gateway_header)
TRAEFIK = RouterView("traefik-canary", traefik_weight, no_header_route, header_steps=False)
APISIX = RouterView("apisix-canary", apisix_weight, apisix_header)
