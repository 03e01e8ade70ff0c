"""Builders of realistic raw objects for the plugin tests: Rollouts with status as the controller writes it,
their ReplicaSets, pods and AnalysisRuns. Plain dicts, shaped like what the API server returns.

Used both for pure view/render tables (with fixed uids and timestamps) and as bodies to create on the real cluster.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
IMAGE_BLUE = "argoproj/rollouts-demo:blue"
IMAGE_YELLOW = "argoproj/rollouts-demo:yellow"
STABLE_HASH = "7b9f5d8c6d"
CANARY_HASH = "6d8c4b9f7c"
CANARY_STEPS: list[dict[str, Any]] = [
    {"setWeight": 20},
    {"pause": {}},
    {"setWeight": 40},
    {"pause": {"duration": "40s"}},
    {"setWeight": 60},
    {"pause": {"duration": "20s"}},
    {"setWeight": 80},
    {"pause": {"duration": "20s"}},
]


def stamp(ago: timedelta, now: datetime = NOW) -> str:
    return (now - ago).strftime("%Y-%m-%dT%H:%M:%SZ")


def template(app: str, image: str, pod_hash: str | None = None) -> dict:
    labels = {"app": app}
    if pod_hash:
        labels["rollouts-pod-template-hash"] = pod_hash
    return {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": "app", "image": image, "ports": [{"containerPort": 8080}]}]},
    }


def rollout(
    name: str = "demo",
    *,
    namespace: str = "shop",
    strategy: dict | None = None,
    replicas: int = 5,
    image: str = IMAGE_BLUE,
    status: dict | None = None,
    paused: bool = False,
    generation: int = 1,
    uid: str = "rollout-uid",
    age: timedelta = timedelta(minutes=30),
) -> dict:
    spec: dict[str, Any] = {
        "replicas": replicas,
        "selector": {"matchLabels": {"app": name}},
        "template": template(name, image),
        "strategy": strategy if strategy is not None else {"canary": {"steps": copy.deepcopy(CANARY_STEPS)}},
    }
    if paused:
        spec["paused"] = True
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "namespace": namespace, "uid": uid, "generation": generation, "creationTimestamp": stamp(age)},
        "spec": spec,
        "status": status or {},
    }


def bluegreen(active: str = "demo-active", preview: str = "demo-preview") -> dict:
    return {"blueGreen": {"activeService": active, "previewService": preview, "autoPromotionEnabled": False}}


def owner(obj: dict, *, controller: bool = True) -> dict:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        "controller": controller,
        "blockOwnerDeletion": True,
    }


def replicaset(
    parent: dict,
    pod_hash: str,
    revision: int,
    *,
    replicas: int,
    image: str = IMAGE_BLUE,
    available: int | None = None,
    age: timedelta = timedelta(minutes=30),
    annotations: dict[str, str] | None = None,
    uid: str | None = None,
) -> dict:
    app = parent["spec"]["selector"]["matchLabels"]["app"]
    available = replicas if available is None else available
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"{parent['metadata']['name']}-{pod_hash}",
            "namespace": parent["metadata"].get("namespace", "shop"),
            "uid": uid or f"rs-{pod_hash}",
            "generation": 1,
            "creationTimestamp": stamp(age),
            "labels": {"app": app, "rollouts-pod-template-hash": pod_hash},
            "annotations": {"rollout.argoproj.io/revision": str(revision), **(annotations or {})},
            "ownerReferences": [owner(parent)],
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": app, "rollouts-pod-template-hash": pod_hash}},
            "template": template(app, image, pod_hash),
        },
        "status": {
            "replicas": replicas,
            "readyReplicas": available,
            "availableReplicas": available,
            "observedGeneration": 1,
        },
    }


def pod(
    rs: dict,
    suffix: str,
    *,
    age: timedelta = timedelta(minutes=30),
    ready: bool = True,
    restarts: int = 0,
    waiting: str | None = None,
) -> dict:
    state: dict[str, Any] = {"waiting": {"reason": waiting}} if waiting else {"running": {"startedAt": stamp(age)}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{rs['metadata']['name']}-{suffix}",
            "namespace": rs["metadata"]["namespace"],
            "uid": f"pod-{suffix}",
            "creationTimestamp": stamp(age),
            "labels": dict(rs["spec"]["template"]["metadata"]["labels"]),
            "ownerReferences": [owner(rs)],
        },
        "spec": copy.deepcopy(rs["spec"]["template"]["spec"]),
        "status": {
            "phase": "Pending" if waiting else "Running",
            "containerStatuses": [{"name": "app", "ready": ready and not waiting, "restartCount": restarts, "state": state}],
        },
    }


def analysis_run(
    parent: dict,
    name: str,
    revision: int,
    *,
    phase: str,
    metric_results: list[dict] | None = None,
    age: timedelta = timedelta(minutes=1),
    pod_hash: str = CANARY_HASH,
) -> dict:
    app = parent["spec"]["selector"]["matchLabels"]["app"]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {
            "name": name,
            "namespace": parent["metadata"]["namespace"],
            "uid": f"ar-{name}",
            "creationTimestamp": stamp(age),
            "labels": {"app": app, "rollouts-pod-template-hash": pod_hash, "rollout-type": "Step"},
            "annotations": {"rollout.argoproj.io/revision": str(revision)},
            "ownerReferences": [owner(parent)],
        },
        "spec": {"metrics": [{"name": "success-rate", "provider": {"web": {"url": "http://metrics/ok"}}}]},
        "status": {"phase": phase, "metricResults": metric_results or []},
    }


def pause_condition(reason: str, age: timedelta = timedelta(minutes=2)) -> dict:
    return {"reason": reason, "startTime": stamp(age)}


def condition(kind: str, status: str, reason: str, message: str) -> dict:
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": stamp(timedelta(0)),
        "lastTransitionTime": stamp(timedelta(0)),
    }


# ---- scenes: the same rollout at several stages -------------------------------------------------------------------


def canary_healthy() -> dict:
    """Revision 1 fully rolled out: 5 stable pods, all steps done."""
    ro = rollout(
        status={
            "phase": "Healthy",
            "observedGeneration": "1",
            "currentPodHash": STABLE_HASH,
            "stableRS": STABLE_HASH,
            "currentStepIndex": 8,
            "replicas": 5,
            "updatedReplicas": 5,
            "readyReplicas": 5,
            "availableReplicas": 5,
        }
    )
    stable = replicaset(ro, STABLE_HASH, 1, replicas=5)
    pods = [pod(stable, suffix, age=timedelta(minutes=29)) for suffix in ("4hq7w", "8xk2m", "c9n4t", "m2p6z", "z7r5b")]
    return {"rollout": ro, "replicasets": [stable], "pods": pods, "analysis_runs": []}


def canary_paused_at_first_pause() -> dict:
    """Revision 2 (new image) at step 1 of 8: one canary pod next to four stable ones, paused by the step."""
    ro = rollout(
        image=IMAGE_YELLOW,
        generation=2,
        status={
            "phase": "Paused",
            "message": "CanaryPauseStep",
            "observedGeneration": "2",
            "currentPodHash": CANARY_HASH,
            "stableRS": STABLE_HASH,
            "currentStepIndex": 1,
            "controllerPause": True,
            "pauseConditions": [pause_condition("CanaryPauseStep")],
            "replicas": 5,
            "updatedReplicas": 1,
            "readyReplicas": 5,
            "availableReplicas": 5,
        },
    )
    stable = replicaset(ro, STABLE_HASH, 1, replicas=4)
    canary = replicaset(ro, CANARY_HASH, 2, replicas=1, image=IMAGE_YELLOW, age=timedelta(minutes=2, seconds=30))
    pods = [pod(stable, suffix, age=timedelta(minutes=29)) for suffix in ("4hq7w", "8xk2m", "c9n4t", "m2p6z")]
    pods.append(pod(canary, "x2k9p", age=timedelta(minutes=2, seconds=25), restarts=1))
    return {"rollout": ro, "replicasets": [canary, stable], "pods": pods, "analysis_runs": []}


def canary_aborted() -> dict:
    """Revision 2 aborted: the canary scaled to zero, the stable back at five, the rollout Degraded."""
    ro = rollout(
        image=IMAGE_YELLOW,
        generation=2,
        status={
            "phase": "Degraded",
            "message": "RolloutAborted: Rollout aborted update to revision 2",
            "observedGeneration": "2",
            "abort": True,
            "abortedAt": stamp(timedelta(seconds=40)),
            "currentPodHash": CANARY_HASH,
            "stableRS": STABLE_HASH,
            "currentStepIndex": 0,
            "conditions": [condition("Progressing", "False", "RolloutAborted", "Rollout aborted update to revision 2")],
            "replicas": 5,
            "updatedReplicas": 0,
            "readyReplicas": 5,
            "availableReplicas": 5,
        },
    )
    stable = replicaset(ro, STABLE_HASH, 1, replicas=5)
    canary = replicaset(ro, CANARY_HASH, 2, replicas=0, image=IMAGE_YELLOW, age=timedelta(minutes=3))
    pods = [pod(stable, suffix, age=timedelta(minutes=29)) for suffix in ("4hq7w", "8xk2m", "c9n4t", "m2p6z", "z7r5b")]
    return {"rollout": ro, "replicasets": [stable, canary], "pods": pods, "analysis_runs": []}


def canary_with_analysis() -> dict:
    """Revision 2 at step 2 (an analysis step) of a 3-step canary: a running step analysis and a finished
    background one with a failed measurement and a job-based metric."""
    steps = [{"setWeight": 40}, {"analysis": {"templates": [{"templateName": "success-rate"}]}}, {"setWeight": 100}]
    ro = rollout(
        replicas=2,
        image=IMAGE_YELLOW,
        generation=2,
        strategy={"canary": {"steps": steps}},
        status={
            "phase": "Progressing",
            "message": "waiting for all steps to complete",
            "observedGeneration": "2",
            "currentPodHash": CANARY_HASH,
            "stableRS": STABLE_HASH,
            "currentStepIndex": 1,
            "canary": {"currentStepAnalysisRunStatus": {"name": "demo-6d8c4b9f7c-2-1", "status": "Running"}},
            "replicas": 3,
            "updatedReplicas": 1,
            "readyReplicas": 3,
            "availableReplicas": 3,
        },
    )
    stable = replicaset(ro, STABLE_HASH, 1, replicas=2, age=timedelta(hours=3, minutes=5))
    canary = replicaset(ro, CANARY_HASH, 2, replicas=1, image=IMAGE_YELLOW, age=timedelta(minutes=5, seconds=10))
    pods = [pod(stable, "4hq7w", age=timedelta(hours=3)), pod(stable, "8xk2m", age=timedelta(hours=3))]
    pods.append(pod(canary, "x2k9p", age=timedelta(minutes=5)))
    step_run = analysis_run(
        ro, "demo-6d8c4b9f7c-2-1", 2, phase="Running", age=timedelta(seconds=40),
        metric_results=[{"name": "success-rate", "phase": "Running", "count": 3, "successful": 2, "failed": 1, "measurements": []}],
    )  # fmt: skip
    job_run = analysis_run(
        ro, "demo-6d8c4b9f7c-2", 2, phase="Failed", age=timedelta(minutes=4),
        metric_results=[
            {
                "name": "integration",
                "phase": "Failed",
                "count": 2,
                "successful": 1,
                "failed": 1,
                "measurements": [
                    {"phase": "Successful", "startedAt": stamp(timedelta(minutes=4)), "metadata": {"job-name": "ar-uid.integration.1"}},
                    {"phase": "Failed", "startedAt": stamp(timedelta(minutes=2)), "metadata": {"job-name": "ar-uid.integration.2"}},
                ],
            }
        ],
    )  # fmt: skip
    return {"rollout": ro, "replicasets": [stable, canary], "pods": pods, "analysis_runs": [step_run, job_run]}


def bluegreen_preview() -> dict:
    """Blue-green revision 2 up on the preview service, waiting for promotion; revision 1 still active."""
    ro = rollout(
        name="bluegreen-demo",
        replicas=3,
        image=IMAGE_YELLOW,
        generation=2,
        strategy=bluegreen("bluegreen-demo-active", "bluegreen-demo-preview"),
        age=timedelta(days=7, hours=2),
        status={
            "phase": "Paused",
            "message": "BlueGreenPause",
            "observedGeneration": "2",
            "currentPodHash": CANARY_HASH,
            "stableRS": STABLE_HASH,
            "controllerPause": True,
            "pauseConditions": [pause_condition("BlueGreenPause")],
            "blueGreen": {"activeSelector": STABLE_HASH, "previewSelector": CANARY_HASH},
            "replicas": 6,
            "updatedReplicas": 3,
            "readyReplicas": 6,
            "availableReplicas": 3,
        },
    )
    active = replicaset(ro, STABLE_HASH, 1, replicas=3, age=timedelta(days=7))
    preview = replicaset(ro, CANARY_HASH, 2, replicas=3, image=IMAGE_YELLOW, age=timedelta(hours=1))
    pods = [pod(active, suffix, age=timedelta(days=7)) for suffix in ("gk78v", "kxj8g", "t2d4f")]
    pods += [pod(preview, suffix, age=timedelta(hours=1)) for suffix in ("5jz59", "mkhrl", "vvj2t")]
    return {"rollout": ro, "replicasets": [active, preview], "pods": pods, "analysis_runs": []}
