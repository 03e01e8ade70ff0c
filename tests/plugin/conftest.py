"""Fixtures for the plugin tests: our CRDs on the real cluster, the CLI bound to it, and ways to place objects.

No controller acts on these objects: each test creates the Rollout (status written through the status
subresource, as the controller would), ReplicaSets owned by it (the cluster's ReplicaSet controller and kwok
then make real, Running pods) and AnalysisRuns, and asserts what the plugin shows or changes. They carry an
instance-id label, so the session's controller (which manages unlabelled objects only) leaves them alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).parent))  # lets the tests `import rollout_objects`, `cluster_objects`

from cluster_objects import Places
from helpers import wait_until
from plugin_processes import PLUGIN_BIN, Running

from plugin.cli import cli
from plugin.context import CliContext
from rollouts.cluster.local import LocalCluster
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube


@pytest.fixture(scope="session")
def rollout_crds(crds: None, kube: Kube) -> None:
    """Our CRDs (crds/*.yaml) applied, Established, and served: a just-established CRD answers 503 "storage is
    (re)initializing" for a moment, which the plugin would rightly report as an error."""

    def served() -> bool:
        try:
            for resource in (resources.ROLLOUTS, resources.ANALYSIS_RUNS, resources.EXPERIMENTS):
                kube.list(resource, "default", page_size=1)
        except errors.ApiError:
            return False
        return True

    wait_until(served, timeout=60, what="the API server to serve our CRDs")


@pytest.fixture
def run_cli(kube: Kube, namespace: str, rollout_crds: None) -> Callable[..., Result]:
    """Invoke the CLI in-process against the real cluster, in the test's namespace (flags may override)."""

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, ["-n", namespace, *args], obj=CliContext(kube_client=kube), catch_exceptions=False)

    return invoke


@pytest.fixture
def plugin_process(cluster: LocalCluster, namespace: str, rollout_crds: None) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed `kubectl-rollouts` executable as a user would, with --kubeconfig and -n."""

    def run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        command = [str(PLUGIN_BIN), "--kubeconfig", str(cluster.kubeconfig), "-n", namespace, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env={**os.environ, "TERM": "xterm"})

    return run


@pytest.fixture
def place(kube: Kube, namespace: str, rollout_crds: None) -> Places:
    """Create builder objects in the test's namespace (see cluster_objects.Places)."""
    return Places(kube, namespace)


@pytest.fixture
def follow(cluster: LocalCluster, namespace: str, rollout_crds: None) -> Iterator[Callable[..., Running]]:
    """Start `kubectl-rollouts` in the background (killed at teardown if still running)."""
    started: list[Running] = []

    def start(*args: str) -> Running:
        running = Running([str(PLUGIN_BIN), "--kubeconfig", str(cluster.kubeconfig), "-n", namespace, *args])
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
