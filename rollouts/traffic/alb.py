"""AWS ALB: forward actions in Ingress annotations, read by the AWS Load Balancer Controller.

``trafficRouting.alb``: ``ingress`` or ``ingresses``, ``servicePort`` (or per-ingress ``servicePorts``),
``rootService`` (default: the stable Service), ``annotationPrefix`` (default ``alb.ingress.kubernetes.io``),
``stickinessConfig {enabled, durationSeconds}``. As in Argo, each Ingress gets
``<prefix>/actions.<rootService>``: a forward action whose target groups are the canary then the stable Service
(per port), with an experiment step's weighted templates between them (their share taken from the stable's), and
``rollouts.argoproj.io/managed-alb-annotations`` lists the annotations the Rollout manages. A
``setHeaderRoute`` adds ``<prefix>/actions.<route>`` (all to the canary) and ``<prefix>/conditions.<route>``
(``http-header`` conditions, exact values) and a ``/*`` path on the route's name with port ``use-annotation``.
Weights are not verified against AWS target groups (we make no AWS calls).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rollouts.plan.actions import TrafficSplit
from rollouts.traffic.config import Config
from rollouts.traffic.nginx import INGRESSES
from rollouts.traffic.patch import Operation, annotations_ops, test
from rollouts.traffic.router import (
    Edit,
    ObjectKey,
    Objects,
    RoutedRollout,
    RoutingError,
    Verification,
    require,
)

FIELD = "spec.strategy.canary.trafficRouting.alb"
DEFAULT_PREFIX = "alb.ingress.kubernetes.io"
MANAGED_ANNOTATION = "rollouts.argoproj.io/managed-alb-annotations"
MAX_STICKINESS_SECONDS = 604800
UNVERIFIED = "ALB weights are not verified against AWS target groups (no AWS calls); the Ingress carries them"


@dataclass(frozen=True)
class AlbRouter:
    rollout: RoutedRollout
    ingresses: tuple[tuple[str, tuple[int, ...]], ...]
    """Each Ingress with the Service ports its target groups use."""
    root_service: str
    prefix: str = DEFAULT_PREFIX
    stickiness_seconds: int | None = None
    field: str = FIELD

    @classmethod
    def build(cls, rollout: RoutedRollout, config: Config) -> AlbRouter:
        port = config.integer("servicePort")
        per_ingress = {
            entry.required_text("ingress"): entry.integers("servicePorts") or []
            for entry in config.children("servicePorts")
        }
        names = config.texts("ingresses") or ([single] if (single := config.text("ingress")) else [])
        if not names:
            raise RoutingError(f"{config.field}: set ingress or ingresses")
        ingresses = []
        for name in names:
            ports = per_ingress.get(name) or ([port] if port else [])
            if not ports:
                raise RoutingError(f"{config.at('servicePort')}: required (the Service port of Ingress {name})")
            ingresses.append((name, tuple(ports)))
        stickiness = config.child("stickinessConfig")
        seconds = None
        if stickiness is not None and stickiness.flag("enabled"):
            seconds = stickiness.integer("durationSeconds", 0) or 0
            if not 1 <= seconds <= MAX_STICKINESS_SECONDS:
                raise RoutingError(
                    f"{stickiness.at('durationSeconds')}: must be 1 to {MAX_STICKINESS_SECONDS} seconds (7 days)"
                )
        root = config.text("rootService", rollout.stable_service)
        return cls(rollout, tuple(ingresses), root, config.text("annotationPrefix", DEFAULT_PREFIX), seconds)

    def reads(self) -> Sequence[ObjectKey]:
        return [ObjectKey(INGRESSES, self.rollout.namespace, name) for name, _ in self.ingresses]

    def set_weight(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        in_force = {step.name: step for step in split.header_routes if step.match and step.name}
        extra = tuple((destination.service_name, destination.weight) for destination in split.additional)
        return self._edits(objects, split.canary_weight, in_force, extra=extra)

    def verify(self, objects: Objects, split: TrafficSplit) -> Verification:
        return Verification(None, UNVERIFIED)

    def release(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        present = [
            name for name, _ in self.ingresses if objects.get(ObjectKey(INGRESSES, self.rollout.namespace, name))
        ]
        return self._edits(objects, 0, {}, only=present)

    def action_key(self, service: str) -> str:
        return f"{self.prefix}/actions.{service}"

    def condition_key(self, route: str) -> str:
        return f"{self.prefix}/conditions.{route}"

    def forward_action(self, ports: Sequence[int], weights: Sequence[tuple[str, int]]) -> str:
        groups = [
            {"ServiceName": service, "ServicePort": str(port), "Weight": weight}
            for service, weight in weights
            for port in ports
        ]
        forward: dict[str, Any] = {"TargetGroups": groups}
        if self.stickiness_seconds is not None:
            forward["TargetGroupStickinessConfig"] = {"Enabled": True, "DurationSeconds": self.stickiness_seconds}
        return _compact({"Type": "forward", "ForwardConfig": forward})

    def _edits(
        self,
        objects: Objects,
        canary_weight: int,
        in_force: Mapping[str, Any],
        only: Sequence[str] | None = None,
        extra: Sequence[tuple[str, int]] = (),
    ) -> list[Edit]:
        edits = []
        for name, ports in self.ingresses:
            if only is not None and name not in only:
                continue
            key = ObjectKey(INGRESSES, self.rollout.namespace, name)
            current = require(objects, key, f"{self.field}.ingress")
            if self.root_service not in _services(current):
                raise RoutingError(f"{key}: ingress does not have service `{self.root_service}` in rules")
            ops = self._ingress_ops(current, ports, canary_weight, in_force, extra)
            event = ("PatchingALBIngress", f"Updating Ingress `{name}` to desiredWeight '{canary_weight}'")
            edits += [Edit(key, tuple(ops), event=event)] if ops else []
        return edits

    def _ingress_ops(
        self,
        current: Mapping[str, Any],
        ports: Sequence[int],
        canary_weight: int,
        in_force: Mapping[str, Any],
        extra: Sequence[tuple[str, int]],
    ) -> list[Operation]:
        canary, stable = self.rollout.canary_service, self.rollout.stable_service
        rest = self.rollout.max_weight - canary_weight - sum(weight for _, weight in extra)
        weights = [(canary, canary_weight), *extra, (stable, rest)]
        wanted: dict[str, str | None] = {self.action_key(self.root_service): self.forward_action(ports, weights)}
        for route in self.rollout.managed_routes:
            step = in_force.get(route)
            wanted[self.action_key(route)] = (
                self.forward_action(ports, [(canary, self.rollout.max_weight)]) if step else None
            )
            wanted[self.condition_key(route)] = _conditions(step) if step else None
        wanted[MANAGED_ANNOTATION] = _managed_list(current, self.rollout.name, wanted)
        return _path_ops(current, self.rollout.managed_routes, set(in_force)) + annotations_ops(current, wanted)


def _services(ingress: Mapping[str, Any]) -> set[str]:
    return {
        ((path.get("backend") or {}).get("service") or {}).get("name", "")
        for rule in (ingress.get("spec") or {}).get("rules") or []
        for path in (rule.get("http") or {}).get("paths") or []
    }


def _conditions(step: Any) -> str:
    conditions = []
    for match in step.match:
        if match.header_value.exact is None:
            raise RoutingError(f'setHeaderRoute "{step.name}": ALB matches headers by exact value only')
        header = {"httpHeaderName": match.header_name, "values": [match.header_value.exact]}
        conditions.append({"field": "http-header", "httpHeaderConfig": header})
    return _compact(conditions)


def _managed_list(current: Mapping[str, Any], rollout: str, wanted: Mapping[str, str | None]) -> str:
    """The managed-annotations record with this Rollout's keys updated (others' entries kept as they are)."""
    raw = ((current.get("metadata") or {}).get("annotations") or {}).get(MANAGED_ANNOTATION) or "{}"
    try:
        record = json.loads(raw)
    except ValueError:
        record = {}
    record = record if isinstance(record, dict) else {}
    keys = [key for key in record.get(rollout) or [] if wanted.get(key, "") is not None]
    keys += [
        key for key, value in wanted.items() if value is not None and key not in keys and key != MANAGED_ANNOTATION
    ]
    return _compact({**record, rollout: keys}, sort=True)


def _path_ops(ingress: Mapping[str, Any], managed: Sequence[str], in_force: set[str]) -> list[Operation]:
    """Each rule gets a ``/*`` path per header route in force, at its top; paths of routes no longer in force go."""
    operations: list[Operation] = []
    for index, rule in enumerate((ingress.get("spec") or {}).get("rules") or []):
        paths = list((rule.get("http") or {}).get("paths") or [])
        base = f"/spec/rules/{index}/http/paths"
        for position in reversed(range(len(paths))):
            name = ((paths[position].get("backend") or {}).get("service") or {}).get("name")
            if name in managed and name not in in_force:
                operations += [
                    test(f"{base}/{position}", paths[position]),
                    {"op": "remove", "path": f"{base}/{position}"},
                ]
        present = {((path.get("backend") or {}).get("service") or {}).get("name") for path in paths}
        for route in reversed([route for route in managed if route in in_force and route not in present]):
            operations.append({"op": "add", "path": f"{base}/0", "value": _annotation_path(route)})
    return operations


def _annotation_path(route: str) -> dict[str, Any]:
    service = {"name": route, "port": {"name": "use-annotation"}}
    return {"path": "/*", "pathType": "ImplementationSpecific", "backend": {"service": service}}


def _compact(value: Any, sort: bool = False) -> str:
    """JSON as Go's encoder writes it: no spaces (map keys sorted, as Go sorts them, when ``sort``)."""
    return json.dumps(value, separators=(",", ":"), sort_keys=sort)
