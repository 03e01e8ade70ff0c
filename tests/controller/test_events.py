"""The Events a Rollout gets, in Argo's order (its e2e suite compares the list of reasons exactly): added to the
informer first, then per revision RolloutUpdated, NewReplicaSetCreated, RolloutNotCompleted, ScalingReplicaSet."""

from __future__ import annotations

from pathlib import Path

from helpers import apply, wait_for_phase, wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube

CANARY = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: events
spec:
  replicas: 1
  selector:
    matchLabels:
      app: events
  template:
    metadata:
      labels:
        app: events
    spec:
      containers:
      - name: main
        image: argoproj/rollouts-demo:blue
  strategy:
    canary:
      steps:
      - setWeight: 50
      - pause: {}
"""


def reasons(kube: Kube, namespace: str) -> list[str]:
    events, _ = kube.list(resources.EVENTS, namespace, field_selector="involvedObject.name=events")
    return [event["reason"] for event in sorted(events, key=lambda e: int(e["metadata"]["resourceVersion"]))]


def test_a_canary_rollout_tells_its_story_in_argos_order(
    cluster, kube: Kube, controller, namespace: str, tmp_path: Path
) -> None:
    path = tmp_path / "rollout.yaml"
    path.write_text(CANARY)
    apply(cluster, namespace, path)
    wait_for_phase(kube, namespace, "events", "Healthy")
    first = ["RolloutAddedToInformer", "RolloutUpdated", "NewReplicaSetCreated", "RolloutNotCompleted"]
    first += ["ScalingReplicaSet", "RolloutCompleted"]
    wait_until(lambda: reasons(kube, namespace) == first, what=f"events {first}")

    kube.patch(
        resources.ROLLOUTS,
        namespace,
        "events",
        [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "argoproj/rollouts-demo:red"}],
        kind="json",
    )
    wait_for_phase(kube, namespace, "events", "Paused")
    update = ["RolloutUpdated", "NewReplicaSetCreated", "RolloutNotCompleted", "ScalingReplicaSet"]
    update += ["RolloutStepCompleted", "RolloutPaused"]
    wait_until(lambda: reasons(kube, namespace) == first + update, what=f"events {first + update}")

    kube.delete(resources.ROLLOUTS, namespace, "events")
    wait_until(lambda: reasons(kube, namespace)[-1] == "RolloutDeleted", what="a RolloutDeleted event")
