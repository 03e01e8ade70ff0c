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
