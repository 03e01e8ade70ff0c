"""The web metric provider against real local HTTP(S) servers (and the real API server's /version).

Aspects: JSONPath selection and the result/value pair (numbers as floats, Go-style JSON re-encoding); non-JSON
bodies taken whole; non-2xx replies, missing paths and bad settings as Error measurements; methods, headers,
body / jsonBody on the wire; timeouts; OAuth2 client-credentials tokens cached until expiry; `insecure` TLS.
The JSONPath subset and Go-style JSON encoding also get pure table tests. Excluded: condition evaluation.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from local_http import LocalServer, Reply, Seen
from local_prometheus import free_port

from analysis.providers import jsonpaths, web
from analysis.providers.base import MeasureContext, Measurement
from rollouts.kube.client import Kube

NOW = datetime(2025, 1, 1, tzinfo=timezone.utc)


def ctx(now: datetime = NOW) -> MeasureContext:
    return MeasureContext("default", "run", "uid-1", "metric", now)


def measure(config: dict[str, Any], provider: web.WebProvider | None = None, now: datetime = NOW) -> Measurement:
    return (provider or web.WebProvider()).run(config, ctx(now))


# ---- JSONPath and encoding: pure ----------------------------------------------------------------------------

DOC = {"data": {"ok": True, "rate": 0.97, "name": "checkout", "key with.dot": 1.0}, "items": [{"value": 3.0}, {"value": 4.0}], "empty": []}


@pytest.mark.parametrize(
    ("path", "found"),
    [
        pytest.param("{$}", [DOC], id="root"),
        pytest.param("{$.data.ok}", [True], id="dotted"),
        pytest.param("{.data.rate}", [0.97], id="no-dollar"),
        pytest.param("{$.items[0].value}", [3.0], id="index"),
        pytest.param("{$.items[-1].value}", [4.0], id="negative-index"),
        pytest.param("{$.items[*].value}", [3.0, 4.0], id="wildcard"),
        pytest.param("{$.data['key with.dot']}", [1.0], id="quoted-key"),
        pytest.param('{ $["data"].name }', ["checkout"], id="double-quoted-key-and-spaces"),
        pytest.param("{$.empty[*]}", [], id="wildcard-over-nothing"),
    ],
)
def test_jsonpath_subset(path: str, found: list[Any]) -> None:
    assert jsonpaths.compile_path(path).find(DOC) == found


@pytest.mark.parametrize(
    ("path", "error"),
    [
        pytest.param("$.data", "must be one expression in braces", id="no-braces"),
        pytest.param("{$..name}", "recursive descent (..) is not supported", id="recursive"),
        pytest.param("{$.items[?(@.value > 3)]}", "is not supported", id="filter"),
        pytest.param("{$.items[0:1]}", "[0:1] is not supported", id="slice"),
        pytest.param("{$.data.}", 'expected a key after "."', id="dangling-dot"),
    ],
)
def test_jsonpath_rejects_what_it_does_not_support(path: str, error: str) -> None:
    with pytest.raises(jsonpaths.JsonPathError) as raised:
        jsonpaths.compile_path(path)
    assert error in str(raised.value)


@pytest.mark.parametrize(
    ("path", "error"),
    [
        pytest.param("{$.data.missing}", 'key "missing" is not found', id="missing-key"),
        pytest.param("{$.items[5]}", "array index out of bounds: index 5, length 2", id="out-of-range"),
        pytest.param("{$.data[0]}", "[0] needs an array, found an object", id="index-into-object"),
    ],
)
def test_jsonpath_misses_are_errors(path: str, error: str) -> None:
    with pytest.raises(jsonpaths.JsonPathError, match=error.replace("[", r"\[").replace("]", r"\]")):
        jsonpaths.compile_path(path).find(DOC)


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        pytest.param(1.0, "1", id="integral-float"),
        pytest.param(0.97, "0.97", id="fraction"),
        pytest.param(2.5e-7, "2.5e-7", id="tiny"),
        pytest.param(1e21, "1e+21", id="huge"),
        pytest.param(123456789.0, "123456789", id="no-exponent-below-1e21"),
        pytest.param("a<b>&c", '"a\\u003cb\\u003e\\u0026c"', id="html-escaped"),
        pytest.param({"b": [True, None], "a": "é"}, '{"a":"é","b":[true,null]}', id="sorted-compact-utf8"),
    ],
)
def test_go_json_encoding(value: Any, encoded: str) -> None:
    assert web.go_json(value) == encoded


# ---- against a real local server ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "json_path", "result", "value"),
    [
        pytest.param('{"data": {"ok": true}}', "{$.data.ok}", True, "true", id="bool"),
        pytest.param('{"items": [{"value": 3}]}', "{$.items[0].value}", 3.0, "3", id="int-becomes-float"),
        pytest.param('{"major": "1", "minor": "30"}', None, {"major": "1", "minor": "30"}, '{"major":"1","minor":"30"}', id="default-root"),
        pytest.param('{"status": "green"}', "{.status}", "green", '"green"', id="string"),
        pytest.param("[0.5, 0.7]", "{$[1]}", 0.7, "0.7", id="top-level-array"),
        pytest.param("service is up", "{$.ignored}", "service is up", "service is up", id="not-json-taken-whole"),
        pytest.param('{"rate": NaN}', None, '{"rate": NaN}', '{"rate": NaN}', id="nan-is-not-json"),
        pytest.param("", None, "", "", id="empty-body"),
    ],
)
def test_reply_body_to_result_and_value(http_server: LocalServer, body: str, json_path: str | None, result: Any, value: str) -> None:
    url = http_server.route("/metric", Reply(200, body))
    config = {"url": url} | ({"jsonPath": json_path} if json_path else {})

    measurement = measure(config)

    assert (measurement.phase, measurement.result, measurement.value, measurement.message) == ("Successful", result, value, None)
    assert (measurement.started_at, measurement.finished_at) == (NOW, NOW)


def test_json_path_without_match_is_an_error(http_server: LocalServer) -> None:
    url = http_server.route("/metric", Reply(200, '{"key": [{"key2": {"value": "true"}}]}'))
    measurement = measure({"url": url, "jsonPath": "{$.key[0].key2.novalue}"})
    assert measurement.phase == "Error"
    assert measurement.message == 'could not find JSONPath {$.key[0].key2.novalue} in body: key "novalue" is not found'


@pytest.mark.parametrize("status", [301, 404, 500, 503])
def test_non_2xx_is_an_error(http_server: LocalServer, status: int) -> None:
    url = http_server.route("/metric", Reply(status, '{"ok": true}'))
    measurement = measure({"url": url})
    assert (measurement.phase, measurement.message) == ("Error", f"received non 2xx response code: {status}")


def test_get_sends_headers_and_no_body(http_server: LocalServer) -> None:
    url = http_server.route("/metric", Reply(200, "{}"))
    headers = [{"key": "X-Tenant", "value": "a"}, {"key": "Authorization", "value": "Bearer fixed"}, {"key": "x-tenant", "value": "b"}]

    measure({"url": url, "headers": headers})

    [seen] = http_server.requests_to("/metric")
    assert (seen.method, seen.body) == ("GET", b"")
    assert seen.headers["x-tenant"] == "b", "a later header of the same name wins"
    assert seen.headers["authorization"] == "Bearer fixed"


def test_post_json_body_sets_content_type(http_server: LocalServer) -> None:
    url = http_server.route("/score", Reply(200, '{"score": 0.99}'))
    config = {"url": url, "method": "POST", "jsonBody": {"service": "checkout", "window": 5}, "jsonPath": "{$.score}",
              "headers": [{"key": "Content-Type", "value": "text/plain"}]}  # fmt: skip

    measurement = measure(config)

    [seen] = http_server.requests_to("/score")
    assert (seen.method, seen.headers["content-type"]) == ("POST", "application/json")
    assert json.loads(seen.body) == {"service": "checkout", "window": 5}
    assert measurement.result == 0.99


def test_put_sends_the_body_as_written(http_server: LocalServer) -> None:
    url = http_server.route("/check", Reply(200, "ok", "text/plain"))
    measurement = measure({"url": url, "method": "put", "body": "service=checkout"})
    [seen] = http_server.requests_to("/check")
    assert (seen.method, seen.body, measurement.result) == ("PUT", b"service=checkout", "ok")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        pytest.param({"body": "x"}, "web body and jsonBody need method POST or PUT, not GET", id="body-with-get"),
        pytest.param({"method": "POST", "body": "x", "jsonBody": {}}, "sets both body and jsonBody", id="both-bodies"),
        pytest.param({"method": "DELETE"}, 'web method "DELETE" is not supported; use one of GET, POST, PUT', id="method"),
        pytest.param({"jsonPath": "{$.a[?(@.b)]}"}, "is not supported", id="json-path-filter"),
        pytest.param({"timeoutSeconds": "soon"}, "timeoutSeconds must be a number of seconds", id="timeout-text"),
        pytest.param({"headers": {"X": "y"}}, "headers: expected a list of {key, value}, got dict", id="headers-map"),
        pytest.param({"authentication": {"oauth2": {"tokenUrl": "http://127.0.0.1:1/t", "clientId": "id"}}},
                     "oauth2 needs clientId and clientSecret", id="oauth2-no-secret"),
    ],
)  # fmt: skip
def test_invalid_settings_are_errors_and_send_nothing(http_server: LocalServer, config: dict, message: str) -> None:
    url = http_server.route("/metric", Reply(200, "{}"))
    measurement = measure({"url": url} | config)
    assert measurement.phase == "Error" and message in measurement.message
    assert http_server.seen == []


@pytest.mark.parametrize("url", ["", "ftp://example.com/x", "/relative/path"])
def test_url_must_be_http(url: str) -> None:
    measurement = measure({"url": url})
    assert measurement.phase == "Error" and "is not an http(s) URL" in measurement.message


def test_timeout_seconds_is_applied(http_server: LocalServer) -> None:
    url = http_server.route("/slow", Reply(200, "{}", delay=5))
    measurement = measure({"url": url, "timeoutSeconds": 1})
    assert measurement.phase == "Error"
    assert measurement.message == f"web request GET {url} failed: no answer within 1s"


def test_refused_connection_is_one_line_naming_the_address() -> None:
    url = f"http://127.0.0.1:{free_port()}/health"
    measurement = measure({"url": url})
    assert measurement.phase == "Error"
    assert measurement.message == f"web request GET {url} failed: connection refused"


def test_oauth2_token_is_fetched_once_and_renewed_after_expiry(http_server: LocalServer) -> None:
    issued: list[Seen] = []

    def token(seen: Seen) -> Reply:
        issued.append(seen)
        return Reply(200, json.dumps({"access_token": f"token-{len(issued)}", "token_type": "bearer", "expires_in": 60}))

    def metric(seen: Seen) -> Reply:
        ok = seen.headers.get("authorization") == f"Bearer token-{len(issued)}"
        return Reply(200, '{"ok": true}') if ok else Reply(401, "{}")

    token_url = http_server.route("/token", token)
    config = {"url": http_server.route("/metric", metric), "jsonPath": "{$.ok}",
              "authentication": {"oauth2": {"tokenUrl": token_url, "clientId": "rollouts", "clientSecret": "s3cret", "scopes": ["metrics"]}}}  # fmt: skip
    provider = web.WebProvider()

    phases = [measure(config, provider, now).phase for now in (NOW, NOW + timedelta(seconds=30), NOW + timedelta(seconds=55))]

    assert phases == ["Successful"] * 3
    assert len(issued) == 2, "cached for 30 s; renewed 10 s before its 60 s lifetime ends"
    assert issued[0].headers["authorization"] == "Basic cm9sbG91dHM6czNjcmV0"
    assert issued[0].body == b"grant_type=client_credentials&scope=metrics"


def test_oauth2_token_endpoint_failure_is_an_error(http_server: LocalServer) -> None:
    token_url = http_server.route("/token", Reply(403, "denied", "text/plain"))
    measurement = measure({"url": http_server.route("/metric", Reply(200, "{}")),
                           "authentication": {"oauth2": {"tokenUrl": token_url, "clientId": "a", "clientSecret": "b"}}})  # fmt: skip
    assert measurement.phase == "Error"
    assert measurement.message == f"oauth2 token request to {token_url} failed: HTTP 403: denied"
    assert http_server.requests_to("/metric") == []


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_insecure_skips_tls_verification(tls_files: tuple[Path, Path]) -> None:
    with LocalServer(tls=tls_files) as server:
        url = server.route("/metric", Reply(200, '{"ok": true}'))
        verified = measure({"url": url})
        insecure = measure({"url": url, "insecure": True, "jsonPath": "{$.ok}"})

    assert verified.phase == "Error" and "CERTIFICATE_VERIFY_FAILED" in verified.message
    assert (insecure.phase, insecure.result) == ("Successful", True)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_api_server_version_like_argo_e2e(kube: Kube) -> None:
    # Argo's e2e background analysis: GET <apiserver>/version, success when result.major == '1'.
    measurement = measure({"url": f"{kube.connection.host}/version", "insecure": True})
    assert measurement.phase == "Successful", measurement.message
    assert measurement.result["major"] == "1"
    assert json.loads(measurement.value)["major"] == "1"
