"""DestinationRule edits: the canary and stable subsets' pod-hash labels, as guarded JSON Patches."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rollouts.plan import names
from rollouts.traffic.istio.model import RoutingError
from rollouts.traffic.patch import Operation, annotation_ops, escape, name_of, test


def destination_rule_ops(
    dr: Mapping[str, Any],
    *,
    canary_subset: str,
    stable_subset: str,
    canary_hash: str | None,
    stable_hash: str | None,
    rollout_name: str,
    additional: Sequence[tuple[str, str]] = (),
) -> list[Operation]:
    """Point the canary and stable subsets at their pod hashes and mark the rule as the Rollout's; [] when done.

    Sets ``spec.subsets[i].labels["rollouts-pod-template-hash"]`` (a None hash removes the label) and the
    ``argo-rollouts.argoproj.io/managed-by-rollouts: <rollout>`` annotation. ``additional`` are experiment
    templates' (Service name, pod hash) during an experiment step: each gets a subset of that name labelled with
    the hash, as Argo adds them; a subset we added for an earlier experiment (any other subset carrying the hash
    label) is removed. Raises `RoutingError` when the canary or stable subset is missing.
    """
    if canary_subset == stable_subset:
        raise RoutingError(f'DestinationRule "{name_of(dr)}": canary and stable subsets are both "{canary_subset}"')
    subsets = list((dr.get("spec") or {}).get("subsets") or [])
    operations: list[Operation] = []
    for subset_name, pod_hash in ((canary_subset, canary_hash), (stable_subset, stable_hash)):
        index = _subset_index(dr, subsets, subset_name)
        operations += _hash_label_ops(index, subsets[index], pod_hash)
    wanted = {name: pod_hash for name, pod_hash in additional if name not in (canary_subset, stable_subset)}
    for index in reversed(range(len(subsets))):
        subset = subsets[index]
        name = subset.get("name")
        if name in wanted:
            operations += _hash_label_ops(index, subset, wanted.pop(name))
        elif name not in (canary_subset, stable_subset) and names.HASH_LABEL in (subset.get("labels") or {}):
            operations += [
                test(f"/spec/subsets/{index}/name", name),
                {"op": "remove", "path": f"/spec/subsets/{index}"},
            ]
    for name, pod_hash in wanted.items():
        operations.append({"op": "add", "path": "/spec/subsets/-", "value": _experiment_subset(name, pod_hash)})
    return operations + annotation_ops(dr, names.MANAGED_BY_ANNOTATION, rollout_name)


def _experiment_subset(name: str, pod_hash: str) -> dict[str, Any]:
    return {"name": name, "labels": {names.HASH_LABEL: pod_hash}}


def release_destination_rule_ops(
    dr: Mapping[str, Any], *, canary_subset: str | None = None, stable_subset: str | None = None
) -> list[Operation]:
    """Undo `destination_rule_ops` (traffic routing was removed): drop the hash labels and the annotation.

    Without subset names (the Rollout that set them is gone or no longer names the rule), the hash label goes
    from every subset, as Argo cleans such a rule. Subsets that are gone are skipped; [] when there is nothing left
    to remove.
    """
    subsets = list((dr.get("spec") or {}).get("subsets") or [])
    every = canary_subset is None and stable_subset is None
    operations: list[Operation] = []
    for index, subset in enumerate(subsets):
        if every or subset.get("name") in (canary_subset, stable_subset):
            operations += _hash_label_ops(index, subset, None)
    if names.MANAGED_BY_ANNOTATION in ((dr.get("metadata") or {}).get("annotations") or {}):
        operations.append({"op": "remove", "path": f"/metadata/annotations/{escape(names.MANAGED_BY_ANNOTATION)}"})
    return operations


def _subset_index(dr: Mapping[str, Any], subsets: list[Mapping[str, Any]], name: str) -> int:
    for index, subset in enumerate(subsets):
        if subset.get("name") == name:
            return index
    raise RoutingError(f'DestinationRule "{name_of(dr)}": subset "{name}" not found')


def _hash_label_ops(index: int, subset: Mapping[str, Any], pod_hash: str | None) -> list[Operation]:
    """Set (or, for None, remove) the subset's pod-hash label, after a test of the subset's name."""
    path = f"/spec/subsets/{index}"
    labels = subset.get("labels")
    label_path = f"{path}/labels/{escape(names.HASH_LABEL)}"
    change: list[Operation]
    if pod_hash is None:
        change = [{"op": "remove", "path": label_path}] if labels and names.HASH_LABEL in labels else []
    elif labels is None:
        change = [{"op": "add", "path": f"{path}/labels", "value": {names.HASH_LABEL: pod_hash}}]
    elif labels.get(names.HASH_LABEL) != pod_hash:
        change = [{"op": "replace" if names.HASH_LABEL in labels else "add", "path": label_path, "value": pod_hash}]
    else:
        change = []
    return [test(f"{path}/name", subset.get("name")), *change] if change else []
