"""What an Istio split sets: the keys that recognise canary and stable, the weights, and the managed routes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from rollouts.api.rollout import HeaderRoutingMatch, RouteMatch, SetHeaderRoute, SetMirrorRoute, StringMatch
from rollouts.traffic.router import RoutingError

__all__ = [
    "FULL_WEIGHT",
    "ExtraDestination",
    "HeaderRoute",
    "ManagedHttpRoute",
    "ManagedRoutes",
    "MirrorRoute",
    "RoutingError",
    "SplitKeys",
    "WeightSplit",
]

FULL_WEIGHT = 100
"""Istio weights are percentages: the canary's and the stable's weights add up to this."""

_CLUSTER_DOMAIN_SUFFIXES = ("", ".svc", ".svc.cluster.local")


# --- what to set ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitKeys:
    """How to recognise the canary and stable destinations of a route. Set the two hosts or the two subsets.

    Host split: ``canary_host`` and ``stable_host`` are Service names. A destination matches when its ``host`` is
    the name or an FQDN of it in ``namespace``: ``name.ns``, ``name.ns.svc`` or ``name.ns.svc.cluster.local``.
    ``namespace`` is the Services' (the Rollout's) namespace; left empty, the VirtualService's namespace is used.

    Subset split: ``canary_subset`` and ``stable_subset`` are DestinationRule subset names, matched on the
    destination's ``subset`` (the host is the DestinationRule's and is the same for both).
    """

    canary_host: str | None = None
    stable_host: str | None = None
    canary_subset: str | None = None
    stable_subset: str | None = None
    namespace: str | None = None

    def __post_init__(self) -> None:
        hosts, subsets = (self.canary_host, self.stable_host), (self.canary_subset, self.stable_subset)
        if not ((all(hosts) and not any(subsets)) or (all(subsets) and not any(hosts))):
            raise ValueError("SplitKeys needs canary_host and stable_host, or canary_subset and stable_subset")
        canary, stable = subsets if self.by_subset else hosts
        if canary == stable:
            raise ValueError(f"canary and stable must differ; both are {canary!r}")

    @property
    def by_subset(self) -> bool:
        """True for a subset split, False for a host split."""
        return bool(self.canary_subset)

    def role(self, destination: Mapping[str, Any]) -> str | None:
        """ "canary", "stable", or None for a destination that is neither."""
        if self.by_subset:
            subset = destination.get("subset")
            return {self.canary_subset: "canary", self.stable_subset: "stable"}.get(subset) if subset else None
        host = str(destination.get("host") or "")
        if self._is_service(host, self.canary_host):
            return "canary"
        if self._is_service(host, self.stable_host):
            return "stable"
        return None

    def describe(self, role: str) -> str:
        """How a message names the canary or stable destination: 'Service "x"' or 'subset "x"'."""
        if self.by_subset:
            return f'subset "{self.canary_subset if role == "canary" else self.stable_subset}"'
        return f'Service "{self.canary_host if role == "canary" else self.stable_host}"'

    def _is_service(self, host: str, service: str | None) -> bool:
        if host == service:
            return True
        return bool(self.namespace) and host in {
            f"{service}.{self.namespace}{suffix}" for suffix in _CLUSTER_DOMAIN_SUFFIXES
        }


@dataclass(frozen=True)
class ExtraDestination:
    """An experiment template's destination in a weighted route: its Service (``host``) and weight.

    Argo's rule: the destination is ``{"destination": {"host": <Service>}, "weight": w}``, without a subset, in
    host and subset split alike; a route's destination whose host is the Service (or an FQDN of it) is this one.
    """

    host: str
    weight: int

    def matches(self, destination: Mapping[str, Any]) -> bool:
        host = str(destination.get("host") or "")
        return host == self.host or host.startswith(f"{self.host}.")


@dataclass(frozen=True)
class WeightSplit:
    """The weights to set: ``canary_weight`` on the canary destination, ``stable_weight`` on the stable one, and
    each of ``additional`` (experiment templates during an experiment step) on its own destination.

    They add up to 100 (`FULL_WEIGHT`), unless the canary and the experiments alone ask for more, when stable gets
    0 (Istio refuses negative weights); ``WeightSplit.of(10, keys)`` is canary 10 / stable 90.
    """

    canary_weight: int
    stable_weight: int
    keys: SplitKeys
    additional: tuple[ExtraDestination, ...] = ()

    def __post_init__(self) -> None:
        weights = [self.canary_weight, self.stable_weight, *(extra.weight for extra in self.additional)]
        total = sum(weights)
        if not all(0 <= weight <= FULL_WEIGHT for weight in weights) or not (
            total == FULL_WEIGHT or (self.stable_weight == 0 and total > FULL_WEIGHT)
        ):
            described = f"canary {self.canary_weight}, stable {self.stable_weight}"
            described += "".join(f", {extra.host} {extra.weight}" for extra in self.additional)
            raise ValueError(f"weights must be 0..{FULL_WEIGHT} and add up to {FULL_WEIGHT}: {described}")

    @classmethod
    def of(cls, canary_weight: int, keys: SplitKeys, additional: tuple[ExtraDestination, ...] = ()) -> WeightSplit:
        """Canary gets ``canary_weight``, each extra destination its weight, stable the rest (at least 0)."""
        rest = FULL_WEIGHT - canary_weight - sum(extra.weight for extra in additional)
        return cls(canary_weight=canary_weight, stable_weight=max(0, rest), keys=keys, additional=additional)


@dataclass(frozen=True)
class HeaderRoute:
    """A ``setHeaderRoute``: requests with matching headers all go to the canary (weight 100).

    Each condition becomes its own Istio match entry, as in Argo Rollouts, so a request matching any one of them
    goes to the canary.
    """

    name: str
    match: tuple[HeaderRoutingMatch, ...]

    @classmethod
    def from_step(cls, step: SetHeaderRoute) -> HeaderRoute | None:
        """The route a step asks for; None when the step has no match (it removes the route)."""
        if not step.name:
            raise ValueError("setHeaderRoute needs a name")
        return cls(name=step.name, match=tuple(step.match)) if step.match else None

    def istio_route(self, *, weighted: list[dict[str, Any]], canary: dict[str, Any]) -> dict[str, Any]:
        """The Istio HTTP route; ``canary`` is the canary destination copied from the primary route."""
        del weighted  # same signature as MirrorRoute's; a header route sends all it matches to the canary
        return {
            "name": self.name,
            "match": [
                {"headers": {condition.header_name: _string_match(condition.header_value)}} for condition in self.match
            ],
            "route": [{"destination": canary, "weight": FULL_WEIGHT}],
        }


@dataclass(frozen=True)
class MirrorRoute:
    """A ``setMirrorRoute``: matching requests keep the primary route's weights and are also copied to the canary.

    Conditions inside one match entry must all hold; any entry may match. ``percentage`` of the matching requests
    is mirrored (100 when the step leaves it out).
    """

    name: str
    match: tuple[RouteMatch, ...]
    percentage: int = 100

    @classmethod
    def from_step(cls, step: SetMirrorRoute) -> MirrorRoute | None:
        """The route a step asks for; None when the step has no match (it removes the route)."""
        if not step.match:
            return None
        return cls(
            name=step.name, match=tuple(step.match), percentage=100 if step.percentage is None else step.percentage
        )

    def istio_route(self, *, weighted: list[dict[str, Any]], canary: dict[str, Any]) -> dict[str, Any]:
        """The Istio HTTP route; ``weighted`` are the primary route's entries with the weights being set."""
        return {
            "name": self.name,
            "match": [_request_match(condition) for condition in self.match],
            "route": weighted,
            "mirror": canary,
            "mirrorPercentage": {"value": self.percentage},
        }


