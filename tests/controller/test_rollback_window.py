"""rollbackWindow on the real cluster: a rollback within the window goes straight back; outside it the steps run.

Aspects (revisions: 1, steps setWeight 50 then an indefinite pause): after v1, v2 and v3, going back to v1 is
outside the window (v2 lies between) and pauses at the first step; going on to v2 from there is within it (nothing
between v2 and stable v3) and reaches Healthy without any pause, its completion saying "Rollback within window".
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from helpers import apply, rollout, wait_for_phase, wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube

MANIFEST = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: rw}
spec:
  replicas: 2
  rollbackWindow: {revisions: 1}
  selector: {matchLabels: {app: rw}}
  template:
    metadata: {labels: {app: rw, rev: v1}}
    spec:
      containers: [{name: rw, image: "argoproj/rollouts-demo:blue"}]
  strategy:
    canary:
      steps:
      - setWeight: 50
      - pause: {}
"""


def _to(kube: Kube, namespace: str, rev: str) -> None:
    # The window counts ReplicaSets by creationTimestamp, which has 1 s resolution (as Argo's): keep them apart.
    time.sleep(1.1)
    patch = {"spec": {"template": {"metadata": {"labels": {"rev": rev}}}}}
    kube.patch(resources.ROLLOUTS, namespace, "rw", patch)


def _promote(kube: Kube, namespace: str) -> None:
    kube.patch(resources.ROLLOUTS, namespace, "rw", {"status": {"pauseConditions": None}}, subresource="status")


def _update(kube: Kube, namespace: str, rev: str) -> None:
    """An ordinary update: pauses at its first step, promoted by hand, Healthy."""
    _to(kube, namespace, rev)
    wait_for_phase(kube, namespace, "rw", "Paused")
    _promote(kube, namespace)
    wait_until(lambda: _current_is(kube, namespace, rev, stable=True), what=f"{rev} stable")
    wait_for_phase(kube, namespace, "rw", "Healthy")


def _current_is(kube: Kube, namespace: str, rev: str, *, stable: bool = False) -> bool:
    status: dict[str, Any] = rollout(kube, namespace, "rw").get("status") or {}
    rs = _replica_set_of(kube, namespace, rev)
    if rs is None:
        return False
    pod_hash = rs["metadata"]["labels"]["rollouts-pod-template-hash"]
    return status.get("currentPodHash") == pod_hash and (not stable or status.get("stableRS") == pod_hash)


def _replica_set_of(kube: Kube, namespace: str, rev: str) -> dict[str, Any] | None:
    found, _ = kube.list(resources.REPLICASETS, namespace)
    return next((rs for rs in found if rs["spec"]["template"]["metadata"]["labels"].get("rev") == rev), None)


def _completions(kube: Kube, namespace: str) -> list[str]:
    events, _ = kube.list(resources.EVENTS, namespace)
    return [e["message"] for e in events if e.get("reason") == "RolloutCompleted"]


def test_a_rollback_within_the_window_skips_the_steps(
    cluster, kube: Kube, controller, namespace: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "rollback-window.yaml"
    manifest.write_text(MANIFEST)
    apply(cluster, namespace, manifest)
    wait_for_phase(kube, namespace, "rw", "Healthy")
    _update(kube, namespace, "v2")
    _update(kube, namespace, "v3")

    _to(kube, namespace, "v1")  # outside the window: v2 was created between v1 and stable v3
    paused = wait_for_phase(kube, namespace, "rw", "Paused")
    assert _current_is(kube, namespace, "v1")
    assert paused["status"]["currentStepIndex"] == 1, "the steps run"

    _to(kube, namespace, "v2")  # within the window: nothing was created between v2 and stable v3
    wait_until(lambda: _current_is(kube, namespace, "v2", stable=True), timeout=60, what="v2 stable again")
    healthy = wait_for_phase(kube, namespace, "rw", "Healthy")
    assert healthy["status"]["currentStepIndex"] == 2
    assert not healthy["status"].get("pauseConditions")
    wait_until(
        lambda: any(message.endswith(": Rollback within window") for message in _completions(kube, namespace)),
        what="a RolloutCompleted event for the rollback within the window",
    )
