"""Prometheus metrics about AnalysisRuns, computed from the informer cache at scrape time (Argo's names).

analysis_run_info{namespace,name,phase}, analysis_run_metric_type{namespace,name,metric,type},
analysis_run_metric_phase{namespace,name,metric,type,dry_run,phase} (1 for the metric's phase, 0 for the others),
analysis_run_metric_value{namespace,name,metric} (the last measured value, when it is one number), plus the
reconcile histogram and error counter. Reads the store only; never calls the API.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily

PHASES = ("Pending", "Error", "Failed", "Successful", "Running", "Inconclusive")
PROVIDER_TYPES = {
    "prometheus": "Prometheus",
    "job": "Job",
    "web": "Web",
    "kayenta": "Kayenta",
    "datadog": "Datadog",
    "wavefront": "Wavefront",
    "newRelic": "NewRelic",
    "cloudWatch": "CloudWatch",
    "graphite": "Graphite",
    "influxdb": "Influxdb",
    "skywalking": "SkyWalking",
    "plugin": "RPCPlugin",
}
"""Provider key → the `type` label Argo uses."""


class AnalysisRunMetrics:
    """The AnalysisRun controller's metrics, registered on `registry`."""

    def __init__(self, registry: CollectorRegistry, runs: Callable[[], list[dict[str, Any]]]) -> None:
        self.reconcile = Histogram(
            "analysis_run_reconcile",
            "Analysis Run reconciliation performance.",
            ["namespace", "name"],
            buckets=(0.01, 0.15, 0.25, 0.5, 1.0),
            registry=registry,
        )
        self.reconcile_error = Counter(
            "analysis_run_reconcile_error",
            "Error occurring during the analysis run",
            ["namespace", "name"],
            registry=registry,
        )
        registry.register(AnalysisRunGauges(runs))


class AnalysisRunGauges:
    """The analysis_run_* gauges, one pass over the cached runs per scrape."""

    def __init__(self, runs: Callable[[], list[dict[str, Any]]]) -> None:
        self.runs = runs

    def describe(self) -> list[Any]:
        return []  # computed at scrape time; nothing to declare up front

    def collect(self) -> Iterator[GaugeMetricFamily]:
        info = GaugeMetricFamily(
            "analysis_run_info", "Information about analysis run.", labels=["namespace", "name", "phase"]
        )
        types = GaugeMetricFamily(
            "analysis_run_metric_type",
            "Information on the type of a specific metric in the Analysis Runs",
            labels=["namespace", "name", "metric", "type"],
        )
        phases = GaugeMetricFamily(
            "analysis_run_metric_phase",
            "Information on the duration of a specific metric in the Analysis Run",
            labels=["namespace", "name", "metric", "type", "dry_run", "phase"],
        )
        values = GaugeMetricFamily(
            "analysis_run_metric_value",
            "The last measured value of a metric of an Analysis Run (single numbers only).",
            labels=["namespace", "name", "metric"],
        )
        for run in self.runs():
            metadata, spec, status = run.get("metadata") or {}, run.get("spec") or {}, run.get("status") or {}
            namespace, name = str(metadata.get("namespace", "")), str(metadata.get("name", ""))
            info.add_metric([namespace, name, str(status.get("phase") or "")], 1)
            results = {r.get("name"): r for r in status.get("metricResults") or [] if isinstance(r, Mapping)}
            for metric in spec.get("metrics") or []:
                metric_name = str(metric.get("name", ""))
                kind = provider_type(metric.get("provider"))
                result = results.get(metric_name) or {}
                types.add_metric([namespace, name, metric_name, kind], 1)
                phase = result.get("phase") or "Pending"
                dry_run = "true" if result.get("dryRun") else "false"
                for candidate in PHASES:
                    phases.add_metric(
                        [namespace, name, metric_name, kind, dry_run, candidate], 1.0 if phase == candidate else 0.0
                    )
                value = last_value(result)
                if value is not None:
                    values.add_metric([namespace, name, metric_name], value)
        yield from (info, types, phases, values)


def provider_type(provider: Any) -> str:
    """The `type` label of a metric's provider: {"prometheus": {...}} → "Prometheus"."""
    if isinstance(provider, Mapping):
        for key, label in PROVIDER_TYPES.items():
            if provider.get(key) is not None:
                return label
    return "Unknown Provider"


_NUMBER_LIST = re.compile(r"^\[\s*([^,\[\]]+?)\s*\]$")


def last_value(result: Mapping[str, Any]) -> float | None:
    """The newest finished measurement's value when it is one number: "0.5" → 0.5, "[0.91]" → 0.91,
    "NaN" → nan; "[1,2]", "[]", text or no measurement → None."""
    for measurement in reversed(result.get("measurements") or []):
        text = measurement.get("value")
        if text is None:
            continue
        single = _NUMBER_LIST.match(str(text).strip())
        candidate = single.group(1) if single else str(text).strip()
        try:
            return float(candidate.replace("+Inf", "inf").replace("-Inf", "-inf"))
        except ValueError:
            return None
    return None
