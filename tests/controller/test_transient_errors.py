"""Transient API failures on the real control plane are one-line warnings, retried with backoff; never tracebacks.

Two outages a controller lives through: kube-apiserver stopped for ten seconds in the middle of an update, and a
namespace with Rollouts being deleted (creating anything there is forbidden, while its Rollouts may still change).
"""

from __future__ import annotations

import os
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers import apply, wait_for_phase, wait_until
from rollouts.cluster.local import LocalCluster
from rollouts.cluster.processes import free_ports
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bluegreen" / "rollout-bluegreen.yaml"
NAME = "rollout-bluegreen"
INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"


def set_image(kube: Kube, namespace: str, image: str, name: str = NAME) -> None:
    path = "/spec/template/spec/containers/0/image"
    kube.patch(resources.ROLLOUTS, namespace, name, [{"op": "replace", "path": path, "value": image}], kind="json")


def tracebacks(log: str) -> list[str]:
    lines = log.splitlines()
    return ["\n".join(lines[max(0, i - 2) : i + 12]) for i, line in enumerate(lines) if line.startswith("Traceback")]


def test_an_apiserver_restart_mid_update_is_warnings_only(
    cluster: LocalCluster, kube: Kube, start_controller: Callable[..., Any], namespace: str
) -> None:
    instance = f"restart-{uuid.uuid4().hex[:6]}"
    controller = start_controller(f"--instance-id={instance}", "--no-leader-elect")
    apply(cluster, namespace, EXAMPLE, labels={INSTANCE_LABEL: instance})
    wait_for_phase(kube, namespace, NAME, "Healthy")

    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    # A cluster the suite started is bound to it; one it reuses (ROLLOUTS_TEST_CLUSTER) must outlive it.
    cluster.restart_apiserver(down_for=10, bound_to_parent=not os.environ.get("ROLLOUTS_TEST_CLUSTER"))
    wait_for_phase(kube, namespace, NAME, "Paused", timeout=60)
    kube.patch(resources.ROLLOUTS, namespace, NAME, {"status": {"pauseConditions": None}}, subresource="status")
    wait_for_phase(kube, namespace, NAME, "Healthy", timeout=60)

    log = controller.output()
    assert controller.alive()
    assert "cannot reach the API server" in log, "the controller saw the outage"
    assert tracebacks(log) == []
    outage = [line for line in log.splitlines() if "cannot reach the API server" in line]
    assert all(" warning " in line for line in outage), [line for line in outage if " warning " not in line][:3]


def test_a_terminating_namespace_gets_one_line_warnings_and_no_writes(
    cluster: LocalCluster, kube: Kube, start_controller: Callable[..., Any]
) -> None:
    instance = f"term-{uuid.uuid4().hex[:6]}"
    namespace = f"terminating-{uuid.uuid4().hex[:6]}"
    [port] = free_ports(1)
    controller = start_controller(f"--instance-id={instance}", "--no-leader-elect", f"--metrics-port={port}")
    kube.create(resources.NAMESPACES, None, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}})
    apply(cluster, namespace, EXAMPLE, labels={INSTANCE_LABEL: instance})
    wait_for_phase(kube, namespace, NAME, "Healthy")

    kube.delete(resources.NAMESPACES, None, namespace)
    # The Rollout outlives its ReplicaSets for a while, and may still be changed: it now needs a new ReplicaSet.
    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    wait_until(lambda: _gone(kube, namespace), timeout=120, what=f"namespace {namespace} to be deleted")

    log = controller.output()
    assert tracebacks(log) == []
    refused = [line for line in log.splitlines() if "being terminated" in line]
    assert refused, "the controller tried to create the new ReplicaSet"
    assert all(" warning " in line or " debug " in line for line in refused), refused[:3]
    rejected = _requests(port, namespace, status="403")
    assert 1 <= rejected <= 3, f"{rejected} writes rejected: after the first, none is sent for a while"


def _gone(kube: Kube, namespace: str) -> bool:
    try:
        kube.get(resources.NAMESPACES, None, namespace)
    except errors.NotFound:
        return True
    return False


def _requests(port: int, namespace: str, *, status: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    total = 0.0
    wanted = ("controller_clientset_k8s_request_total{", f'namespace="{namespace}"', f'status_code="{status}"')
    for line in text.splitlines():
        if line.startswith(wanted[0]) and all(part in line for part in wanted[1:]):
            total += float(line.rsplit(" ", 1)[1])
    return total
