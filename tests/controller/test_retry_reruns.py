"""Retrying an update that an analysis aborted runs the analysis again, in a fresh AnalysisRun.

As in Argo, the run that failed is finished, so it is not reused: the retried analysis gets the same name with the
collision counter (`<name>.1`), measures again, and this time its verdict decides the step.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from helpers import instance_rollout, wait_for_phase, wait_until, web_check_template
from local_http import LocalServer, Reply
from rollouts.kube import resources
from rollouts.kube.client import Kube

IMAGE = "argoproj/rollouts-demo:blue"


class Verdict:
    """A real HTTP endpoint answering {"ok": <verdict>}; the test flips the verdict."""

    def __init__(self, server: LocalServer) -> None:
        self.ok = False
        self.url = server.route("/", lambda _seen: Reply(body=json.dumps({"ok": self.ok})))


@pytest.fixture
def verdict() -> Iterator[Verdict]:
    with LocalServer() as server:
        yield Verdict(server)


def update_then_retry(kube: Kube, namespace: str, name: str, verdict: Verdict) -> tuple[dict[str, Any], list[str]]:
    """Update the image, let the failing analysis abort it, make the metric pass and retry: the Rollout once Healthy
    and the names of the runs it made."""
    wait_for_phase(kube, namespace, name, "Healthy")
    path = "/spec/template/spec/containers/0/image"
    patch = [{"op": "replace", "path": path, "value": "argoproj/rollouts-demo:yellow"}]
    kube.patch(resources.ROLLOUTS, namespace, name, patch, kind="json")
    wait_for_phase(kube, namespace, name, "Degraded", message="RolloutAborted")
    verdict.ok = True
    kube.patch(resources.ROLLOUTS, namespace, name, {"status": {"abort": False}}, subresource="status")
    healthy = wait_for_phase(kube, namespace, name, "Healthy")
    return healthy, sorted(run["metadata"]["name"] for run in kube.list(resources.ANALYSIS_RUNS, namespace)[0])


def phases(kube: Kube, namespace: str) -> dict[str, str]:
    return {
        run["metadata"]["name"]: (run.get("status") or {}).get("phase", "")
        for run in kube.list(resources.ANALYSIS_RUNS, namespace)[0]
    }


def test_a_retried_canary_reruns_its_step_analysis(
    kube: Kube, start_controller: Callable[..., Any], namespace: str, verdict: Verdict
) -> None:
    instance = f"retry-{uuid.uuid4().hex[:6]}"
    kube.create(resources.ANALYSIS_TEMPLATES, namespace, web_check_template("ok", verdict.url))
    steps = [{"setWeight": 50}, {"analysis": {"templates": [{"templateName": "ok"}]}}]
    kube.create(
        resources.ROLLOUTS, namespace, instance_rollout("rc", instance, {"canary": {"steps": steps}}, image=IMAGE)
    )
    start_controller(f"--instance-id={instance}", "--no-leader-elect")

    healthy, names = update_then_retry(kube, namespace, "rc", verdict)
    base = f"rc-{healthy['status']['currentPodHash']}-2-1"
    assert names == [base, f"{base}.1"]
    wait_until(lambda: phases(kube, namespace) == {base: "Failed", f"{base}.1": "Successful"}, what="run phases")
    assert healthy["status"]["stableRS"] == healthy["status"]["currentPodHash"]


def test_a_retried_bluegreen_reruns_its_pre_promotion_analysis(
    kube: Kube, start_controller: Callable[..., Any], namespace: str, verdict: Verdict
) -> None:
    instance = f"retry-{uuid.uuid4().hex[:6]}"
    kube.create(resources.ANALYSIS_TEMPLATES, namespace, web_check_template("ok", verdict.url))
    service = {"apiVersion": "v1", "kind": "Service", "spec": {"selector": {"app": "rb"}, "ports": [{"port": 80}]}}
    kube.create(resources.SERVICES, namespace, {**service, "metadata": {"name": "rb-active"}})
    strategy = {
        "blueGreen": {
            "activeService": "rb-active",
            "scaleDownDelaySeconds": 2,
            "prePromotionAnalysis": {"templates": [{"templateName": "ok"}]},
        }
    }
    kube.create(resources.ROLLOUTS, namespace, instance_rollout("rb", instance, strategy, image=IMAGE))
    start_controller(f"--instance-id={instance}", "--no-leader-elect")

    healthy, names = update_then_retry(kube, namespace, "rb", verdict)
    base = f"rb-{healthy['status']['currentPodHash']}-2-pre"
    assert names == [base, f"{base}.1"]
    wait_until(lambda: phases(kube, namespace) == {base: "Failed", f"{base}.1": "Successful"}, what="run phases")
    assert healthy["status"]["blueGreen"]["activeSelector"] == healthy["status"]["currentPodHash"]
