"""One short line for why an HTTP request to a metric backend failed: the cause, not the client library's dump.

`requests` wraps urllib3's pool errors, which wrap the socket error; users need only the innermost reason
("connection refused", "host not found", "no answer within 5s"), next to the provider and address that the caller
already names.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator

import requests
import urllib3

from analysis.providers.base import format_float

_LONGEST = 200
"""Characters kept of a cause we have no short name for."""


def request_failure(error: requests.RequestException, timeout: float | None = None) -> str:
    """The one-line cause of a request that got no usable answer."""
    causes = list(_causes(error))
    for cause in causes:
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused"
        if isinstance(cause, socket.gaierror):
            return "host not found"
        if isinstance(cause, ConnectionResetError):
            return "connection reset by the server"
        if isinstance(cause, ssl.SSLError):
            return f"TLS error: {cause.reason or cause.strerror or type(cause).__name__}"
    # Checked last: urllib3's NewConnectionError is also a ConnectTimeoutError, whatever the real cause.
    if any(isinstance(cause, requests.Timeout | urllib3.exceptions.TimeoutError | TimeoutError) for cause in causes):
        return f"no answer within {format_float(timeout)}s" if timeout else "no answer in time"
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    return text if len(text) <= _LONGEST else text[: _LONGEST - 1] + "…"


def _causes(error: BaseException) -> Iterator[BaseException]:
    """The error and everything it wraps: chained exceptions, urllib3's `reason`, and exceptions passed as args."""
    seen: set[int] = set()
    pending: list[BaseException] = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        pending.extend(item for item in wrapped if isinstance(item, BaseException))
