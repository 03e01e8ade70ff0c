"""The order of a reconcile's writes, seen by the API server: a template change's first write is the new
ReplicaSet's create (as in Argo's createDesiredReplicaSet), the Rollout's revision annotation follows it.

One etcd orders every write with one revision counter, and a resourceVersion is that counter, so the resourceVersions
of watch events of different kinds compare. Watching from a resourceVersion taken before the change replays what
happened after it.
"""

from __future__ import annotations

from pathlib import Path

from helpers import apply, wait_for_phase
from rollouts.kube import resources
from rollouts.kube.client import Kube

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bluegreen" / "rollout-bluegreen.yaml"
NAME = "rollout-bluegreen"
REVISION = "rollout.argoproj.io/revision"


def replay(kube: Kube, resource: resources.Resource, namespace: str, since: str) -> list[tuple[str, dict]]:
    """Every watch event of `resource` in `namespace` after `since` (the watch ends after a second)."""
    return list(kube.watch(resource, namespace, resource_version=since, timeout_seconds=1))


def test_a_template_change_creates_the_replica_set_before_it_annotates_the_rollout(
    cluster, kube: Kube, controller, namespace: str
) -> None:
    apply(cluster, namespace, EXAMPLE)
    wait_for_phase(kube, namespace, NAME, "Healthy")
    _, since = kube.list(resources.ROLLOUTS, namespace)
    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "demo:yellow"}]
    kube.patch(resources.ROLLOUTS, namespace, NAME, patch, kind="json")
    wait_for_phase(kube, namespace, NAME, "Paused", message="BlueGreenPause")

    created = [
        int(obj["metadata"]["resourceVersion"])
        for kind, obj in replay(kube, resources.REPLICASETS, namespace, since)
        if kind == "ADDED"
    ]
    annotated = [
        int(obj["metadata"]["resourceVersion"])
        for kind, obj in replay(kube, resources.ROLLOUTS, namespace, since)
        if kind == "MODIFIED" and (obj["metadata"].get("annotations") or {}).get(REVISION) == "2"
    ]
    assert len(created) == 1, "one new ReplicaSet"
    assert annotated, "the revision annotation was written"
    assert created[0] < min(annotated), "the ReplicaSet create is the update's first write"


CANARY = "write-order-canary"


def canary_objects() -> list[tuple[resources.Resource, dict]]:
    services = [
        (resources.SERVICES, {"metadata": {"name": f"{CANARY}-{role}"}, "spec": {"selector": {"app": CANARY}, "ports": [{"port": 80}]}})
        for role in ("stable", "canary")
    ]  # fmt: skip
    route = [{"destination": {"host": f"{CANARY}-stable"}, "weight": 100}, {"destination": {"host": f"{CANARY}-canary"}, "weight": 0}]  # fmt: skip
    vs = {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "VirtualService",
        "metadata": {"name": CANARY},
        "spec": {"hosts": [CANARY], "http": [{"name": "primary", "route": route}]},
    }
    canary = {
        "stableService": f"{CANARY}-stable",
        "canaryService": f"{CANARY}-canary",
        "scaleDownDelaySeconds": 0,
        "trafficRouting": {"istio": {"virtualService": {"name": CANARY, "routes": ["primary"]}}},
        "steps": [{"setWeight": 20}, {"setWeight": 60}],
    }
    rollout = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": CANARY},
        "spec": {
            "replicas": 5,
            "selector": {"matchLabels": {"app": CANARY}},
            "template": {
                "metadata": {"labels": {"app": CANARY}},
                "spec": {"containers": [{"name": "app", "image": "demo:0"}]},
            },  # fmt: skip
            "strategy": {"canary": canary},
        },
    }
    return [*services, (resources.VIRTUAL_SERVICES, vs), (resources.ROLLOUTS, rollout)]


def test_a_canary_scales_its_new_replica_set_at_once_and_writes_every_step(
    kube: Kube, controller, namespace: str
) -> None:
    """A plan that asks to go on at once (a new ReplicaSet created) is followed in the same reconcile, on the caches
    our writes updated: the new ReplicaSet's first scale-up comes before the update's first status write. A chain
    never runs past a new step index: every step the Rollout reaches is written, as Argo's are (Argo's APISIX e2e
    test waits for step 2 of 4)."""
    for resource, body in canary_objects():
        kube.create(resource, namespace, body)
    wait_for_phase(kube, namespace, CANARY, "Healthy")
    stable = kube.get(resources.ROLLOUTS, namespace, CANARY)["status"]["stableRS"]
    _, since = kube.list(resources.ROLLOUTS, namespace)
    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "demo:1"}]
    kube.patch(resources.ROLLOUTS, namespace, CANARY, patch, kind="json")
    done = wait_for_phase(kube, namespace, CANARY, "Healthy", timeout=90)
    new = done["status"]["stableRS"]
    assert new != stable

    sizes = [
        (int(obj["metadata"]["resourceVersion"]), obj["spec"]["replicas"])
        for kind, obj in replay(kube, resources.REPLICASETS, namespace, since)
        if kind in ("ADDED", "MODIFIED") and obj["metadata"]["labels"].get("rollouts-pod-template-hash") == new
    ]
    statuses = [
        (int(obj["metadata"]["resourceVersion"]), obj.get("status") or {})
        for kind, obj in replay(kube, resources.ROLLOUTS, namespace, since)
        if kind == "MODIFIED" and (obj.get("status") or {}).get("currentPodHash") == new
    ]
    first_scale = min(version for version, replicas in sizes if replicas)
    assert first_scale < statuses[0][0], "scaled up before the update's first status write"
    assert {status.get("currentStepIndex") for _, status in statuses} >= {0, 1, 2}, "each step index written"
