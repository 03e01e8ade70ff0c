"""Deciding an AnalysisRun's next step (analysis.decide), without any API: tables over raw runs and `now`.

Aspects: which metrics are due (first measurement, initialDelay, interval after finishedAt, count reached, error
retry after min(10 s, interval), in-flight measurements resumed at resumeAt or terminated); spec problems ending
the run in Error with Argo's message prefixes; the status after measurements taken with `FakeProvider`s (counters,
phases, messages naming metric, value and condition, events, summaries, completedAt, measurement retention,
dry-run metrics, termination, secrets redacted, "no data" and NaN results); the requeue time; ttlStrategy.
Excluded: real providers and the API (test_analysisrun_controller.py).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from analysis import decide
from analysis.conditions import BoundedJudge
from analysis.controller import STATUS_KEYS, take_measurement
from analysis.providers.base import RUNNING, FakeProvider, MeasureContext, Measurement, ProviderError
from analysis.decide.state import METRIC_TERMINATED as TERMINATED
from analysis.providers.registry import Providers
from rollouts.kube.patches import merge_patch
from rollouts.plan.runspec import args

T0 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
PROMETHEUS = {"prometheus": {"address": "http://prometheus.invalid:9090", "query": "rate(errors[1m])"}}
JOB = {"job": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "Never"}}}}}


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def stamp(seconds: float) -> str:
    return at(seconds).strftime("%Y-%m-%dT%H:%M:%SZ")


def a_run(*metrics: dict, status: dict | None = None, **spec: Any) -> dict:
    run = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": "run", "namespace": "shop", "uid": "0d5f3c1e-8a4b-4f7e-9c2d-1b6a7e8f9a0b"},
        "spec": {"metrics": list(metrics), **spec},
    }
    if status is not None:
        run["status"] = status
    return run


def a_metric(name: str = "success-rate", provider: dict | None = None, **fields: Any) -> dict:
    return {"name": name, "provider": provider or PROMETHEUS, **fields}


def measured(phase: str, finished: float | None, *, value: str | None = None, resume: float | None = None, started: float | None = None) -> dict:
    body: dict[str, Any] = {"phase": phase, "startedAt": stamp(started if started is not None else (finished or 0))}
    if finished is not None:
        body["finishedAt"] = stamp(finished)
    if value is not None:
        body["value"] = value
    if resume is not None:
        body["resumeAt"] = stamp(resume)
    return body


def a_result(name: str, *measurements: dict, phase: str = "Running", **counters: int) -> dict:
    return {"name": name, "phase": phase, "measurements": list(measurements), **counters}


class ScriptedJob:
    """A job-like provider: `run` starts a Running measurement, `resume` finishes it as scripted, `terminate` stops it."""

    def __init__(self, finish: str | None = "Successful") -> None:
        self.finish = finish
        self.calls: list[str] = []

    def run(self, config: Mapping[str, Any], ctx: MeasureContext) -> Measurement:
        self.calls.append("run")
        return Measurement(RUNNING, ctx.now, metadata={"job-name": f"job-{ctx.count + 1}"}, resume_at=ctx.now + timedelta(seconds=5))

    def resume(self, config: Mapping[str, Any], ctx: MeasureContext, measurement: Measurement) -> Measurement:
        self.calls.append("resume")
        if self.finish is None:
            return measurement.replace(resume_at=ctx.now + timedelta(seconds=5))
        return measurement.replace(phase=self.finish, finished_at=ctx.now, resume_at=None)

    def terminate(self, config: Mapping[str, Any], ctx: MeasureContext, measurement: Measurement) -> Measurement:
        self.calls.append("terminate")
        return measurement.replace(phase="Inconclusive", message=TERMINATED, finished_at=ctx.now, resume_at=None)

    def garbage_collect(self, config: Mapping[str, Any], ctx: MeasureContext, keep: int) -> None:
        self.calls.append(f"gc {keep}")


def fakes(**by_kind: Any) -> Providers:
    return Providers(kube=None, overrides=by_kind)


def reconcile(run: dict, now: float, providers: Providers, *, secrets: Mapping[tuple[str, str], str] | None = None) -> tuple[dict, decide.Outcome]:
    """One reconcile, as the controller does it, minus the API: schedule, measure with the fakes, settle."""
    plan = decide.schedule(run=run, now=at(now))
    taken = {}
    if plan.tasks and plan.run is not None:
        values = args.argument_values(plan.run.spec.args, read_secret=lambda name, key: (secrets or {})[(name, key)])
        for task in plan.tasks:
            taken[task.metric.name] = take_measurement(run, task, providers=providers, values=values, now=lambda: at(now))
    outcome = decide.settle(schedule=plan, taken=taken, now=at(now))
    return {**copy.deepcopy(run), "status": outcome.status}, outcome


def result_of(run: dict, name: str) -> dict:
    return next(r for r in run["status"]["metricResults"] if r["name"] == name)


# --- what is due ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    metric: dict
    result: dict | None
    now: float
    tasks: tuple[str, ...]
    requeue: float | None = None
    started: float = 0
    terminate: bool = False
    others: tuple[dict, ...] = field(default_factory=tuple)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(Due(a_metric(), None, 0, ("run",)), id="first-measurement"),
        pytest.param(Due(a_metric(initialDelay="30s"), None, 10, (), requeue=20), id="initial-delay-waits"),
        pytest.param(Due(a_metric(initialDelay="30s"), None, 30, ("run",)), id="initial-delay-over"),
        pytest.param(
            Due(a_metric(count=3, interval="10s"), a_result("success-rate", measured("Successful", 5), count=1, successful=1), 10, (), requeue=5),
            id="interval-not-yet",
        ),
        pytest.param(
            Due(a_metric(count=3, interval="10s"), a_result("success-rate", measured("Successful", 5), count=1, successful=1), 15, ("run",)),
            id="interval-over",
        ),
        pytest.param(
            Due(a_metric(count=1), a_result("success-rate", measured("Successful", 5), count=1, successful=1), 60, ()), id="count-reached",
        ),
        pytest.param(
            Due(a_metric(count=3, interval="1m"), a_result("success-rate", measured("Error", 5), error=1, consecutiveError=1), 14, (), requeue=1),
            id="error-retry-after-10s",
        ),
        pytest.param(
            Due(a_metric(count=3, interval="1m"), a_result("success-rate", measured("Error", 5), error=1, consecutiveError=1), 15, ("run",)),
            id="error-retried-at-10s",
        ),
        pytest.param(
            Due(a_metric(count=3, interval="2s"), a_result("success-rate", measured("Error", 5), error=1, consecutiveError=1), 7, ("run",)),
            id="error-retry-capped-by-interval",
        ),
        pytest.param(
            Due(a_metric(), a_result("success-rate", measured("Error", 5), error=1, consecutiveError=1), 14, (), requeue=1),
            id="error-retry-without-interval",
        ),
        pytest.param(
            Due(a_metric(provider=JOB), a_result("success-rate", measured("Running", None, resume=8, started=3)), 5, (), requeue=3),
            id="in-flight-waits-for-resume-at",
        ),
        pytest.param(
            Due(a_metric(provider=JOB), a_result("success-rate", measured("Running", None, resume=8, started=3)), 8, ("resume",)),
            id="in-flight-resumed",
        ),
        pytest.param(
            Due(a_metric(provider=JOB), a_result("success-rate", measured("Running", None, resume=8, started=3)), 5, ("terminate",), terminate=True),
            id="terminate-stops-in-flight",
        ),
        pytest.param(
            Due(a_metric(count=3, interval="1s"), a_result("success-rate", measured("Successful", 5), count=1, successful=1), 60, (), terminate=True),
            id="terminate-takes-no-new-measurement",
        ),
        pytest.param(
            Due(a_metric(count=3, interval="1s"), a_result("success-rate", measured("Successful", 5), count=1, successful=1), 60, (),
                others=(a_result("other", measured("Failed", 5), phase="Failed", count=1, failed=1),)),
            id="another-metric-failed-terminating",
        ),
        pytest.param(
            Due(a_metric(count=3, interval="1s"), a_result("success-rate", measured("Successful", 5), count=1, successful=1), 60, ("run",),
                others=(a_result("other", measured("Failed", 5), phase="Failed", count=1, failed=1, dryRun=True),)),
            id="dry-run-failure-does-not-terminate",
        ),
    ],
)
def test_schedule(case: Due) -> None:
    results = [r for r in (case.result, *case.others) if r is not None]
    metrics = [case.metric] + [a_metric(r["name"]) for r in case.others]
    extra: dict[str, Any] = {"terminate": True} if case.terminate else {}
    if any(r.get("dryRun") for r in case.others):
        extra["dryRun"] = [{"metricName": "^other$"}]
    run = a_run(*metrics, status={"phase": "Running", "startedAt": stamp(case.started), "metricResults": results}, **extra)
    plan = decide.schedule(run=run, now=at(case.now))
    assert plan.problem is None
    assert tuple(task.action for task in plan.tasks if task.metric.name == "success-rate") == case.tasks
    if case.requeue is not None:
        assert decide.settle(schedule=plan, taken={}, now=at(case.now)).requeue_after == case.requeue


def test_first_reconcile_sets_started_at_and_waits_for_the_initial_delay() -> None:
    run, outcome = reconcile(a_run(a_metric(initialDelay="30s")), 0, fakes())
    assert run["status"]["startedAt"] == stamp(0)
    assert run["status"]["phase"] == "Running"
    assert outcome.requeue_after == 30


def test_error_retry_interval() -> None:
    metric = decide.schedule(run=a_run(a_metric(interval="3s")), now=T0).metrics[0]
    assert decide.error_retry_seconds(metric) == 3
    assert decide.error_retry_seconds(metric.model_copy(update={"interval": "5m"})) == 10
    assert decide.error_retry_seconds(metric.model_copy(update={"interval": None})) == 10


# --- spec problems -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run", "message"),
    [
        pytest.param(a_run(a_metric(), args=[{"name": "service"}]), 'Unable to resolve metric arguments: argument "service" was not supplied', id="arg-without-value"),
        pytest.param(
            a_run(a_metric(successCondition="result < {{args.limit}}")), "Unable to resolve metric arguments: failed to resolve {{args.limit}}", id="unknown-tag",
        ),
        pytest.param(
            a_run(a_metric(count="{{args.count}}"), args=[{"name": "count", "value": "many"}]), "Analysis spec invalid: spec.metrics[0].count", id="bad-templated-count",
        ),
        pytest.param(a_run(a_metric(), dryRun=[{"metricName": "("}]), "Analysis spec invalid: spec.dryRun[0].metricName", id="bad-dry-run-regex"),
        pytest.param(
            a_run(a_metric(), dryRun=[{"metricName": "^latency$"}]), "Analysis spec invalid: dryRun[0]: Rule didn't match any metric name(s)", id="dry-run-matches-nothing",
        ),
        pytest.param(
            a_run(a_metric(), measurementRetention=[{"metricName": "nope", "limit": 3}]),
            "Analysis spec invalid: measurementRetention[0]: Rule didn't match any metric name(s)", id="retention-matches-nothing",
        ),
        pytest.param(a_run(a_metric(provider={"datadog": {"query": "x"}})), "not supported by this controller", id="unsupported-provider"),
        pytest.param(a_run(a_metric(provider={**PROMETHEUS, **JOB})), "exactly one provider", id="two-providers"),
        pytest.param(a_run(), "Analysis spec invalid: spec.metrics: at least one metric is required", id="no-metrics"),
        pytest.param(a_run(a_metric(count=3)), "Analysis spec invalid: spec.metrics[0].interval: required when count is greater than 1", id="count-without-interval"),
        pytest.param(a_run(a_metric("a"), a_metric("a")), "Analysis spec invalid: spec.metrics", id="duplicate-metric"),
        pytest.param(a_run(a_metric(interval="often")), "Analysis spec invalid: spec.metrics[0].interval", id="bad-interval"),
        pytest.param(
            a_run(a_metric(successCondition="result[0] >= ")),
            "Analysis spec invalid: spec.metrics[0].successCondition: ", id="success-condition-syntax",
        ),
        pytest.param(
            a_run(a_metric("ok"), a_metric("bad", failureCondition="result > 0.5 &&& true")),
            "Analysis spec invalid: spec.metrics[1].failureCondition: ", id="failure-condition-syntax",
        ),
    ],
)
def test_spec_problems_end_the_run_in_error(run: dict, message: str) -> None:
    updated, outcome = reconcile(run, 0, fakes())
    status = updated["status"]
    assert status["phase"] == "Error"
    assert message in status["message"]
    assert status["message"].startswith(("Analysis spec invalid: ", "Unable to resolve metric arguments: "))
    assert status["completedAt"] == stamp(0)
    assert [(e.reason, e.type) for e in outcome.events] == [("AnalysisRunError", "Warning")]


def test_a_condition_syntax_error_is_found_before_any_measurement_and_names_the_column() -> None:
    run = a_run(a_metric(successCondition="result[0] >= "))
    plan = decide.schedule(run=run, now=at(0))
    assert plan.tasks == ()
    assert plan.problem is not None
    assert "column" in plan.problem and "result[0] >= " in plan.problem


def test_a_completed_run_is_left_alone() -> None:
    run = a_run(a_metric(), status={"phase": "Successful", "completedAt": stamp(0), "message": "done"})
    plan = decide.schedule(run=run, now=at(100))
    outcome = decide.settle(schedule=plan, taken={}, now=at(100))
    assert (plan.tasks, outcome.status, outcome.events, outcome.requeue_after, outcome.expired) == ((), run["status"], (), None, False)


# --- measuring and settling ----------------------------------------------------------------------------------------


def test_a_healthy_metric_succeeds_after_count_measurements() -> None:
    provider = FakeProvider([0.99], [0.98], [0.97])
    run = a_run(a_metric(count=3, interval="1s", successCondition="result[0] >= 0.95"))
    run, outcome = reconcile(run, 0, fakes(prometheus=provider))
    assert (run["status"]["phase"], outcome.requeue_after) == ("Running", 1)
    run, _ = reconcile(run, 0.5, fakes(prometheus=provider))  # not due yet: nothing measured
    assert len(provider.configs) == 1
    run, _ = reconcile(run, 1, fakes(prometheus=provider))
    run, outcome = reconcile(run, 2, fakes(prometheus=provider))
    result = result_of(run, "success-rate")
    assert {k: result[k] for k in ("phase", "count", "successful", "failed", "error", "consecutiveSuccess")} == {
        "phase": "Successful", "count": 3, "successful": 3, "failed": 0, "error": 0, "consecutiveSuccess": 3,
    }  # fmt: skip
    assert [m["value"] for m in result["measurements"]] == ["[0.99]", "[0.98]", "[0.97]"]
    assert run["status"]["phase"] == "Successful" and "message" not in run["status"]
    assert run["status"]["completedAt"] == stamp(2)
    assert run["status"]["runSummary"] == {"count": 1, "successful": 1, "failed": 0, "inconclusive": 0, "error": 0}
    assert [(e.reason, e.message) for e in outcome.events] == [
        ("MetricSuccessful", "Metric 'success-rate' Completed. Result: Successful"),
        ("AnalysisRunSuccessful", "Analysis Completed. Result: Successful"),
    ]
    assert outcome.requeue_after is None


def test_a_failing_value_fails_the_run_with_metric_value_and_condition() -> None:
    run = a_run(a_metric(count=3, interval="1s", successCondition="result[0] >= 0.95"))
    run, outcome = reconcile(run, 0, fakes(prometheus=FakeProvider([0.91])))
    assert run["status"]["phase"] == "Failed"
    assert run["status"]["message"] == (
        'Metric "success-rate" assessed Failed due to failed (1) > failureLimit (0): value [0.91] did not satisfy "result[0] >= 0.95"'
    )
    measurement = result_of(run, "success-rate")["measurements"][0]
    assert (measurement["phase"], measurement["value"]) == ("Failed", "[0.91]")
    assert [(e.reason, e.type) for e in outcome.events] == [("MetricFailed", "Warning"), ("AnalysisRunFailed", "Warning")]


def test_errors_end_the_run_after_the_consecutive_error_limit() -> None:
    provider = FakeProvider(ProviderError("prometheus query to http://127.0.0.1:1 failed: connection refused"))
    run = a_run(a_metric(interval="1s", consecutiveErrorLimit=1))
    run, outcome = reconcile(run, 0, fakes(prometheus=provider))
    assert (run["status"]["phase"], outcome.requeue_after) == ("Running", 1)  # retried after min(10 s, interval)
    run, _ = reconcile(run, 1, fakes(prometheus=provider))
    result = result_of(run, "success-rate")
    assert (result["phase"], result["error"], result["consecutiveError"], result["count"]) == ("Error", 2, 2, 0)
    assert run["status"]["phase"] == "Error"
    assert run["status"]["message"] == (
        'Metric "success-rate" assessed Error due to consecutiveErrors (2) > consecutiveErrorLimit (1): '
        '"Error Message: prometheus query to http://127.0.0.1:1 failed: connection refused"'
    )


@pytest.mark.parametrize(
    ("result", "condition", "phase", "contains"),
    [
        pytest.param([], "result[0] >= 0.95", "Error", "query returned no data", id="empty-vector"),
        pytest.param(None, "result >= 0.95", "Error", "query returned no data", id="nil"),
        pytest.param(float("nan"), "result >= 0.95", "Failed", 'value nan did not satisfy "result >= 0.95"', id="nan"),
        pytest.param([float("nan")], "isNaN(result[0]) || result[0] >= 0.95", "Successful", None, id="nan-allowed"),
    ],
)
def test_no_data_and_nan_never_crash(result: Any, condition: str, phase: str, contains: str | None) -> None:
    run, _ = reconcile(a_run(a_metric(successCondition=condition)), 0, fakes(prometheus=FakeProvider(result)))
    measurement = result_of(run, "success-rate")["measurements"][0]
    assert measurement["phase"] == phase
    if contains:
        assert contains in measurement["message"]


def test_a_dry_run_metric_failing_does_not_fail_the_run() -> None:
    run = a_run(
        a_metric("success-rate", successCondition="result[0] >= 0.95"),
        a_metric("latency", successCondition="result[0] < 0.3"),
        dryRun=[{"metricName": "lat.*"}],
    )
    good, slow = FakeProvider([0.99]), FakeProvider([0.9])
    providers = Providers(kube=None, overrides={"prometheus": _ByMetric({"success-rate": good, "latency": slow})})
    run, _ = reconcile(run, 0, providers)
    assert run["status"]["phase"] == "Successful"
    latency = result_of(run, "latency")
    assert (latency["phase"], latency["dryRun"]) == ("Failed", True)
    assert latency["message"] == 'Metric assessed Failed due to failed (1) > failureLimit (0): value [0.9] did not satisfy "result[0] < 0.3"'
    assert run["status"]["dryRunSummary"] == {"count": 1, "successful": 0, "failed": 1, "inconclusive": 0, "error": 0}
    assert run["status"]["runSummary"]["count"] == 1


class _ByMetric:
    """Routes each metric to its own fake (one provider kind, several metrics)."""

    def __init__(self, table: dict[str, FakeProvider]) -> None:
        self.table = table

    def run(self, config: Mapping[str, Any], ctx: MeasureContext) -> Measurement:
        return self.table[ctx.metric_name].run(config, ctx)

    resume = terminate = lambda self, config, ctx, measurement: measurement  # noqa: E731

    def garbage_collect(self, config: Mapping[str, Any], ctx: MeasureContext, keep: int) -> None:
        return None


@pytest.mark.parametrize(
    ("rules", "kept"),
    [
        pytest.param(None, 10, id="default-10"),
        pytest.param([{"metricName": "success", "limit": 3}], 3, id="retention-3"),
        pytest.param([{"metricName": ".*", "limit": 0}], 10, id="retention-0-means-default"),
    ],
)
def test_measurements_are_trimmed(rules: list | None, kept: int) -> None:
    provider = FakeProvider(*range(30))
    run = a_run(a_metric(interval="1s"), **({"measurementRetention": rules} if rules else {}))
    trims = []
    for second in range(30):
        run, outcome = reconcile(run, second, fakes(prometheus=provider))
        trims.append(outcome.trimmed)
    result = result_of(run, "success-rate")
    assert [m["value"] for m in result["measurements"]] == [str(n) for n in range(30 - kept, 30)]  # the newest
    assert result["count"] == 30 and result["successful"] == 30  # counters keep counting
    assert trims[kept] == {"success-rate": kept} and trims[kept - 1] == {}


def test_terminate_stops_an_in_flight_job_as_inconclusive() -> None:
    job = ScriptedJob(finish=None)
    run, _ = reconcile(a_run(a_metric("check", provider=JOB, interval="1m")), 0, fakes(job=job))
    assert result_of(run, "check")["measurements"][0]["phase"] == "Running"
    run["spec"]["terminate"] = True
    run, outcome = reconcile(run, 1, fakes(job=job))
    measurement = result_of(run, "check")["measurements"][0]
    assert (measurement["phase"], measurement["message"], measurement["finishedAt"]) == ("Inconclusive", "Metric Terminated", stamp(1))
    assert job.calls == ["run", "terminate"]
    assert run["status"]["phase"] == "Inconclusive"
    assert run["status"]["message"] == 'Metric "check" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0): Metric Terminated'
    run, _ = reconcile(run, 100, fakes(job=job))
    assert job.calls == ["run", "terminate"]  # completed: nothing more is measured


def test_terminate_before_measuring_is_successful() -> None:
    run, outcome = reconcile(a_run(a_metric(initialDelay="1h"), terminate=True), 0, fakes())
    assert (run["status"]["phase"], run["status"]["message"]) == ("Successful", "Run Terminated")


def test_a_failed_metric_terminates_the_others_at_once() -> None:
    job = ScriptedJob(finish=None)
    run = a_run(a_metric("check", provider=JOB, interval="1m"), a_metric("success-rate", successCondition="result[0] >= 0.95"))
    providers = fakes(job=job, prometheus=FakeProvider([0.5]))
    run, outcome = reconcile(run, 0, providers)
    assert result_of(run, "success-rate")["phase"] == "Failed"
    assert (run["status"]["phase"], outcome.requeue_after) == ("Running", 0)  # look again now: stop the job
    run, outcome = reconcile(run, 0, providers)
    assert job.calls == ["run", "terminate"]
    assert run["status"]["phase"] == "Failed"
    assert run["status"]["message"].startswith('Metric "success-rate" assessed Failed')


def test_a_job_resumed_to_success() -> None:
    job = ScriptedJob("Successful")
    run, outcome = reconcile(a_run(a_metric("check", provider=JOB)), 0, fakes(job=job))
    assert outcome.requeue_after == 5
    measurement = result_of(run, "check")["measurements"][0]
    assert (measurement["phase"], measurement["resumeAt"], measurement["metadata"]) == ("Running", stamp(5), {"job-name": "job-1"})
    run, _ = reconcile(run, 5, fakes(job=job))
    assert run["status"]["phase"] == "Successful"
    assert result_of(run, "check")["measurements"][0]["finishedAt"] == stamp(5)


def test_secret_args_are_substituted_and_redacted() -> None:
    provider = FakeProvider(ProviderError("401 for token s3cr3t"))
    run = a_run(
        a_metric(provider={"prometheus": {"address": "http://p:9090", "query": "up", "headers": [{"key": "Authorization", "value": "{{args.token}}"}]}}),
        args=[{"name": "token", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}}],
    )
    run, _ = reconcile(run, 0, fakes(prometheus=provider), secrets={("creds", "token"): "s3cr3t"})
    assert provider.configs[0]["headers"] == [{"key": "Authorization", "value": "s3cr3t"}]
    assert result_of(run, "success-rate")["measurements"][0]["message"] == "401 for token *****"


@pytest.mark.parametrize(
    "metric",
    [
        pytest.param(a_metric(count=3, interval="10s", successCondition="result[0] > 0.5"), id="waiting-for-interval"),
        pytest.param(a_metric("check", provider=JOB), id="job-in-flight"),
        pytest.param(a_metric(initialDelay="1m"), id="waiting-for-initial-delay"),
    ],
)
def test_nothing_due_means_nothing_to_write(metric: dict) -> None:
    providers = fakes(prometheus=FakeProvider([0.9]), job=ScriptedJob(finish=None))
    run, _ = reconcile(a_run(metric), 0, providers)
    again, outcome = reconcile(run, 1, providers)
    assert merge_patch(run["status"], again["status"], removable=STATUS_KEYS) is None
    assert outcome.events == ()


def test_the_run_message_only_changes_with_the_phase() -> None:
    run = a_run(a_metric(interval="1s"), status={"phase": "Running", "message": "kept", "startedAt": stamp(0)})
    run, _ = reconcile(run, 0, fakes(prometheus=FakeProvider([1.0])))
    assert (run["status"]["phase"], run["status"]["message"]) == ("Running", "kept")


# --- TTL -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "ttl", "now", "requeue", "expired"),
    [
        pytest.param("Successful", {"secondsAfterCompletion": 60}, 30, 30, False, id="completion-not-yet"),
        pytest.param("Failed", {"secondsAfterCompletion": 60}, 61, None, True, id="completion-expired"),
        pytest.param("Successful", {"secondsAfterCompletion": 60, "secondsAfterSuccess": 10}, 11, None, True, id="success-specific-wins"),
        pytest.param("Failed", {"secondsAfterSuccess": 10}, 1000, None, False, id="no-rule-for-failure"),
        pytest.param("Failed", {"secondsAfterFailure": 5, "secondsAfterCompletion": 600}, 6, None, True, id="failure-specific-wins"),
        pytest.param("Error", {"secondsAfterFailure": 5, "secondsAfterCompletion": 600}, 6, 594, False, id="error-uses-completion"),
        pytest.param("Successful", None, 10**6, None, False, id="no-ttl"),
    ],
)
def test_ttl(phase: str, ttl: dict | None, now: float, requeue: float | None, expired: bool) -> None:
    run = a_run(a_metric(), status={"phase": phase, "completedAt": stamp(0)}, **({"ttlStrategy": ttl} if ttl else {}))
    outcome = decide.settle(schedule=decide.schedule(run=run, now=at(now)), taken={}, now=at(now))
    assert (outcome.requeue_after, outcome.expired) == (requeue, expired)


def test_completing_run_requeues_for_its_ttl() -> None:
    run = a_run(a_metric(), ttlStrategy={"secondsAfterCompletion": 30})
    run, outcome = reconcile(run, 0, fakes(prometheus=FakeProvider([1.0])))
    assert (run["status"]["phase"], outcome.requeue_after) == ("Successful", 30)


def judged_with(judge: BoundedJudge, condition: str) -> Any:
    run = a_run(a_metric(successCondition=condition))
    task = decide.schedule(run=run, now=at(0)).tasks[0]
    providers = fakes(prometheus=FakeProvider(0.9))
    return take_measurement(run, task, providers=providers, values=args.argument_values(None), now=lambda: at(0), judge=judge)


def test_a_condition_slower_than_the_wall_clock_bound_is_an_error() -> None:
    tight, roomy = BoundedJudge(seconds=0.01, threads=1), BoundedJudge(seconds=5.0)
    try:
        slow = judged_with(tight, "all(1..20000, # > 0) && result > 0.5")
        assert (slow.phase, slow.message) == ("Error", "evaluating successCondition/failureCondition took longer than 0.01s")
        assert judged_with(roomy, "all(1..20000, # > 0) && result > 0.5").phase == "Successful"
        assert judged_with(tight, "result > 0.5").phase == "Successful"
    finally:
        tight.close()
        roomy.close()
