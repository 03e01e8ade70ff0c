"""The judge end to end: the real local cluster, the controller as a process, the traffic simulator and a real
Prometheus scraping it. A canary identical to its stable version is promoted; one with twice the errors is
aborted, and the Rollout's message carries the judge's explanation.

The template is examples/judge-templates/judge-success-rate.yaml with a shorter schedule (first judgement after
35 s over a 35 s lookback, so 7 or 8 points a side; two judgements 5 s apart), so that each update takes about
40 s. Errors go from 10 % to 20 %: at 50 requests per second a side, 5 % → 10 % was seen to slip through once on a
loaded machine (6 to 7 points a side are few for Mann-Whitney at 98 %).
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from scraping_prometheus import Prometheus

from helpers import apply, wait_for_phase
from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.simulator import main

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HOST_SPLIT = EXAMPLES / "istio-host-split" / "rollout.yaml"
TEMPLATE = EXAMPLES / "judge-templates" / "judge-success-rate.yaml"
NAME = "istio-host-split"
STABLE_IMAGE = "argoproj/rollouts-demo:blue-errors-10"


def judge_template() -> dict[str, Any]:
    template: dict[str, Any] = yaml.safe_load(TEMPLATE.read_text())
    metric = template["spec"]["metrics"][0]
    metric.update(initialDelay="35s", interval="5s", count=2)
    metric["provider"]["plugin"]["rollouts/judge"]["lookback"] = "35s"
    return template


def rollout_documents() -> list[dict[str, Any]]:
    documents = [copy.deepcopy(doc) for doc in yaml.safe_load_all(HOST_SPLIT.read_text()) if doc]
    spec = documents[0]["spec"]
    spec["template"]["spec"]["containers"][0]["image"] = STABLE_IMAGE
    analysis = {
        "templates": [{"templateName": "judge-success-rate"}],
        "args": [
            {"name": "namespace", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "baseline-hash", "valueFrom": {"podTemplateHashValue": "Stable"}},
            {"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
        ],
    }
    spec["strategy"]["canary"]["steps"] = [{"setWeight": 50}, {"analysis": analysis}]
    return documents


@pytest.fixture
def simulator(cluster: LocalCluster, namespace: str, simulator_port: int) -> Iterator[None]:
    """The simulator at 100 requests per second through the example's VirtualService, seeded."""
    options = main.Options(
        kubeconfig=str(cluster.kubeconfig),
        namespace=namespace,
        virtual_services=(NAME,),
        rate=100.0,
        port=simulator_port,
        address="127.0.0.1",
        seed=16,
    )
    stop = threading.Event()
    thread = threading.Thread(target=main.run, args=(options, stop), name="simulator", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def set_image(kube: Kube, namespace: str, image: str) -> None:
    change = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}]
    kube.patch(resources.ROLLOUTS, namespace, NAME, change, kind="json")


def analysis_messages(kube: Kube, namespace: str) -> list[str]:
    runs, _ = kube.list(resources.ANALYSIS_RUNS, namespace)
    return [
        str(m.get("message"))
        for run in runs
        for r in (run.get("status") or {}).get("metricResults") or []
        for m in r.get("measurements") or []
    ]


@pytest.mark.usefixtures("simulator", "crds", "istio_crds")
def test_the_judge_promotes_an_identical_canary_and_aborts_doubled_errors(
    cluster: LocalCluster,
    kube: Kube,
    namespace: str,
    prometheus: Prometheus,
    tmp_path: Path,
    start_controller: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("ARGO_ROLLOUTS_PROMETHEUS_ADDRESS", prometheus.url)
    caplog.set_level(logging.WARNING, logger="rollouts.simulator")  # restored after the test, unlike setLevel
    start_controller("--no-leader-elect", f"--namespace={namespace}")
    (tmp_path / "template.yaml").write_text(yaml.safe_dump(judge_template()))
    apply(cluster, namespace, tmp_path / "template.yaml")
    (tmp_path / "rollout.yaml").write_text(yaml.safe_dump_all(rollout_documents()))
    apply(cluster, namespace, tmp_path / "rollout.yaml")
    wait_for_phase(kube, namespace, NAME, "Healthy", timeout=60)

    set_image(kube, namespace, "argoproj/rollouts-demo:green-errors-10")  # the same behaviour, a new version
    wait_for_phase(kube, namespace, NAME, "Healthy", timeout=180)
    assert (kube.get(resources.ROLLOUTS, namespace, NAME).get("status") or {}).get("abort") is not True

    set_image(kube, namespace, "argoproj/rollouts-demo:red-errors-20")  # twice the errors
    aborted = wait_for_phase(kube, namespace, NAME, "Degraded", timeout=180)
    message = aborted["status"].get("message") or ""
    assert "judge score 0 (Fail): critical metric error-rate is High: canary higher" in message, message
    assert any("critical metric error-rate is High" in text for text in analysis_messages(kube, namespace))
