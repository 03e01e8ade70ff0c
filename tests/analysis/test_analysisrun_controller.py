"""The AnalysisRun controller on the real local control plane, measuring a real Prometheus, HTTP server and Jobs.

The controller runs in-process with its own instance id; every run here carries that id, so no other controller
touches them. Each test creates an AnalysisRun and waits for its final status.

Aspects: a healthy metric → Successful (count 3, interval 1 s); an error-rate spike → Failed, the message naming
metric, value and condition; Prometheus unreachable → Error measurements, run Error after consecutiveErrorLimit + 1;
a bad PromQL query → Error carrying Prometheus' own message; an empty result → "query returned no data"; the web
provider; the job provider (kwok completes Job pods at once); terminate → the in-flight Job becomes Inconclusive;
a failing dry-run metric leaves the run Successful; measurementRetention trims; secret args substituted and
redacted; ttlStrategy deletes the run; events and Prometheus metrics. Excluded: the decision tables
(test_decide.py) and the providers' own details (test_provider_*.py).
"""

from __future__ import annotations

import base64
import json
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import wait_until
from local_http import LocalServer, Reply
from local_prometheus import PrometheusServer, free_port
from prometheus_client import CollectorRegistry, generate_latest

from analysis.controller import AnalysisRunController
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.machinery.clock import RealClock
from rollouts.plan.names import INSTANCE_ID_LABEL

pytestmark = pytest.mark.cluster

INSTANCE_ID = f"analysis-test-{uuid.uuid4().hex[:6]}"
NOWHERE = {"rollouts.test/no-such-node": "true"}  # no node has this label: the Job's pod stays Pending
COMPLETED = ("Successful", "Failed", "Error", "Inconclusive")


@pytest.fixture(scope="module")
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture(scope="module")
def analysis_controller(kube: Kube, crds: None, registry: CollectorRegistry) -> Iterator[AnalysisRunController]:
    stop = threading.Event()
    running = AnalysisRunController(kube, clock=RealClock(), instance_id=INSTANCE_ID, workers=4, metrics_registry=registry)
    running.start(stop)
    try:
        yield running
    finally:
        running.stop(timeout=30)
        stop.set()


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def create_run(kube: Kube, namespace: str, *metrics: dict, **spec: Any) -> str:
    name = f"run-{uuid.uuid4().hex[:6]}"
    body = {
        "apiVersion": resources.ANALYSIS_RUNS.api_version,
        "kind": resources.ANALYSIS_RUNS.kind,
        "metadata": {"name": name, "labels": {INSTANCE_ID_LABEL: INSTANCE_ID}},
        "spec": {"metrics": list(metrics), **spec},
    }
    kube.create(resources.ANALYSIS_RUNS, namespace, body)
    return name


def status_of(kube: Kube, namespace: str, name: str) -> dict:
    return kube.get(resources.ANALYSIS_RUNS, namespace, name).get("status") or {}


def wait_for_completion(kube: Kube, namespace: str, name: str, timeout: float = 60) -> dict:
    def completed() -> dict | None:
        status = status_of(kube, namespace, name)
        return status if status.get("phase") in COMPLETED else None

    try:
        return wait_until(completed, timeout=timeout, interval=0.2, what=f"analysis run {namespace}/{name} to complete")
    except AssertionError as error:
        raise AssertionError(f"{error}; status: {json.dumps(status_of(kube, namespace, name), indent=1)}") from None


def result_of(status: dict, metric: str) -> dict:
    return next(r for r in status["metricResults"] if r["name"] == metric)


def prometheus_metric(address: str, query: str, **fields: Any) -> dict:
    return {"name": fields.pop("name", "success-rate"), "provider": {"prometheus": {"address": address, "query": query}}, **fields}


def job_metric(name: str = "check", *, node_selector: dict | None = None, **fields: Any) -> dict:
    pod_spec: dict[str, Any] = {"restartPolicy": "Never", "containers": [{"name": "check", "image": "registry.local/check:1"}]}
    if node_selector:
        pod_spec["nodeSelector"] = node_selector
    return {"name": name, "provider": {"job": {"spec": {"backoffLimit": 0, "template": {"spec": pod_spec}}}}, **fields}


# --- prometheus ----------------------------------------------------------------------------------------------------


