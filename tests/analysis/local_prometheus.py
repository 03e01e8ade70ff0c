"""Run the Debian package's Prometheus for tests: free port, temporary TSDB, 1 s scrapes of an in-test exporter.

The process is in its own session and gets SIGKILL from the kernel when the test process dies, so even a
killed test run leaves no Prometheus behind.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import helpers
from helpers import wait_until
from local_http import Exporter

from rollouts.cluster.processes import free_ports

BINARY = "/usr/bin/prometheus"
MISSING = f"{BINARY} is missing: install the Debian package prometheus (make test does this)"


@dataclass(frozen=True)
class PrometheusServer:
    """A running Prometheus and the exporter it scrapes."""

    url: str
    exporter: Exporter
    log: Path

    def query(self, promql: str) -> dict:
        """The `data` of an instant query now, straight from the HTTP API (for test-side checks only)."""
        response = requests.get(f"{self.url}/api/v1/query", params={"query": promql}, timeout=5)
        response.raise_for_status()
        return response.json()["data"]

    def publish(self, series: str, value: float) -> None:
        """Set a series on the exporter and wait until Prometheus has scraped exactly that value."""
        self.exporter.set(series, value)

        def scraped() -> bool:
            samples = self.query(series)["result"]
            return len(samples) == 1 and _same(float(samples[0]["value"][1]), float(value))

        wait_until(scraped, timeout=15, what=f"Prometheus to scrape {series} = {value}")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now, from below the ephemeral range (see free_ports)."""
    [port] = free_ports(1)
    return port


@contextmanager
def running_prometheus(exporter: Exporter) -> Iterator[PrometheusServer]:
    """Start Prometheus scraping `exporter`, wait until it is ready and has scraped it (up == 1), stop it after."""
    log = Path(tempfile.mkdtemp(prefix="rollouts-test-prometheus-log-")) / "prometheus.log"
    with helpers.running_prometheus({"exporter": exporter.target}, log=log, ready=_scraping, what="Prometheus ready and scraping (up == 1)") as url:
        yield PrometheusServer(url, exporter, log)


def _scraping(url: str) -> bool:
    try:
        if requests.get(f"{url}/-/ready", timeout=2).status_code != 200:
            return False
        samples = requests.get(f"{url}/api/v1/query", params={"query": 'up{job="exporter"}'}, timeout=5).json()["data"]["result"]
    except (requests.RequestException, ValueError, KeyError):
        return False
    return bool(samples) and samples[0]["value"][1] == "1"


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b
