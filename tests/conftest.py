"""Shared fixtures: one real local control plane per test run, and a fresh namespace per test.

Set ROLLOUTS_TEST_CLUSTER=<dir> to reuse a cluster started with `rollouts cluster up --dir <dir>` (fast local
iteration). Otherwise the session starts its own in a temporary directory and stops it at the end; the
components are bound to this process, so even a killed test run leaves nothing behind. When the control plane
cannot start, every test that needs it errors loudly: nothing is skipped and nothing stands in for it.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import Kube

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).parent))  # lets tests `import helpers` under --import-mode=importlib


@pytest.fixture(scope="session")
def cluster() -> Iterator[LocalCluster]:
    existing = os.environ.get("ROLLOUTS_TEST_CLUSTER")
    if existing:
        reused = LocalCluster(existing)
        if not reused.is_running():
            pytest.fail(f"ROLLOUTS_TEST_CLUSTER={existing} has no running cluster; start it with `rollouts cluster up --dir {existing}`")
        yield reused
        return
    directory = Path(tempfile.mkdtemp(prefix="rollouts-test-cluster-"))
    local = LocalCluster(directory)
    local.up(progress=lambda line: print(line, file=sys.stderr, flush=True), bound_to_parent=True)
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
