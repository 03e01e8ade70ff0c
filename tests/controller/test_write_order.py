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
