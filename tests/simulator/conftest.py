"""Fixtures for simulator tests: a free port for the simulator's /metrics, and a real Prometheus scraping it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # lets tests import this directory's helpers under importlib mode

import scraping_prometheus  # noqa: E402


@pytest.fixture
def simulator_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, for the simulator's /metrics."""
    return scraping_prometheus.free_port()


@pytest.fixture
def prometheus(simulator_port: int, tmp_path: Path) -> Iterator[scraping_prometheus.Prometheus]:
    """Prometheus scraping 127.0.0.1:<simulator_port> every second; a missing binary fails the test, loudly."""
    if not Path(scraping_prometheus.BINARY).is_file():
        pytest.fail(scraping_prometheus.MISSING)
    with scraping_prometheus.scraping(f"127.0.0.1:{simulator_port}", log=tmp_path / "prometheus.log") as server:
        yield server
