"""Traffic routers: one small interface, two implementations (Service selectors and Istio).

Adapters: they read what they route through (from the informer cache when there is one), ask the pure modules
what to change, and write only that. An unknown router is an error, never a silent fallback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from rollouts.api import CanaryStrategy, IstioVirtualService, Rollout
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.kube.resources import Resource
from rollouts.plan.actions import TrafficSplit
from rollouts.plan.names import HASH_LABEL, MANAGED_BY_ANNOTATION
from rollouts.traffic import istio

_log = logging.getLogger(__name__)

Lookup = Callable[[Resource, str, str], Mapping[str, Any] | None]
"""Read an object from a cache (None when the cache does not have it)."""
Note = Callable[[str, str], None]
"""Record an event on the Rollout: (reason, message)."""


class UnsupportedRouter(ValueError):
    """The Rollout asks for a traffic router this controller does not implement."""


class TrafficRouter(Protocol):
    def route(self, rollout: Rollout, split: TrafficSplit, note: Note) -> None:
        """Make the router send `split`; idempotent, writes only what differs."""
        ...

    def release(self, rollout: Rollout, note: Note) -> None:
        """Stop routing for this Rollout: drop what we added to shared objects."""
        ...


@dataclass
class ServiceSelectorRouter:
    """Points Services at pod-template hashes through their selector (the router of every strategy)."""

    kube: Kube
    write_back: Callable[[Mapping[str, Any]], object]

    def point(self, rollout_name: str, namespace: str, service: str, pod_hash: str | None) -> None:
        patch = {
            "metadata": {"annotations": {MANAGED_BY_ANNOTATION: rollout_name if pod_hash else None}},
            "spec": {"selector": {HASH_LABEL: pod_hash}},
        }
        self.write_back(self.kube.patch(resources.SERVICES, namespace, service, patch))


@dataclass
class IstioRouter:
    """Sets VirtualService weights (host or subset split) and managed routes, and DestinationRule subset labels."""

    kube: Kube
    lookup: Lookup

    def route(self, rollout: Rollout, split: TrafficSplit, note: Note) -> None:
        strategy = _canary(rollout)
        routing = strategy.traffic_routing.istio  # type: ignore[union-attr]
        assert routing is not None
        namespace = str(rollout.metadata.namespace)
        destination_rule = routing.destination_rule
        if destination_rule is not None:
            self._label_subsets(namespace, str(rollout.metadata.name), destination_rule, split, note)
        keys = self._keys(strategy, namespace)
        managed_names = tuple(route.name for route in (strategy.traffic_routing.managed_routes or []))  # type: ignore[union-attr]
        desired = [r for r in (*map(istio.HeaderRoute.from_step, split.header_routes), *map(istio.MirrorRoute.from_step, split.mirror_routes)) if r]
        managed = istio.ManagedRoutes(names=managed_names, desired=tuple(sorted(desired, key=lambda r: managed_names.index(r.name)))) if managed_names else None
        weights = istio.WeightSplit.of(split.canary_weight, keys)  # Istio weights are out of 100
        for ref in routing.virtual_services or ([routing.virtual_service] if routing.virtual_service else []):
            self._set_weights(ref, namespace, weights, managed, note)

    def release(self, rollout: Rollout, note: Note) -> None:
        routing = _canary(rollout).traffic_routing
        if routing is None or routing.istio is None or routing.istio.destination_rule is None:
            return
        rule = routing.istio.destination_rule
        namespace = str(rollout.metadata.namespace)
        current = self._read(resources.DESTINATION_RULES, namespace, rule.name)
        if current is not None:
            ops = istio.release_destination_rule_ops(current, canary_subset=rule.canary_subset_name, stable_subset=rule.stable_subset_name)
            self._patch(resources.DESTINATION_RULES, namespace, rule.name, ops)

    # ---- helpers ---------------------------------------------------------------------------------------------

    def _set_weights(self, ref: IstioVirtualService, namespace: str, weights: istio.WeightSplit, managed: istio.ManagedRoutes | None, note: Note) -> None:
        vs_name, _, vs_namespace = ref.name.partition(".")  # Argo's "name.namespace" form
        vs_namespace = vs_namespace or namespace
        current = self._read(resources.VIRTUAL_SERVICES, vs_namespace, vs_name)
        if current is None:
            raise errors.NotFound(404, "NotFound", f'VirtualService "{ref.name}" not found')
        ops = istio.virtual_service_ops(current, ref=ref, split=weights, managed=managed)
        if self._patch(resources.VIRTUAL_SERVICES, vs_namespace, vs_name, ops):
            note("TrafficWeightUpdated", f"Traffic weight updated to canary {weights.canary_weight}, stable {weights.stable_weight}")

    def _label_subsets(self, namespace: str, rollout_name: str, rule: Any, split: TrafficSplit, note: Note) -> None:
        current = self._read(resources.DESTINATION_RULES, namespace, rule.name)
        if current is None:
            raise errors.NotFound(404, "NotFound", f'DestinationRule "{rule.name}" not found')
        ops = istio.destination_rule_ops(
            current, canary_subset=rule.canary_subset_name, stable_subset=rule.stable_subset_name,
            canary_hash=split.canary_hash, stable_hash=split.stable_hash, rollout_name=rollout_name,
        )  # fmt: skip
        if self._patch(resources.DESTINATION_RULES, namespace, rule.name, ops):
            note("UpdatedDestinationRule", f"DestinationRule {rule.name} subsets: canary {split.canary_hash}, stable {split.stable_hash}")

    def _keys(self, strategy: CanaryStrategy, namespace: str) -> istio.SplitKeys:
        routing = strategy.traffic_routing.istio  # type: ignore[union-attr]
        assert routing is not None
        if (rule := routing.destination_rule) is not None:
            return istio.SplitKeys(canary_subset=rule.canary_subset_name, stable_subset=rule.stable_subset_name, namespace=namespace)
        return istio.SplitKeys(canary_host=strategy.canary_service, stable_host=strategy.stable_service, namespace=namespace)

    def _read(self, resource: Resource, namespace: str, name: str) -> Mapping[str, Any] | None:
        if (cached := self.lookup(resource, namespace, name)) is not None:
            return cached
        try:
            return self.kube.get(resource, namespace, name)
        except errors.NotFound:
            return None

    def _patch(self, resource: Resource, namespace: str, name: str, ops: list[dict[str, Any]]) -> bool:
        if not ops:
            return False
        try:
            self.kube.patch(resource, namespace, name, ops, kind="json")
        except errors.Invalid:
            # A `test` failed: someone changed the object since we read it. Read it fresh and recompute once.
            fresh = self.kube.get(resource, namespace, name)
            _log.info("%s %s/%s changed under us; recomputing", resource.kind, namespace, name)
            raise errors.Conflict(409, "Conflict", f"{resource.kind} {namespace}/{name} changed while we patched it (resourceVersion {fresh['metadata'].get('resourceVersion')})") from None
        return True


def _canary(rollout: Rollout) -> CanaryStrategy:
    strategy = rollout.spec.strategy
    if strategy is None or strategy.canary is None or strategy.canary.traffic_routing is None:
        raise UnsupportedRouter("traffic routing needs spec.strategy.canary.trafficRouting")
    return strategy.canary


def router_for(rollout: Rollout, *, kube: Kube, lookup: Lookup) -> TrafficRouter:
    """The router a Rollout's trafficRouting names. Only Istio is implemented; anything else is an error."""
    routing = _canary(rollout).traffic_routing
    assert routing is not None
    routers = routing.routers
    if routers == ["istio"]:
        return IstioRouter(kube, lookup)
    raise UnsupportedRouter(f"spec.strategy.canary.trafficRouting: unsupported traffic router {', '.join(routers) or '(none)'}; supported: istio")
