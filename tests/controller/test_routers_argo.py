"""Argo's own e2e fixtures that route through a router other than Istio (ALB: canary-scaledowndelay,
canary-scaledownonabort, ...) apply unchanged from ../shared/argo-manifests, become Healthy, and take an update to
Healthy again, with the ALB action back on stable at the end."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import rollout as read_rollout
from helpers import wait_for_phase, wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube
from router_views import INGRESSES

pytestmark = pytest.mark.usefixtures("router_crds")

ARGO_MANIFESTS = Path(__file__).resolve().parents[2].parent / "shared" / "argo-manifests"
FIXTURES = ARGO_MANIFESTS / "test" / "e2e" / "functional"


ALB_FIXTURES = (
    "canary-scaledowndelay.yaml",
    "canary-scaledownonabort.yaml",
    "canary-unscaledownonabort.yaml",
    "canary-dynamic-stable-scale.yaml",
    "canary-dynamic-stable-scale-abort-delay.yaml",
)
"""Argo's functional e2e fixtures whose Rollout routes through ALB (its e2e suite's generic router)."""


def rollout_of(path: Path) -> dict[str, Any]:
    return next(d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict) and d.get("kind") == "Rollout")


def paused_at(kube: Kube, namespace: str, name: str) -> int | None:
    status = read_rollout(kube, namespace, name).get("status") or {}
    return status.get("currentStepIndex") if status.get("phase") == "Paused" else None


def canary_weight(kube: Kube, namespace: str, alb: dict[str, Any], canary_service: str) -> int:
    ingress = kube.get(INGRESSES, namespace, alb["ingress"])
    action = ingress["metadata"]["annotations"][f"alb.ingress.kubernetes.io/actions.{alb['rootService']}"]
    groups = json.loads(action)["ForwardConfig"]["TargetGroups"]
    return next(int(group["Weight"]) for group in groups if group["ServiceName"] == canary_service)


E2E_READINESS = "argoproj.io/e2e-readiness"


@contextlib.contextmanager
def e2e_readiness_gates_met(kube: Kube, namespace: str) -> Iterator[None]:
    """What Argo's e2e harness does for its fixtures' `argoproj.io/e2e-readiness` readiness gate: set the pod
    condition True on every pod (kwok honours readiness gates, so without this the pods never become ready)."""
    stop = threading.Event()

    def mark() -> None:
        while not stop.wait(0.3):
            for pod in kube.list(resources.PODS, namespace)[0]:
                conditions = (pod.get("status") or {}).get("conditions")
                if any(c.get("type") == E2E_READINESS for c in conditions or []):
                    continue
                met = {"type": E2E_READINESS, "status": "True"}
                ops = [{"op": "add", "path": "/status/conditions/-" if conditions else "/status/conditions",
                        "value": met if conditions else [met]}]  # fmt: skip
                with contextlib.suppress(Exception):  # a pod gone or changed meanwhile: the next pass retries
                    kube.patch(
                        resources.PODS, namespace, pod["metadata"]["name"], ops, kind="json", subresource="status"
                    )

    thread = threading.Thread(target=mark, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


@pytest.mark.parametrize("fixture", ALB_FIXTURES)
def test_argos_alb_fixtures_progress_to_healthy(cluster, kube: Kube, controller, namespace: str, fixture: str) -> None:
    path = FIXTURES / fixture
    if not ARGO_MANIFESTS.is_dir():
        return  # checked where ../shared is present (as tests/traffic/test_registry.py does)
    with e2e_readiness_gates_met(kube, namespace):
        progress_through(cluster, kube, namespace, path)


def progress_through(cluster: Any, kube: Kube, namespace: str, path: Path) -> None:
    cluster.kubectl("apply", "-n", namespace, "-f", str(path))
    rollout = rollout_of(path)
    name, canary = rollout["metadata"]["name"], rollout["spec"]["strategy"]["canary"]
    wait_for_phase(kube, namespace, name, "Healthy", timeout=60)
    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "nginx:1.20-alpine"}]
    kube.patch(resources.ROLLOUTS, namespace, name, patch, kind="json")
    for index, step in enumerate(canary.get("steps") or []):
        if step.get("pause") == {}:  # indefinite: promote through it
            wait_until(
                lambda i=index: paused_at(kube, namespace, name) == i, timeout=60, what=f"paused at step {index}"
            )
            kube.patch(resources.ROLLOUTS, namespace, name, {"status": {"pauseConditions": None}}, subresource="status")
    wait_for_phase(kube, namespace, name, "Healthy", timeout=60)
    assert canary_weight(kube, namespace, canary["trafficRouting"]["alb"], canary["canaryService"]) == 0
