"""AnalysisTemplate, ClusterAnalysisTemplate and AnalysisRun models, and the analysis references Rollouts use.

Pure data; Argo's defaults are `effective_*` properties (see `rollouts.api.defaults`). The prometheus, web and job
providers are typed; the other providers Argo knows are kept as free objects so their manifests still load.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from rollouts.api import defaults
from rollouts.api.common import API_VERSION, FreeObject, JSONValue, KubeModel, ObjectMeta, PodTemplateMetadata
from rollouts.api.types import IntOrString, int_value

PROVIDERS = (
    "prometheus",
    "web",
    "job",
    "kayenta",
    "datadog",
    "wavefront",
    "newRelic",
    "cloudWatch",
    "graphite",
    "influxdb",
    "skywalking",
    "plugin",
)
"""Every metric provider key Argo Rollouts knows (wire names)."""

SUPPORTED_PROVIDERS = ("prometheus", "web", "job", "plugin.rollouts/judge")
"""The providers this controller implements."""


class AnalysisPhase(StrEnum):
    """Phase of an AnalysisRun, a metric or a measurement (also used by Experiments)."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCESSFUL = "Successful"
    FAILED = "Failed"
    ERROR = "Error"
    INCONCLUSIVE = "Inconclusive"

    @property
    def completed(self) -> bool:
        """True for the terminal phases: Successful, Failed, Error, Inconclusive."""
        return self not in (AnalysisPhase.PENDING, AnalysisPhase.RUNNING)


# --- arguments and references ---------------------------------------------------------------------------------------


class SecretKeyRef(KubeModel):
    """A key of a Secret in the AnalysisRun's namespace."""

    name: str
    """Name of the Secret."""
    key: str
    """Key within the Secret's data."""


class FieldRef(KubeModel):
    """A field of the owning Rollout, e.g. `metadata.labels['env']` or `status.canary.weights.canary.weight`."""

    field_path: str
    """Path of the field: downward-API syntax for metadata.*, otherwise a dotted path into the Rollout."""


class ValueFrom(KubeModel):
    """Where an argument's value comes from when it is not given literally. Set exactly one field."""

    secret_key_ref: SecretKeyRef | None = None
    """Read the value from a Secret key when the measurement is taken (templates and runs only)."""
    field_ref: FieldRef | None = None
    """Read the value from a field of the owning Rollout when the run is created."""
    pod_template_hash_value: str | None = None
    """Use the pod template hash of the Stable or Latest ReplicaSet."""


class Argument(KubeModel):
    """A named input of an analysis, substituted into metrics as `{{args.<name>}}`."""

    name: str
    """Argument name."""
    value: str | None = None
    """Literal value. Leave empty (with no valueFrom) to require the caller to supply it."""
    value_from: ValueFrom | None = None
    """Take the value from a Secret, a Rollout field or a pod template hash instead."""


class AnalysisTemplateRef(KubeModel):
    """A reference to an AnalysisTemplate, or with clusterScope to a ClusterAnalysisTemplate."""

    template_name: str | None = None
    """Name of the referenced template."""
    cluster_scope: bool | None = None
    """Reference a ClusterAnalysisTemplate instead of an AnalysisTemplate in the same namespace."""


class DryRun(KubeModel):
    """Run matching metrics without letting their result affect the run's phase."""

    metric_name: str
    """Regular expression matched against metric names (use `.*` for all)."""


class MeasurementRetention(KubeModel):
    """Keep more (or fewer) measurements than the default 10 for matching metrics."""

    metric_name: str
    """Regular expression matched against metric names."""
    limit: int
    """Number of most recent measurements to keep; 0 means the default."""


class AnalysisRunMetadata(PodTemplateMetadata):
    """Extra labels and annotations for the AnalysisRuns a Rollout or Experiment creates."""


# --- providers ------------------------------------------------------------------------------------------------------


class WebMetricHeader(KubeModel):
    """An HTTP header sent with every request."""

    key: str
    """Header name."""
    value: str
    """Header value; may contain `{{args.x}}` placeholders."""


class Sigv4Config(KubeModel):
    """AWS Signature Version 4 request signing (Amazon Managed Prometheus)."""

    region: str | None = None
    """AWS region."""
    profile: str | None = None
    """AWS credentials profile."""
    role_arn: str | None = None
    """ARN of the IAM role to assume."""


class OAuth2Config(KubeModel):
    """OAuth2 client-credentials flow; the token is sent as a bearer token."""

    token_url: str | None = None
    """Token endpoint URL."""
    client_id: str | None = None
    """OAuth2 client id."""
    client_secret: str | None = None
    """OAuth2 client secret."""
    scopes: list[str] | None = None
    """Scopes to request."""


