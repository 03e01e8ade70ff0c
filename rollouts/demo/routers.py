"""The traffic routers the demo runs with (`rollouts demo --router NAME`): each one's example, CRDs and routing object.

Pure: a table and the weights read off a router's object (by `rollouts.simulator.routes`, as the simulator reads
them), no I/O. Every example is ``examples/<router>-canary-analysis/``: the Rollout is named like the directory,
its Services ``<name>-stable`` and ``<name>-canary``; the object the simulator sends requests through is named like
the Rollout too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rollouts.simulator import routes

__all__ = ["DEFAULT", "ROUTERS", "DemoRouter", "weights"]


@dataclass(frozen=True)
class DemoRouter:
    name: str
    """What ``--router`` takes."""
    title: str
    kind: str
    """The kind of the object requests enter through (`routes.KINDS`), named like the Rollout."""
    crds: tuple[str, ...] = ()
    """Files of crds/third-party/ to install (Ingresses need none)."""

    @property
    def example(self) -> str:
        """The example directory's name, which is also the Rollout's and the routing object's."""
        return f"{self.name}-canary-analysis"

    @property
    def stable_service(self) -> str:
        return f"{self.example}-stable"

    @property
    def canary_service(self) -> str:
        return f"{self.example}-canary"

    @property
    def target(self) -> str:
        """The simulator's ``--target``."""
        return f"{self.kind}/{self.example}"


ROUTERS: dict[str, DemoRouter] = {
    router.name: router
    for router in (
        DemoRouter("istio", "Istio", "VirtualService", ("istio.yaml",)),
        DemoRouter("gatewayapi", "Gateway API", "HTTPRoute", ("gateway-api.yaml",)),
        DemoRouter("nginx", "NGINX Ingress", "Ingress"),
        DemoRouter("alb", "AWS ALB Ingress", "Ingress"),
        DemoRouter("smi", "SMI", "TrafficSplit", ("smi.yaml",)),
    )
}
DEFAULT = "istio"


def weights(
    router: DemoRouter, obj: Mapping[str, Any] | None, ingresses: Sequence[Mapping[str, Any]] = ()
) -> tuple[int | None, int | None]:
    """The stable and canary Services' weights in the router's object (None: not there). Without an NGINX canary
    Ingress (none yet, or deleted when the update is over) the stable Ingress' Service takes everything."""
    if obj is None:
        return None, None
    found = routes.weights(router.kind, obj, ingresses=ingresses)
    stable, canary = found.get(router.stable_service), found.get(router.canary_service)
    if router.kind == "Ingress" and canary is None and stable is not None:
        canary = 0
    return stable, canary


def split_text(router: DemoRouter, stable: int | None, canary: int | None) -> str:
    """``HTTPRoute stable 80, canary 20``: the router's split for progress lines."""
    shown = ["missing" if weight is None else str(weight) for weight in (stable, canary)]
    return f"{router.kind} stable {shown[0]}, canary {shown[1]}"
