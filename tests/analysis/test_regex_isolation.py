"""A hostile condition cannot stall the controller: an AnalysisRun whose successCondition is the catastrophic
`result matches "^(a|a)*c$"` against a web metric of many "a"s measures again and again while a canary in another
namespace rolls out in its usual time and /healthz keeps answering. (With Python's backtracking `re` this froze the
whole controller for about 100 s; RE2 is linear, and evaluation runs on the analysis controller's own threads.)"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from typing import Any

import pytest
from local_http import LocalServer, Reply
from local_prometheus import free_port

from helpers import INSTANCE_LABEL, instance_rollout, wait_for_phase, wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube

pytestmark = pytest.mark.cluster


def a_canary(name: str, instance: str, image: str) -> dict[str, Any]:
    strategy = {"canary": {"steps": [{"setWeight": 50}, {"pause": {"duration": 1}}]}}
    return instance_rollout(name, instance, strategy, image=image)


def healthz_answers(port: int) -> bool:
    started = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
        return response.status == 200 and time.monotonic() - started < 1.0


def test_a_catastrophic_regex_does_not_slow_another_rollout(
    kube: Kube, namespace: str, start_controller, http_server: LocalServer
) -> None:
    instance, healthz = f"regex-{uuid.uuid4().hex[:6]}", free_port()
    start_controller(f"--instance-id={instance}", "--no-leader-elect", f"--healthz-port={healthz}")
    url = http_server.route("/aaa", Reply(200, json.dumps({"text": "a" * 100_000})))
    metric = {
        "name": "hostile", "interval": "1s", "count": 30, "failureLimit": 20, "successCondition": 'result matches "^(a|a)*c$"',
        "provider": {"web": {"url": url, "jsonPath": "{$.text}"}},
    }  # fmt: skip
    run = {
        "apiVersion": resources.ANALYSIS_RUNS.api_version, "kind": "AnalysisRun",
        "metadata": {"name": "hostile", "labels": {INSTANCE_LABEL: instance}}, "spec": {"metrics": [metric]},
    }  # fmt: skip
    kube.create(resources.ROLLOUTS, namespace, a_canary("bystander", instance, "argoproj/rollouts-demo:blue"))
    wait_for_phase(kube, namespace, "bystander", "Healthy", timeout=60)
    kube.create(resources.ANALYSIS_RUNS, namespace, run)
    wait_until(lambda: len(http_server.requests_to("/aaa")) >= 2, timeout=30, what="the hostile metric measured twice")

    started = time.monotonic()
    image = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "argoproj/rollouts-demo:red"}]}}}}
    kube.patch(resources.ROLLOUTS, namespace, "bystander", image)
    wait_until(lambda: healthz_answers(healthz), timeout=5, what="/healthz answering within 1 s")
    wait_for_phase(kube, namespace, "bystander", "Healthy", timeout=30)
    took = time.monotonic() - started

    assert took < 20, f"the bystander canary took {took:.1f} s while the hostile condition was measured"
    assert healthz_answers(healthz)
    measurements = (kube.get(resources.ANALYSIS_RUNS, namespace, "hostile").get("status") or {}).get("metricResults")
    assert measurements, "the hostile run was measured"