def test_healthy_metric_succeeds(kube: Kube, namespace: str, analysis_controller: AnalysisRunController, prometheus: PrometheusServer) -> None:
    series = unique("success_ratio")
    prometheus.publish(series, 0.99)
    name = create_run(kube, namespace, prometheus_metric(prometheus.url, series, count=3, interval="1s", successCondition="result[0] >= 0.95"))

    status = wait_for_completion(kube, namespace, name)

    assert status["phase"] == "Successful"
    result = result_of(status, "success-rate")
    assert (result["phase"], result["count"], result["successful"]) == ("Successful", 3, 3)
    assert [m["value"] for m in result["measurements"]] == ["[0.99]"] * 3
    assert all(m["metadata"]["ResolvedPrometheusQuery"] == series for m in result["measurements"])
    assert status["runSummary"] == {"count": 1, "successful": 1, "failed": 0, "inconclusive": 0, "error": 0}
    assert status["startedAt"] <= status["completedAt"]
    # The controller records the events after it writes the final status: wait for them rather than assume them.
    wanted = {
        ("MetricSuccessful", "Metric 'success-rate' Completed. Result: Successful"),
        ("AnalysisRunSuccessful", "Analysis Completed. Result: Successful"),
    }

    def recorded() -> set[tuple[str, str]]:
        events, _ = kube.list(resources.EVENTS, namespace, field_selector=f"involvedObject.name={name}")
        return {(e["reason"], e["message"]) for e in events}

    wait_until(lambda: recorded() >= wanted, timeout=30, what=f"events {sorted(wanted)}")


def test_error_rate_spike_fails_naming_metric_value_and_condition(
    kube: Kube, namespace: str, analysis_controller: AnalysisRunController, prometheus: PrometheusServer, registry: CollectorRegistry
) -> None:
    series = unique("error_ratio")
    prometheus.publish(series, 0.3)
    name = create_run(kube, namespace, prometheus_metric(prometheus.url, series, name="error-rate", count=3, interval="1s", successCondition="result[0] < 0.05"))

    status = wait_for_completion(kube, namespace, name)

    assert status["phase"] == "Failed"
    assert status["message"] == 'Metric "error-rate" assessed Failed due to failed (1) > failureLimit (0): value [0.3] did not satisfy "result[0] < 0.05"'
    measurement = result_of(status, "error-rate")["measurements"][0]
    assert (measurement["phase"], measurement["value"]) == ("Failed", "[0.3]")
    scraped = generate_latest(registry).decode()
    assert f'analysis_run_info{{name="{name}",namespace="{namespace}",phase="Failed"}} 1.0' in scraped
    assert f'analysis_run_metric_value{{metric="error-rate",name="{name}",namespace="{namespace}"}} 0.3' in scraped
    assert (
        f'analysis_run_metric_phase{{dry_run="false",metric="error-rate",name="{name}",namespace="{namespace}",phase="Failed",type="Prometheus"}} 1.0'
        in scraped
    )


def test_unreachable_prometheus_errors_after_the_consecutive_error_limit(kube: Kube, namespace: str, analysis_controller: AnalysisRunController) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    name = create_run(kube, namespace, prometheus_metric(closed, "up", interval="1s", consecutiveErrorLimit=1, successCondition="result[0] == 1"))

    status = wait_for_completion(kube, namespace, name, timeout=30)

    assert status["phase"] == "Error"
    result = result_of(status, "success-rate")
    assert (result["error"], result["consecutiveError"], result.get("count", 0)) == (2, 2, 0)
    assert all(m["phase"] == "Error" and f"prometheus query to {closed} failed" in m["message"] for m in result["measurements"])
    assert status["message"].startswith('Metric "success-rate" assessed Error due to consecutiveErrors (2) > consecutiveErrorLimit (1): "Error Message: ')


def test_bad_promql_is_an_error_with_prometheus_message(kube: Kube, namespace: str, analysis_controller: AnalysisRunController, prometheus: PrometheusServer) -> None:
    name = create_run(kube, namespace, prometheus_metric(prometheus.url, "sum(rate(", consecutiveErrorLimit=0))

    status = wait_for_completion(kube, namespace, name)

    assert status["phase"] == "Error"
    measurement = result_of(status, "success-rate")["measurements"][0]
    assert measurement["phase"] == "Error"
    assert measurement["message"].startswith("bad_data: ") and "parse error" in measurement["message"]


def test_empty_result_says_no_data(kube: Kube, namespace: str, analysis_controller: AnalysisRunController, prometheus: PrometheusServer) -> None:
    name = create_run(kube, namespace, prometheus_metric(prometheus.url, unique("never_published"), consecutiveErrorLimit=0, successCondition="result[0] >= 0.95"))

    status = wait_for_completion(kube, namespace, name)

    measurement = result_of(status, "success-rate")["measurements"][0]
    assert (measurement["phase"], measurement["value"]) == ("Error", "[]")
    assert measurement["message"].startswith('could not evaluate successCondition "result[0] >= 0.95"')
    assert measurement["message"].endswith(": query returned no data")
    assert status["phase"] == "Error" and "query returned no data" in status["message"]


