"""The prometheus metric provider against a real Prometheus scraping an in-test exporter.

Aspects: instant scalar / vector / matrix results typed and printed as Argo does (labels dropped, NaN and
±Inf literal, empty vector → [] with a no-data note); range queries with `now() - duration(...)` bounds;
Prometheus' own error text for bad PromQL; unreachable servers; settings validation (address and its
environment default, timeout, sigv4, basicAuth, rangeQuery); headers, basic auth and OAuth2 tokens on the
wire; warnings into metadata; `insecure` TLS. Excluded: condition evaluation (the caller's job); sigv4 signing
itself (test_sigv4.py).
"""

from __future__ import annotations

import json
import math
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import requests
from local_http import LocalServer, Reply, Seen
from local_prometheus import PrometheusServer, free_port

from analysis.providers import base
from analysis.providers import prometheus as promql  # `prometheus` is the server fixture
from analysis.providers.base import MeasureContext, Measurement
from analysis.providers.registry import Providers


def ctx(now: datetime | None = None) -> MeasureContext:
    return MeasureContext("default", "run", "uid-1", "metric", now or datetime.now(timezone.utc))


def measure(config: dict[str, Any], now: datetime | None = None) -> Measurement:
    return promql.PrometheusProvider(environ={}).run(config, ctx(now))  # no AWS_* credentials unless a test gives them


def unique(name: str) -> str:
    """A metric name no other test publishes (the exporter and Prometheus are shared by the session)."""
    return f"{name}_{uuid.uuid4().hex[:8]}"


# ---- interpret: Prometheus API `data` → (result, value), no server needed --------------------------------


@pytest.mark.parametrize(
    ("data", "result", "value"),
    [
        pytest.param({"resultType": "scalar", "result": [1, "0.5"]}, 0.5, "0.5", id="scalar"),
        pytest.param({"resultType": "scalar", "result": [1, "1e+21"]}, 1e21, "1000000000000000000000", id="scalar-no-exponent"),
        pytest.param({"resultType": "vector", "result": [{"metric": {"a": "b"}, "value": [1, "1"]}, {"metric": {}, "value": [1, "2.5"]}]},
                     [1.0, 2.5], "[1,2.5]", id="vector-labels-dropped"),
        pytest.param({"resultType": "vector", "result": []}, [], "[]", id="vector-empty"),
        pytest.param({"resultType": "vector", "result": [{"metric": {}, "value": [1, "-Inf"]}]}, [-math.inf], "[-Inf]", id="vector-minus-inf"),
        pytest.param({"resultType": "matrix", "result": [{"metric": {}, "values": [[1, "1"], [2, "2"]]}, {"metric": {}, "values": [[1, "3"]]}]},
                     [1.0, 2.0, 3.0], "[1,2,3]", id="matrix-flattened"),
    ],
)  # fmt: skip
def test_interpret_types_results_like_argo(data: dict, result: Any, value: str) -> None:
    assert promql.interpret(data) == (result, value)


def test_interpret_rejects_string_results() -> None:
    with pytest.raises(base.ProviderError, match='result type "string" is not supported'):
        promql.interpret({"resultType": "string", "result": [1, "hello"]})


# ---- instant queries against the real server ---------------------------------------------------------------


def test_vector_drops_labels_and_keeps_values(prometheus: PrometheusServer) -> None:
    name = unique("http_requests_total")
    prometheus.publish(f'{name}{{code="200"}}', 95)
    prometheus.publish(f'{name}{{code="500"}}', 5)
    query = f"sort({name})"

    measurement = measure({"address": prometheus.url, "query": query})

    assert (measurement.phase, measurement.result, measurement.value) == ("Successful", [5.0, 95.0], "[5,95]")
    assert measurement.metadata == {"ResolvedPrometheusQuery": query}
    assert measurement.message is None


def test_substituted_ratio_query_is_a_one_element_vector(prometheus: PrometheusServer) -> None:
    # What `sum(x{service="{{args.service}}",code!~"5.."}) / sum(x{service="{{args.service}}"})` becomes.
    name = unique("requests_total")
    prometheus.publish(f'{name}{{service="checkout",code="200"}}', 3)
    prometheus.publish(f'{name}{{service="checkout",code="503"}}', 1)

    measurement = measure({"address": prometheus.url, "query": f'sum({name}{{service="checkout",code!~"5.."}}) / sum({name}{{service="checkout"}})'})

    assert (measurement.phase, measurement.result, measurement.value) == ("Successful", [0.75], "[0.75]")


