"""Traffic routing of a canary: Istio is typed; the other routers are kept as free objects (so Argo's manifests load
whatever they hold) and read by `rollouts.traffic`, which names the field of a wrong value. Pure data."""

from __future__ import annotations

from rollouts.api import defaults
from rollouts.api.common import FreeObject, KubeModel

TRAFFIC_ROUTERS = ("istio", "nginx", "alb", "smi", "ambassador", "appMesh", "traefik", "apisix", "plugins")
"""Every traffic router key Argo Rollouts knows inside `trafficRouting` (wire names)."""

SUPPORTED_TRAFFIC_ROUTERS = ("istio", "nginx", "alb", "smi", "traefik", "apisix", "plugins")
"""The traffic routers this controller implements (their fields are read by `rollouts.traffic`; of the plugins, only
the ones it names)."""


class TLSRoute(KubeModel):
    """Selects a TLS route of an Istio VirtualService."""

    port: int | None = None
    """Port the route matches."""
    sni_hosts: list[str] | None = None
    """SNI hosts the route matches."""


class TCPRoute(KubeModel):
    """Selects a TCP route of an Istio VirtualService."""

    port: int | None = None
    """Port the route matches."""


class IstioVirtualService(KubeModel):
    """An Istio VirtualService whose route weights the controller sets."""

    name: str
    """Name, or namespace/name, of the VirtualService."""
    routes: list[str] | None = None
    """Names of the HTTP routes to manage; may be empty when the VirtualService has a single route."""
    tls_routes: list[TLSRoute] | None = None
    """TLS routes to manage."""
    tcp_routes: list[TCPRoute] | None = None
    """TCP routes to manage."""


class IstioDestinationRule(KubeModel):
    """An Istio DestinationRule whose subsets the controller points at the stable and canary pods."""

    name: str
    """Name of the DestinationRule."""
    canary_subset_name: str
    """Subset for canary pods."""
    stable_subset_name: str
    """Subset for stable pods."""
    additional_subset_names: list[str] | None = None
    """Further subsets (experiments)."""


class IstioTrafficRouting(KubeModel):
    """Split traffic with Istio."""

    virtual_service: IstioVirtualService | None = None
    """The VirtualService to manage."""
    destination_rule: IstioDestinationRule | None = None
    """Use DestinationRule subsets (subset split) instead of the stable and canary Services (host split)."""
    virtual_services: list[IstioVirtualService] | None = None
    """Several VirtualServices to manage (instead of virtualService)."""


class ManagedRoute(KubeModel):
    """A route the controller may create for header or mirror steps."""

    name: str
    """Route name; routes are placed in this order, before the weighted routes."""


class TrafficRouting(KubeModel):
    """How the canary's traffic weight is applied: every router set gets the same split."""

    istio: IstioTrafficRouting | None = None
    """Istio VirtualService (and optionally DestinationRule)."""
    nginx: FreeObject | None = None
    """NGINX ingress: a canary Ingress next to the stable one."""
    alb: FreeObject | None = None
    """AWS Application Load Balancer: weighted actions on the Ingress."""
    smi: FreeObject | None = None
    """Service Mesh Interface TrafficSplit."""
    ambassador: FreeObject | None = None
    """Ambassador mappings (not supported by this controller)."""
    app_mesh: FreeObject | None = None
    """AWS App Mesh (not supported by this controller)."""
    traefik: FreeObject | None = None
    """Traefik weighted TraefikService."""
    apisix: FreeObject | None = None
    """Apache APISIX route weights."""
    plugins: FreeObject | None = None
    """Traffic router plugins by name with their configuration (argoproj-labs/gatewayAPI is built in)."""
    managed_routes: list[ManagedRoute] | None = None
    """Routes header and mirror steps may create, in priority order."""
    max_traffic_weight: int | None = None
    """Weight that means all traffic (default 100)."""

    @property
    def routers(self) -> list[str]:
        """Wire names of the traffic routers that are set."""
        data = self.to_dict()
        return [name for name in TRAFFIC_ROUTERS if name in data]

    @property
    def effective_max_traffic_weight(self) -> int:
        """Total traffic weight with Argo's default."""
        return defaults.MAX_TRAFFIC_WEIGHT if self.max_traffic_weight is None else self.max_traffic_weight
