"""A real Prometheus (the Debian package's) scraping one target every second, for simulator tests.

Based on tests/analysis/local_prometheus.py, which scrapes an in-test exporter of its own; this one scrapes any
``host:port``, so the simulator under test is the exporter. The process is in its own session and gets SIGKILL
from the kernel when the test process dies, so even a killed run leaves none behind.
"""

from __future__ import annotations

import ctypes
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
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def scraping(target: str, *, log: Path) -> Iterator[Prometheus]:
    """Prometheus scraping `target` (``host:port``) every second as job "simulator", once it is ready to query."""
    if not Path(BINARY).is_file():
        raise AssertionError(MISSING)
    directory = Path(tempfile.mkdtemp(prefix="rollouts-test-simulator-prometheus-"))
    config = {
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": JOB, "static_configs": [{"targets": [target]}]}],
    }
    (directory / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [BINARY, f"--config.file={directory / 'prometheus.yml'}", f"--storage.tsdb.path={directory / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=_die_with_parent,
        )  # fmt: skip
    server = Prometheus(f"http://127.0.0.1:{port}", log)
    try:
        wait_until(lambda: _ready(server, process), timeout=60, interval=0.2, what="Prometheus ready")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)


def _ready(server: Prometheus, process: subprocess.Popen[bytes]) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"prometheus exited with code {process.returncode}:\n{server.log.read_text()[-3000:]}")
    try:
        return requests.get(f"{server.url}/-/ready", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _die_with_parent() -> None:
    # Runs in the child between fork and exec: the kernel SIGKILLs it when the test process dies.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