@pytest.mark.parametrize(
    ("query", "value"),
    [
        pytest.param("scalar(vector(42))", "42", id="scalar"),
        pytest.param("1/0", "+Inf", id="plus-inf"),
        pytest.param("-1/0", "-Inf", id="minus-inf"),
        pytest.param("0.1 + 0.2", "0.30000000000000004", id="shortest-round-trip"),
    ],
)
def test_scalar_results_print_like_prometheus(prometheus: PrometheusServer, query: str, value: str) -> None:
    measurement = measure({"address": prometheus.url, "query": query})
    assert (measurement.phase, measurement.value) == ("Successful", value)
    assert measurement.result == float(value)


def test_nan_scalar_and_nan_sample(prometheus: PrometheusServer) -> None:
    name = unique("ratio")
    prometheus.publish(name, math.nan)

    scalar = measure({"address": prometheus.url, "query": "0/0"})
    vector = measure({"address": prometheus.url, "query": name})

    assert (scalar.value, math.isnan(scalar.result)) == ("NaN", True)
    assert vector.value == "[NaN]" and len(vector.result) == 1 and math.isnan(vector.result[0])


def test_empty_vector_is_data_not_an_error(prometheus: PrometheusServer) -> None:
    measurement = measure({"address": prometheus.url, "query": unique("never_published")})

    assert (measurement.phase, measurement.result, measurement.value) == ("Successful", [], "[]")
    assert measurement.metadata["note"] == "query returned no data"
    assert base.describe_no_data(measurement.result) == "query returned no data"


def test_range_selector_returns_every_sample(prometheus: PrometheusServer) -> None:
    name = unique("latency_seconds")
    prometheus.publish(name, 1)
    prometheus.publish(name, 2)

    measurement = measure({"address": prometheus.url, "query": f"{name}[5m]"})

    assert measurement.phase == "Successful"
    assert measurement.result[0] == 1.0 and measurement.result[-1] == 2.0
    assert set(measurement.result) == {1.0, 2.0}
    assert measurement.value == "[" + ",".join(base.format_float(v) for v in measurement.result) + "]"


def test_instant_query_is_evaluated_at_ctx_now(prometheus: PrometheusServer) -> None:
    name = unique("gauge")
    prometheus.publish(name, 7)

    an_hour_ago = measure({"address": prometheus.url, "query": name}, now=datetime.now(timezone.utc) - timedelta(hours=1))

    assert (an_hour_ago.phase, an_hour_ago.result) == ("Successful", [])


def test_string_result_is_an_error(prometheus: PrometheusServer) -> None:
    measurement = measure({"address": prometheus.url, "query": '"hello"'})
    assert measurement.phase == "Error"
    assert 'result type "string" is not supported' in measurement.message


# ---- range queries --------------------------------------------------------------------------------------


def test_range_query_flattens_the_matrix(prometheus: PrometheusServer) -> None:
    name = unique("errors_total")
    prometheus.publish(name, 3)
    prometheus.publish(name, 4)
    now = datetime.now(timezone.utc)
    config = {
        "address": prometheus.url,
        "query": name,
        "rangeQuery": {"start": 'now() - duration("2m")', "end": "now()", "step": "1s"},
    }

    measurement = measure(config, now)

    assert measurement.phase == "Successful", measurement.message
    assert {3.0, 4.0} <= set(measurement.result)
    assert measurement.result[-1] == 4.0


