"""Blue-green Rollouts, ReplicaSets and Services as the planner observes them, for the plan's table tests."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from rollouts import api
from rollouts.plan import hashing
from rollouts.plan.observed import Observed, ReplicaSet

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
BLUE = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:blue"}]}}
YELLOW = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:yellow"}]}}
BLUE_HASH = hashing.pod_template_hash(BLUE)
YELLOW_HASH = hashing.pod_template_hash(YELLOW)


def a_rollout(
    *,
    template: dict[str, Any] = BLUE,
    status: dict[str, Any] | None = None,
    revision: str | None = "1",
    **strategy: Any,
) -> dict[str, Any]:
    annotations = {"rollout.argoproj.io/revision": revision} if revision else {}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {
            "name": "demo",
            "namespace": "ns",
            "uid": "rollout-uid",
            "generation": 1,
            "annotations": annotations,
        },
        "spec": {
            "replicas": strategy.pop("replicas", 2),
            "selector": {"matchLabels": {"app": "demo"}},
            "template": copy.deepcopy(template),
            **(
                {"progressDeadlineSeconds": strategy.pop("progressDeadlineSeconds")}
                if "progressDeadlineSeconds" in strategy
                else {}
            ),
            **(
                {"progressDeadlineAbort": strategy.pop("progressDeadlineAbort")}
                if "progressDeadlineAbort" in strategy
                else {}
            ),
            **(
                {"revisionHistoryLimit": strategy.pop("revisionHistoryLimit")}
                if "revisionHistoryLimit" in strategy
                else {}
            ),
            "strategy": {"blueGreen": {"activeService": "active", "previewService": "preview", **strategy}},
        },
        "status": status or {},
    }


def a_replica_set(
    pod_hash: str,
    revision: int,
    *,
    replicas: int = 2,
    available: int | None = None,
    annotations: dict[str, Any] | None = None,
    template: dict[str, Any] = BLUE,
) -> dict[str, Any]:
    available = replicas if available is None else available
    return {
        "metadata": {
            "name": f"demo-{pod_hash}",
            "uid": f"uid-{pod_hash}",
            "generation": 1,
            "labels": {"app": "demo", "rollouts-pod-template-hash": pod_hash},
            "annotations": {
                "rollout.argoproj.io/revision": str(revision),
                "rollout.argoproj.io/desired-replicas": "2",
                **(annotations or {}),
            },
        },
        "spec": {"replicas": replicas, "template": template},
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "readyReplicas": available,
            "availableReplicas": available,
        },
    }


def a_service(pod_hash: str | None) -> dict[str, Any]:
    selector = {"app": "demo", **({"rollouts-pod-template-hash": pod_hash} if pod_hash else {})}
    return {"metadata": {"name": "svc"}, "spec": {"selector": selector}}


def observe(
    rollout: dict[str, Any], *replica_sets: dict[str, Any], active: str | None = None, preview: str | None = None
) -> Observed:
    model = api.parse_rollout(rollout, check=False)
    assert not isinstance(model, list), model
    errors = tuple(str(e) for e in api.validate(rollout))
    return Observed(
        rollout=model,
        raw=rollout,
        replica_sets=tuple(ReplicaSet.from_raw(rs) for rs in replica_sets),
        services={"active": a_service(active), "preview": a_service(preview)},
        spec_errors=errors,
    )


def stable_status(pod_hash: str = BLUE_HASH, **extra: Any) -> dict[str, Any]:
    return {
        "stableRS": pod_hash,
        "currentPodHash": pod_hash,
        "blueGreen": {"activeSelector": pod_hash, "previewSelector": pod_hash},
        **extra,
    }


def kinds(plan: Any) -> list[str]:
    return [type(action).__name__ for action in plan.actions]


def reasons(plan: Any) -> list[str]:
    return [event.reason for event in plan.events]


def updating(**strategy: Any) -> dict[str, Any]:
    return a_rollout(template=YELLOW, status=stable_status(currentPodHash=YELLOW_HASH), **strategy)


def observe_both(rollout: dict[str, Any], *, active: str, preview: str) -> Observed:
    """The Rollout mid-update: the old (blue, 1) and the new (yellow, 2) ReplicaSets, Services on the given hashes."""
    return observe(
        rollout,
        a_replica_set(BLUE_HASH, 1),
        a_replica_set(YELLOW_HASH, 2, template=YELLOW),
        active=active,
        preview=preview,
    )
