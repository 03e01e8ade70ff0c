"""Metric providers: where a metric's value comes from, and how to authenticate there.

The prometheus, web and job providers are typed; the other providers Argo knows are kept as free objects so their
manifests still load (validation reports them as unsupported). Pure data; defaults are `effective_*` properties.
"""

from __future__ import annotations

from rollouts.api import defaults
from rollouts.api.common import FreeObject, JSONValue, KubeModel

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
