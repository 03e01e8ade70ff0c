"""Run the Debian package's Prometheus for tests: free port, temporary TSDB, 1 s scrapes of an in-test exporter.

The process is in its own session and gets SIGKILL from the kernel when the test process dies, so even a
killed test run leaves no Prometheus behind.
"""

from __future__ import annotations

import ctypes
import math
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
import yaml
from helpers import wait_until
from local_http import Exporter

BINARY = "/usr/bin/prometheus"
MISSING = f"{BINARY} is missing: install the Debian package prometheus (make test does this)"
STARTUP_TIMEOUT = 60.0


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
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_prometheus(exporter: Exporter) -> Iterator[PrometheusServer]:
    """Start Prometheus scraping `exporter`, wait until it is ready and has scraped it (up == 1), stop it after."""
    if not Path(BINARY).is_file():
        raise AssertionError(MISSING)
    directory = Path(tempfile.mkdtemp(prefix="rollouts-test-prometheus-"))
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": "exporter", "static_configs": [{"targets": [exporter.target]}]}],
    }
    (directory / "prometheus.yml").write_text(yaml.safe_dump(config))
    port, log = free_port(), directory / "prometheus.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [BINARY, f"--config.file={directory / 'prometheus.yml'}", f"--storage.tsdb.path={directory / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
        )  # fmt: skip
    server = PrometheusServer(f"http://127.0.0.1:{port}", exporter, log)
    try:
        wait_until(lambda: _scraping(server, process), timeout=STARTUP_TIMEOUT, interval=0.2, what="Prometheus ready and scraping (up == 1)")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)


def _scraping(server: PrometheusServer, process: subprocess.Popen[bytes]) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"prometheus exited with code {process.returncode}:\n{server.log.read_text()[-3000:]}")
    try:
        if requests.get(f"{server.url}/-/ready", timeout=2).status_code != 200:
            return False
        samples = server.query('up{job="exporter"}')["result"]
    except requests.RequestException:
        return False
    return bool(samples) and samples[0]["value"][1] == "1"


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: the kernel SIGKILLs it when the test process dies.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b
