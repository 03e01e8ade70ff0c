"""Chaos: AnalysisRuns against a Prometheus that is down, slow, answers with no data, or answers NaN, measured by the
controller running as a real process. Each fault must end the run in the phase Argo users expect, with a message
that says why, and no traceback in the controller's log."""

from __future__ import annotations

import socket
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from helpers import wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "analysis"))
import local_prometheus
from local_http import Exporter

from rollouts.kube import resources
from rollouts.kube.client import Kube

INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
COMPLETED = ("Successful", "Failed", "Error", "Inconclusive")

pytestmark = pytest.mark.cluster


@pytest.fixture(scope="module")
def prometheus() -> Iterator[local_prometheus.PrometheusServer]:
    exporter = Exporter()
    try:
        with local_prometheus.running_prometheus(exporter) as server:
            yield server
    finally:
        exporter.close()


@pytest.fixture
def silent_address() -> Iterator[str]:
    """A listener that accepts connections and never answers: a Prometheus that hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(2)
    for connection in held:
        connection.close()
    listener.close()


def a_run(name: str, instance: str, address: str, query: str, condition: str) -> dict[str, Any]:
    metric = {
        "name": "m",
        "interval": "1s",
        "count": 2,
        "consecutiveErrorLimit": 1,
        "successCondition": condition,
        "provider": {"prometheus": {"address": address, "query": query, "timeout": 1}},
    }
    return {
        "apiVersion": resources.ANALYSIS_RUNS.api_version,
        "kind": "AnalysisRun",
        "metadata": {"name": name, "labels": {INSTANCE_LABEL: instance}},
        "spec": {"metrics": [metric]},
    }


@pytest.mark.timeout(600)
def test_prometheus_down_slow_empty_and_nan(
    kube: Kube,
    namespace: str,
    start_controller,
    prometheus: local_prometheus.PrometheusServer,
    silent_address: str,
    chaos_table: dict,
) -> None:
    instance = f"chaos-{uuid.uuid4().hex[:6]}"
    closed = f"http://127.0.0.1:{local_prometheus.free_port()}"
    cases = {
        "down": (closed, "up", "result[0] >= 0", "Error", "connection refused"),
        "slow": (silent_address, "up", "result[0] >= 0", "Error", "no answer within 1s"),
        "empty": (prometheus.url, "absent_series_for_chaos", "result[0] >= 0.9", "Error", "no data"),
        "nan": (prometheus.url, "vector(NaN)", "result[0] >= 0.9", "Failed", "NaN"),
        "nan-guarded": (prometheus.url, "vector(NaN)", "isNaN(result[0]) || result[0] >= 0.9", "Successful", ""),
    }
    controller = start_controller(f"--instance-id={instance}", "--no-leader-elect")
    for name, (address, query, condition, _, _) in cases.items():
        kube.create(resources.ANALYSIS_RUNS, namespace, a_run(name, instance, address, query, condition))

    def finished() -> dict[str, dict] | None:
        runs = {r["metadata"]["name"]: r.get("status") or {} for r in kube.list(resources.ANALYSIS_RUNS, namespace)[0]}
        return runs if all(runs.get(name, {}).get("phase") in COMPLETED for name in cases) else None

    statuses = wait_until(finished, timeout=120, what="every fault's run to complete")
    wrong = [
        f"{name}: {statuses[name].get('phase')} {statuses[name].get('message')!r}"
        for name, (_, _, _, phase, said) in cases.items()
        if statuses[name].get("phase") != phase or said not in (statuses[name].get("message") or phase)
    ]
    tracebacks = controller.output().count("Traceback (most recent call last)")
    chaos_table["Prometheus down, slow, empty, NaN"] = {
        "runs": len(cases),
        "wrong outcomes": len(wrong),
        "tracebacks": tracebacks,
        "crashes": 0 if controller.alive() else 1,
    }
    assert (wrong, tracebacks, controller.alive()) == ([], 0, True), wrong
