"""A rollout's tree in the browser: revisions, AnalysisRuns with each metric's last value and verdict, and
Experiments; an inconclusive analysis puts the rollout under "Needs attention". No controller acts here: the test
writes the objects and their status as a controller would. README's screenshot is `analysis-tree.png`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dashboard_support import (
    UNMANAGED,
    DashboardProcess,
    open_rollout,
    paused_canary,
    reader_rules,
    sign_in,
    texts,
    until,
)
from selenium.webdriver.common.by import By

from rollouts.kube import resources
from rollouts.kube.client import Kube

pytestmark = pytest.mark.cluster
REVISION = {"rollout.argoproj.io/revision": "2"}
RUN = "payments-7d9f5c-2-1"


def owned(name: str, rollout: dict[str, Any]) -> dict[str, Any]:
    owner = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": "payments",
        "uid": rollout["metadata"]["uid"],
        "controller": True,
    }
    return {"name": name, "labels": UNMANAGED, "annotations": REVISION, "ownerReferences": [owner]}


def measurements(*values: tuple[str, str]) -> list[dict[str, str]]:
    return [{"phase": phase, "value": value, "startedAt": "2026-01-01T00:00:00Z"} for value, phase in values]


def place_inconclusive_analysis(kube: Kube, namespace: str) -> None:
    body = paused_canary("payments", labels=UNMANAGED)
    body["metadata"]["annotations"] = REVISION
    rollout = kube.create(resources.ROLLOUTS, namespace, body)
    status = {"status": {"phase": "Progressing", "message": "waiting on analysis", "currentStepIndex": 1}}
    kube.patch(resources.ROLLOUTS, namespace, "payments", status, kind="merge", subresource="status")
    run = {
        "metadata": owned(RUN, rollout),
        "spec": {"metrics": [{"name": "success-rate", "provider": {"web": {"url": "http://x"}}}]},
    }
    kube.create(
        resources.ANALYSIS_RUNS, namespace, {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun", **run}
    )
    success = {"name": "success-rate", "phase": "Inconclusive", "count": 2, "successful": 1, "inconclusive": 1}
    success["measurements"] = measurements(("0.991", "Successful"), ("0.93", "Inconclusive"))
    latency = {"name": "latency-p99", "phase": "Successful", "count": 2, "successful": 2}
    latency["measurements"] = measurements(("212", "Successful"), ("187", "Successful"))
    results = {"status": {"phase": "Inconclusive", "metricResults": [success, latency]}}
    kube.patch(resources.ANALYSIS_RUNS, namespace, RUN, results, kind="merge", subresource="status")
    pod = {
        "metadata": {"labels": {"app": "b"}},
        "spec": {"containers": [{"name": "app", "image": "argoproj/rollouts-demo:blue"}]},
    }
    template = {"name": "baseline", "selector": {"matchLabels": {"app": "b"}}, "template": pod}
    experiment = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Experiment",
        "metadata": owned("payments-baseline", rollout),
    }
    kube.create(resources.EXPERIMENTS, namespace, {**experiment, "spec": {"templates": [template]}})
    running = {"status": {"phase": "Running"}}
    kube.patch(resources.EXPERIMENTS, namespace, "payments-baseline", running, kind="merge", subresource="status")


def test_the_tree_shows_each_metrics_value_and_verdict_and_inconclusive_needs_attention(
    dashboard: DashboardProcess,
    kube: Kube,
    namespace: str,
    service_account_token: Callable[..., str],
    browser: Any,
    screenshot: Callable[[str], Any],
) -> None:
    place_inconclusive_analysis(kube, namespace)
    sign_in(browser, dashboard, service_account_token(namespace, "viewer", reader_rules()))
    browser.find_element(By.ID, "nav-attention").click()
    reason = f"analysis {RUN} is inconclusive"
    until(
        browser,
        lambda d: texts(d, "#list-attention td.attention") == [reason],
        "the inconclusive analysis under Needs attention",
    )

    open_rollout(browser, namespace, "payments")
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "tr.metric"), "the metrics table")
    rows = {row.get_attribute("data-metric"): row.text for row in browser.find_elements(By.CSS_SELECTOR, "tr.metric")}
    assert rows["success-rate"].startswith("success-rate Inconclusive 0.93 1✔ 0✖ 1? 0⚠ of 2")
    assert rows["latency-p99"].startswith("latency-p99 Successful 187 2✔")
    assert texts(browser, "li.experiment")[0].endswith("Experiment payments-baseline Running")
    assert texts(browser, "li.revision strong") == ["revision:2"]
    screenshot("analysis-tree")
