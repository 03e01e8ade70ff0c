"""Istio as a `TrafficRouter`: VirtualService weights and managed routes, DestinationRule subset labels."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from rollouts.api import IstioTrafficRouting, IstioVirtualService
from rollouts.plan.actions import TrafficSplit
from rollouts.plan.references import ISTIO_FIELD
from rollouts.traffic.istio.destination_rule import destination_rule_ops
from rollouts.traffic.istio.model import (
    ExtraDestination,
    HeaderRoute,
    ManagedHttpRoute,
    ManagedRoutes,
    MirrorRoute,
    SplitKeys,
    WeightSplit,
)
from rollouts.traffic.istio.virtual_service import virtual_service_ops
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

VIRTUAL_SERVICES = ObjectKind("networking.istio.io", "v1alpha3", "virtualservices", "VirtualService")
DESTINATION_RULES = ObjectKind("networking.istio.io", "v1alpha3", "destinationrules", "DestinationRule")


@dataclass(frozen=True)
class IstioRouter:
    """Host split (stable and canary Services) or subset split (DestinationRule subsets); one or more VSs."""

    rollout: RoutedRollout
    routing: IstioTrafficRouting
    field: str = ISTIO_FIELD

    def _virtual_services(self) -> list[tuple[IstioVirtualService, ObjectKey]]:
        routing = self.routing
        refs = routing.virtual_services or ([routing.virtual_service] if routing.virtual_service else [])
        keys = []
        for ref in refs:
            name, _, namespace = ref.name.partition(".")  # Argo's "name.namespace" form
            keys.append((ref, ObjectKey(VIRTUAL_SERVICES, namespace or self.rollout.namespace, name)))
        return keys

    def _destination_rule(self) -> ObjectKey | None:
        rule = self.routing.destination_rule
        return None if rule is None else ObjectKey(DESTINATION_RULES, self.rollout.namespace, rule.name)

    def reads(self) -> Sequence[ObjectKey]:
        rule = self._destination_rule()
        return [key for _, key in self._virtual_services()] + ([rule] if rule else [])

    def keys(self) -> SplitKeys:
        """How the routes' canary and stable destinations are told apart; `RoutingError` naming the fields when
        the Rollout does not say (no subsets, or no stable and canary Services nor ping-pong pair)."""
        namespace = self.rollout.namespace
        try:
            if (rule := self.routing.destination_rule) is not None:
                return SplitKeys(
                    canary_subset=rule.canary_subset_name, stable_subset=rule.stable_subset_name, namespace=namespace
                )
            return SplitKeys(
                canary_host=self.rollout.canary_service, stable_host=self.rollout.stable_service, namespace=namespace
            )
        except ValueError:
            if self.routing.destination_rule is not None:
                raise RoutingError(
                    f"{self.field}.destinationRule: needs two different canarySubsetName and stableSubsetName"
                ) from None
            raise RoutingError(
                f"{self.field}: host splitting needs two different Services: canaryService and stableService, or "
                "pingPong.pingService and pingPong.pongService (or set destinationRule)"
            ) from None

    def set_weight(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        edits = self._label_subsets(objects, split)
        extras = tuple(ExtraDestination(d.service_name, d.weight) for d in split.additional)
        weights = WeightSplit.of(split.canary_weight, self.keys(), extras)  # Istio weights are out of 100
        managed = self._managed(split)
        for ref, key in self._virtual_services():
            current = require(objects, key, f"{self.field}.virtualService.name")
            ops = virtual_service_ops(current, ref=ref, split=weights, managed=managed)
            message = f"Traffic weight updated to canary {weights.canary_weight}, stable {weights.stable_weight}"
            message += "".join(f", {extra.host} {extra.weight}" for extra in extras)
            edits += [Edit(key, tuple(ops), event=("TrafficWeightUpdated", message))] if ops else []
        return edits

    def verify(self, objects: Objects, split: TrafficSplit) -> Verification:
        return verified_by_reading(self, objects, split)

    def release(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        """Everything to stable and managed routes gone; the VirtualServices and DestinationRule stay (they are the
        user's), with the subsets still labelled for the hashes in ``split``."""
        return self.set_weight(
            objects, replace(split, canary_weight=0, header_routes=(), mirror_routes=(), additional=())
        )

    def _managed(self, split: TrafficSplit) -> ManagedRoutes | None:
        names = self.rollout.managed_routes
        if not names:
            return None
        routes = (*map(HeaderRoute.from_step, split.header_routes), *map(MirrorRoute.from_step, split.mirror_routes))
        desired: list[ManagedHttpRoute] = [route for route in routes if route is not None]
        return ManagedRoutes(names=names, desired=tuple(sorted(desired, key=lambda route: names.index(route.name))))

    def _label_subsets(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        rule, key = self.routing.destination_rule, self._destination_rule()
        if rule is None or key is None:
            return []
        current = require(objects, key, f"{self.field}.destinationRule.name")
        ops = destination_rule_ops(
            current,
            canary_subset=rule.canary_subset_name,
            stable_subset=rule.stable_subset_name,
            canary_hash=split.canary_hash,
            stable_hash=split.stable_hash,
            rollout_name=self.rollout.name,
            additional=[(d.service_name, d.pod_template_hash) for d in split.additional if d.pod_template_hash],
        )
        message = f"DestinationRule {rule.name} subsets: canary {split.canary_hash}, stable {split.stable_hash}"
        return [Edit(key, tuple(ops), event=("UpdatedDestinationRule", message))] if ops else []