@pytest.mark.parametrize(
    ("range_query", "message"),
    [
        pytest.param({"start": "now() -", "end": "now()", "step": "1m"}, 'rangeQuery.start "now() -" at column', id="start-syntax"),
        pytest.param({"start": "now()", "end": "1 + 1", "step": "1m"}, "rangeQuery.end must evaluate to a time, got int", id="end-not-time"),
        pytest.param({"start": "now()", "end": 'now() - duration("1h")', "step": "1m"}, "is before rangeQuery.start", id="end-before-start"),
        pytest.param({"start": "now()", "end": "now()", "step": "5x"}, 'rangeQuery.step: unknown unit "x"', id="step-unit"),
        pytest.param({"start": "now()", "end": "now()"}, "rangeQuery.step must be a positive duration", id="step-missing"),
        pytest.param({"end": "now()", "step": "1m"}, "rangeQuery.start is required", id="start-missing"),
        pytest.param({"start": "result", "end": "now()", "step": "1m"}, 'unknown name "result"', id="no-variables"),
    ],
)
def test_bad_range_query_is_an_error(prometheus: PrometheusServer, range_query: dict, message: str) -> None:
    measurement = measure({"address": prometheus.url, "query": "up", "rangeQuery": range_query})
    assert measurement.phase == "Error"
    assert message in measurement.message


# ---- errors from the server -----------------------------------------------------------------------------


def test_bad_promql_carries_prometheus_own_message(prometheus: PrometheusServer) -> None:
    measurement = measure({"address": prometheus.url, "query": "sum(rate(http_requests_total[5m]"})

    assert measurement.phase == "Error"
    assert measurement.message.startswith("bad_data: ")
    assert "parse error" in measurement.message
    assert measurement.metadata == {"ResolvedPrometheusQuery": "sum(rate(http_requests_total[5m]"}


def test_unreachable_address_is_an_error() -> None:
    address = f"http://127.0.0.1:{free_port()}"
    measurement = measure({"address": address, "query": "up"})
    assert measurement.phase == "Error"
    assert measurement.message == f"prometheus query to {address} failed: connection refused"


def test_non_prometheus_server_is_an_error(http_server: LocalServer) -> None:
    http_server.route("/api/v1/query", Reply(200, "<html>hello</html>", "text/html"))
    measurement = measure({"address": http_server.url, "query": "up"})
    assert measurement.phase == "Error"
    assert "answered HTTP 200 with no Prometheus API reply" in measurement.message


# ---- settings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param({"query": "up"}, "prometheus address is not configured", id="no-address"),
        pytest.param({"address": "prometheus:9090", "query": "up"}, "is not a URL with a scheme and a host", id="no-scheme"),
        pytest.param({"address": "http://p:9090", "query": " "}, "prometheus query is required", id="no-query"),
        pytest.param({"address": "http://p:9090", "query": "up", "timeout": -1}, "prometheus timeout should not be negative", id="negative-timeout"),
        pytest.param({"address": "http://p:9090", "query": "up", "timeout": "soon"}, "timeout must be a number of seconds", id="timeout-text"),
        pytest.param({"address": "http://p:9090", "query": "up", "authentication": {"sigv4": {"region": "eu-west-1"}}},
                     "authentication.sigv4: no AWS credentials", id="sigv4-without-credentials"),
        pytest.param({"address": "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1", "query": "up"},
                     "authentication.sigv4.region: required", id="amazon-managed-prometheus-needs-a-region"),
        pytest.param({"address": "http://p:9090", "query": "up", "authentication": {"sigv4": {"region": "eu-west-1", "roleArn": "arn:aws:iam::1:role/r"}}},
                     "assuming a role needs AWS STS", id="sigv4-role-arn"),
        pytest.param({"address": "http://p:9090", "query": "up", "authentication": {"basicAuth": {"username": "u"}}},
                     "basicAuth needs both username and password", id="basic-auth-no-password"),
        pytest.param({"address": "http://p:9090", "query": "up", "authentication": {"basicAuth": {"password": "p"}}},
                     "basicAuth needs both username and password", id="basic-auth-no-username"),
        pytest.param({"address": "http://p:9090", "query": "up", "authentication": {"oauth2": {"tokenUrl": "http://t/token"}}},
                     "oauth2 needs clientId and clientSecret", id="oauth2-no-client"),
        pytest.param({"address": "http://p:9090", "query": "up", "headers": [{"value": "x"}]}, "headers[0].key is required", id="header-no-key"),
    ],
)  # fmt: skip
def test_invalid_settings_are_errors_before_any_request(config: dict, message: str) -> None:
    measurement = measure(config)
    assert (measurement.phase, measurement.result) == ("Error", None)
    assert message in measurement.message


