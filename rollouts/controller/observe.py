"""Build the `Observed` snapshot of one Rollout from the informer caches. Reads only; never calls the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollouts import api
from rollouts.machinery.informer import Store
from rollouts.machinery.keys import ObjectKey
from rollouts.plan.observed import Observed, ReplicaSet

OWNER_INDEX = "owner"


def referenced_services(rollout: api.Rollout) -> dict[str, str]:
    """Service name → the spec field that names it."""
    strategy = rollout.spec.strategy
    found: dict[str, str] = {}
    if strategy is None:
        return found
    if bg := strategy.blue_green:
        found[bg.active_service] = "spec.strategy.blueGreen.activeService"
        if bg.preview_service:
            found[bg.preview_service] = "spec.strategy.blueGreen.previewService"
    if canary := strategy.canary:
        if canary.stable_service:
            found[canary.stable_service] = "spec.strategy.canary.stableService"
        if canary.canary_service:
            found[canary.canary_service] = "spec.strategy.canary.canaryService"
    return found


def observe(raw: Mapping[str, Any], *, replica_sets: Store, services: Store) -> Observed | list[str]:
    """The snapshot, or the problems that keep the Rollout from even being read as one (wrong field types)."""
    parsed = api.parse_rollout(raw, check=False)
    if isinstance(parsed, list):
        return [str(error) for error in parsed]
    errors = [str(error) for error in api.validate(raw)]
    namespace = raw["metadata"].get("namespace", "")
    found_services: dict[str, Mapping[str, Any] | None] = {}
    for name, field in referenced_services(parsed).items():
        service = services.get(ObjectKey(namespace, name))
        found_services[name] = service
        if service is None:
            errors.append(f'{field}: Service "{name}" not found')
    owned = replica_sets.by_index(OWNER_INDEX, raw["metadata"].get("uid", ""))
    return Observed(
        rollout=parsed,
        raw=raw,
        replica_sets=tuple(ReplicaSet.from_raw(rs) for rs in owned),
        services=found_services,
        spec_errors=tuple(errors),
    )


def controller_owner_uid(obj: Mapping[str, Any]) -> list[str]:
    """Index function: the uid of the Rollout that controls this object, if any."""
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller") and ref.get("kind") == "Rollout":
            return [str(ref.get("uid"))]
    return []
