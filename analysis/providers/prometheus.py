"""Measure a metric with a PromQL query against a Prometheus server (metric provider `prometheus`).

Single-shot: `run` asks once and returns the typed result; it never evaluates success/failure conditions and
never reads the clock (the instant query is evaluated at `ctx.now`; range bounds are computed from it).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from prometheus_api_client import PrometheusConnect
from prometheus_api_client.exceptions import PrometheusApiClientException
from urllib3.util.retry import Retry

from analysis import expressions
from analysis.providers import credentials, sigv4
from analysis.providers.base import (
    NO_DATA,
    MeasureContext,
    Measurement,
    ProviderError,
    SingleShot,
    errored,
    format_float,
    succeeded,
)
from analysis.providers.failures import request_failure

ADDRESS_ENV = "ARGO_ROLLOUTS_PROMETHEUS_ADDRESS"
DEFAULT_TIMEOUT = 30.0  # seconds
RESOLVED_QUERY = "ResolvedPrometheusQuery"  # metadata key Argo stores the query under


@dataclass(frozen=True)
class Window:
    """A range query's bounds and resolution."""

    start: datetime
    end: datetime
    step: timedelta


@dataclass(frozen=True)
class Request:
    """Everything one query needs, validated."""

    address: str
    query: str
    timeout: float
    verify: bool
    headers: dict[str, str]
    auth: tuple[str, str] | requests.auth.AuthBase | None
    """Basic-auth credentials, or a request signer (sigv4)."""
    window: Window | None


