"""Everything an AnalysisRun's status records is size-bounded, so no measurement can make the status write exceed
the API's request limit and wedge the run (a 2 MB web value used to fail every write with "request is too large").

Aspects: a huge value is judged whole but stored truncated with a marker; huge messages and metadata likewise;
the whole status stays under its budget however many metrics and retained measurements there are, keeping each
metric's latest measurement. Excluded: the write itself on a real API server (test_analysisrun_controller.py).
"""

from __future__ import annotations

import json

import pytest
from test_decide import a_metric, a_run, fakes, reconcile, result_of

from analysis.decide import bounds
from analysis.providers.base import FakeProvider, ProviderError


@pytest.mark.parametrize(
    ("text", "limit", "kept"),
    [
        pytest.param("short", 10, "short", id="under-the-limit"),
        pytest.param("x" * 10, 10, "x" * 10, id="at-the-limit"),
        pytest.param("x" * 100, 40, "x" * 9 + "…[91 more characters truncated]", id="over-the-limit"),
    ],
)
def test_clip(text: str, limit: int, kept: str) -> None:
    assert bounds.clip(text, limit) == kept
    assert len(bounds.clip(text, limit)) <= limit


def test_a_two_megabyte_value_is_judged_whole_and_stored_truncated() -> None:
    huge = "a" * 2_000_000 + "END"
    run = a_run(a_metric(successCondition='result endsWith "END"'))

    updated, _ = reconcile(run, 0, fakes(prometheus=FakeProvider(huge)))

    measurement = result_of(updated, "success-rate")["measurements"][0]
    assert measurement["phase"] == "Successful"
    assert len(measurement["value"]) <= bounds.VALUE_LIMIT
    assert measurement["value"].endswith("characters truncated]")
    assert len(json.dumps(updated["status"])) < bounds.STATUS_LIMIT


def test_a_huge_error_message_is_truncated() -> None:
    run = a_run(a_metric())
    updated, _ = reconcile(run, 0, fakes(prometheus=FakeProvider(ProviderError("boom " * 100_000))))
    message = result_of(updated, "success-rate")["measurements"][0]["message"]
    assert len(message) <= bounds.MESSAGE_LIMIT and message.endswith("characters truncated]")


def test_the_whole_status_stays_under_budget_and_keeps_each_metrics_latest_measurement() -> None:
    names = [f"metric-{index}" for index in range(20)]
    run = a_run(
        *(a_metric(name, count=100, interval="1s") for name in names),
        measurementRetention=[{"metricName": ".*", "limit": 100}],
    )
    providers = fakes(prometheus=FakeProvider("v" * 5_000))
    for second in range(0, 60):
        run, _ = reconcile(run, second, providers)
    assert len(json.dumps(run["status"])) < bounds.STATUS_LIMIT
    for name in names:
        kept = result_of(run, name)
        assert kept["count"] == 60  # counters are never trimmed, only the stored measurements
        assert kept["measurements"], f"{name} lost its latest measurement"
