"""The provider registry and the shared provider types: which kinds exist, how unknown or ambiguous provider
fields fail, injection of fakes, the no-data note, Go-style float printing, and the package's public names.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

import analysis.providers
from analysis.providers import base, job, judge, prometheus, registry, web
from analysis.providers.base import MeasureContext

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)
CTX = MeasureContext("default", "run", "uid-1", "metric", NOW)


@pytest.mark.parametrize(
    ("metric_provider", "kind", "provider_type"),
    [
        pytest.param({"prometheus": {"query": "up"}}, "prometheus", prometheus.PrometheusProvider, id="prometheus"),
        pytest.param({"web": {"url": "http://x"}}, "web", web.WebProvider, id="web"),
        pytest.param({"job": {"spec": {}}}, "job", job.JobProvider, id="job"),
        pytest.param({"plugin": {"rollouts/judge": {}}}, "plugin", judge.JudgeProvider, id="judge-plugin"),
        pytest.param({"web": {}, "datadog": None}, "web", web.WebProvider, id="null-kinds-are-unset"),
    ],
)
def test_provider_for_supported_kinds(metric_provider: dict, kind: str, provider_type: type) -> None:
    providers = registry.Providers(kube=object(), environ={})  # type: ignore[arg-type] - the job provider only stores it
    assert providers.provider_for(metric_provider)[0] == kind
    assert isinstance(providers.provider_for(metric_provider)[1], provider_type)


@pytest.mark.parametrize(
    ("metric_provider", "message"),
    [
        pytest.param({"datadog": {"query": "x"}}, 'provider: unsupported metric provider "datadog"; supported: job, plugin, prometheus, web', id="datadog"),
        pytest.param({}, "provider: no metric provider is set; supported: job, plugin, prometheus, web", id="none"),
        pytest.param({"web": {}, "prometheus": {}}, "provider: exactly one metric provider may be set, found prometheus, web", id="two"),
        pytest.param(["web"], "provider: expected an object with one of job, plugin, prometheus, web, got list", id="not-an-object"),
    ],
)
def test_unknown_or_ambiguous_providers_fail_loudly(metric_provider: Any, message: str) -> None:
    with pytest.raises(registry.UnsupportedProvider) as raised:
        registry.kind_of(metric_provider)
    assert message in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_job_needs_a_kube_client() -> None:
    with pytest.raises(RuntimeError, match=r"needs a Kubernetes client"):
        registry.Providers(kube=None, environ={}).provider_for({"job": {"spec": {}}})


def test_fakes_are_injected_by_kind() -> None:
    fake = base.FakeProvider(0.5, base.ProviderError("boom"), [1.0])
    providers = registry.Providers(kube=None, environ={}, overrides={"prometheus": fake})
    _, provider = providers.provider_for({"prometheus": {"query": "up"}})

    measured = [provider.run({"query": "up"}, CTX) for _ in range(4)]

    assert [(m.phase, m.result, m.message) for m in measured] == [
        ("Successful", 0.5, None), ("Error", None, "boom"), ("Successful", [1.0], None), ("Successful", [1.0], None),
    ]  # fmt: skip
    assert fake.configs == [{"query": "up"}] * 4
    with pytest.raises(registry.UnsupportedProvider, match="unknown provider kinds datadog"):
        registry.Providers(kube=None, overrides={"datadog": fake})


def test_single_shot_providers_do_nothing_on_resume_terminate_and_gc() -> None:
    measurement = base.succeeded([1.0], "[1]", NOW)
    for provider in (prometheus.PrometheusProvider(), web.WebProvider()):
        assert provider.resume({}, CTX, measurement) is measurement
        assert provider.terminate({}, CTX, measurement) is measurement
        assert provider.garbage_collect({}, CTX, 1) is None


@pytest.mark.parametrize(
    ("result", "note"),
    [(None, base.NO_DATA), ([], base.NO_DATA), ("", base.NO_DATA), ([0.0], None), (0.0, None), ({}, None)],
    ids=["nil", "empty-vector", "empty-string", "zero-sample", "zero", "empty-object"],
)
def test_describe_no_data(result: Any, note: str | None) -> None:
    assert base.describe_no_data(result) == note


@pytest.mark.parametrize(
    ("number", "text"),
    [(100.0, "100"), (0.25, "0.25"), (1e21, "1000000000000000000000"), (1e-7, "0.0000001"), (float("nan"), "NaN"),
     (float("inf"), "+Inf"), (float("-inf"), "-Inf"), (-0.0, "-0"), (0.1 + 0.2, "0.30000000000000004")],
    ids=["integral", "fraction", "huge", "tiny", "nan", "plus-inf", "minus-inf", "negative-zero", "shortest"],
)  # fmt: skip
def test_format_float_like_go(number: float, text: str) -> None:
    assert base.format_float(number) == text


def test_measurements_are_frozen_and_copied_with_replace() -> None:
    running = base.Measurement("Running", NOW)
    done = running.replace(phase="Successful", finished_at=NOW)
    assert (running.phase, done.phase) == ("Running", "Successful")
    with pytest.raises(AttributeError):
        running.phase = "Failed"  # type: ignore[misc]


def test_public_names() -> None:
    assert sorted(analysis.providers.__all__) == [
        "ERROR", "FAILED", "FakeProvider", "INCONCLUSIVE", "JobProvider", "MeasureContext", "Measurement", "NO_DATA",
        "Phase", "PrometheusProvider", "Provider", "ProviderError", "Providers", "RUNNING", "SUCCESSFUL", "SUPPORTED",
        "UnsupportedProvider", "WebProvider", "describe_no_data", "format_float", "kind_of",
    ]  # fmt: skip
    for name in analysis.providers.__all__:
        assert getattr(analysis.providers, name) is not None
