"""Gateway API: backendRef weights in HTTPRoutes, GRPCRoutes and TCPRoutes, and header routes in HTTPRoutes.

Configured as Argo's Gateway API plugin is, under ``trafficRouting.plugins["argoproj-labs/gatewayAPI"]``:
``httpRoute`` or ``httpRoutes`` (``[{name, useHeaderRoutes}]``), ``grpcRoute(s)``, ``tcpRoute(s)``, ``namespace``
(default: the Rollout's) and ``useHeaderRoutes`` (for ``httpRoute``). We implement it natively, no plugin process.

Weights: in every rule, the backendRefs named after the canary and stable Services get their weights. Header routes:
each ``setHeaderRoute`` in force becomes one rule appended to the HTTPRoute, matching its headers (on the primary
rule's paths) and sending everything to the canary. Standard-channel HTTPRoute rules have no name, so the rules we
added are recorded in the ``rollouts.argoproj.io/gatewayapi-managed-routes`` annotation and recognised by content.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rollouts.api import SetHeaderRoute
from rollouts.plan.actions import TrafficSplit
from rollouts.traffic.config import Config
from rollouts.traffic.patch import Operation, annotation_ops, test
from rollouts.traffic.router import (
    Edit,
    ObjectKey,
    ObjectKind,
    Objects,
    RoutedRollout,
    RoutingError,
    Verification,
    require,
    verified_by_reading,
)
from rollouts.traffic.weights import service_weights, stable_only

PLUGIN = "argoproj-labs/gatewayAPI"
FIELD = f'spec.strategy.canary.trafficRouting.plugins["{PLUGIN}"]'
GROUP, VERSION = "gateway.networking.k8s.io", "v1"
KINDS = {
    "http": ObjectKind(GROUP, VERSION, "httproutes", "HTTPRoute"),
    "grpc": ObjectKind(GROUP, VERSION, "grpcroutes", "GRPCRoute"),
    "tcp": ObjectKind(GROUP, "v1alpha2", "tcproutes", "TCPRoute"),
}
MANAGED_ANNOTATION = "rollouts.argoproj.io/gatewayapi-managed-routes"


@dataclass(frozen=True)
class Route:
    key: ObjectKey
    header_routes: bool = False


@dataclass(frozen=True)
class GatewayApiRouter:
    rollout: RoutedRollout
    routes: tuple[Route, ...]
    field: str = FIELD

    @classmethod
    def build(cls, rollout: RoutedRollout, config: Config) -> GatewayApiRouter:
        namespace = config.text("namespace", rollout.namespace)
        routes: list[Route] = []
        for kind, kind_of in KINDS.items():
            if single := config.text(f"{kind}Route"):
                use_headers = kind == "http" and config.flag("useHeaderRoutes")
                routes.append(Route(ObjectKey(kind_of, namespace, single), use_headers))
            for entry in config.children(f"{kind}Routes"):
                use_headers = kind == "http" and entry.flag("useHeaderRoutes")
                routes.append(Route(ObjectKey(kind_of, namespace, entry.required_text("name")), use_headers))
        if not routes:
            raise RoutingError(f"{config.field}: name an httpRoute(s), grpcRoute(s) or tcpRoute(s)")
        return cls(rollout, tuple(routes))

    def reads(self) -> Sequence[ObjectKey]:
        return [route.key for route in self.routes]

    def set_weight(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        headers = [step for step in split.header_routes if step.match]
        return self._edits(objects, service_weights(self.rollout, split), headers)

    def verify(self, objects: Objects, split: TrafficSplit) -> Verification:
        return verified_by_reading(self, objects, split)

    def release(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        present = {route.key: objects.get(route.key) for route in self.routes if objects.get(route.key) is not None}
        return self._edits(present, stable_only(self.rollout), [], only_present=True)

    def _edits(
        self, objects: Objects, weights: Mapping[str, int], headers: list[SetHeaderRoute], only_present: bool = False
    ) -> list[Edit]:
        edits = []
        for route in self.routes:
            if only_present and objects.get(route.key) is None:
                continue
            current = require(objects, route.key, self.field)
            ops = _weight_ops(current, route.key, weights)
            if route.header_routes or _managed(current):
                wanted = headers if route.header_routes else []
                ops += _header_route_ops(current, self.rollout, wanted)
            summary = ", ".join(f"{service} {weight}" for service, weight in weights.items())
            edits += (
                [Edit(route.key, tuple(ops), event=("TrafficWeightUpdated", f"{route.key}: {summary}"))] if ops else []
            )
        return edits


def _rules(route: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((route.get("spec") or {}).get("rules") or [])


def _managed(route: Mapping[str, Any]) -> dict[str, Any]:
    raw = ((route.get("metadata") or {}).get("annotations") or {}).get(MANAGED_ANNOTATION)
    try:
        found = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _weight_ops(route: Mapping[str, Any], key: ObjectKey, weights: Mapping[str, int]) -> list[Operation]:
    """Weights of the canary and stable backendRefs in every rule we did not add; one rule must have both."""
    managed = list(_managed(route).values())
    operations: list[Operation] = []
    complete = False
    for index, rule in enumerate(_rules(route)):
        if any(_same_rule(rule, ours) for ours in managed):
            continue
        refs = list(rule.get("backendRefs") or [])
        names = {ref.get("name") for ref in refs}
        complete = complete or set(weights) <= names
        for ref_index, ref in enumerate(refs):
            weight = weights.get(ref.get("name", ""))
            if weight is None or ref.get("weight") == weight:
                continue
            path = f"/spec/rules/{index}/backendRefs/{ref_index}"
            operations += [
                test(f"{path}/name", ref.get("name")),
                {"op": "replace" if "weight" in ref else "add", "path": f"{path}/weight", "value": weight},
            ]
    if not complete:
        services = " and ".join(f'"{name}"' for name in weights)
        raise RoutingError(f"{key}: no rule has backendRefs for both Services {services}")
    return operations


def _header_route_ops(
    route: Mapping[str, Any], rollout: RoutedRollout, headers: list[SetHeaderRoute]
) -> list[Operation]:
    """Remove the managed rules that changed or went, append the missing ones, record them in the annotation."""
    rules, recorded = _rules(route), _managed(route)
    desired = {step.name: _header_rule(rules, rollout, step) for step in headers if step.name}
    operations: list[Operation] = []
    removed = {
        index
        for name, rule in recorded.items()
        if not _same_rule(desired.get(name), rule)
        for index in _indexes(rules, rule)
    }
    for index in sorted(removed, reverse=True):
        operations += [test(f"/spec/rules/{index}", rules[index]), {"op": "remove", "path": f"/spec/rules/{index}"}]
    remaining = [rule for index, rule in enumerate(rules) if index not in removed]
    order = [name for name in rollout.managed_routes if name in desired] + sorted(
        set(desired) - set(rollout.managed_routes)
    )
    for name in order:
        if not any(_same_rule(desired[name], rule) for rule in remaining):
            operations.append({"op": "add", "path": "/spec/rules/-", "value": desired[name]})
    if recorded != desired:
        value = json.dumps(desired, separators=(",", ":"), sort_keys=True) if desired else None
        operations += annotation_ops(route, MANAGED_ANNOTATION, value)
    return operations


def _indexes(rules: list[Mapping[str, Any]], rule: Any) -> list[int]:
    return [index for index, candidate in enumerate(rules) if _same_rule(candidate, rule)][:1]


def _same_rule(one: Any, other: Any) -> bool:
    """Equal once the API server's defaults are filled in on both (it adds them to what we wrote)."""
    return one is not None and other is not None and _defaulted(one) == _defaulted(other)


