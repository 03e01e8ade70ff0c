"""Rollouts driven by analysis, end to end: the controller as a real process, a real Prometheus, real HTTP.

Aspects: a canary step analysis passes on healthy metrics and the rollout completes; an error-rate spike fails
it, the rollout aborts, its message names the metric, value and condition, and the VirtualService goes back to
100% stable; an unreachable Prometheus gives Error measurements and an abort after consecutiveErrorLimit;
background analysis starts at startingStep and is terminated on promotion; blue-green pre-promotion analysis
gates the switch, and a failing post-promotion analysis moves active back to stable. Runs are named and
labelled as Argo names them.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import yaml
from helpers import apply, replica_sets, rollout, selector_hash, wait_for_phase, wait_until
from local_http import LocalServer, Reply
from local_prometheus import PrometheusServer, free_port

from rollouts.kube import resources
from rollouts.kube.client import Kube

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HOST = EXAMPLES / "istio-host-split" / "rollout.yaml"
BLUEGREEN = EXAMPLES / "bluegreen" / "rollout-bluegreen.yaml"


def template(name: str, metric: dict) -> dict:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate", "metadata": {"name": name}, "spec": {"metrics": [metric]}}


def prometheus_metric(address: str, query: str, **fields: object) -> dict:
    return {"name": "error-rate", "interval": "1s", "count": 2, "successCondition": "result[0] < 0.05", "provider": {"prometheus": {"address": address, "query": query}}, **fields}


def canary_with_analysis(tmp_path: Path, steps: list[dict], *, background: dict | None = None) -> Path:
    documents = [doc for doc in yaml.safe_load_all(HOST.read_text()) if doc]
    canary = documents[0]["spec"]["strategy"]["canary"]
    canary["steps"] = steps
    if background:
        canary["analysis"] = background
    path = tmp_path / "rollout.yaml"
    path.write_text(yaml.safe_dump_all(documents))
    return path


def set_image(kube: Kube, namespace: str, name: str, image: str) -> None:
    kube.patch(resources.ROLLOUTS, namespace, name, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}], kind="json")


def runs(kube: Kube, namespace: str) -> dict[str, dict]:
    return {run["metadata"]["name"]: run for run in kube.list(resources.ANALYSIS_RUNS, namespace)[0]}


def canary_weight(kube: Kube, namespace: str) -> int:
    route = kube.get(resources.VIRTUAL_SERVICES, namespace, "istio-host-split")["spec"]["http"][-1]["route"]
    return next(entry.get("weight", 0) for entry in route if entry["destination"]["host"] == "istio-host-split-canary")


STEPS = [{"setWeight": 20}, {"analysis": {"templates": [{"templateName": "error-rate"}]}}, {"setWeight": 60}, {"pause": {"duration": 1}}]


def test_healthy_canary_passes_step_analysis_and_completes(cluster, kube: Kube, controller, prometheus: PrometheusServer, namespace: str, tmp_path: Path) -> None:
    series = f"errors_{uuid.uuid4().hex[:8]}"
    prometheus.publish(series, 0.01)
    kube.create(resources.ANALYSIS_TEMPLATES, namespace, template("error-rate", prometheus_metric(prometheus.url, series)))
    apply(cluster, namespace, canary_with_analysis(tmp_path, STEPS))
    wait_for_phase(kube, namespace, "istio-host-split", "Healthy")
    assert runs(kube, namespace) == {}, "no analysis on the first deploy"

    set_image(kube, namespace, "istio-host-split", "argoproj/rollouts-demo:green")
    healthy = wait_for_phase(kube, namespace, "istio-host-split", "Healthy", timeout=60)
    assert healthy["status"]["stableRS"] == healthy["status"]["currentPodHash"]
    [(name, run)] = runs(kube, namespace).items()
    pod_hash, revision = healthy["status"]["currentPodHash"], 2
    assert name == f"istio-host-split-{pod_hash}-{revision}-1"
    assert run["status"]["phase"] == "Successful"
    assert run["metadata"]["labels"]["rollout-type"] == "Step" and run["metadata"]["labels"]["step-index"] == "1"
    assert run["metadata"]["labels"]["rollouts-pod-template-hash"] == pod_hash
    assert run["metadata"]["ownerReferences"][0]["uid"] == healthy["metadata"]["uid"]
    assert healthy["status"]["canary"]["currentStepAnalysisRunStatus"] == {"name": name, "status": "Successful"}


def test_error_rate_spike_aborts_and_traffic_returns_to_stable(cluster, kube: Kube, controller, prometheus: PrometheusServer, namespace: str, tmp_path: Path) -> None:
    series = f"errors_{uuid.uuid4().hex[:8]}"
    prometheus.publish(series, 0.01)
    kube.create(resources.ANALYSIS_TEMPLATES, namespace, template("error-rate", prometheus_metric(prometheus.url, series)))
    apply(cluster, namespace, canary_with_analysis(tmp_path, STEPS))
    wait_for_phase(kube, namespace, "istio-host-split", "Healthy")

    prometheus.publish(series, 0.3)
    set_image(kube, namespace, "istio-host-split", "argoproj/rollouts-demo:red-errors-30")
    degraded = wait_for_phase(kube, namespace, "istio-host-split", "Degraded", timeout=60)
    message = degraded["status"]["message"]
    assert message.startswith("RolloutAborted: Rollout aborted update to revision 2: Step-based analysis phase failed")
    assert 'Metric "error-rate"' in message and "[0.3]" in message and '"result[0] < 0.05"' in message, message
    wait_until(lambda: canary_weight(kube, namespace) == 0, what="all traffic back to stable")
    wait_until(lambda: selector_hash(kube, namespace, "istio-host-split-canary") == degraded["status"]["stableRS"], what="canary Service back on stable")
    [run] = runs(kube, namespace).values()
    assert run["status"]["phase"] == "Failed"
    events, _ = kube.list(resources.EVENTS, namespace, field_selector="involvedObject.name=istio-host-split")
    assert [e["reason"] for e in events].count("RolloutAborted") == 1


def test_unreachable_prometheus_errors_then_aborts(cluster, kube: Kube, controller, namespace: str, tmp_path: Path) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    kube.create(resources.ANALYSIS_TEMPLATES, namespace, template("error-rate", prometheus_metric(closed, "up", consecutiveErrorLimit=1)))
    apply(cluster, namespace, canary_with_analysis(tmp_path, STEPS))
    wait_for_phase(kube, namespace, "istio-host-split", "Healthy")
    set_image(kube, namespace, "istio-host-split", "argoproj/rollouts-demo:green")
    degraded = wait_for_phase(kube, namespace, "istio-host-split", "Degraded", timeout=60)
    assert "Step-based analysis phase error" in degraded["status"]["message"]
    [run] = runs(kube, namespace).values()
    result = run["status"]["metricResults"][0]
    assert run["status"]["phase"] == "Error" and result["consecutiveError"] == 2
    assert all(m["phase"] == "Error" for m in result["measurements"])


def test_background_analysis_starts_at_its_step_and_stops_on_promotion(cluster, kube: Kube, controller, namespace: str, tmp_path: Path) -> None:
    server = LocalServer()
    try:
        url = server.route("/health", Reply(body=json.dumps({"ok": True})))
        web = {"name": "health", "interval": "1s", "successCondition": "result.ok == true", "provider": {"web": {"url": url, "jsonPath": "{$}"}}}
        kube.create(resources.ANALYSIS_TEMPLATES, namespace, template("health", web))
        steps = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]
        apply(cluster, namespace, canary_with_analysis(tmp_path, steps, background={"templates": [{"templateName": "health"}], "startingStep": 2}))
        wait_for_phase(kube, namespace, "istio-host-split", "Healthy")
        set_image(kube, namespace, "istio-host-split", "argoproj/rollouts-demo:green")
        wait_for_phase(kube, namespace, "istio-host-split", "Paused")
        assert runs(kube, namespace) == {}, "not before startingStep"

        kube.patch(resources.ROLLOUTS, namespace, "istio-host-split", {"status": {"pauseConditions": None}}, subresource="status")
        def paused_at_step_3() -> bool:
            # The second promote must find a pause to clear: wait for the pause step's condition, not just the index.
            status = rollout(kube, namespace, "istio-host-split")["status"]
            return status.get("currentStepIndex") == 3 and bool(status.get("pauseConditions"))

        wait_until(paused_at_step_3, what="paused at step 3")
        [(name, run)] = wait_until(lambda: list(runs(kube, namespace).items()), what="background run")
        assert run["metadata"]["labels"]["rollout-type"] == "Background" and name.endswith("-2")
        wait_until(lambda: (runs(kube, namespace)[name].get("status") or {}).get("phase") == "Running", what="background run measuring")

        kube.patch(resources.ROLLOUTS, namespace, "istio-host-split", {"status": {"pauseConditions": None}}, subresource="status")
        wait_for_phase(kube, namespace, "istio-host-split", "Healthy")
        finished = wait_until(lambda: runs(kube, namespace)[name] if (runs(kube, namespace)[name].get("status") or {}).get("phase") == "Successful" else None, what="terminated background run")
        assert finished["spec"]["terminate"] is True
    finally:
        server.close()


@pytest.fixture
def verdicts() -> LocalServer:
    server = LocalServer()
    yield server
    server.close()


def bluegreen_with_analysis(tmp_path: Path, **analysis: dict) -> Path:
    documents = [doc for doc in yaml.safe_load_all(BLUEGREEN.read_text()) if doc]
    documents[0]["spec"]["strategy"]["blueGreen"].update(autoPromotionEnabled=True, **analysis)
    path = tmp_path / "rollout.yaml"
    path.write_text(yaml.safe_dump_all(documents))
    return path


def test_bluegreen_pre_promotion_gates_and_failing_post_promotion_switches_back(cluster, kube: Kube, controller, verdicts: LocalServer, namespace: str, tmp_path: Path) -> None:
    answers = {"pre": True, "post": False}
    for phase in ("pre", "post"):
        url = verdicts.route(f"/{phase}", lambda _seen, phase=phase: Reply(body=json.dumps({"ok": answers[phase]})))
        metric = {"name": phase, "count": 1, "successCondition": "result.ok == true", "provider": {"web": {"url": url}}}
        kube.create(resources.ANALYSIS_TEMPLATES, namespace, template(phase, metric))
    path = bluegreen_with_analysis(
        tmp_path, prePromotionAnalysis={"templates": [{"templateName": "pre"}]}, postPromotionAnalysis={"templates": [{"templateName": "post"}]},
    )  # fmt: skip
    apply(cluster, namespace, path)
    blue = wait_for_phase(kube, namespace, "rollout-bluegreen", "Healthy")["status"]["stableRS"]

    set_image(kube, namespace, "rollout-bluegreen", "argoproj/rollouts-demo:yellow")
    degraded = wait_for_phase(kube, namespace, "rollout-bluegreen", "Degraded", timeout=60)
    assert "Blue/green post-promotion analysis phase failed" in degraded["status"]["message"]
    wait_until(lambda: selector_hash(kube, namespace, "rollout-bluegreen-active") == blue, what="active moved back to stable")
    kinds = sorted(run["metadata"]["labels"]["rollout-type"] for run in runs(kube, namespace).values())
    assert kinds == ["PostPromotion", "PrePromotion"]
    names = sorted(runs(kube, namespace))
    yellow = degraded["status"]["currentPodHash"]
    assert names == [f"rollout-bluegreen-{yellow}-2-post", f"rollout-bluegreen-{yellow}-2-pre"]
    assert replica_sets(kube, namespace)[1]["spec"]["replicas"] == 2
