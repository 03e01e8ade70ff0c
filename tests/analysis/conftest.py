"""Fixtures for analysis tests: a real Prometheus scraping an in-test exporter, local HTTP(S) servers, and a
real AnalysisRun (on the project's CRDs, from the session `crds` fixture) to own metric Jobs.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # lets tests import this directory's helpers under importlib mode

import kube_objects  # noqa: E402
import local_prometheus  # noqa: E402
from local_http import Exporter, LocalServer, self_signed_cert  # noqa: E402

from rollouts.kube.client import Kube  # noqa: E402


@pytest.fixture(scope="session")
def exporter() -> Iterator[Exporter]:
    served = Exporter()
    try:
        yield served
    finally:
        served.close()


@pytest.fixture(scope="session")
def prometheus(exporter: Exporter) -> Iterator[local_prometheus.PrometheusServer]:
    """/usr/bin/prometheus for the whole session; a missing binary fails every test that needs it, loudly."""
    if not Path(local_prometheus.BINARY).is_file():
        pytest.fail(local_prometheus.MISSING)
    with local_prometheus.running_prometheus(exporter) as server:
        yield server


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A fresh local HTTP server; tests add routes."""
    with LocalServer() as server:
        yield server


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate and key for 127.0.0.1."""
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def analysis_run(kube: Kube, namespace: str, crds: None) -> kube_objects.Run:
    """A real AnalysisRun in the test's namespace, for metric Jobs to be owned by."""
    return kube_objects.create_analysis_run(kube, namespace)
