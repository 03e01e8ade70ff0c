"""Start the demo's three processes next to the cluster and wait until each answers: Prometheus, the controller
(`rollouts controller`) and the traffic simulator (`rollouts simulate`). I/O.

Prometheus scrapes the simulator's Istio metrics and the controller's own every second; the controller finds
Prometheus through ARGO_ROLLOUTS_PROMETHEUS_ADDRESS, the default of AnalysisTemplates that name no address.
"""

from __future__ import annotations

import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from analysis.providers import prometheus as prometheus_provider
from rollouts.cluster.processes import free_ports
from rollouts.demo import prometheus
from rollouts.demo.processes import ProcessError, Processes

START_TIMEOUT = 60.0
SIMULATED_RATE = 50.0
"""Requests per second through the router's object: at 20 % a canary gets 10 a second, so each 3 s measurement
judges a few dozen requests rather than a handful."""


@dataclass(frozen=True)
class Ports:
    prometheus: int
    controller_metrics: int
    simulator: int

    @classmethod
    def free(cls) -> Ports:
        return cls(*free_ports(3))


@dataclass(frozen=True)
class Running:
    """Where the started processes answer."""

    prometheus: prometheus.Client
    ports: Ports


def start(processes: Processes, *, kubeconfig: Path, namespace: str, target: str, data_dir: Path) -> Running:
    """Start Prometheus, the controller and the simulator (sending requests through `target`, ``KIND/NAME``);
    return once Prometheus scrapes the other two."""
    ports = Ports.free()
    data_dir.mkdir(parents=True, exist_ok=True)
    config_file = data_dir / "prometheus.yml"
    targets = {
        "simulator": f"127.0.0.1:{ports.simulator}",
        "rollouts-controller": f"127.0.0.1:{ports.controller_metrics}",
    }
    config_file.write_text(yaml.safe_dump(prometheus.config(targets), sort_keys=False))
    client = prometheus.Client(f"http://127.0.0.1:{ports.prometheus}")
    processes.start(
        "prometheus",
        prometheus.command(
            binary=prometheus.BINARY, config_file=config_file, data_dir=data_dir / "data", port=ports.prometheus
        ),
    )
    python = [sys.executable, "-m", "rollouts.cli"]
    processes.start(
        "controller",
        [
            *python,
            "controller",
            f"--kubeconfig={kubeconfig}",
            f"--metrics-port={ports.controller_metrics}",
            "--healthz-port=0",
            "--no-leader-elect",
        ],
        env={prometheus_provider.ADDRESS_ENV: client.url},
    )
    processes.start(
        "simulator",
        [
            *python,
            "simulate",
            f"--kubeconfig={kubeconfig}",
            "-n",
            namespace,
            f"--port={ports.simulator}",
            "--address=127.0.0.1",
            f"--target={target}",
            f"--rate={SIMULATED_RATE:g}",
        ],
    )
    _wait_until_scraping(processes, client, ports)
    return Running(client, ports)


def _wait_until_scraping(processes: Processes, client: prometheus.Client, ports: Ports) -> None:
    """Prometheus ready, the controller and the simulator serving /metrics, and Prometheus scraping both."""
    deadline = time.monotonic() + START_TIMEOUT
    wait(processes, client.ready, deadline, "Prometheus ready")
    wait(
        processes,
        lambda: _answers(f"http://127.0.0.1:{ports.controller_metrics}/metrics"),
        deadline,
        "the controller serving /metrics",
    )
    wait(
        processes,
        lambda: _answers(f"http://127.0.0.1:{ports.simulator}/metrics"),
        deadline,
        "the simulator serving /metrics",
    )
    wait(
        processes,
        lambda: _scraped(client, "simulator") and _scraped(client, "rollouts-controller"),
        deadline,
        "Prometheus scraping both",
    )


def wait(processes: Processes, probe: Callable[[], bool], deadline: float, what: str) -> None:
    """Poll `probe` every 0.2 s until it holds; raise ProcessError when a process died or at the deadline."""
    while not probe():
        processes.check_alive()
        if time.monotonic() > deadline:
            raise ProcessError(f"timed out waiting for {what}; logs in {processes.dir / 'logs'}")
        time.sleep(0.2)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError):
        return False


def _scraped(client: prometheus.Client, job: str) -> bool:
    try:
        return client.value(f'up{{job="{job}"}}') == 1.0
    except (OSError, ValueError, KeyError):
        return False