def _defaulted(rule: Mapping[str, Any]) -> dict[str, Any]:
    refs = [{"group": "", "kind": "Service", "weight": 1, **ref} for ref in rule.get("backendRefs") or []]
    matches = [
        {
            "path": {"type": "PathPrefix", "value": "/"},
            **match,
            "headers": [{"type": "Exact", **h} for h in match.get("headers") or []],
        }
        for match in rule.get("matches") or [{}]
    ]
    return {**rule, "backendRefs": refs, "matches": matches}


def _header_rule(rules: list[Mapping[str, Any]], rollout: RoutedRollout, step: SetHeaderRoute) -> dict[str, Any]:
    """All requests with the step's headers (on the primary rule's paths) go to the canary."""
    primary = next(
        (
            rule
            for rule in rules
            if any(ref.get("name") == rollout.canary_service for ref in rule.get("backendRefs") or [])
        ),
        None,
    )
    if primary is None:
        raise RoutingError(
            f'setHeaderRoute "{step.name}": no HTTPRoute rule has a backendRef for "{rollout.canary_service}"'
        )
    canary = next(ref for ref in primary.get("backendRefs") or [] if ref.get("name") == rollout.canary_service)
    headers = [_header_match(match.header_name, match.header_value) for match in step.match or []]
    bases = [
        {key: value for key, value in match.items() if key != "headers"} for match in primary.get("matches") or [{}]
    ]
    backend = {key: copy.deepcopy(value) for key, value in canary.items() if key != "weight"}
    return {"matches": [{**base, "headers": headers} for base in bases], "backendRefs": [backend]}


def _header_match(name: str, value: Any) -> dict[str, str]:
    if value.exact is not None:
        return {"type": "Exact", "name": name, "value": value.exact}
    if value.regex is not None:
        return {"type": "RegularExpression", "name": name, "value": value.regex}
    return {"type": "RegularExpression", "name": name, "value": f"^{re.escape(value.prefix or '')}.*"}
