"""Weights on lists of named backends (TrafficSplit backends, TraefikService services, HTTPRoute backendRefs, ...).

Most routers hold a list of backends, each naming a Service and carrying a weight. Setting the split is then the same
rule everywhere: find the canary's and the stable's entries by name, test that name, set the weight.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rollouts.plan.actions import TrafficSplit
from rollouts.traffic.patch import Operation, test
from rollouts.traffic.router import RoutedRollout, RoutingError


def service_weights(rollout: RoutedRollout, split: TrafficSplit) -> dict[str, int]:
    """Service name → weight: the canary Service gets the canary's share, the stable Service the rest."""
    return {rollout.canary_service: split.canary_weight, rollout.stable_service: split.stable_weight}


def stable_only(rollout: RoutedRollout) -> dict[str, int]:
    """Everything to stable: what a release leaves behind."""
    return {rollout.canary_service: 0, rollout.stable_service: rollout.max_weight}


def named_weight_ops(
    entries: Sequence[Mapping[str, Any]], path: str, weights: Mapping[str, int], *, where: str, name_key: str = "name"
) -> list[Operation]:
    """Set the ``weight`` of every entry whose ``name_key`` is a key of ``weights``, each after a test of its name.

    Raises `RoutingError` naming ``where`` when a Service has no entry.
    """
    operations: list[Operation] = []
    for service, weight in weights.items():
        indexes = [index for index, entry in enumerate(entries) if entry.get(name_key) == service]
        if not indexes:
            raise RoutingError(f'{where} has no backend for Service "{service}"')
        for index in indexes:
            entry = entries[index]
            if "weight" in entry and entry["weight"] == weight:
                continue
            operations += [
                test(f"{path}/{index}/{name_key}", service),
                {"op": "replace" if "weight" in entry else "add", "path": f"{path}/{index}/weight", "value": weight},
            ]
    return operations