ManagedHttpRoute = HeaderRoute | MirrorRoute


@dataclass(frozen=True)
class ManagedRoutes:
    """The managed HTTP routes a VirtualService should have now.

    ``names`` is ``trafficRouting.managedRoutes`` in order: the routes this controller owns, kept at the top of
    ``spec.http`` in that order, above every user route. ``desired`` are the ones that should exist now, in any
    order; a managed route that is not desired is removed. When the rollout completes or aborts, ``desired`` is
    empty, so every managed route goes.
    """

    names: tuple[str, ...]
    desired: tuple[ManagedHttpRoute, ...] = ()

    def __post_init__(self) -> None:
        wanted = [route.name for route in self.desired]
        if len(set(wanted)) != len(wanted):
            raise ValueError(f"managed routes desired twice: {wanted}")
        unknown = [name for name in wanted if name not in self.names]
        if unknown:
            raise ValueError(f"routes {unknown} are not in trafficRouting.managedRoutes {list(self.names)}")


def _string_match(match: StringMatch) -> dict[str, str]:
    return {kind: value for kind in ("exact", "prefix", "regex") if (value := getattr(match, kind))}


def _request_match(condition: RouteMatch) -> dict[str, Any]:
    """A mirror step's match entry as an Istio HTTPMatchRequest (``path`` becomes ``uri``)."""
    request: dict[str, Any] = {}
    if condition.method:
        request["method"] = _string_match(condition.method)
    if condition.path:
        request["uri"] = _string_match(condition.path)
    if condition.headers:
        request["headers"] = {name: _string_match(value) for name, value in condition.headers.items()}
    return request
