"""Service selectors: which ReplicaSet a Service (active, preview, stable, canary) sends to.

Not a traffic router in Argo's sense: every strategy points Services at pod-template hashes, with or without a
traffic router, so this is its own small adapter rather than an implementation of `TrafficRouter`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.plan.names import HASH_LABEL, MANAGED_BY_ANNOTATION


@dataclass
class ServiceSelector:
    """Points Services at pod-template hashes through their selector."""

    kube: Kube
    write_back: Callable[[Mapping[str, Any]], object]

    def point(self, rollout_name: str, namespace: str, service: str, pod_hash: str | None) -> None:
        patch = {
            "metadata": {"annotations": {MANAGED_BY_ANNOTATION: rollout_name if pod_hash else None}},
            "spec": {"selector": {HASH_LABEL: pod_hash}},
        }
        self.write_back(self.kube.patch(resources.SERVICES, namespace, service, patch))
