"""Judging measurements, metrics and runs (analysis.assess), one table row per rule of Argo's arithmetic.

Aspects: a measurement's phase from successCondition/failureCondition (none, one, both; errors naming the condition;
"query returned no data" for empty results; NaN never crashes); a metric's phase from its counters (limits trip on
`>`, later checks override earlier, -1 disables failureLimit, consecutiveSuccessLimit, effective count, infinite
metrics, terminating); a run's phase as the worst non-dry-run metric, its message and summaries.
Excluded: the expression language itself (test_expressions.py) and status bookkeeping (test_decide.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from analysis import assess
from rollouts.api import Measurement, Metric, MetricResult

PROMETHEUS = {"prometheus": {"address": "http://prometheus:9090", "query": "up"}}


def a_metric(**fields: Any) -> Metric:
    return Metric.model_validate({"name": "web", "provider": PROMETHEUS, **fields})


def a_result(*phases: str, phase: str | None = None, **counters: int) -> MetricResult:
    """A metric result whose counters are computed from measurement phases, as settle() keeps them."""
    tally = {"count": 0, "successful": 0, "failed": 0, "inconclusive": 0, "error": 0, "consecutive_error": 0, "consecutive_success": 0}
    for measured in phases:
        if measured == "Error":
            tally.update(error=tally["error"] + 1, consecutive_error=tally["consecutive_error"] + 1, consecutive_success=0)
        elif measured != "Running":
            tally[measured.lower()] += 1
            tally["count"] += 1
            tally["consecutive_error"] = 0
            tally["consecutive_success"] = tally["consecutive_success"] + 1 if measured == "Successful" else 0
    tally.update(counters)
    measurements = [Measurement(phase=p, finished_at=None if p == "Running" else "2024-05-01T10:00:00Z") for p in phases]
    return MetricResult(name="web", phase=phase or "Running", measurements=measurements, **tally)


# --- measurements --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judge:
    result: Any
    success: str | None
    failure: str | None
    phase: str
    reason: str | None = None
    value: str | None = None


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(Judge([0.5], None, None, "Successful"), id="no-conditions-successful"),
        pytest.param(Judge([0.99], "result[0] >= 0.95", None, "Successful"), id="only-success-true"),
        pytest.param(
            Judge([0.91], "result[0] >= 0.95", None, "Failed", 'value [0.91] did not satisfy "result[0] >= 0.95"', "[0.91]"),
            id="only-success-false-fails",
        ),
        pytest.param(Judge(0.01, None, "result > 0.05", "Successful"), id="only-failure-false-succeeds"),
        pytest.param(Judge(0.2, None, "result > 0.05", "Failed", 'value 0.2 satisfied failureCondition "result > 0.05"'), id="only-failure-true-fails"),
        pytest.param(Judge(0.99, "result > 0.9", "result < 0.5", "Successful"), id="both-success-true"),
        pytest.param(Judge(0.3, "result > 0.9", "result < 0.5", "Failed", 'value 0.3 satisfied failureCondition "result < 0.5"'), id="both-failure-true"),
        pytest.param(Judge(1.0, "result > 0.5", "result > 0.9", "Failed", 'value 1.0 satisfied failureCondition "result > 0.9"'), id="both-true-failure-wins"),
        pytest.param(
            Judge(0.7, "result > 0.9", "result < 0.5", "Inconclusive", 'value 0.7 did not satisfy "result > 0.9" nor failureCondition "result < 0.5"'),
            id="both-false-inconclusive",
        ),
        pytest.param(Judge(float("nan"), "result >= 0.95", None, "Failed", 'value nan did not satisfy "result >= 0.95"'), id="nan-compares-false"),
        pytest.param(Judge(float("nan"), "isNaN(result) || result >= 0.95", None, "Successful"), id="nan-allowed-explicitly"),
        pytest.param(Judge("true", "result == 'true'", None, "Successful"), id="web-string"),
    ],
)
def test_judge_measurement(case: Judge) -> None:
    verdict = assess.judge_measurement(case.result, value=case.value, success_condition=case.success, failure_condition=case.failure)
    assert verdict == assess.Verdict(case.phase, case.reason)


@pytest.mark.parametrize(
    ("result", "success", "failure", "contains"),
    [
        pytest.param([], "result[0] >= 0.95", None, ['could not evaluate successCondition "result[0] >= 0.95"', ": query returned no data"], id="empty-vector-no-data"),
        pytest.param(None, "result < 5", None, ["successCondition", ": query returned no data"], id="nil-no-data"),
        pytest.param([1.0], "result[0] >=", None, ['successCondition "result[0] >="', "column"], id="syntax-error-names-column"),
        pytest.param([1.0], None, "len(result)", ['failureCondition "len(result)"', "expected bool"], id="not-a-bool"),
        pytest.param([], None, "result[0] > 0.1", ["failureCondition", "query returned no data"], id="failure-condition-no-data"),
    ],
)
def test_judge_measurement_errors(result: Any, success: str | None, failure: str | None, contains: list[str]) -> None:
    verdict = assess.judge_measurement(result, success_condition=success, failure_condition=failure)
    assert verdict.phase == "Error"
    for text in contains:
        assert text in (verdict.reason or "")


def test_a_non_empty_result_gets_no_no_data_note() -> None:
    verdict = assess.judge_measurement([0.0], success_condition="result[1] > 0")
    assert verdict.phase == "Error" and "no data" not in (verdict.reason or "")


# --- metrics -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MetricCase:
    metric: dict[str, Any]
    measurements: tuple[str, ...]
    phase: str
    reason: str | None = None
    terminating: bool = False
    result_phase: str | None = None
    counters: dict[str, int] = field(default_factory=dict)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(MetricCase({}, (), "Pending"), id="no-measurements-pending"),
        pytest.param(MetricCase({}, (), "Successful", terminating=True), id="no-measurements-terminating-successful"),
        pytest.param(MetricCase({"count": 3, "interval": "1s"}, ("Successful", "Running"), "Running"), id="in-flight-running"),
        pytest.param(MetricCase({}, ("Successful",), "Successful"), id="single-measurement-successful"),
        pytest.param(MetricCase({}, ("Failed",), "Failed", "failed (1) > failureLimit (0)"), id="failed-over-limit-0"),
        pytest.param(MetricCase({"count": 3, "interval": "1s", "failureLimit": 1}, ("Failed", "Successful"), "Running"), id="failed-at-limit-keeps-running"),
        pytest.param(MetricCase({"count": 3, "interval": "1s", "failureLimit": 1}, ("Failed", "Failed"), "Failed", "failed (2) > failureLimit (1)"), id="failed-over-limit-1"),
        pytest.param(MetricCase({"count": 2, "interval": "1s", "failureLimit": 1}, ("Failed", "Successful"), "Successful"), id="count-reached-failures-within-limit"),
        pytest.param(
            MetricCase({"count": 3, "interval": "1s", "failureLimit": -1, "consecutiveSuccessLimit": 2}, ("Failed", "Failed"), "Running"),
            id="failure-limit-disabled",
        ),
        pytest.param(MetricCase({}, ("Inconclusive",), "Inconclusive", "inconclusive (1) > inconclusiveLimit (0)"), id="inconclusive-over-limit"),
        pytest.param(
            MetricCase({"count": 3, "interval": "1s", "inconclusiveLimit": 1}, ("Inconclusive", "Successful"), "Running"), id="inconclusive-at-limit",
        ),
        pytest.param(MetricCase({}, ("Error",) * 4, "Running"), id="four-errors-within-default-limit"),
        pytest.param(MetricCase({}, ("Error",) * 5, "Error", "consecutiveErrors (5) > consecutiveErrorLimit (4)"), id="five-errors-over-default-limit"),
        pytest.param(MetricCase({"consecutiveErrorLimit": 1}, ("Error", "Error"), "Error", "consecutiveErrors (2) > consecutiveErrorLimit (1)"), id="custom-error-limit"),
        pytest.param(MetricCase({"consecutiveErrorLimit": 0}, ("Error",), "Error", "consecutiveErrors (1) > consecutiveErrorLimit (0)"), id="error-limit-0"),
        pytest.param(
            MetricCase({"count": 5, "interval": "1s", "consecutiveErrorLimit": 0}, ("Failed", "Inconclusive", "Error"), "Error",
                       "consecutiveErrors (1) > consecutiveErrorLimit (0)"),
            id="error-overrides-inconclusive-overrides-failed",
        ),
        pytest.param(
            MetricCase({"count": 5, "interval": "1s"}, ("Failed", "Inconclusive"), "Inconclusive", "inconclusive (1) > inconclusiveLimit (0)"),
            id="inconclusive-overrides-failed",
        ),
        pytest.param(
            MetricCase({"count": 5, "interval": "1s", "consecutiveSuccessLimit": 2}, ("Successful", "Successful"), "Successful"), id="consecutive-success-reached-early",
        ),
        pytest.param(
            MetricCase({"count": 3, "interval": "1s", "failureLimit": 1, "consecutiveSuccessLimit": 2}, ("Successful", "Failed", "Successful"), "Inconclusive",
                       "consecutiveSuccess (1) < consecutiveSuccessLimit (2) after count (3) measurements"),
            id="count-reached-csl-unmet-failure-applicable-inconclusive",
        ),
        pytest.param(
            MetricCase({"count": 3, "interval": "1s", "failureLimit": -1, "consecutiveSuccessLimit": 2}, ("Successful", "Failed", "Successful"), "Failed",
                       "consecutiveSuccess (1) < consecutiveSuccessLimit (2) after count (3) measurements"),
            id="count-reached-only-csl-failed",
        ),
        pytest.param(MetricCase({"count": 3, "interval": "1s"}, ("Successful",) * 3, "Successful"), id="count-reached-successful"),
        pytest.param(MetricCase({"count": 3, "interval": "1s"}, ("Successful",), "Running"), id="count-not-reached-running"),
        pytest.param(MetricCase({"count": 3, "interval": "1s"}, ("Successful",), "Successful", terminating=True), id="count-not-reached-terminating"),
        pytest.param(MetricCase({"count": 2, "interval": "1s"}, ("Error", "Successful", "Error"), "Running"), id="errors-do-not-count"),
        pytest.param(MetricCase({"interval": "1s"}, ("Successful",) * 12, "Running"), id="infinite-running"),
        pytest.param(MetricCase({"interval": "1s"}, ("Successful",) * 2, "Successful", terminating=True), id="infinite-terminating-successful"),
        pytest.param(MetricCase({"count": 0, "interval": "1s"}, ("Successful",) * 2, "Running"), id="count-0-with-interval-infinite"),
        pytest.param(MetricCase({}, ("Successful",), "Failed", result_phase="Failed"), id="completed-is-kept"),
    ],
)
def test_assess_metric(case: MetricCase) -> None:
    result = a_result(*case.measurements, phase=case.result_phase, **case.counters)
    verdict = assess.assess_metric(a_metric(**case.metric), result, terminating=case.terminating)
    assert verdict.phase == case.phase
    if case.reason is not None or case.result_phase is None:
        assert verdict.reason == case.reason


# --- runs ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "candidate", "worse"),
    [
        pytest.param("Successful", "Running", True, id="running-worse-than-successful"),
        pytest.param("Running", "Pending", True, id="pending-worse-than-running"),
        pytest.param("Pending", "Inconclusive", True, id="inconclusive-worse-than-pending"),
        pytest.param("Inconclusive", "Error", True, id="error-worse-than-inconclusive"),
        pytest.param("Error", "Failed", True, id="failed-worst"),
        pytest.param("Failed", "Error", False, id="error-not-worse-than-failed"),
        pytest.param("Successful", "Successful", False, id="same-not-worse"),
    ],
)
def test_phase_order(current: str, candidate: str, worse: bool) -> None:
    assert assess.worse(current, candidate) is worse


@dataclass(frozen=True)
class RunCase:
    phases: dict[str, str | None]  # metric name → its phase (None: no result yet)
    phase: str
    message: str = ""
    dry_run: frozenset[str] = frozenset()
    terminating: bool = False
    terminate_requested: bool = False
    messages: dict[str, str] = field(default_factory=dict)


def _results(case: RunCase) -> dict[str, MetricResult]:
    results = {}
    for name, phase in case.phases.items():
        if phase is None:
            continue
        measured = {"Successful": "Successful", "Failed": "Failed", "Inconclusive": "Inconclusive", "Error": "Error", "Running": "Running"}[phase]
        base = a_result(*([measured] * (5 if measured == "Error" else 1)), phase=phase)
        results[name] = base.model_copy(update={"name": name, "message": case.messages.get(name)})
    return results


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(RunCase({"a": "Successful", "b": "Successful"}, "Successful"), id="all-successful"),
        pytest.param(RunCase({"a": "Successful", "b": "Running"}, "Running"), id="one-running"),
        pytest.param(RunCase({"a": "Successful", "b": None}, "Running"), id="one-not-started"),
        pytest.param(RunCase({"a": "Failed", "b": "Running"}, "Running"), id="failed-but-others-running-not-terminating"),
        pytest.param(
            RunCase({"a": "Failed", "b": "Successful"}, "Failed", 'Metric "a" assessed Failed due to failed (1) > failureLimit (0)'), id="worst-failed",
        ),
        pytest.param(
            RunCase({"a": "Error", "b": "Inconclusive"}, "Error", 'Metric "a" assessed Error due to consecutiveErrors (5) > consecutiveErrorLimit (4): "Error Message: boom"',
                    messages={"a": "boom"}),
            id="error-message-quoted",
        ),
        pytest.param(
            RunCase({"a": "Inconclusive", "b": "Failed"}, "Failed",
                    'Metric "b" assessed Failed due to failed (1) > failureLimit (0): value [0.91] did not satisfy "result[0] >= 0.95"',
                    messages={"b": 'value [0.91] did not satisfy "result[0] >= 0.95"'}),
            id="failed-worse-than-inconclusive-with-explanation",
        ),
        pytest.param(RunCase({"a": "Failed", "b": "Successful"}, "Successful", dry_run=frozenset({"a"})), id="dry-run-failure-ignored"),
        pytest.param(RunCase({"a": "Failed"}, "Successful", dry_run=frozenset({"a"})), id="all-dry-run-successful"),
        pytest.param(RunCase({"a": None}, "Successful", "Run Terminated", terminating=True, terminate_requested=True), id="terminated-before-measuring"),
        pytest.param(RunCase({"a": "Successful", "b": None}, "Successful", terminating=True), id="terminating-with-pending"),
        pytest.param(
            RunCase({"a": "Inconclusive"}, "Inconclusive", 'Metric "a" assessed Inconclusive due to inconclusive (1) > inconclusiveLimit (0): Metric Terminated',
                    terminating=True, terminate_requested=True, messages={"a": "Metric Terminated"}),
            id="terminated-job-inconclusive",
        ),
        pytest.param(RunCase({"a": "Successful"}, "Successful", "Run Terminated", terminating=True, terminate_requested=True), id="terminated-successful"),
    ],
)
def test_assess_run(case: RunCase) -> None:
    metrics = [a_metric(name=name) for name in case.phases]
    verdict = assess.assess_run(
        metrics, _results(case), dry_run=case.dry_run, terminating=case.terminating, terminate_requested=case.terminate_requested
    )
    assert (verdict.phase, verdict.message) == (case.phase, case.message)


def test_summaries_count_dry_run_metrics_apart() -> None:
    case = RunCase({"a": "Failed", "b": "Successful", "c": "Error", "d": "Running"}, "Running", dry_run=frozenset({"a", "c"}))
    metrics = [a_metric(name=name) for name in case.phases]
    verdict = assess.assess_run(metrics, _results(case), dry_run=case.dry_run, terminating=False, terminate_requested=False)
    assert verdict.run_summary.to_dict() == {"count": 2, "successful": 1, "failed": 0, "inconclusive": 0, "error": 0}
    assert verdict.dry_run_summary.to_dict() == {"count": 2, "successful": 0, "failed": 1, "inconclusive": 0, "error": 1}


def test_dry_run_metric_message() -> None:
    result = a_result("Failed", phase="Failed").model_copy(update={"message": 'value 3 satisfied failureCondition "result > 1"'})
    assert assess.dry_run_message(a_metric(), result) == (
        'Metric assessed Failed due to failed (1) > failureLimit (0): value 3 satisfied failureCondition "result > 1"'
    )