def test_failing_dry_run_metric_does_not_fail_the_run(kube: Kube, namespace: str, analysis_controller: AnalysisRunController, prometheus: PrometheusServer) -> None:
    good, bad = unique("success_ratio"), unique("latency_p99")
    prometheus.publish(good, 0.99)
    prometheus.publish(bad, 2.5)
    name = create_run(
        kube, namespace,
        prometheus_metric(prometheus.url, good, successCondition="result[0] >= 0.95"),
        prometheus_metric(prometheus.url, bad, name="latency", successCondition="result[0] < 0.5"),
        dryRun=[{"metricName": "latency"}],
    )  # fmt: skip

    status = wait_for_completion(kube, namespace, name)

    assert status["phase"] == "Successful"
    latency = result_of(status, "latency")
    assert (latency["phase"], latency["dryRun"]) == ("Failed", True)
    assert status["dryRunSummary"] == {"count": 1, "successful": 0, "failed": 1, "inconclusive": 0, "error": 0}


def test_measurement_retention_trims(kube: Kube, namespace: str, analysis_controller: AnalysisRunController, prometheus: PrometheusServer) -> None:
    series = unique("success_ratio")
    prometheus.publish(series, 1)
    name = create_run(
        kube, namespace, prometheus_metric(prometheus.url, series, count=4, interval="1s"), measurementRetention=[{"metricName": ".*", "limit": 2}]
    )

    status = wait_for_completion(kube, namespace, name)

    result = result_of(status, "success-rate")
    assert (status["phase"], result["count"], len(result["measurements"])) == ("Successful", 4, 2)


# --- web -----------------------------------------------------------------------------------------------------------


def test_web_metric_against_a_real_http_server(kube: Kube, namespace: str, analysis_controller: AnalysisRunController, http_server: LocalServer) -> None:
    url = http_server.route("/health", Reply(200, json.dumps({"status": "ok", "ratio": 0.99})))
    metric = {"name": "health", "successCondition": "result == 'ok'", "provider": {"web": {"url": url, "jsonPath": "{$.status}"}}}
    name = create_run(kube, namespace, metric)

    status = wait_for_completion(kube, namespace, name)

    assert status["phase"] == "Successful"
    assert result_of(status, "health")["measurements"][0]["value"] == '"ok"'
    assert len(http_server.requests_to("/health")) == 1


def test_a_two_megabyte_value_completes_the_run_with_the_value_truncated(
    kube: Kube, namespace: str, analysis_controller: AnalysisRunController, http_server: LocalServer
) -> None:
    url = http_server.route("/blob", Reply(200, json.dumps({"blob": "a" * 2_000_000})))
    metric = {"name": "blob", "successCondition": "len(result) > 0", "provider": {"web": {"url": url, "jsonPath": "{$.blob}"}}}
    name = create_run(kube, namespace, metric)

    status = wait_for_completion(kube, namespace, name)

    assert status["phase"] == "Successful"
    value = result_of(status, "blob")["measurements"][0]["value"]
    assert len(value) <= 4096 and value.endswith("characters truncated]")


def test_secret_args_are_used_and_redacted(kube: Kube, namespace: str, analysis_controller: AnalysisRunController, http_server: LocalServer) -> None:
    kube.create(resources.SECRETS, namespace, {
        "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "creds"}, "data": {"token": base64.b64encode(b"s3cr3t").decode()},
    })  # fmt: skip
    url = http_server.route("/check", Reply(200, "true", "text/plain"))
    closed = f"http://127.0.0.1:{free_port()}/check"
    name = create_run(
        kube, namespace,
        {"name": "check", "successCondition": "result == true", "provider": {"web": {"url": url + "?token={{args.token}}"}}},
        {"name": "leak", "consecutiveErrorLimit": 0, "provider": {"web": {"url": closed + "?token={{ args.token }}"}}},
        args=[{"name": "token", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}],
        dryRun=[{"metricName": "leak"}],
    )  # fmt: skip

    status = wait_for_completion(kube, namespace, name)

    assert status["phase"] == "Successful"
    assert http_server.requests_to("/check")[0].query == {"token": ["s3cr3t"]}
    leak = result_of(status, "leak")["measurements"][0]["message"]
    assert "s3cr3t" not in json.dumps(status) and "token=*****" in leak


