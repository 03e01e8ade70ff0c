"""Metrics and the reusable analysis definitions that hold them: AnalysisTemplate and ClusterAnalysisTemplate.

Pure data; Argo's defaults are `effective_*` properties (see `rollouts.api.defaults`).
"""

from __future__ import annotations

from pydantic import Field

from rollouts.api import defaults
from rollouts.api.analysis.inputs import AnalysisTemplateRef, Argument, DryRun, MeasurementRetention
from rollouts.api.analysis.providers import MetricProvider
from rollouts.api.common import KubeModel, ObjectMeta
from rollouts.api.labels import API_VERSION
from rollouts.api.types import IntOrString, int_value


class Metric(KubeModel):
    """One measurement definition: what to query, how often, and how to judge the result."""

    name: str
    """Metric name, unique within the analysis."""
    interval: str | None = None
    """Duration between measurements, e.g. `30s`. Empty with no count means a single measurement."""
    initial_delay: str | None = None
    """How long to wait after the run starts before the first measurement."""
    count: IntOrString | None = None
    """Number of measurements to take; counts greater than 1 need an interval. Only an interval means forever."""
    success_condition: str | None = None
    """Expression over `result` that must be true for a measurement to succeed, e.g. `result[0] >= 0.95`."""
    failure_condition: str | None = None
    """Expression over `result` that makes a measurement fail when true."""
    failure_limit: IntOrString | None = None
    """Failed measurements allowed before the metric fails (default 0); -1 disables the limit."""
    inconclusive_limit: IntOrString | None = None
    """Inconclusive measurements allowed before the metric is inconclusive (default 0)."""
    consecutive_error_limit: IntOrString | None = None
    """Consecutive measurement errors allowed before the metric errors (default 4)."""
    consecutive_success_limit: IntOrString | None = None
    """Consecutive successful measurements that complete the metric early (default 0: off)."""
    provider: MetricProvider
    """Where the value comes from."""

    @property
    def effective_count(self) -> int | None:
        """Measurements to take: the count; 1 when neither count nor interval is set; None (forever) when only an
        interval is set. Raises ValueError while the count is still an unresolved argument."""
        count = 0 if self.count is None else int_value(self.count)
        if count > 0:
            return count
        return None if self.interval else 1

    @property
    def effective_failure_limit(self) -> int:
        """Failure limit with Argo's default."""
        return defaults.FAILURE_LIMIT if self.failure_limit is None else int_value(self.failure_limit)

    @property
    def effective_inconclusive_limit(self) -> int:
        """Inconclusive limit with Argo's default."""
        return defaults.INCONCLUSIVE_LIMIT if self.inconclusive_limit is None else int_value(self.inconclusive_limit)

    @property
    def effective_consecutive_error_limit(self) -> int:
        """Consecutive error limit with Argo's default (4)."""
        if self.consecutive_error_limit is None:
            return defaults.CONSECUTIVE_ERROR_LIMIT
        return int_value(self.consecutive_error_limit)

    @property
    def effective_consecutive_success_limit(self) -> int:
        """Consecutive success limit with Argo's default (0: off)."""
        if self.consecutive_success_limit is None:
            return defaults.CONSECUTIVE_SUCCESS_LIMIT
        return int_value(self.consecutive_success_limit)


class AnalysisTemplateSpec(KubeModel):
    """The reusable definition of an analysis: metrics, their arguments and options."""

    metrics: list[Metric] | None = None
    """Metrics to measure; names must be unique."""
    args: list[Argument] | None = None
    """Arguments the metrics use as `{{args.<name>}}`."""
    dry_run: list[DryRun] | None = None
    """Metrics to run in dry-run mode."""
    measurement_retention: list[MeasurementRetention] | None = None
    """Per-metric measurement retention."""
    templates: list[AnalysisTemplateRef] | None = None
    """Other templates whose metrics and arguments are merged into this one."""


class AnalysisTemplate(KubeModel):
    """A namespaced, reusable analysis definition that Rollouts and Experiments reference."""

    api_version: str = API_VERSION
    """API version: argoproj.io/v1alpha1."""
    kind: str = "AnalysisTemplate"
    """Kind: AnalysisTemplate."""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    """Standard object metadata."""
    spec: AnalysisTemplateSpec
    """The analysis definition."""


class ClusterAnalysisTemplate(KubeModel):
    """A cluster-wide, reusable analysis definition (referenced with clusterScope: true)."""

    api_version: str = API_VERSION
    """API version: argoproj.io/v1alpha1."""
    kind: str = "ClusterAnalysisTemplate"
    """Kind: ClusterAnalysisTemplate."""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    """Standard object metadata."""
    spec: AnalysisTemplateSpec
    """The analysis definition."""