class BasicAuthConfig(KubeModel):
    """HTTP basic authentication."""

    username: str | None = None
    """User name."""
    password: str | None = None
    """Password."""


class Authentication(KubeModel):
    """How to authenticate to the metrics endpoint. Set at most one method."""

    sigv4: Sigv4Config | None = None
    """AWS SigV4 signing; applied only when the address contains `aps-workspaces`."""
    oauth2: OAuth2Config | None = None
    """OAuth2 client credentials."""
    basic_auth: BasicAuthConfig | None = None
    """HTTP basic authentication."""


class PrometheusRangeQuery(KubeModel):
    """Run the query over a time range (query_range) instead of at one instant."""

    start: str | None = None
    """Start time expression, e.g. `now() - duration("5m")`."""
    end: str | None = None
    """End time expression, e.g. `now()`."""
    step: str | None = None
    """Resolution step as a duration, e.g. `1m`."""


class PrometheusMetric(KubeModel):
    """Measure with a PromQL query."""

    address: str | None = None
    """Base URL of the Prometheus server; falls back to the controller's ARGO_ROLLOUTS_PROMETHEUS_ADDRESS."""
    query: str | None = None
    """PromQL query; may contain `{{args.x}}` placeholders."""
    authentication: Authentication | None = None
    """Credentials for the Prometheus server."""
    timeout: int | None = None
    """Request timeout in seconds (default 30)."""
    insecure: bool | None = None
    """Skip TLS certificate verification."""
    headers: list[WebMetricHeader] | None = None
    """Extra HTTP headers sent with every request."""
    range_query: PrometheusRangeQuery | None = None
    """Evaluate as a range query."""

    @property
    def effective_timeout(self) -> int:
        """Request timeout in seconds, with Argo's default."""
        return defaults.PROMETHEUS_TIMEOUT_SECONDS if self.timeout is None else self.timeout


class WebMetric(KubeModel):
    """Measure by calling an HTTP endpoint and reading a value out of its (JSON) response."""

    method: str | None = None
    """HTTP method: GET (default), POST or PUT."""
    url: str
    """URL to call; may contain `{{args.x}}` placeholders."""
    headers: list[WebMetricHeader] | None = None
    """HTTP headers sent with the request."""
    body: str | None = None
    """Request body as a string (POST and PUT only)."""
    timeout_seconds: int | None = None
    """Request timeout in seconds (default 10)."""
    json_path: str | None = None
    """Kubernetes JSONPath selecting the result in a JSON response (default `{$}`)."""
    insecure: bool | None = None
    """Skip TLS certificate verification."""
    json_body: JSONValue = None
    """Request body as JSON (POST and PUT only; sets Content-Type application/json). Exclusive with body."""
    authentication: Authentication | None = None
    """Credentials for the endpoint (oauth2)."""

    @property
    def effective_method(self) -> str:
        """HTTP method, with Argo's default."""
        return self.method or defaults.WEB_METHOD

    @property
    def effective_timeout_seconds(self) -> int:
        """Request timeout in seconds, with Argo's default (0 also means the default)."""
        return self.timeout_seconds or defaults.WEB_TIMEOUT_SECONDS

    @property
    def effective_json_path(self) -> str:
        """JSONPath of the result, with Argo's default (the whole document)."""
        return self.json_path or defaults.WEB_JSON_PATH


class JobMetric(KubeModel):
    """Measure by running a Kubernetes Job: it succeeds or fails with the Job."""

    metadata: FreeObject | None = None
    """Labels and annotations for the Job."""
    spec: FreeObject
    """A batch/v1 JobSpec, kept as written."""


class MetricProvider(KubeModel):
    """Where a metric's value comes from. Set exactly one provider."""

    prometheus: PrometheusMetric | None = None
    """Prometheus query."""
    web: WebMetric | None = None
    """HTTP endpoint."""
    job: JobMetric | None = None
    """Kubernetes Job."""
    kayenta: FreeObject | None = None
    """Kayenta canary judge (not supported by this controller)."""
    datadog: FreeObject | None = None
    """Datadog query (not supported by this controller)."""
    wavefront: FreeObject | None = None
    """Wavefront query (not supported by this controller)."""
    new_relic: FreeObject | None = None
    """New Relic NRQL query (not supported by this controller)."""
    cloud_watch: FreeObject | None = None
    """AWS CloudWatch metric data queries (not supported by this controller)."""
    graphite: FreeObject | None = None
    """Graphite query (not supported by this controller)."""
    influxdb: FreeObject | None = None
    """InfluxDB Flux query (not supported by this controller)."""
    skywalking: FreeObject | None = None
    """Apache SkyWalking query (not supported by this controller)."""
    plugin: FreeObject | None = None
    """Metric provider plugins by name with their configuration (not supported by this controller)."""

    @property
    def kinds(self) -> list[str]:
        """Wire names of the providers that are set, in declaration order (plugins count once each)."""
        data = self.to_dict()
        names = [name for name in PROVIDERS if name != "plugin" and name in data]
        return names + [f"plugin.{name}" for name in (self.plugin or {})]


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


