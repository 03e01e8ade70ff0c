"""AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun models, and the analysis references Rollouts use:
inputs (arguments, references), providers, templates (metrics) and runs, one module each."""

from __future__ import annotations

from rollouts.api.analysis.inputs import (
    AnalysisRunMetadata,
    AnalysisTemplateRef,
    Argument,
    DryRun,
    FieldRef,
    MeasurementRetention,
    SecretKeyRef,
    ValueFrom,
)
from rollouts.api.analysis.providers import (
    PROVIDERS,
    SUPPORTED_PROVIDERS,
    Authentication,
    BasicAuthConfig,
    JobMetric,
    MetricProvider,
    OAuth2Config,
    PrometheusMetric,
    PrometheusRangeQuery,
    Sigv4Config,
    WebMetric,
    WebMetricHeader,
)
from rollouts.api.analysis.run import (
    AnalysisPhase,
    AnalysisRun,
    AnalysisRunSpec,
    AnalysisRunStatus,
    Measurement,
    MetricResult,
    RunSummary,
    TTLStrategy,
)
from rollouts.api.analysis.template import (
    AnalysisTemplate,
    AnalysisTemplateSpec,
    ClusterAnalysisTemplate,
    Metric,
)

__all__ = [
    "AnalysisPhase",
    "AnalysisRun",
    "AnalysisRunMetadata",
    "AnalysisRunSpec",
    "AnalysisRunStatus",
    "AnalysisTemplate",
    "AnalysisTemplateRef",
    "AnalysisTemplateSpec",
    "Argument",
    "Authentication",
    "BasicAuthConfig",
    "ClusterAnalysisTemplate",
    "DryRun",
    "FieldRef",
    "JobMetric",
    "Measurement",
    "MeasurementRetention",
    "Metric",
    "MetricProvider",
    "MetricResult",
    "OAuth2Config",
    "PROVIDERS",
    "PrometheusMetric",
    "PrometheusRangeQuery",
    "RunSummary",
    "SUPPORTED_PROVIDERS",
    "SecretKeyRef",
    "Sigv4Config",
    "TTLStrategy",
    "ValueFrom",
    "WebMetric",
    "WebMetricHeader",
]
