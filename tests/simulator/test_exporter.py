"""Istio's metrics for simulated requests (rollouts.simulator.exporter), read back by Prometheus' own text parser.

We test these aspects:
* the exposition has ``istio_requests_total`` (counter) and ``istio_request_duration_milliseconds`` (histogram) with
  Istio's label names and the values we promise (FQDN service, workload, hash as version, reporter, source);
* counts per response code, and durations in Istio's default buckets (cumulative, +Inf = count, sum);
* one series per reporter when several are asked for; no ``*_created`` series;
* the HTTP server serves the same text at /metrics on a real socket.

Not tested here: which requests are generated (test_traffic.py); Prometheus scraping (test_simulator_cluster.py).
"""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from rollouts.simulator import behaviour, exporter, traffic

CANARY = traffic.Destination(
    service="canary", namespace="shop", workload="web-7c6d8b9f4c", pod_template_hash="7c6d8b9f4c",
    image="demo:yellow-errors-50", behaviour=behaviour.Behaviour(error_rate=0.5, latency_ms=20.0), share=0.2,
)  # fmt: skip
STABLE = traffic.Destination(
    service="stable", namespace="shop", workload="web-9f8a6c7d5b", pod_template_hash="",
    image="demo:blue", behaviour=behaviour.HEALTHY, share=0.8,
)  # fmt: skip


def families(metrics: exporter.IstioMetrics) -> dict[str, object]:
    return {family.name: family for family in text_string_to_metric_families(generate_latest(metrics.registry).decode())}


def recorded() -> exporter.IstioMetrics:
    metrics = exporter.IstioMetrics(source_namespace="shop")
    metrics.record(
        [
            traffic.RequestSample(CANARY, 200, 3.0),
            traffic.RequestSample(CANARY, 500, 30.0),
            traffic.RequestSample(CANARY, 500, 700.0),
            traffic.RequestSample(STABLE, 200, 10.0),
        ]
    )
    return metrics


def test_requests_total_has_istios_labels() -> None:
    requests = families(recorded())["istio_requests"]
    assert requests.type == "counter"
    by_labels = {(s.labels["destination_service_name"], s.labels["response_code"]): s for s in requests.samples}
    assert {key: s.value for key, s in by_labels.items()} == {("canary", "200"): 1.0, ("canary", "500"): 2.0, ("stable", "200"): 1.0}
    assert {s.name for s in requests.samples} == {"istio_requests_total"}
    assert by_labels[("canary", "500")].labels == {
        "reporter": "destination",
        "source_workload": "traffic-simulator",
        "source_workload_namespace": "shop",
        "destination_service": "canary.shop.svc.cluster.local",
        "destination_service_name": "canary",
        "destination_service_namespace": "shop",
        "destination_workload": "web-7c6d8b9f4c",
        "destination_workload_namespace": "shop",
        "destination_version": "7c6d8b9f4c",
        "request_protocol": "http",
        "response_code": "500",
        "response_flags": "-",
    }
    assert by_labels[("stable", "200")].labels["destination_version"] == "unknown"


def test_duration_histogram_uses_istios_buckets() -> None:
    durations = families(recorded())["istio_request_duration_milliseconds"]
    assert durations.type == "histogram"
    canary_500 = [s for s in durations.samples if s.labels["destination_service_name"] == "canary" and s.labels["response_code"] == "500"]
    buckets = {float(s.labels["le"]): s.value for s in canary_500 if s.name.endswith("_bucket")}
    assert list(buckets) == [*map(float, exporter.DURATION_BUCKETS_MS), float("inf")]
    assert exporter.DURATION_BUCKETS_MS == (0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000)
    assert buckets[25.0] == 0 and buckets[50.0] == 1 and buckets[500.0] == 1 and buckets[1000.0] == 2 and buckets[float("inf")] == 2
    totals = {s.name: s.value for s in canary_500 if not s.name.endswith("_bucket")}
    assert totals == {"istio_request_duration_milliseconds_count": 2.0, "istio_request_duration_milliseconds_sum": 730.0}
    assert {frozenset(s.labels) - {"le"} for s in durations.samples} == {frozenset(exporter.LABELS)}


def test_every_reporter_gets_its_series_and_no_created_series() -> None:
    metrics = exporter.IstioMetrics(source_namespace="load", reporters=("source", "destination"))
    metrics.record([traffic.RequestSample(STABLE, 200, 10.0)])
    requests = families(metrics)["istio_requests"]
    assert sorted((s.labels["reporter"], s.labels["source_workload_namespace"], s.value) for s in requests.samples) == [
        ("destination", "load", 1.0),
        ("source", "load", 1.0),
    ]
    assert "_created" not in generate_latest(metrics.registry).decode()


def test_nothing_recorded_means_no_series() -> None:
    found = families(exporter.IstioMetrics(source_namespace="shop"))
    assert [family.samples for family in found.values()] == [[], []]


def test_reporters_must_not_be_empty() -> None:
    with pytest.raises(ValueError, match="at least one reporter"):
        exporter.IstioMetrics(source_namespace="shop", reporters=())


def test_served_over_http_at_metrics() -> None:
    metrics = recorded()
    server = exporter.serve(metrics.registry, port=0, address="127.0.0.1")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=5) as response:
            text = response.read().decode()
    finally:
        server.close()
    assert 'istio_requests_total{' in text
    assert 'destination_service="canary.shop.svc.cluster.local"' in text
    parsed = {family.name for family in text_string_to_metric_families(text)}
    assert parsed == {"istio_requests", "istio_request_duration_milliseconds"}
