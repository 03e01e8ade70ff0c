"""Apache APISIX: backend weights in an ApisixRoute, and header routes as ApisixRoutes of their own.

``trafficRouting.apisix.route``: ``name`` of the ApisixRoute (apisix.apache.org/v2) and ``rules``, the names of its
``spec.http`` rules to manage (default: the rule named like the route). Each rule's backends with ``serviceName``
equal to the canary and stable Services get their weights. As in Argo, a ``setHeaderRoute`` in force is a copy of
the ApisixRoute named after the route, owned by the Rollout, whose managed rules send everything to the canary
(stable backend removed), match the headers in ``match.exprs`` and have priority one above the original; it is
deleted when the step's match is empty, and on release.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rollouts.api import SetHeaderRoute
from rollouts.plan.actions import TrafficSplit
from rollouts.traffic.config import Config
from rollouts.traffic.patch import Operation, replace_ops, test
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
from rollouts.traffic.weights import named_weight_ops, service_weights, stable_only

APISIX_ROUTES = ObjectKind("apisix.apache.org", "v2", "apisixroutes", "ApisixRoute")
FIELD = "spec.strategy.canary.trafficRouting.apisix"


@dataclass(frozen=True)
class ApisixRouter:
    rollout: RoutedRollout
    route: str
    rules: tuple[str, ...]
    field: str = FIELD

    @classmethod
    def build(cls, rollout: RoutedRollout, config: Config) -> ApisixRouter:
        route = config.child("route")
        if route is None:
            raise RoutingError(f"{config.at('route')}: required")
        name = route.required_text("name")
        return cls(rollout, name, tuple(route.texts("rules") or [name]))

    def _key(self, name: str) -> ObjectKey:
        return ObjectKey(APISIX_ROUTES, self.rollout.namespace, name)

    def reads(self) -> Sequence[ObjectKey]:
        return [self._key(self.route), *(self._key(name) for name in self.rollout.managed_routes)]

    def set_weight(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        main = require(objects, self._key(self.route), f"{self.field}.route.name")
        edits = self._weights(main, service_weights(self.rollout, split))
        in_force = {step.name: step for step in split.header_routes if step.match and step.name}
        for name in self.rollout.managed_routes:
            current = objects.get(self._key(name))
            step = in_force.get(name)
            edits += self._header_route(main, current, step) if step else self._drop(current, name)
        return edits

    def verify(self, objects: Objects, split: TrafficSplit) -> Verification:
        return verified_by_reading(self, objects, split)

    def release(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        main = objects.get(self._key(self.route))
        edits = self._weights(main, stable_only(self.rollout)) if main is not None else []
        return edits + [
            edit for name in self.rollout.managed_routes for edit in self._drop(objects.get(self._key(name)), name)
        ]

    def _rule_indexes(self, route: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
        http = list((route.get("spec") or {}).get("http") or [])
        found = []
        for rule_name in self.rules:
            indexes = [index for index, rule in enumerate(http) if rule.get("name") == rule_name]
            if not indexes:
                raise RoutingError(f"{self.field}.route.rules: ApisixRoute {_name(route)} has no http rule {rule_name}")
            found.append((indexes[0], http[indexes[0]]))
        return found

    def _weights(self, route: Mapping[str, Any], weights: Mapping[str, int]) -> list[Edit]:
        ops: list[Operation] = []
        for index, rule in self._rule_indexes(route):
            path = f"/spec/http/{index}"
            rule_ops = named_weight_ops(
                list(rule.get("backends") or []),
                f"{path}/backends",
                weights,
                where=f"ApisixRoute {_name(route)} rule {rule.get('name')}",
                name_key="serviceName",
            )
            ops += [test(f"{path}/name", rule.get("name")), *rule_ops] if rule_ops else []
        summary = ", ".join(f"{service} {weight}" for service, weight in weights.items())
        return (
            [
                Edit(
                    self._key(self.route),
                    tuple(ops),
                    event=("TrafficWeightUpdated", f"ApisixRoute {self.route}: {summary}"),
                )
            ]
            if ops
            else []
        )

    def header_route_spec(self, main: Mapping[str, Any], step: SetHeaderRoute) -> dict[str, Any]:
        spec = copy.deepcopy(dict(main.get("spec") or {}))
        http = spec.get("http") or []
        for index, _ in self._rule_indexes(main):
            rule = http[index]
            backends = [
                backend
                for backend in rule.get("backends") or []
                if backend.get("serviceName") != self.rollout.stable_service
            ]
            for backend in backends:
                if backend.get("serviceName") == self.rollout.canary_service:
                    backend["weight"] = self.rollout.max_weight
            rule["backends"] = backends
            rule["priority"] = int(rule.get("priority") or 0) + 1
            rule["match"] = {
                **(rule.get("match") or {}),
                "exprs": [expr for match in step.match or [] for expr in _exprs(match)],
            }
        return spec

    def _header_route(
        self, main: Mapping[str, Any], current: Mapping[str, Any] | None, step: SetHeaderRoute
    ) -> list[Edit]:
        key = self._key(str(step.name))
        spec = self.header_route_spec(main, step)
        if current is None:
            metadata = {
                "name": key.name,
                "namespace": key.namespace,
                "ownerReferences": [self.rollout.owner_reference()],
            }
            body = {
                "apiVersion": APISIX_ROUTES.api_version,
                "kind": APISIX_ROUTES.kind,
                "metadata": metadata,
                "spec": spec,
            }
            return [
                Edit(key, create=body, event=("ApisixRouteCreated", f"ApisixRoute {key.name} created for header route"))
            ]
        if not self.rollout.controls(current):
            raise RoutingError(f"{self.field}: duplicate ApisixRoute [{key.name}] already exists")
        ops = replace_ops("/spec", current.get("spec"), spec, present="spec" in current)
        return [Edit(key, tuple(ops))] if ops else []

    def _drop(self, current: Mapping[str, Any] | None, name: str) -> list[Edit]:
        if current is None or not self.rollout.controls(current):
            return []
        return [Edit(self._key(name), delete=True, event=("ApisixRouteDeleted", f"ApisixRoute {name} deleted"))]


def _exprs(match: Any) -> list[dict[str, Any]]:
    subject = {"scope": "Header", "name": match.header_name}
    value = match.header_value
    found = []
    if value.exact:
        found.append({"subject": subject, "op": "Equal", "value": value.exact})
    if value.regex:
        found.append({"subject": subject, "op": "RegexMatch", "value": value.regex})
    if value.prefix:
        found.append({"subject": subject, "op": "RegexMatch", "value": f"^{re.escape(value.prefix)}.*"})
    return found


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")