class PrometheusProvider(SingleShot):
    """Instant or range PromQL queries through prometheus-api-client."""

    def __init__(
        self,
        *,
        default_address: str | None = None,
        tokens: credentials.OAuth2Tokens | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._default_address = default_address or ""  # $ARGO_ROLLOUTS_PROMETHEUS_ADDRESS, read by the registry
        self._tokens = tokens or credentials.OAuth2Tokens()
        self._environ = environ if environ is not None else os.environ  # AWS_* credentials for sigv4

    def run(self, config: Mapping[str, Any], ctx: MeasureContext) -> Measurement:
        query = str(config.get("query") or "")
        metadata = {RESOLVED_QUERY: query} if query else {}
        try:
            request = self.request(config, ctx.now)
            data, warnings = _ask(request, ctx.now)
            result, value = interpret(data)
        except ProviderError as error:
            return errored(str(error), ctx.now, metadata)
        if warnings:
            metadata["warnings"] = ", ".join(f'"{warning}"' for warning in warnings)
        if result == []:
            metadata["note"] = NO_DATA
        return succeeded(result, value, ctx.now, metadata)

    def request(self, config: Mapping[str, Any], now: datetime) -> Request:
        """Validate the metric's `prometheus` settings; raise ProviderError naming the first bad field."""
        address = str(config.get("address") or "") or self._default_address
        if not address:
            raise ProviderError("prometheus address is not configured")
        parts = urlsplit(address)
        if not parts.scheme or not parts.netloc:
            raise ProviderError(f'prometheus address "{address}" is not a URL with a scheme and a host')
        authentication = config.get("authentication") or {}
        signer = None
        if any((authentication.get("sigv4") or {}).values()) or "aps-workspaces" in parts.netloc:
            # Amazon Managed Prometheus: every request is signed (sigv4), as in Argo.
            try:
                aws, region = sigv4.credentials_for(authentication.get("sigv4") or {}, self._environ)
            except sigv4.SigV4Error as error:
                raise ProviderError(str(error)) from error
            signer = sigv4.SigV4Auth(aws, region)
        query = str(config.get("query") or "")
        if not query.strip():
            raise ProviderError("prometheus query is required")
        timeout = _timeout(config.get("timeout"))
        verify = not bool(config.get("insecure"))
        headers = credentials.request_headers(config.get("headers"))
        basic_auth = signer or credentials.basic_auth(authentication)
        window = _window(config.get("rangeQuery"), now)
        # Last, so that a bad setting never costs a token request.
        token = self._tokens.authorization(authentication.get("oauth2"), now=now, timeout=timeout, verify=verify)
        if token:
            headers["Authorization"] = token
        return Request(address.rstrip("/"), query, timeout, verify, headers, basic_auth, window)


def interpret(data: Mapping[str, Any]) -> tuple[Any, str]:
    """A Prometheus `data` object → (result for conditions, value string for status), as Argo types them.

    scalar 0.5 → (0.5, "0.5"); vector of 1 and 2 → ([1.0, 2.0], "[1,2]"); empty vector → ([], "[]");
    matrix → every sample of every series, flattened in order; strings and anything else are an error.
    """
    kind, raw = data.get("resultType"), data.get("result")
    if kind == "scalar":
        number = _number(raw)
        return number, format_float(number)
    if kind == "vector":
        numbers = [_number(sample.get("value")) for sample in raw or []]
    elif kind == "matrix":
        numbers = [_number(point) for series in raw or [] for point in series.get("values") or []]
    else:
        raise ProviderError(f'prometheus result type "{kind}" is not supported (expected scalar, vector or matrix)')
    return numbers, "[" + ",".join(format_float(number) for number in numbers) + "]"


def _number(point: Any) -> float:
    # Prometheus sends [unix time, "value"]; native-histogram samples have no such pair.
    if not isinstance(point, list) or len(point) != 2:
        raise ProviderError(f"prometheus returned a sample this controller cannot read: {str(point)[:100]}")
    return float(point[1])


def _ask(request: Request, now: datetime) -> tuple[dict[str, Any], list[str]]:
    # prometheus-api-client hands back only `data.result`; a response hook keeps the whole reply so that the
    # result type, the warnings and Prometheus' own error text are not lost.
    replies: list[requests.Response] = []
    session = requests.Session()
    session.verify = request.verify
    session.hooks["response"].append(lambda response, *args, **kwargs: replies.append(response))
    client = PrometheusConnect(
        url=request.address,
        headers=request.headers or None,
        auth=request.auth,
        session=session,
        retry=Retry(total=0, raise_on_status=False),
        timeout=request.timeout,
    )
    try:
        if request.window is None:
            client.custom_query(request.query, params={"time": f"{now.timestamp():.3f}"})
        else:
            # The client rounds start/end to whole seconds; `params` wins over its own, so send them exactly.
            window, step = request.window, format_float(request.window.step.total_seconds())
            exact = {"start": f"{window.start.timestamp():.3f}", "end": f"{window.end.timestamp():.3f}"}
            client.custom_query_range(request.query, window.start, window.end, step, params=exact)
    except requests.RequestException as error:
        if not replies:  # never got an answer: connection refused, timeout, TLS failure
            raise ProviderError(
                f"prometheus query to {request.address} failed: {request_failure(error, request.timeout)}"
            ) from error
    except (PrometheusApiClientException, ValueError, KeyError, TypeError) as error:
        if not replies:
            raise ProviderError(f"prometheus query to {request.address} failed: {error}") from error
    finally:
        client.close()
    return _read(replies[-1])


def _read(response: requests.Response) -> tuple[dict[str, Any], list[str]]:
    try:
        body = response.json()
    except ValueError:
        body = None
    status = body.get("status") if isinstance(body, dict) else None
    if status == "error":
        # Prometheus' own words, e.g. `bad_data: invalid parameter "query": 1:4: parse error: ...`
        raise ProviderError(
            f"{body.get('errorType') or 'error'}: {body.get('error') or f'HTTP {response.status_code}'}"
        )
    if status != "success" or not isinstance(body.get("data"), dict):
        raise ProviderError(
            f"{response.url} answered HTTP {response.status_code} with no Prometheus API reply: {response.text[:200]!r}"
        )
    return body["data"], [str(warning) for warning in body.get("warnings") or []]


def _timeout(raw: Any) -> float:
    if raw is None or raw == "":
        return DEFAULT_TIMEOUT
    try:
        seconds = float(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError):
        seconds = None
    if seconds is None:
        raise ProviderError(f"prometheus timeout must be a number of seconds, got {raw!r}")
    if seconds < 0:
        raise ProviderError("prometheus timeout should not be negative")
    return seconds or DEFAULT_TIMEOUT


def _window(spec: Any, now: datetime) -> Window | None:
    if not spec:
        return None
    if not isinstance(spec, Mapping):
        raise ProviderError(f"rangeQuery: expected an object with start, end and step, got {type(spec).__name__}")
    start, end = _time(spec, "start", now), _time(spec, "end", now)
    if end < start:
        raise ProviderError(f"rangeQuery.end ({end.isoformat()}) is before rangeQuery.start ({start.isoformat()})")
    return Window(start, end, _step(str(spec.get("step") or "")))


def _time(spec: Mapping[str, Any], field: str, now: datetime) -> datetime:
    text = str(spec.get(field) or "")
    if not text:
        raise ProviderError(f'rangeQuery.{field} is required, e.g. now() - duration("5m")')
    try:
        moment = expressions.compile_expression(text, frozenset(), f"rangeQuery.{field}").evaluate(
            {}, clock=lambda: now
        )
    except expressions.ExpressionError as error:
        raise ProviderError(str(error)) from error
    if not isinstance(moment, datetime):
        raise ProviderError(f"rangeQuery.{field} must evaluate to a time, got {type(moment).__name__}: {text}")
    return moment


def _step(text: str) -> timedelta:
    # A Go duration such as "30s" or "1m30s", read by the expression language's own duration() parser.
    try:
        step = (
            expressions.compile_expression("duration(step)", frozenset({"step"})).evaluate({"step": text})
            if text
            else None
        )
    except expressions.ExpressionError as error:
        raise ProviderError(f"rangeQuery.step: {error.reason}") from error
    if not isinstance(step, timedelta) or step <= timedelta(0):
        raise ProviderError(f'rangeQuery.step must be a positive duration such as "1m", got {text!r}')
    return step
