"""SMI: a TrafficSplit (split.smi-spec.io) whose backends are the canary and stable Services.

``trafficRouting.smi``: ``rootService`` (default: the stable Service) is the Service clients call;
``trafficSplitName`` (default: the Rollout's name). As in Argo, the TrafficSplit is created owned by the Rollout
(``TrafficSplitCreated``) and its backends are the canary first, then an experiment step's weighted templates, then
the stable. One that already exists is
adopted when no other controller owns it: we then write only ``spec.service`` and ``spec.backends``. When no update is
under way the TrafficSplit stays (made now if missing, say at the first deploy), everything on the stable, as in Argo.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rollouts.plan.actions import TrafficSplit
from rollouts.traffic.config import Config
from rollouts.traffic.patch import replace_ops
from rollouts.traffic.router import (
    Edit,
    ObjectKey,
    ObjectKind,
    Objects,
    RoutedRollout,
    RoutingError,
    Verification,
    verified_by_reading,
)
from rollouts.traffic.weights import stable_only

TRAFFIC_SPLITS = ObjectKind("split.smi-spec.io", "v1alpha1", "trafficsplits", "TrafficSplit")
FIELD = "spec.strategy.canary.trafficRouting.smi"


@dataclass(frozen=True)
class SmiRouter:
    rollout: RoutedRollout
    root_service: str
    traffic_split_name: str
    field: str = FIELD

    @classmethod
    def build(cls, rollout: RoutedRollout, config: Config) -> SmiRouter:
        return cls(
            rollout,
            root_service=config.text("rootService", rollout.stable_service),
            traffic_split_name=config.text("trafficSplitName", rollout.name),
        )

    @property
    def key(self) -> ObjectKey:
        return ObjectKey(TRAFFIC_SPLITS, self.rollout.namespace, self.traffic_split_name)

    def reads(self) -> Sequence[ObjectKey]:
        return [self.key]

    def set_weight(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        weights = {self.rollout.canary_service: split.canary_weight}
        weights.update((destination.service_name, destination.weight) for destination in split.additional)
        weights[self.rollout.stable_service] = split.stable_weight
        return self._edits(objects.get(self.key), weights)

    def verify(self, objects: Objects, split: TrafficSplit) -> Verification:
        return verified_by_reading(self, objects, split)

    def release(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        return self._edits(objects.get(self.key), stable_only(self.rollout))

    def spec(self, weights: Mapping[str, int]) -> dict[str, Any]:
        backends = [{"service": service, "weight": weight} for service, weight in weights.items()]
        return {"service": self.root_service, "backends": backends}

    def _edits(self, current: Mapping[str, Any] | None, weights: Mapping[str, int]) -> list[Edit]:
        desired = self.spec(weights)
        if current is None:
            body = {
                "apiVersion": TRAFFIC_SPLITS.api_version,
                "kind": TRAFFIC_SPLITS.kind,
                "metadata": {
                    "name": self.key.name,
                    "namespace": self.key.namespace,
                    "ownerReferences": [self.rollout.owner_reference()],
                },
                "spec": desired,
            }
            return [
                Edit(self.key, create=body, event=("TrafficSplitCreated", f"TrafficSplit `{self.key.name}` created"))
            ]
        self._check_owner(current)
        spec = current.get("spec") or {}
        ops = [
            *replace_ops("/spec/service", spec.get("service"), desired["service"], present="service" in spec),
            *replace_ops("/spec/backends", spec.get("backends"), desired["backends"], present="backends" in spec),
        ]
        if ops and "spec" not in current:
            ops = [{"op": "add", "path": "/spec", "value": desired}]
        event = ("TrafficSplitModified", f"TrafficSplit `{self.key.name}` modified")
        return [Edit(self.key, tuple(ops), event=event)] if ops else []

    def _check_owner(self, current: Mapping[str, Any]) -> None:
        owners = (current.get("metadata") or {}).get("ownerReferences") or []
        others = [ref for ref in owners if ref.get("controller") and ref.get("uid") != self.rollout.uid]
        if others:
            owner = f"{others[0].get('kind')} {others[0].get('name')}"
            raise RoutingError(
                f"{self.field}.trafficSplitName: TrafficSplit `{self.key.name}` is controlled by {owner}"
            )
