"""Fixtures for the traffic tests; also lets them `import traffic_helpers` under --import-mode=importlib."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rollouts.cluster.local import LocalCluster

sys.path.insert(0, str(Path(__file__).parent))

THIRD_PARTY = Path(__file__).resolve().parents[2] / "crds" / "third-party"


@pytest.fixture(scope="session")
def router_crds(cluster: LocalCluster) -> None:
    """The real CRDs of the Gateway API, SMI, Traefik and APISIX (crds/third-party/), applied and Established."""
    files = [
        arg for name in ("gateway-api", "smi", "traefik", "apisix") for arg in ("-f", str(THIRD_PARTY / f"{name}.yaml"))
    ]
    cluster.kubectl("apply", "--server-side", "--force-conflicts", *files)
    cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s", *files)
