"""Measure a metric with one HTTP request and a JSONPath into the reply (metric provider `web`).

Single-shot: `run` sends the request and returns what the path selects; it never evaluates success/failure
conditions and never reads the clock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from analysis.providers import credentials, jsonpaths
from analysis.providers.base import (
    MeasureContext,
    Measurement,
    ProviderError,
    SingleShot,
    errored,
    format_float,
    succeeded,
)
from analysis.providers.failures import request_failure

DEFAULT_TIMEOUT = 10  # seconds
DEFAULT_JSON_PATH = "{$}"
METHODS = ("GET", "POST", "PUT")


@dataclass(frozen=True)
class Request:
    """One validated web metric request."""

    method: str
    url: str
    headers: dict[str, str]
    body: bytes | None
    timeout: float
    verify: bool
    path: jsonpaths.JsonPath


class WebProvider(SingleShot):
    """GET/POST/PUT with `requests`; JSON replies are searched with a JSONPath, anything else is taken whole."""

    def __init__(self, *, tokens: credentials.OAuth2Tokens | None = None) -> None:
        self._tokens = tokens or credentials.OAuth2Tokens()

    def run(self, config: Mapping[str, Any], ctx: MeasureContext) -> Measurement:
        try:
            request = self.request(config, ctx)
            try:
                response = requests.request(
                    request.method,
                    request.url,
                    headers=request.headers,
                    data=request.body,
                    timeout=request.timeout,
                    verify=request.verify,
                )
            except requests.RequestException as error:
                raise ProviderError(
                    f"web request {request.method} {request.url} failed: {request_failure(error, request.timeout)}"
                ) from error
            if not 200 <= response.status_code < 300:
                raise ProviderError(f"received non 2xx response code: {response.status_code}")
            result, value = read_body(response.content, request.path)
        except ProviderError as error:
            return errored(str(error), ctx.now)
        return succeeded(result, value, ctx.now)

    def request(self, config: Mapping[str, Any], ctx: MeasureContext) -> Request:
        """Validate the metric's `web` settings; raise ProviderError naming the first bad field."""
        url = str(config.get("url") or "")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ProviderError(f'web url "{url}" is not an http(s) URL')
        method = str(config.get("method") or "GET").upper()
        if method not in METHODS:
            raise ProviderError(f'web method "{method}" is not supported; use one of {", ".join(METHODS)}')
        headers = credentials.request_headers(config.get("headers"))
        body = _body(config, method, headers)
        timeout = _timeout(config.get("timeoutSeconds"))
        verify = not bool(config.get("insecure"))
        try:
            path = jsonpaths.compile_path(str(config.get("jsonPath") or DEFAULT_JSON_PATH))
        except jsonpaths.JsonPathError as error:
            raise ProviderError(str(error)) from error
        oauth2 = (config.get("authentication") or {}).get("oauth2")
        token = self._tokens.authorization(oauth2, now=ctx.now, timeout=timeout, verify=verify)
        if token:
            headers["Authorization"] = token
        return Request(method, url, headers, body, timeout, verify, path)


def read_body(content: bytes, path: jsonpaths.JsonPath) -> tuple[Any, str]:
    """A reply body → (result, value string), as Argo reads it.

    JSON: the first value at `path` (numbers as floats) and its JSON encoding, e.g. b'{"ok": 1}' with {$.ok} →
    (1.0, "1"). Anything that is not JSON (Go's rules: no NaN, no BOM) is the result as it is: b"up" → ("up", "up").
    """
    text = content.decode("utf-8", errors="replace")
    try:
        data = json.loads(text, parse_int=float, parse_constant=_reject)
    except ValueError:
        return text, text
    try:
        found = path.find(data)
    except jsonpaths.JsonPathError as error:
        raise ProviderError(f"could not find JSONPath {path.text} in body: {error}") from error
    if not found:
        raise ProviderError(f"JSONPath {path.text} selected no value in the body")
    return found[0], go_json(found[0])


def go_json(value: Any) -> str:
    """Encode like Go's json.Marshal: compact, sorted object keys, Go's float format, <>& escaped.

    1.0 → "1", 2.5e-7 → "2.5e-7", {"b": 1.0, "a": "<x>"} → '{"a":"\\u003cx\\u003e","b":1}'.
    """
    if isinstance(value, dict):
        return "{" + ",".join(f"{go_json(str(key))}:{go_json(value[key])}" for key in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(go_json(item) for item in value) + "]"
    if isinstance(value, float):
        return _go_json_float(value)
    text = json.dumps(value, ensure_ascii=False)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def _go_json_float(number: float) -> str:
    # Go switches to exponent form outside [1e-6, 1e21) and writes e-7, not e-07.
    if number != 0 and (abs(number) < 1e-6 or abs(number) >= 1e21):
        mantissa, exponent = repr(number).split("e")
        return f"{mantissa.removesuffix('.0')}e{exponent[0]}{exponent[1:].lstrip('0') or '0'}"
    return format_float(number)


def _reject(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def _body(config: Mapping[str, Any], method: str, headers: dict[str, str]) -> bytes | None:
    body, json_body = config.get("body"), config.get("jsonBody")
    if body is None and json_body is None:
        return None
    if body is not None and json_body is not None:
        raise ProviderError("web metric sets both body and jsonBody; use one")
    if method not in ("POST", "PUT"):
        raise ProviderError(f"web body and jsonBody need method POST or PUT, not {method}")
    if json_body is None:
        return str(body).encode()
    for existing in [name for name in headers if name.lower() == "content-type"]:
        del headers[existing]
    headers["Content-Type"] = "application/json"
    return json.dumps(json_body, separators=(",", ":")).encode()


def _timeout(raw: Any) -> float:
    try:
        seconds = float(raw) if raw not in (None, "") and not isinstance(raw, bool) else 0.0
    except (TypeError, ValueError):
        raise ProviderError(f"web timeoutSeconds must be a number of seconds, got {raw!r}") from None
    return seconds if seconds > 0 else DEFAULT_TIMEOUT
