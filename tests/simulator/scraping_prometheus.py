"""A real Prometheus (the Debian package's) scraping one target every second, for simulator tests.

It scrapes any ``host:port``, so the simulator under test is the exporter; starting and stopping is
`helpers.running_prometheus`, shared with the analysis tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import helpers

from rollouts.cluster.processes import free_ports

BINARY = "/usr/bin/prometheus"
MISSING = f"{BINARY} is missing: install the Debian package prometheus (make test does this)"
JOB = "simulator"


@dataclass(frozen=True)
class Prometheus:
    url: str
    log: Path

    def query(self, promql: str) -> list[dict]:
        """The result vector of an instant query now."""
        response = requests.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=5)
        response.raise_for_status()
        return response.json()["data"]["result"]

    def scalar(self, promql: str) -> float | None:
        """The one value a `sum(...)`-style query returns now; None when it returns nothing (no series yet)."""
        result = self.query(promql)
        assert len(result) <= 1, f"{promql} returned {len(result)} series, expected at most one"
        return float(result[0]["value"][1]) if result else None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, from below the ephemeral range (see free_ports)."""
    [port] = free_ports(1)
    return port


@contextmanager
def scraping(target: str, *, log: Path) -> Iterator[Prometheus]:
    """Prometheus scraping `target` (``host:port``) every second as job "simulator", once it is ready to query."""
    with helpers.running_prometheus({JOB: target}, log=log, ready=_ready, what="Prometheus ready") as url:
        yield Prometheus(url, log)


def _ready(url: str) -> bool:
    try:
        return requests.get(f"{url}/-/ready", timeout=2).status_code == 200
    except requests.RequestException:
        return False
