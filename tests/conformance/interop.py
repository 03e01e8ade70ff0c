"""Interop, both ways: Argo's kubectl plugin drives our controller, and our plugin drives Argo's controller.

Run by `make conformance` (not by `make test`: it needs Argo's binaries, built by tests/conformance/build.py).
Each pairing takes one canary Rollout through every verb an operator uses: get, set image, promote, abort, retry,
promote --full, pause, resume (`promote` of a paused rollout), restart
and undo, and checks what the controller did through the API, not through
either plugin's output.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import INSTANCE_LABEL, wait_for_phase, wait_until
from rollouts.cluster import processes
from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import Kube
from tests.conformance.build import CONTROLLER_BINARY, PLUGIN_BINARY, ArgoBuild, ensure_argo

pytestmark = pytest.mark.cluster
REPO = Path(__file__).resolve().parents[2]
NAME = "interop"
IMAGES = ("argoproj/rollouts-demo:blue", "argoproj/rollouts-demo:yellow")
STEPS = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 75}, {"pause": {}}]
Plugin = Callable[..., str]


@pytest.fixture(scope="module")
def argo() -> ArgoBuild:
    return ensure_argo(progress=lambda line: print(line, file=sys.stderr))


def canary(instance: str) -> dict[str, Any]:
    labels = {"app": NAME}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": NAME, "labels": {INSTANCE_LABEL: instance}},
        "spec": {
            "replicas": 4,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app", "image": IMAGES[0]}]}},
            "strategy": {"canary": {"steps": STEPS}},
        },
    }


@pytest.fixture
def argo_controller(
    cluster: LocalCluster, crds: None, argo: ArgoBuild, tmp_path: Path
) -> Iterator[Callable[[str], None]]:
    """Starts Argo's own controller (out of cluster, like Argo's `make start-e2e`) for one instance id."""
    started: list[subprocess.Popen[bytes]] = []

    def start(instance: str) -> None:
        metrics, healthz = processes.free_ports(2)
        command = [
            str(argo.path(CONTROLLER_BINARY)),
            f"--kubeconfig={cluster.kubeconfig}",
            f"--instance-id={instance}",
            "--leader-elect=false",
            f"--metricsPort={metrics}",
            f"--healthzPort={healthz}",
        ]
        with (tmp_path / "argo-controller.log").open("wb") as log:
            started.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))

    yield start
    for process in started:
        processes.terminate_group(process.pid)
        process.wait(30)


def plugin_runner(command: list[str], cluster: LocalCluster, namespace: str) -> Plugin:
    def run(*args: str) -> str:
        environment = {**os.environ, "KUBECONFIG": str(cluster.kubeconfig)}
        result = subprocess.run(
            [*command, *args, "-n", namespace], capture_output=True, text=True, env=environment, timeout=60
        )
        assert result.returncode == 0, (
            f"{' '.join(command[-1:])} {' '.join(args)} exited {result.returncode}: {result.stderr}"
        )
        return result.stdout

    return run


@pytest.mark.parametrize("pairing", ["argo-plugin-drives-ours", "our-plugin-drives-argo"])
def test_every_verb_works_across_the_pairing(
    pairing: str,
    cluster: LocalCluster,
    kube: Kube,
    namespace: str,
    argo: ArgoBuild,
    start_controller: Callable[..., Any],
    argo_controller: Callable[[str], None],
) -> None:
    instance = f"interop-{uuid.uuid4().hex[:6]}"
    if pairing == "argo-plugin-drives-ours":
        start_controller(f"--instance-id={instance}", "--no-leader-elect")
        plugin = plugin_runner([str(argo.path(PLUGIN_BINARY))], cluster, namespace)
    else:
        argo_controller(instance)
        plugin = plugin_runner([str(Path(sys.executable).parent / "kubectl-rollouts")], cluster, namespace)
    kube.create(resources.ROLLOUTS, namespace, canary(instance))
    wait_for_phase(kube, namespace, NAME, "Healthy", timeout=90)
    assert NAME in plugin("get", "rollout", NAME) and "Healthy" in plugin("get", "rollout", NAME)

    walk_a_canary_through_its_steps(kube, namespace, plugin)
    pause_resume_and_restart(kube, namespace, plugin)
    plugin("undo", NAME)
    wait_until(lambda: image(kube, namespace) == IMAGES[0], what="undo puts revision 1's template back")
    plugin("promote", NAME, "--full")
    stable_is(kube, namespace, IMAGES[0])


def walk_a_canary_through_its_steps(kube: Kube, namespace: str, plugin: Plugin) -> None:
    plugin("set", "image", NAME, f"app={IMAGES[1]}")
    paused_at(kube, namespace, 1)
    plugin("promote", NAME)
    paused_at(kube, namespace, 3)
    plugin("abort", NAME)
    wait_for_phase(kube, namespace, NAME, "Degraded")
    assert status(kube, namespace).get("abort") is True
    plugin("retry", "rollout", NAME)
    paused_at(kube, namespace, 1)
    plugin("promote", NAME, "--full")
    stable_is(kube, namespace, IMAGES[1])


def pause_resume_and_restart(kube: Kube, namespace: str, plugin: Plugin) -> None:
    plugin("pause", NAME)
    wait_for_phase(kube, namespace, NAME, "Paused")
    assert kube.get(resources.ROLLOUTS, namespace, NAME)["spec"].get("paused") is True
    plugin("promote", NAME)  # Argo's plugin has no `resume`: promote unpauses
    wait_for_phase(kube, namespace, NAME, "Healthy")
    before = pod_names(kube, namespace)
    plugin("restart", NAME)
    wait_until(
        lambda: (
            (spec_restart := kube.get(resources.ROLLOUTS, namespace, NAME)["spec"].get("restartAt"))
            and status(kube, namespace).get("restartedAt") == spec_restart
        ),
        timeout=90,
        what="the restart recorded as done",
    )
    wait_until(lambda: not before & pod_names(kube, namespace), timeout=90, what="every pod replaced by the restart")


def status(kube: Kube, namespace: str) -> dict[str, Any]:
    return kube.get(resources.ROLLOUTS, namespace, NAME).get("status") or {}


def image(kube: Kube, namespace: str) -> str:
    return str(kube.get(resources.ROLLOUTS, namespace, NAME)["spec"]["template"]["spec"]["containers"][0]["image"])


def paused_at(kube: Kube, namespace: str, step: int) -> None:
    wait_for_phase(kube, namespace, NAME, "Paused")
    wait_until(lambda: status(kube, namespace).get("currentStepIndex") == step, what=f"paused at step {step}")


def stable_is(kube: Kube, namespace: str, expected: str) -> None:
    wait_for_phase(kube, namespace, NAME, "Healthy", timeout=90)
    current = status(kube, namespace)
    assert current.get("stableRS") == current.get("currentPodHash")
    assert image(kube, namespace) == expected


def pod_names(kube: Kube, namespace: str) -> set[str]:
    pods, _ = kube.list(resources.PODS, namespace)
    return {pod["metadata"]["name"] for pod in pods if not pod["metadata"].get("deletionTimestamp")}
