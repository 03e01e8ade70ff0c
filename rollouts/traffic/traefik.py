"""Traefik: the weights of the canary and stable Services in a weighted TraefikService.

``trafficRouting.traefik.weightedTraefikServiceName`` names a TraefikService (traefik.containo.us/v1alpha1, Argo's
default group) whose ``spec.weighted.services`` lists both Services; only their ``weight`` fields are written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from rollouts.plan.actions import TrafficSplit
from rollouts.traffic.config import Config
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

TRAEFIK_SERVICES = ObjectKind("traefik.containo.us", "v1alpha1", "traefikservices", "TraefikService")
FIELD = "spec.strategy.canary.trafficRouting.traefik"


@dataclass(frozen=True)
class TraefikRouter:
    rollout: RoutedRollout
    service_name: str
    field: str = FIELD

    @classmethod
    def build(cls, rollout: RoutedRollout, config: Config) -> TraefikRouter:
        return cls(rollout, config.required_text("weightedTraefikServiceName"))

    @property
    def key(self) -> ObjectKey:
        return ObjectKey(TRAEFIK_SERVICES, self.rollout.namespace, self.service_name)

    def reads(self) -> Sequence[ObjectKey]:
        return [self.key]

    def set_weight(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        return self._edits(objects, service_weights(self.rollout, split))

    def verify(self, objects: Objects, split: TrafficSplit) -> Verification:
        return verified_by_reading(self, objects, split)

    def release(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        return self._edits(objects, stable_only(self.rollout)) if objects.get(self.key) is not None else []

    def _edits(self, objects: Objects, weights: Mapping[str, int]) -> list[Edit]:
        current = require(objects, self.key, f"{self.field}.weightedTraefikServiceName")
        services = ((current.get("spec") or {}).get("weighted") or {}).get("services")
        if not isinstance(services, list):
            raise RoutingError(f"{self.key}: spec.weighted.services not found")
        ops = named_weight_ops(services, "/spec/weighted/services", weights, where=str(self.key))
        message = f"TraefikService `{self.service_name}` weights: " + ", ".join(f"{s} {w}" for s, w in weights.items())
        return [Edit(self.key, tuple(ops), event=("TraefikServiceUpdated", message))] if ops else []
