"""The demo's summary (rollouts.demo.summary): pure tables, no cluster.

We test these aspects:
* measurement values shortened for people (3 significant digits, one-element lists unwrapped, NaN and no data);
* conditions shown as one line;
* AnalysisRuns → decisions: runs in creation order, every metric of the spec (Pending before any result), the
  deciding measurement of a failed metric is its last failed one, counts from the result;
* the verdict on each version: good = Healthy after passing analysis; bad = aborted by a failed metric with all
  traffic back on stable (named by the router's object); anything else is wrong, with a reason;
* the printed summary: timings, the decisions table, the result lines, where to look.

Not tested here: reading those objects from a cluster (test_demo_e2e.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from rollouts.demo import summary

SUCCESS = "isNaN(result[0]) || result[0] >= 0.95"
LATENCY = "isNaN(result[0]) || result[0] < 500"


@pytest.mark.parametrize(
    "value, shown",
    [
        pytest.param("[0.5833333]", "0.583", id="three-significant-digits"),
        pytest.param("[1]", "1", id="one"),
        pytest.param("[48.51]", "48.5", id="latency"),
        pytest.param("[NaN]", "NaN (no requests)", id="nan"),
        pytest.param("[]", "no data", id="empty-vector"),
        pytest.param("[0.9,1]", "[0.9, 1]", id="two-series"),
        pytest.param("0.25", "0.25", id="scalar"),
        pytest.param("", "-", id="empty"),
        pytest.param(None, "-", id="none"),
        pytest.param("ok", "ok", id="text"),
    ],
)
def test_short_value(value: str | None, shown: str) -> None:
    assert summary.short_value(value) == shown


@pytest.mark.parametrize(
    "metric, text",
    [
        pytest.param({"successCondition": SUCCESS}, SUCCESS, id="success-only"),
        pytest.param({"failureCondition": "result[0] > 0.1"}, "failure: result[0] > 0.1", id="failure-only"),
        pytest.param({"successCondition": "a", "failureCondition": "b"}, "a; failure: b", id="both"),
        pytest.param({}, "(none)", id="neither"),
        pytest.param(
            {"provider": {"plugin": {"rollouts/judge": {"thresholds": {"pass": 90, "marginal": 75}}}}},
            "judge: pass ≥ 90, marginal ≥ 75",
            id="judge",
        ),
        pytest.param(
            {"provider": {"plugin": {"rollouts/judge": {}}}}, "judge: pass ≥ 95, marginal ≥ 75", id="judge-defaults"
        ),
    ],
)
def test_condition_text(metric: dict, text: str) -> None:
    assert summary.condition_text(metric) == text


def measurement(phase: str, value: str, message: str = "") -> dict:
    return {"phase": phase, "value": value, **({"message": message} if message else {})}


def analysis_run(name: str, created: str, results: list[dict]) -> dict:
    return {
        "metadata": {"name": name, "creationTimestamp": created},
        "spec": {
            "metrics": [
                {"name": "success-rate", "successCondition": SUCCESS},
                {"name": "latency-p99", "successCondition": LATENCY},
            ]
        },
        "status": {"phase": "Running", "metricResults": results},
    }


def test_decisions_in_creation_order_with_the_deciding_measurement() -> None:
    failed = "value [0.58] did not satisfy ..."
    later = analysis_run(
        "demo-abc-3-1",
        "2026-01-01T00:01:00Z",
        [
            {
                "name": "success-rate",
                "phase": "Failed",
                "count": 3,
                "measurements": [
                    measurement("Successful", "[1]"),
                    measurement("Failed", "[0.58]", failed),
                    measurement("Successful", "[0.99]"),
                ],
            },
            {
                "name": "latency-p99",
                "phase": "Successful",
                "count": 2,
                "measurements": [measurement("Successful", "[48.7]")],
            },
        ],
    )
    earlier = analysis_run("demo-xyz-2-1", "2026-01-01T00:00:00Z", [])
    assert summary.decisions([later, earlier]) == [
        summary.Decision("demo-xyz-2-1", "success-rate", "-", SUCCESS, "Pending", 0, ""),
        summary.Decision("demo-xyz-2-1", "latency-p99", "-", LATENCY, "Pending", 0, ""),
        summary.Decision("demo-abc-3-1", "success-rate", "0.58", SUCCESS, "Failed", 3, failed),
        summary.Decision("demo-abc-3-1", "latency-p99", "48.7", LATENCY, "Successful", 2, ""),
    ]


def test_decision_of_a_metric_only_in_the_status() -> None:
    result = {"name": "extra", "phase": "Error", "measurements": [measurement("Error", "", "query returned no data")]}
    run = {"metadata": {"name": "r"}, "spec": {"metrics": []}, "status": {"metricResults": [result]}}
    assert summary.decisions([run]) == [summary.Decision("r", "extra", "-", "", "Error", 1, "query returned no data")]


def test_a_judge_decision_shows_the_score_and_each_metric_class() -> None:
    metadata = {
        "verdict": "Fail",
        "score": "0",
        "metric.error-rate": "High (critical): shift 0.3 [0.2, 0.4], ...",
        "metric.p99": "Pass: ...",
    }
    failed = {
        **measurement("Failed", "0", "judge score 0 (Fail): critical metric error-rate is High"),
        "metadata": metadata,
    }
    result = {"name": "judge-success-rate", "phase": "Failed", "count": 1, "measurements": [failed]}
    run = {"metadata": {"name": "r"}, "spec": {"metrics": []}, "status": {"metricResults": [result]}}
    (decision,) = summary.decisions([run])
    assert decision.value == "score 0 (error-rate High (critical), p99 Pass)"
    assert decision.reason == "judge score 0 (Fail): critical metric error-rate is High"


def decision(run: str, metric: str, value: str, verdict: str) -> summary.Decision:
    return summary.Decision(run, metric, value, SUCCESS if metric == "success-rate" else LATENCY, verdict, 3, "")


GOOD_DECISIONS = (
    decision("demo-a-2-1", "success-rate", "1", "Successful"),
    decision("demo-a-2-1", "latency-p99", "48.5", "Successful"),
    decision("demo-a-2-3", "success-rate", "1", "Successful"),
    decision("demo-a-2-3", "latency-p99", "48.8", "Successful"),
)
BAD_DECISIONS = (
    decision("demo-b-3-1", "success-rate", "0.585", "Failed"),
    decision("demo-b-3-1", "latency-p99", "48.9", "Successful"),
)
ABORT_MESSAGE = "RolloutAborted: Rollout aborted update to revision 3"
GOOD = summary.Outcome(summary.GOOD, "demo:green", "Healthy", "", False, 22.8, GOOD_DECISIONS, 100, 0)
BAD = summary.Outcome(summary.BAD, "demo:red-errors-40", "Degraded", ABORT_MESSAGE, True, 6.1, BAD_DECISIONS, 100, 0)


@dataclass(frozen=True)
class Case:
    outcome: summary.Outcome
    ok: bool
    says: str


BAD_SAYS = (
    "aborted by analysis in 6.1s: metric success-rate = 0.585 Failed "
    '("isNaN(result[0]) || result[0] >= 0.95") in demo-b-3-1; '
    "VirtualService back to 100% stable (stable 100, canary 0)"
)
GOOD_ABORTED = replace(GOOD, phase="Degraded", message="RolloutAborted: x", aborted=True, decisions=BAD_DECISIONS)
BAD_ERRORED = replace(
    BAD, decisions=(replace(BAD_DECISIONS[0], verdict="Error", value="-", reason="query returned no data"),)
)


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            Case(GOOD, True, "good version demo:green: passed analysis (2 AnalysisRuns) and became Healthy in 22.8s"),
            id="good-healthy",
        ),
        pytest.param(
            Case(replace(GOOD, decisions=()), False, "became Healthy, but no AnalysisRun judged it"),
            id="good-without-analysis",
        ),
        pytest.param(
            Case(
                GOOD_ABORTED,
                False,
                "expected Healthy after passing analysis, got Degraded - RolloutAborted: x; "
                "metric success-rate = 0.585 Failed",
            ),
            id="good-aborted",
        ),
        pytest.param(
            Case(replace(GOOD, phase="Progressing", message="waiting"), False, "got Progressing - waiting"),
            id="good-stuck",
        ),
        pytest.param(Case(BAD, True, BAD_SAYS), id="bad-aborted"),
        pytest.param(
            Case(
                replace(BAD, phase="Healthy", message="", aborted=False),
                False,
                "expected analysis to fail and the rollout to be aborted, got Healthy",
            ),
            id="bad-promoted",
        ),
        pytest.param(
            Case(replace(BAD, decisions=BAD_DECISIONS[1:]), False, "aborted, but not by analysis"),
            id="bad-aborted-without-failed-metric",
        ),
        pytest.param(
            Case(
                replace(BAD, stable_weight=80, canary_weight=20),
                False,
                "VirtualService NOT back to stable (stable 80, canary 20)",
            ),
            id="bad-traffic-not-back",
        ),
        pytest.param(Case(BAD_ERRORED, True, "metric success-rate = - Error"), id="bad-errored-counts-as-failed"),
        pytest.param(
            Case(replace(BAD, router_object="HTTPRoute"), True, "HTTPRoute back to 100% stable (stable 100, canary 0)"),
            id="bad-aborted-router-object-named",
        ),
    ],
)
def test_judge(case: Case) -> None:
    verdict = summary.judge(case.outcome)
    assert verdict.ok is case.ok
    assert case.says in verdict.text


@pytest.mark.parametrize(
    "outcomes, ok",
    [
        pytest.param((GOOD, BAD), True, id="both-right"),
        pytest.param((GOOD,), False, id="bad-never-ran"),
        pytest.param((GOOD, replace(BAD, aborted=False, phase="Healthy")), False, id="bad-wrong"),
    ],
)
def test_passed(outcomes: tuple[summary.Outcome, ...], ok: bool) -> None:
    assert summary.passed(summary.Report((), outcomes, ())) is ok


def test_lines() -> None:
    report = summary.Report(
        timings=(summary.Timing("local cluster", 5.0, "etcd, …"), summary.Timing("total", 53.6)),
        outcomes=(GOOD, BAD),
        where=(("logs", "/tmp/d/logs/"), ("explore", "rollouts demo --keep")),
    )
    assert summary.lines(report) == [
        "",
        "Summary",
        "",
        "Timings",
        "  local cluster     5.0s  etcd, …",
        "  total            53.6s",
        "",
        "Decisions",
        "  VERSION  ANALYSISRUN  METRIC        VALUE  CONDITION                              VERDICT",
        "  good     demo-a-2-1   success-rate  1      isNaN(result[0]) || result[0] >= 0.95"
        "  Successful (3 measurements)",
        "  good     demo-a-2-1   latency-p99   48.5   isNaN(result[0]) || result[0] < 500  "
        "  Successful (3 measurements)",
        "  good     demo-a-2-3   success-rate  1      isNaN(result[0]) || result[0] >= 0.95"
        "  Successful (3 measurements)",
        "  good     demo-a-2-3   latency-p99   48.8   isNaN(result[0]) || result[0] < 500  "
        "  Successful (3 measurements)",
        "  bad      demo-b-3-1   success-rate  0.585  isNaN(result[0]) || result[0] >= 0.95  Failed (3 measurements)",
        "  bad      demo-b-3-1   latency-p99   48.9   isNaN(result[0]) || result[0] < 500  "
        "  Successful (3 measurements)",
        "",
        "Result",
        "  ✔ good version demo:green: passed analysis (2 AnalysisRuns) and became Healthy in 22.8s",
        f"  ✔ bad version demo:red-errors-40: {BAD_SAYS}",
        "  PASS: both outcomes were right",
        "",
        "Where to look",
        "  logs     /tmp/d/logs/",
        "  explore  rollouts demo --keep",
    ]


def test_lines_of_a_version_without_analysis() -> None:
    text = "\n".join(summary.lines(summary.Report((), (replace(GOOD, decisions=()),), ())))
    assert "  good     (none)       -       -      -          -" in text
    assert "  ✘ good version demo:green: became Healthy, but no AnalysisRun judged it" in text
    assert "  FAIL: at least one outcome was wrong" in text
