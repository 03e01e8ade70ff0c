"""workloadRef end to end: a Rollout that takes its pod template from a Deployment, on the real control plane.

Aspects: Argo's workload-ref example becomes Healthy with the Deployment's template (Argo's hash, nothing written
back to spec.template, the workload-generation annotation and status.workloadObservedGeneration at the Deployment's
generation); a change to the Deployment's template starts an update; a missing Deployment is InvalidSpec naming
spec.workloadRef.name and the Rollout recovers when it appears (or when it points back at one, with no redeploy);
switching to an inline template clears workloadObservedGeneration; scaleDown never keeps the Deployment, onsuccess
scales it to 0 once Healthy; and migrating a serving Deployment with onsuccess or progressively never has fewer
ready pods (the Deployment's and the Rollout's together) than it had.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import apply, rollout, wait_for_phase, wait_until
from rollouts.api.labels import HASH_LABEL, WORKLOAD_GENERATION_ANNOTATION
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.plan import hashing

ARGO_EXAMPLE = (
    Path(__file__).resolve().parents[2].parent
    / "shared"
    / "argo-manifests"
    / "examples"
    / "workload-ref"
    / "workload-ref.yaml"
)
NAME = "web"
TEMPLATE = {
    "metadata": {"labels": {"app": NAME}},
    "spec": {"containers": [{"name": "app", "image": "registry.example/web:1"}]},
}


def a_deployment(replicas: int, template: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": NAME},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": NAME}}, "template": template or TEMPLATE},
    }


def a_rollout(replicas: int, scale_down: str | None = None, **canary: Any) -> dict[str, Any]:
    ref = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": NAME,
        **({"scaleDown": scale_down} if scale_down else {}),
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": NAME},
        "spec": {"replicas": replicas, "workloadRef": ref, "strategy": {"canary": canary}},
    }


def deployment(kube: Kube, namespace: str, name: str = NAME) -> dict[str, Any]:
    return kube.get(resources.DEPLOYMENTS, namespace, name)


def ready_deployment(kube: Kube, namespace: str, replicas: int) -> None:
    def ready() -> bool:
        status = deployment(kube, namespace).get("status") or {}
        return status.get("readyReplicas") == replicas and status.get("updatedReplicas") == replicas

    wait_until(ready, timeout=60, what=f"the Deployment's {replicas} pods to be ready")


def set_deployment_image(kube: Kube, namespace: str, image: str, name: str = NAME) -> None:
    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}]
    kube.patch(resources.DEPLOYMENTS, namespace, name, patch, kind="json")


def test_argos_example_becomes_healthy_with_the_deployments_template(
    cluster, kube: Kube, controller, namespace: str
) -> None:
    if not ARGO_EXAMPLE.exists():
        pytest.skip("Argo's manifests are not in ../shared")
    apply(cluster, namespace, ARGO_EXAMPLE)
    name = "rollout-ref-deployment"
    healthy = wait_for_phase(kube, namespace, name, "Healthy", timeout=90)
    stored = deployment(kube, namespace, name)
    expected_hash = hashing.pod_template_hash(stored["spec"]["template"])
    assert healthy["status"]["currentPodHash"] == healthy["status"]["stableRS"] == expected_hash
    assert healthy["status"]["workloadObservedGeneration"] == str(stored["metadata"]["generation"])
    assert healthy["metadata"]["annotations"][WORKLOAD_GENERATION_ANNOTATION] == str(stored["metadata"]["generation"])
    assert "template" not in healthy["spec"] and "selector" not in healthy["spec"], "the resolved template stays ours"
    wait_until(lambda: rollout(kube, namespace, name)["status"].get("availableReplicas") == 5, what="5 available")
    assert deployment(kube, namespace, name)["spec"]["replicas"] == 0, "scaleDown never: Argo's example is left alone"

    set_deployment_image(kube, namespace, "argoproj/rollouts-demo:yellow", name)
    paused = wait_for_phase(kube, namespace, name, "Paused", timeout=60)
    assert paused["status"]["currentPodHash"] != expected_hash and paused["status"]["currentStepIndex"] == 1
    assert paused["status"]["workloadObservedGeneration"] == str(
        deployment(kube, namespace, name)["metadata"]["generation"]
    )
    updated = wait_for_phase(kube, namespace, name, "Healthy", timeout=60)
    assert updated["status"]["stableRS"] == hashing.pod_template_hash(
        deployment(kube, namespace, name)["spec"]["template"]
    )
    ours, _ = kube.list(resources.REPLICASETS, namespace, label_selector=HASH_LABEL)
    assert sorted(rs["metadata"]["annotations"]["rollout.argoproj.io/revision"] for rs in ours) == ["1", "2"]


def test_a_missing_deployment_is_invalid_until_it_appears(cluster, kube: Kube, controller, namespace: str) -> None:
    kube.create(resources.ROLLOUTS, namespace, a_rollout(2))
    invalid = wait_for_phase(kube, namespace, NAME, "Degraded", message="InvalidSpec", timeout=30)
    assert f'spec.workloadRef.name: Deployment "{NAME}" not found' in invalid["status"]["message"]
    kube.create(resources.DEPLOYMENTS, namespace, a_deployment(0))
    healthy = wait_for_phase(kube, namespace, NAME, "Healthy", timeout=60)
    assert healthy["status"]["currentPodHash"] == hashing.pod_template_hash(
        deployment(kube, namespace)["spec"]["template"]
    )
    assert not any(c["type"] == "InvalidSpec" for c in healthy["status"]["conditions"])


@pytest.mark.parametrize(("scale_down", "left"), [("never", 2), ("onsuccess", 0)])
def test_scale_down_after_success(cluster, kube: Kube, controller, namespace: str, scale_down: str, left: int) -> None:
    kube.create(resources.DEPLOYMENTS, namespace, a_deployment(2))
    ready_deployment(kube, namespace, 2)
    kube.create(resources.ROLLOUTS, namespace, a_rollout(2, scale_down))
    wait_for_phase(kube, namespace, NAME, "Healthy", timeout=60)
    wait_until(lambda: deployment(kube, namespace)["spec"]["replicas"] == left, what=f"the Deployment at {left}")
    time.sleep(2)  # and it stays there
    assert deployment(kube, namespace)["spec"]["replicas"] == left


class ReadyPods:
    """Counts ready, not terminating pods of the app (the Deployment's and the Rollout's) until stopped."""

    def __init__(self, kube: Kube, namespace: str) -> None:
        self.kube, self.namespace = kube, namespace
        self.lowest: int | None = None
        self.seen_rollout_pods = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ReadyPods:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            pods, _ = self.kube.list(resources.PODS, self.namespace, label_selector=f"app={NAME}")
            ready = [pod for pod in pods if _is_ready(pod)]
            self.seen_rollout_pods = max(
                self.seen_rollout_pods, sum(HASH_LABEL in pod["metadata"]["labels"] for pod in ready)
            )
            self.lowest = len(ready) if self.lowest is None else min(self.lowest, len(ready))
            time.sleep(0.05)


def _is_ready(pod: dict[str, Any]) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
    return ready and not pod["metadata"].get("deletionTimestamp")


@pytest.mark.parametrize("scale_down", ["onsuccess", "progressively"])
def test_migrating_a_serving_deployment_keeps_every_pod_ready(
    cluster, kube: Kube, controller, namespace: str, scale_down: str
) -> None:
    replicas = 4
    slow = yaml.safe_load(yaml.safe_dump(TEMPLATE))
    slow["spec"]["containers"][0]["readinessProbe"] = {"httpGet": {"port": 8080}, "initialDelaySeconds": 2}
    kube.create(resources.DEPLOYMENTS, namespace, a_deployment(replicas, slow))
    ready_deployment(kube, namespace, replicas)
    with ReadyPods(kube, namespace) as watcher:
        kube.create(resources.ROLLOUTS, namespace, a_rollout(replicas, scale_down, maxSurge=1, maxUnavailable=0))
        wait_for_phase(kube, namespace, NAME, "Healthy", timeout=90)
        wait_until(
            lambda: (deployment(kube, namespace).get("status") or {}).get("replicas", 0) == 0,
            timeout=60,
            what="the Deployment's pods to go",
        )
    assert deployment(kube, namespace)["spec"]["replicas"] == 0
    assert watcher.seen_rollout_pods == replicas
    assert watcher.lowest is not None and watcher.lowest >= replicas, f"ready pods fell to {watcher.lowest}"


def test_progressively_scales_the_deployment_down_as_the_rollout_becomes_ready(
    cluster, kube: Kube, controller, namespace: str
) -> None:
    replicas = 4
    kube.create(resources.DEPLOYMENTS, namespace, a_deployment(replicas))
    ready_deployment(kube, namespace, replicas)
    kube.create(resources.ROLLOUTS, namespace, a_rollout(replicas, "progressively"))
    wait_for_phase(kube, namespace, NAME, "Healthy", timeout=60)
    wait_until(lambda: deployment(kube, namespace)["spec"]["replicas"] == 0, what="the Deployment at 0")
    events, _ = kube.list(resources.EVENTS, namespace, field_selector=f"involvedObject.name={NAME}")
    scaled = [e["message"] for e in events if e["reason"] == "ScalingDeployment"]
    assert scaled and all(message.startswith(f"Scaled down Deployment {NAME} from ") for message in scaled)


def test_pointing_elsewhere_and_back_then_inline(cluster, kube: Kube, controller, namespace: str) -> None:
    kube.create(resources.DEPLOYMENTS, namespace, a_deployment(0))
    kube.create(resources.ROLLOUTS, namespace, a_rollout(1))
    first = wait_for_phase(kube, namespace, NAME, "Healthy", timeout=60)
    assert first["status"]["workloadObservedGeneration"] == "1"

    elsewhere = [{"op": "replace", "path": "/spec/workloadRef/name", "value": "nowhere"}]
    kube.patch(resources.ROLLOUTS, namespace, NAME, elsewhere, kind="json")
    invalid = wait_for_phase(kube, namespace, NAME, "Degraded", message="InvalidSpec", timeout=30)
    assert 'spec.workloadRef.name: Deployment "nowhere" not found' in invalid["status"]["message"]
    back = [{"op": "replace", "path": "/spec/workloadRef/name", "value": NAME}]
    kube.patch(resources.ROLLOUTS, namespace, NAME, back, kind="json")
    again = wait_for_phase(kube, namespace, NAME, "Healthy", timeout=30)
    assert again["status"]["currentPodHash"] == first["status"]["currentPodHash"], "the same template: no update"

    inline = [
        {"op": "remove", "path": "/spec/workloadRef"},
        {"op": "add", "path": "/spec/selector", "value": {"matchLabels": {"app": NAME}}},
        {"op": "add", "path": "/spec/template", "value": TEMPLATE},
    ]
    kube.patch(resources.ROLLOUTS, namespace, NAME, inline, kind="json")
    own = wait_for_phase(kube, namespace, NAME, "Healthy", timeout=30)
    assert "workloadObservedGeneration" not in own["status"]