# --- templates ------------------------------------------------------------------------------------------------------


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


# --- runs -----------------------------------------------------------------------------------------------------------


class TTLStrategy(KubeModel):
    """When to delete a completed AnalysisRun."""

    seconds_after_completion: int | None = None
    """Delete this many seconds after the run completed, whatever the result."""
    seconds_after_failure: int | None = None
    """Delete this many seconds after the run failed (overrides secondsAfterCompletion)."""
    seconds_after_success: int | None = None
    """Delete this many seconds after the run succeeded (overrides secondsAfterCompletion)."""


class AnalysisRunSpec(KubeModel):
    """One execution of an analysis, with arguments resolved by its creator."""

    metrics: list[Metric]
    """Metrics to measure; names must be unique."""
    args: list[Argument] | None = None
    """Arguments the metrics use as `{{args.<name>}}`."""
    terminate: bool | None = None
    """Stop taking measurements and finish the run with what has been measured."""
    dry_run: list[DryRun] | None = None
    """Metrics to run in dry-run mode."""
    measurement_retention: list[MeasurementRetention] | None = None
    """Per-metric measurement retention."""
    ttl_strategy: TTLStrategy | None = None
    """When to delete the run after it completed."""


class Measurement(KubeModel):
    """One measurement of a metric."""

    phase: str | None = None
    """Pending, Running, Successful, Failed, Error or Inconclusive."""
    message: str | None = None
    """Why the measurement has its phase (errors, for example)."""
    started_at: str | None = None
    """RFC 3339 time the measurement started."""
    finished_at: str | None = None
    """RFC 3339 time the measurement finished."""
    value: str | None = None
    """The measured value as text."""
    metadata: dict[str, str] | None = None
    """Provider-specific details (job-name, ResolvedPrometheusQuery, ...)."""
    resume_at: str | None = None
    """RFC 3339 time at which to check an asynchronous measurement (jobs) again."""


class MetricResult(KubeModel):
    """The measurements and verdict of one metric."""

    name: str | None = None
    """Metric name."""
    phase: str | None = None
    """Phase of the metric."""
    measurements: list[Measurement] | None = None
    """Most recent measurements, oldest first."""
    message: str | None = None
    """Why the metric has its phase."""
    count: int | None = None
    """Measurements taken (errors excluded)."""
    successful: int | None = None
    """Successful measurements."""
    failed: int | None = None
    """Failed measurements."""
    inconclusive: int | None = None
    """Inconclusive measurements."""
    error: int | None = None
    """Measurements that errored."""
    consecutive_error: int | None = None
    """Errors in a row, reset by a non-error measurement."""
    consecutive_success: int | None = None
    """Successes in a row, reset by a non-successful measurement."""
    dry_run: bool | None = None
    """True when the metric ran in dry-run mode."""
    metadata: dict[str, str] | None = None
    """Provider-specific details about the metric."""


class RunSummary(KubeModel):
    """Metric counts by phase."""

    count: int | None = None
    """Number of metrics."""
    successful: int | None = None
    """Successful metrics."""
    failed: int | None = None
    """Failed metrics."""
    inconclusive: int | None = None
    """Inconclusive metrics."""
    error: int | None = None
    """Metrics that errored."""


class AnalysisRunStatus(KubeModel):
    """Observed state of an AnalysisRun."""

    phase: str | None = None
    """Pending, Running, Successful, Failed, Error or Inconclusive."""
    message: str | None = None
    """Why the run has its phase."""
    metric_results: list[MetricResult] | None = None
    """Per-metric results."""
    started_at: str | None = None
    """RFC 3339 time the run started."""
    completed_at: str | None = None
    """RFC 3339 time the run completed."""
    run_summary: RunSummary | None = None
    """Counts of metrics by phase (dry-run metrics excluded)."""
    dry_run_summary: RunSummary | None = None
    """Counts of dry-run metrics by phase."""


class AnalysisRun(KubeModel):
    """An execution of an analysis: measures its metrics and decides Successful, Failed, Error or Inconclusive."""

    api_version: str = API_VERSION
    """API version: argoproj.io/v1alpha1."""
    kind: str = "AnalysisRun"
    """Kind: AnalysisRun."""
    metadata: ObjectMeta = Field(default_factory=ObjectMeta)
    """Standard object metadata."""
    spec: AnalysisRunSpec
    """What to measure."""
    status: AnalysisRunStatus | None = None
    """What has been measured so far."""
