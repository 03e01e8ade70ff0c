"""Shared fixtures: one real local control plane per test run, and a fresh namespace per test.

Set ROLLOUTS_TEST_CLUSTER=<dir> to reuse a cluster started with `rollouts cluster up --dir <dir>` (fast local
iteration). Otherwise the session starts its own in a temporary directory and stops it at the end; the
components are bound to this process, so even a killed test run leaves nothing behind. When the control plane
cannot start, every test that needs it errors loudly: nothing is skipped and nothing stands in for it.

Under pytest-xdist (`make test`) every worker starts its own control plane (and so its own session controller),
one worker at a time so that the free ports each picks are bound before the next one picks; test files are handed
out longest first (tests/scheduling.py) so that the run does not end waiting on one slow file.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import Kube

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))  # lets tests `import helpers` under --import-mode=importlib

import scheduling  # noqa: E402
from helpers import wait_established  # noqa: E402
from logging_guard import loggers_unchanged  # noqa: E402, F401  (autouse: every test leaves logging as it found it)

# The chaos suite is `make chaos`, not part of `make test`: it takes minutes and prints its own table.
collect_ignore = [] if os.environ.get("ROLLOUTS_CHAOS") else ["chaos"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    scheduling.longest_files_first(items)


@contextlib.contextmanager
def one_worker_at_a_time(worker_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Held while a worker starts its cluster: the ports it picks as free are bound before the next worker picks."""
    if worker_id == "master":
        yield
        return
    with open(tmp_path_factory.getbasetemp().parent / "cluster-start.lock", "w") as lock:  # shared by this run's workers
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "master")  # not xdist's fixture: works with -p no:xdist too
    existing = os.environ.get("ROLLOUTS_TEST_CLUSTER")
    if existing:
        if worker_id != "master":
            pytest.fail(f"ROLLOUTS_TEST_CLUSTER={existing} is one cluster for one test process; run without --numprocesses")
        reused = LocalCluster(existing)
        if not reused.is_running():
            pytest.fail(f"ROLLOUTS_TEST_CLUSTER={existing} has no running cluster; start it with `rollouts cluster up --dir {existing}`")
        yield reused
        return
    directory = Path(tempfile.mkdtemp(prefix=f"rollouts-test-cluster-{worker_id}-"))
    local = LocalCluster(directory)
    with one_worker_at_a_time(worker_id, tmp_path_factory):
        local.up(progress=lambda line: print(f"[{worker_id}] {line}", file=sys.stderr, flush=True), bound_to_parent=True)
    try:
        yield local
    finally:
        local.down(progress=lambda _line: None)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="session")
def kube(cluster: LocalCluster) -> Kube:
    return Kube.from_kubeconfig(str(cluster.kubeconfig))


@pytest.fixture
def namespace(request: pytest.FixtureRequest, kube: Kube) -> Iterator[str]:
    """A fresh namespace named after the test, deleted afterwards (deletion is not waited for)."""
    slug = re.sub(r"[^a-z0-9-]+", "-", request.node.name.lower()).strip("-")[:40].strip("-")
    name = f"{slug}-{uuid.uuid4().hex[:6]}"
    kube.create(resources.NAMESPACES, None, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    try:
        yield name
    finally:
        kube.delete(resources.NAMESPACES, None, name)


@pytest.fixture(scope="session")
def crds(cluster: LocalCluster) -> None:
    """Our CustomResourceDefinitions (crds/*.yaml), applied and Established."""
    files = [arg for path in sorted((REPO / "crds").glob("*.yaml")) for arg in ("-f", str(path))]
    cluster.kubectl("apply", "--server-side", "--force-conflicts", *files)
    wait_established(cluster, *files)


@pytest.fixture(scope="session")
def istio_crds(cluster: LocalCluster, tmp_path_factory: pytest.TempPathFactory) -> None:
    """VirtualService and DestinationRule CRDs: Istio's real ones from ../shared when present (full schema
    validation of what we write), else the project's own copy in crds/third-party/."""
    real = REPO.parent / "shared" / "argo-manifests" / "test" / "e2e" / "crds" / "istio.yaml"
    path = REPO / "crds" / "third-party" / "istio.yaml"
    if real.is_file():
        wanted = {"virtualservices.networking.istio.io", "destinationrules.networking.istio.io"}
        documents = [d for d in yaml.safe_load_all(real.read_text()) if d and d.get("metadata", {}).get("name") in wanted]
        path = tmp_path_factory.mktemp("istio") / "istio-crds.yaml"
        path.write_text(yaml.safe_dump_all(documents))
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(path))
    wait_established(cluster, "-f", str(path))


@pytest.fixture(scope="session")
def router_crds(cluster: LocalCluster) -> None:
    """The real CRDs of the Gateway API, SMI, Traefik and APISIX (crds/third-party/), applied and Established."""
    third_party = REPO / "crds" / "third-party"
    names = ("gateway-api", "smi", "traefik", "apisix")
    files = [arg for name in names for arg in ("-f", str(third_party / f"{name}.yaml"))]
    cluster.kubectl("apply", "--server-side", "--force-conflicts", *files)
    wait_established(cluster, *files)


class ControllerProcess:
    """`rollouts controller` running as a real process against the test cluster."""

    def __init__(self, cluster: LocalCluster, *args: str, log: Path) -> None:
        self.log = log
        command = [sys.executable, "-m", "rollouts.cli", "controller", f"--kubeconfig={cluster.kubeconfig}", "--loglevel=debug", *args]
        self.process = subprocess.Popen(command, stdout=open(log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)  # noqa: SIM115

    def kill(self) -> None:
        """SIGKILL: no cleanup, as when a node dies."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)

    def stop(self) -> int:
        """SIGTERM and wait: the graceful path."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()

    def alive(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def start_controller(cluster: LocalCluster, crds: None, istio_crds: None, tmp_path: Path) -> Iterator[Callable[..., ControllerProcess]]:
    """Start extra controllers (e.g. with --instance-id) for tests that kill or race them; all stopped afterwards."""
    started: list[ControllerProcess] = []

    def start(*args: str) -> ControllerProcess:
        process = ControllerProcess(cluster, "--metrics-port=0", "--healthz-port=0", *args, log=tmp_path / f"controller-{len(started)}.log")
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


@pytest.fixture(scope="session")
def controller(cluster: LocalCluster, crds: None, istio_crds: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ControllerProcess]:
    """The session's controller: manages every Rollout without an instance-id label."""
    log = tmp_path_factory.mktemp("controller") / "controller.log"
    process = ControllerProcess(cluster, "--no-leader-elect", "--metrics-port=0", "--healthz-port=0", log=log)
    yield process
    if not process.alive():
        print(process.output()[-5000:], file=sys.stderr)
    process.stop()
