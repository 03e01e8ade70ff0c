"""A Rollout whose pod template Go cannot decode (Argo's e2e expectedfailures/malformed-rollout.yaml) is read the
way Argo's tolerant informer reads it: the bad quantity is dropped, the spec is written back without it, and the
Rollout goes Healthy instead of InvalidSpec."""

from __future__ import annotations

from pathlib import Path

import yaml

from helpers import apply, replica_sets, rollout, wait_for_phase, wait_until
from rollouts.kube.client import Kube

MALFORMED = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: malformed-rollout
spec:
  selector:
    matchLabels:
      app: malformed-rollout
  template:
    metadata:
      labels:
        app: malformed-rollout
    spec:
      containers:
      - name: malformed-rollout
        image: argoproj/rollouts-demo:blue
        resources:
          requests:
            memory: invalid
            cpu: 100m
  strategy:
    canary: {}
"""


def test_a_malformed_quantity_is_dropped_and_the_rollout_goes_healthy(
    cluster, kube: Kube, controller, namespace: str, tmp_path: Path
) -> None:
    path = tmp_path / "malformed.yaml"
    path.write_text(MALFORMED)
    apply(cluster, namespace, path)
    wait_for_phase(kube, namespace, "malformed-rollout", "Healthy")
    container = rollout(kube, namespace, "malformed-rollout")["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"] == {"requests": {"cpu": "100m"}}  # "memory" sorts after "cpu": only it is lost
    (replica_set,) = wait_until(lambda: list(replica_sets(kube, namespace).values()) or None, what="a ReplicaSet")
    made = replica_set["spec"]["template"]["spec"]["containers"][0]
    assert made["resources"] == {"requests": {"cpu": "100m"}}
    assert (
        yaml.safe_load(MALFORMED)["spec"]["strategy"]
        == rollout(kube, namespace, "malformed-rollout")["spec"]["strategy"]
    )
