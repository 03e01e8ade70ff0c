"""The judge as a metric provider, against a real Prometheus: range queries for both sides, then the verdict."""

from __future__ import annotations

import random
import re
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from local_prometheus import PrometheusServer

from analysis.providers.base import MeasureContext, Measurement
from analysis.providers.registry import Providers
from helpers import wait_until

VERSIONS = {"baseline": 20.0, "same": 20.0, "double": 40.0}
"""Each version's mean latency; every 0.2 s each series takes a new value within ±5 % of it."""


@pytest.fixture(scope="module")
def latency(prometheus: PrometheusServer) -> Iterator[str]:
    """A noisy gauge per version, scraped for at least 8 s, so that 8 s windows hold 8 points a side."""
    name = f"judge_latency_{uuid.uuid4().hex[:8]}"
    stop, rng = threading.Event(), random.Random(16)

    def publish() -> None:
        while not stop.wait(0.2):
            for version, mean in VERSIONS.items():
                prometheus.exporter.set(f'{name}{{version="{version}"}}', mean * rng.uniform(0.95, 1.05))

    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    start = datetime.now(UTC)
    wait_until(lambda: prometheus.query(f"count_over_time({name}[1m])")["result"], timeout=15, what=f"{name} scraped")
    wait_until(lambda: (datetime.now(UTC) - start).total_seconds() > 10, timeout=15, what="10 s of samples")
    try:
        yield name
    finally:
        stop.set()
        thread.join()


def settings(prometheus: PrometheusServer, name: str, canary: str, **metric: Any) -> dict[str, Any]:
    query = f'{name}{{version="${{version}}"}}'
    judge = {
        "address": prometheus.url,
        "lookback": "8s",
        "step": "1s",
        "baselineVersion": "baseline",
        "canaryVersion": canary,
        "thresholds": {"pass": 90, "marginal": 75},
        "metrics": [
            {
                "name": "latency",
                "query": query,
                "direction": "increase",
                "effectSize": {"allowedIncrease": 1.2},
                **metric,
            }
        ],
    }
    return {"plugin": {"rollouts/judge": judge}}


def measure(provider_spec: dict[str, Any]) -> Measurement:
    kind, provider = Providers(kube=None, environ={}).provider_for(provider_spec)
    ctx = MeasureContext(namespace="ns", run_name="run", run_uid="uid", metric_name="judge", now=datetime.now(UTC))
    return provider.run(provider_spec[kind], ctx)


def test_an_identical_canary_passes(prometheus: PrometheusServer, latency: str) -> None:
    measurement = measure(settings(prometheus, latency, "same"))
    assert (measurement.phase, measurement.value, measurement.message) == ("Successful", "100", None)
    assert measurement.metadata["verdict"] == "Pass"
    assert measurement.metadata["metric.latency"].startswith("Pass: shift ")
    assert re.search(r", points [89]/[89]$", measurement.metadata["metric.latency"])


def test_a_doubled_critical_metric_fails(prometheus: PrometheusServer, latency: str) -> None:
    measurement = measure(settings(prometheus, latency, "double", critical=True))
    assert (measurement.phase, measurement.value) == ("Failed", "0")
    prefix = "judge score 0 (Fail): critical metric latency is High: canary higher: shift "
    assert re.match(
        re.escape(prefix) + r"(19|20)\.\d+ in \[1\d\.\d+, 2\d\.\d+\], meanRatio (1\.9\d*|2(\.0\d*)?)$",
        measurement.message or "",
    )
    assert re.match(
        r"High \(critical\): shift (19|20)\.\d+ \[.*\], effect (1\.9\d*|2(\.0\d*)?), meanRatio (1\.9\d*|2(\.0\d*)?), points [89]/[89]$",
        measurement.metadata["metric.latency"],
    )


def test_a_doubled_metric_among_passing_ones_is_marginal(prometheus: PrometheusServer, latency: str) -> None:
    spec = settings(prometheus, latency, "double")
    flat = {"name": "flat", "baselineQuery": "vector(1)", "canaryQuery": "vector(1)"}
    spec["plugin"]["rollouts/judge"]["metrics"] += [{**flat, "name": name} for name in ("a", "b", "c")]
    measurement = measure(spec)
    assert (measurement.phase, measurement.value, measurement.metadata["verdict"]) == ("Inconclusive", "75", "Marginal")
    assert measurement.message == "judge score 75 (Marginal): latency High"


def test_a_canary_without_series_has_no_data(prometheus: PrometheusServer, latency: str) -> None:
    measurement = measure(settings(prometheus, latency, "missing"))
    assert (measurement.phase, measurement.message) == ("Failed", "judge score 0 (Fail): 1 of 1 metrics have no data")
    assert re.fullmatch(r"Nodata: no canary data, points [89]/0", measurement.metadata["metric.latency"])


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        (
            {"argoproj-labs/other": {}},
            'provider.plugin: expected exactly the "rollouts/judge" plugin, found "argoproj-labs/other"',
        ),
        ({"rollouts/judge": {"metrics": []}}, "metrics: expected a non-empty list"),
        ({"rollouts/judge": {"metrics": [{"name": "a", "query": "x"}]}}, "metrics[0].query: expected ${version}"),
    ],
)
def test_bad_settings_are_an_error_naming_the_field(plugin: dict[str, Any], message: str) -> None:
    measurement = measure({"plugin": plugin})
    assert measurement.phase == "Error"
    assert message in (measurement.message or "")


def test_a_query_prometheus_rejects_names_the_metric_and_side(prometheus: PrometheusServer) -> None:
    spec = {"address": prometheus.url, "metrics": [{"name": "lat", "baselineQuery": "up", "canaryQuery": "rate(("}]}
    measurement = measure({"plugin": {"rollouts/judge": spec}})
    assert measurement.phase == "Error"
    assert (measurement.message or "").startswith("metric lat, canary query: bad_data: ")