def test_address_defaults_to_the_environment(prometheus: PrometheusServer) -> None:
    providers = Providers(kube=None, environ={"ARGO_ROLLOUTS_PROMETHEUS_ADDRESS": prometheus.url})
    kind, provider = providers.provider_for({"prometheus": {"query": "vector(1)"}})

    measurement = provider.run({"query": "vector(1)"}, ctx())

    assert (kind, measurement.phase, measurement.value) == ("prometheus", "Successful", "[1]")


# ---- what goes on the wire: a recording proxy in front of the real Prometheus -----------------------------


def forward_to(prometheus: PrometheusServer, *, warn: str | None = None):  # noqa: ANN201 - a handler
    """Pass a request to the real Prometheus and return its reply (optionally with a warning added:
    Prometheus 2.42 has no query that warns)."""

    def handler(seen: Seen) -> Reply:
        response = requests.request(seen.method, prometheus.url + seen.path, params=seen.query, timeout=10)
        if warn is None:
            return Reply(response.status_code, response.content, response.headers.get("Content-Type", "application/json"))
        body = response.json() | {"warnings": [warn]}
        return Reply(response.status_code, json.dumps(body), "application/json")

    return handler


def test_headers_basic_auth_and_oauth2_token_reach_the_server(prometheus: PrometheusServer) -> None:
    tokens: list[Seen] = []

    def token_endpoint(seen: Seen) -> Reply:
        tokens.append(seen)
        return Reply(200, '{"access_token": "t0k3n", "token_type": "bearer", "expires_in": 3600}')

    with LocalServer(fallback=forward_to(prometheus)) as proxy:
        token_url = proxy.route("/oauth/token", token_endpoint)
        headers = {"address": proxy.url, "query": "vector(3)", "headers": [{"key": "X-Scope-OrgID", "value": "tenant-a"}]}
        basic = measure({**headers, "authentication": {"basicAuth": {"username": "ann", "password": "s3cret"}}})
        oauth = {**headers, "authentication": {"oauth2": {"tokenUrl": token_url, "clientId": "id", "clientSecret": "sec", "scopes": ["read", "query"]}}}
        provider = promql.PrometheusProvider()  # one token cache, as in the controller
        first, second = provider.run(oauth, ctx()), provider.run(oauth, ctx())

    queries = proxy.requests_to("/api/v1/query")
    assert [m.value for m in (basic, first, second)] == ["[3]"] * 3
    assert [q.headers["x-scope-orgid"] for q in queries] == ["tenant-a"] * 3
    assert queries[0].headers["authorization"] == "Basic YW5uOnMzY3JldA=="
    assert [q.headers["authorization"] for q in queries[1:]] == ["Bearer t0k3n"] * 2
    assert len(tokens) == 1, "the token is cached until it expires"
    assert b"grant_type=client_credentials" in tokens[0].body and b"scope=read+query" in tokens[0].body


def test_warnings_go_into_metadata(prometheus: PrometheusServer) -> None:
    with LocalServer(fallback=forward_to(prometheus, warn="results may be incomplete")) as proxy:
        measurement = measure({"address": proxy.url, "query": "vector(1)"})

    assert measurement.phase == "Successful"
    assert measurement.metadata["warnings"] == '"results may be incomplete"'


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_insecure_skips_tls_verification(prometheus: PrometheusServer, tls_files: tuple[Path, Path]) -> None:
    with LocalServer(fallback=forward_to(prometheus), tls=tls_files) as proxy:
        verified = measure({"address": proxy.url, "query": "vector(1)"})
        insecure = measure({"address": proxy.url, "query": "vector(1)", "insecure": True})

    assert verified.phase == "Error" and "CERTIFICATE_VERIFY_FAILED" in verified.message
    assert (insecure.phase, insecure.value) == ("Successful", "[1]")


def test_timeout_is_applied(prometheus: PrometheusServer, http_server: LocalServer) -> None:
    http_server.route("/api/v1/query", Reply(200, "{}", delay=5))
    measurement = measure({"address": http_server.url, "query": "up", "timeout": 0.5})
    assert measurement.phase == "Error"
    assert measurement.message == f"prometheus query to {http_server.url} failed: no answer within 0.5s"