def test_missing_secret_ends_the_run_in_error(kube: Kube, namespace: str, analysis_controller: AnalysisRunController) -> None:
    name = create_run(
        kube, namespace, {"name": "check", "provider": {"web": {"url": "http://127.0.0.1:1/?t={{args.token}}"}}},
        args=[{"name": "token", "valueFrom": {"secretKeyRef": {"name": "absent", "key": "token"}}}],
    )  # fmt: skip

    status = wait_for_completion(kube, namespace, name)

    assert (status["phase"], status["message"]) == ("Error", f"Unable to resolve metric arguments: secret 'absent' not found in namespace {namespace}")


# --- job -----------------------------------------------------------------------------------------------------------


def test_job_metric_succeeds(kube: Kube, namespace: str, analysis_controller: AnalysisRunController) -> None:
    name = create_run(kube, namespace, job_metric())

    status = wait_for_completion(kube, namespace, name)

    assert status["phase"] == "Successful"
    measurement = result_of(status, "check")["measurements"][0]
    assert measurement["phase"] == "Successful"
    job = kube.get(resources.JOBS, namespace, measurement["metadata"]["job-name"])
    assert job["metadata"]["ownerReferences"][0]["name"] == name


def test_retention_garbage_collects_old_jobs(kube: Kube, namespace: str, analysis_controller: AnalysisRunController) -> None:
    name = create_run(kube, namespace, job_metric(count=3, interval="1s"), measurementRetention=[{"metricName": "check", "limit": 1}])

    status = wait_for_completion(kube, namespace, name)

    result = result_of(status, "check")
    assert (status["phase"], result["count"], len(result["measurements"])) == ("Successful", 3, 1)
    jobs, _ = kube.list(resources.JOBS, namespace)
    assert [job["metadata"]["name"] for job in jobs if not job["metadata"].get("deletionTimestamp")] == [result["measurements"][0]["metadata"]["job-name"]]


def test_terminate_stops_the_in_flight_job(kube: Kube, namespace: str, analysis_controller: AnalysisRunController) -> None:
    name = create_run(kube, namespace, job_metric(node_selector=NOWHERE))

    def running_job() -> str | None:
        results = status_of(kube, namespace, name).get("metricResults") or []
        measurements = results[0].get("measurements") if results else None
        return measurements[0]["metadata"]["job-name"] if measurements and measurements[0]["phase"] == "Running" else None

    job_name = wait_until(running_job, timeout=30, what="the metric Job to be running")
    kube.patch(resources.ANALYSIS_RUNS, namespace, name, {"spec": {"terminate": True}})

    status = wait_for_completion(kube, namespace, name)

    measurement = result_of(status, "check")["measurements"][0]
    assert (measurement["phase"], measurement["message"]) == ("Inconclusive", "Metric Terminated")
    assert status["phase"] == "Inconclusive"

    def job_gone() -> bool:
        try:
            kube.get(resources.JOBS, namespace, job_name)
        except errors.NotFound:
            return True
        return False

    wait_until(job_gone, timeout=30, what="the terminated Job to be deleted")


# --- lifecycle -----------------------------------------------------------------------------------------------------


def test_ttl_deletes_the_completed_run(kube: Kube, namespace: str, analysis_controller: AnalysisRunController, http_server: LocalServer) -> None:
    url = http_server.route("/ok", Reply(200, "1", "text/plain"))
    name = create_run(kube, namespace, {"name": "ok", "provider": {"web": {"url": url}}}, ttlStrategy={"secondsAfterCompletion": 1})

    def deleted() -> bool:
        try:
            kube.get(resources.ANALYSIS_RUNS, namespace, name)
        except errors.NotFound:
            return True
        return False

    wait_until(deleted, timeout=30, interval=0.2, what="the run to be deleted after its TTL")


def test_runs_of_other_instances_are_left_alone(kube: Kube, namespace: str, analysis_controller: AnalysisRunController, http_server: LocalServer) -> None:
    url = http_server.route("/ok", Reply(200, "1", "text/plain"))
    name = f"other-{uuid.uuid4().hex[:6]}"
    kube.create(resources.ANALYSIS_RUNS, namespace, {
        "apiVersion": resources.ANALYSIS_RUNS.api_version, "kind": resources.ANALYSIS_RUNS.kind,
        "metadata": {"name": name, "labels": {INSTANCE_ID_LABEL: "someone-else"}},
        "spec": {"metrics": [{"name": "ok", "provider": {"web": {"url": url}}}]},
    })  # fmt: skip
    mine = create_run(kube, namespace, {"name": "ok", "provider": {"web": {"url": url}}})

    wait_for_completion(kube, namespace, mine)

    assert status_of(kube, namespace, name) == {}
