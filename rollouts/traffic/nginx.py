"""NGINX Ingress: a canary Ingress, copied from each stable Ingress, carrying ``canary*`` annotations.

``trafficRouting.nginx``: ``stableIngress`` or ``stableIngresses``, ``annotationPrefix`` (default
``nginx.ingress.kubernetes.io``), ``additionalIngressAnnotations`` (prefixed unless they already are) and
``canaryIngressAnnotations`` (as written). As in Argo, the canary Ingress is ``<rollout>-<stable ingress>-canary``,
owned by the Rollout, with the stable Ingress' TLS, class and the rules that reach the stable Service (pointed at the
canary Service), plus ``<prefix>/canary: "true"`` and ``<prefix>/canary-weight``. A ``setHeaderRoute`` with one
condition becomes ``canary-by-header`` (with ``-value`` for exact, ``-pattern`` for regex and prefix): NGINX sends
matching requests to the canary whatever the weight. The stable Ingress is only read. When no update is under way the
canary Ingress stays, at weight 0, as in Argo (it goes with the Rollout, its owner).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rollouts.plan.actions import TrafficSplit
from rollouts.traffic.config import Config
from rollouts.traffic.patch import annotations_ops, replace_ops
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

INGRESSES = ObjectKind("networking.k8s.io", "v1", "ingresses", "Ingress")
FIELD = "spec.strategy.canary.trafficRouting.nginx"
DEFAULT_PREFIX = "nginx.ingress.kubernetes.io"
CLASS_ANNOTATION = "kubernetes.io/ingress.class"
MAX_NAME = 253
HEADER_ANNOTATIONS = ("canary-by-header", "canary-by-header-value", "canary-by-header-pattern")


def canary_ingress_name(rollout: str, stable_ingress: str) -> str:
    """``<rollout>-<stable ingress>-canary``, the prefix cut so that the name stays within 253 characters."""
    return f"{rollout}-{stable_ingress}"[: MAX_NAME - len("-canary")] + "-canary"


@dataclass(frozen=True)
class NginxRouter:
    rollout: RoutedRollout
    stable_ingresses: tuple[str, ...]
    prefix: str = DEFAULT_PREFIX
    additional: tuple[tuple[str, str], ...] = ()
    weight_total: int | None = None
    field: str = FIELD

    @classmethod
    def build(cls, rollout: RoutedRollout, config: Config, max_traffic_weight: int | None = None) -> NginxRouter:
        stable = config.texts("stableIngresses") or ([single] if (single := config.text("stableIngress")) else [])
        if not stable:
            raise RoutingError(f"{config.field}: set stableIngress or stableIngresses")
        prefix = config.text("annotationPrefix", DEFAULT_PREFIX)
        additional = {
            (key if key.startswith(prefix) else f"{prefix}/{key}"): value
            for key, value in config.strings("additionalIngressAnnotations").items()
        }
        additional.update(config.strings("canaryIngressAnnotations"))  # full keys, no prefix added
        return cls(rollout, tuple(stable), prefix, tuple(sorted(additional.items())), max_traffic_weight)

    def _keys(self) -> list[tuple[ObjectKey, ObjectKey]]:
        namespace, name = self.rollout.namespace, self.rollout.name
        return [
            (
                ObjectKey(INGRESSES, namespace, stable),
                ObjectKey(INGRESSES, namespace, canary_ingress_name(name, stable)),
            )
            for stable in self.stable_ingresses
        ]

    def reads(self) -> Sequence[ObjectKey]:
        return [key for pair in self._keys() for key in pair]

    def set_weight(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        headers = self._header_annotations(split)
        edits: list[Edit] = []
        for stable_key, canary_key in self._keys():
            stable = require(objects, stable_key, f"{self.field}.stableIngress")
            desired = self.canary_ingress(stable, canary_key, split.canary_weight, headers)
            edits += self._converge(objects.get(canary_key), desired, canary_key, split.canary_weight)
        return edits

    def verify(self, objects: Objects, split: TrafficSplit) -> Verification:
        return verified_by_reading(self, objects, split)

    def release(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        """As Argo does, keep the canary Ingresses (made now if missing) at weight 0 without header routes; a stable
        Ingress that is gone is skipped (nothing to copy)."""
        edits: list[Edit] = []
        for stable_key, canary_key in self._keys():
            stable = objects.get(stable_key)
            if stable is not None:
                desired = self.canary_ingress(stable, canary_key, 0, {})
                edits += self._converge(objects.get(canary_key), desired, canary_key, 0)
        return edits

    def canary_ingress(
        self, stable: Mapping[str, Any], key: ObjectKey, weight: int, headers: Mapping[str, str]
    ) -> dict[str, Any]:
        spec = stable.get("spec") or {}
        rules = [rule for rule in (_to_canary(rule, self.rollout) for rule in spec.get("rules") or []) if rule]
        if not rules:
            service = self.rollout.stable_service
            raise RoutingError(f'{self.field}: Ingress "{_name(stable)}" has no rules using Service "{service}"')
        annotations = {}
        if (
            ingress_class := ((stable.get("metadata") or {}).get("annotations") or {}).get(CLASS_ANNOTATION)
        ) is not None:
            annotations[CLASS_ANNOTATION] = ingress_class
        annotations.update(dict(self.additional))
        annotations.update(headers)
        annotations[f"{self.prefix}/canary"] = "true"
        annotations[f"{self.prefix}/canary-weight"] = str(weight)
        if self.weight_total is not None:
            annotations[f"{self.prefix}/canary-weight-total"] = str(self.weight_total)
        canary_spec: dict[str, Any] = {key: spec[key] for key in ("ingressClassName", "tls") if key in spec}
        canary_spec["rules"] = rules
        metadata = {
            "name": key.name,
            "namespace": key.namespace,
            "annotations": annotations,
            "ownerReferences": [self.rollout.owner_reference()],
        }
        return {"apiVersion": INGRESSES.api_version, "kind": INGRESSES.kind, "metadata": metadata, "spec": canary_spec}

    def _converge(
        self, current: Mapping[str, Any] | None, desired: dict[str, Any], key: ObjectKey, weight: int
    ) -> list[Edit]:
        if current is None:
            return [
                Edit(
                    key,
                    create=desired,
                    event=("CreatingCanaryIngress", f"Creating canary ingress `{key.name}` with weight `{weight}`"),
                )
            ]
        if not self.rollout.controls(current):
            raise RoutingError(f"{self.field}: canary ingress `{key.name}` controlled by different object")
        ops = replace_ops("/spec", current.get("spec"), desired["spec"], present="spec" in current)
        wanted: dict[str, str | None] = dict(desired["metadata"]["annotations"])
        ours = {f"{self.prefix}/{name}" for name in HEADER_ANNOTATIONS} | {f"{self.prefix}/canary-weight-total"}
        wanted.update(dict.fromkeys(sorted(ours - set(wanted))))
        ops += annotations_ops(current, wanted)
        event = ("PatchingCanaryIngress", f"Updating Ingress `{key.name}` to desiredWeight '{weight}'")
        return [Edit(key, tuple(ops), event=event)] if ops else []

    def _header_annotations(self, split: TrafficSplit) -> dict[str, str]:
        steps = [step for step in split.header_routes if step.match]
        if not steps:
            return {}
        if len(steps) > 1 or len(steps[0].match) != 1:
            raise RoutingError(f"{self.field}: NGINX routes by one header; setHeaderRoute needs exactly one match")
        condition = steps[0].match[0]
        value, header = condition.header_value, {f"{self.prefix}/canary-by-header": condition.header_name}
        if value.exact is not None:
            return {**header, f"{self.prefix}/canary-by-header-value": value.exact}
        pattern = value.regex if value.regex is not None else f"^{re.escape(value.prefix or '')}.*"
        return {**header, f"{self.prefix}/canary-by-header-pattern": pattern}


def _to_canary(rule: Mapping[str, Any], rollout: RoutedRollout) -> dict[str, Any] | None:
    """The rule with stable backends pointed at the canary Service; None when it never reaches the stable Service."""
    paths = list((rule.get("http") or {}).get("paths") or [])
    if not any(_service(path) == rollout.stable_service for path in paths):
        return None
    canary_paths = []
    for path in paths:
        if _service(path) == rollout.stable_service:
            service = {**path["backend"]["service"], "name": rollout.canary_service}
            path = {**path, "backend": {**path["backend"], "service": service}}
        canary_paths.append(path)
    return {**rule, "http": {**rule["http"], "paths": canary_paths}}


def _service(path: Mapping[str, Any]) -> str | None:
    return ((path.get("backend") or {}).get("service") or {}).get("name")


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")
