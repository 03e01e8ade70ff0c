"""Typed API errors: callers branch on the kind of failure, never on raw status codes.

Every `ApiError` is an `ExternalError`: the worker logs it as one line and retries it with backoff, a warning when
it is transient (connection refused or reset, 409, 410, 429, 5xx, a terminating namespace, a lost Lease), an error
otherwise. Tracebacks are kept for bugs.
"""

from __future__ import annotations

from typing import Any

from rollouts.machinery.controller import ExternalError

_MAX_MESSAGE = 300
"""A server message goes into one log line: long ones (a 422 listing every field) are cut."""


class ApiError(ExternalError):
    """A Kubernetes API request failed. `status` is the HTTP code (0 when the server was not reached)."""

    def __init__(self, status: int, reason: str, message: str, *, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {reason}: {message}" if status else message)
        self.status = status
        self.reason = reason
        self.message = message
        self.body = body or {}


class NotFound(ApiError):
    pass


class Conflict(ApiError):
    """The object changed since it was read (a stale resourceVersion)."""

    transient = True


class AlreadyExists(ApiError):
    pass


class Gone(ApiError):
    """410: the resourceVersion is too old to watch from; relist."""

    transient = True


class Invalid(ApiError):
    """422: the server rejected the object; `message` names the field."""


class Forbidden(ApiError):
    pass


class NamespaceTerminating(Forbidden):
    """403: the namespace is being deleted, so nothing can be created in it; its objects go away on their own."""

    transient = True


class TooManyRequests(ApiError):
    """429: the server is overloaded or its storage is (re)initializing; `retry_after` is the wait it asked for."""

    transient = True


class ServerError(ApiError):
    """5xx: the server failed or timed out; the request may well succeed later."""

    transient = True


class Unreachable(ApiError):
    """The API server could not be reached at all (refused, reset, timed out)."""

    transient = True


class NotLeader(ApiError):
    """The write was not sent: this process's leadership lapsed (or it never led). Nothing reached the server."""

    transient = True


def error_for(status: int, body: dict[str, Any], fallback: str, *, retry_after: str | None = None) -> ApiError:
    """Map an HTTP status, a Status body and a Retry-After header to the matching error class."""
    reason = str(body.get("reason") or "")
    message = _one_line(str(body.get("message") or fallback))
    kind: type[ApiError]
    if status == 404:
        kind, reason = NotFound, reason or "NotFound"
    elif status == 409:
        kind, reason = (AlreadyExists if reason == "AlreadyExists" else Conflict), reason or "Conflict"
    elif status == 410:
        kind, reason = Gone, reason or "Expired"
    elif status == 422:
        kind, reason = Invalid, reason or "Invalid"
    elif status == 403:
        kind, reason = (NamespaceTerminating if _terminating(body) else Forbidden), reason or "Forbidden"
    elif status == 429:
        kind, reason = TooManyRequests, reason or "TooManyRequests"
    elif status >= 500:
        kind, reason = ServerError, reason or "ServerError"
    else:
        kind, reason = ApiError, reason or "Error"
    error = kind(status, reason, message, body=body)
    error.retry_after = _retry_after(retry_after, body)
    return error


def connection_reason(error: BaseException) -> str:
    """A short reason for a failed connection, instead of urllib3's nested description of it."""
    text = f"{error} {getattr(error, 'reason', '')}".lower()
    for needle, short in (
        ("refused", "connection refused"),
        ("reset", "connection reset"),
        ("timed out", "timed out"),
        ("timeout", "timed out"),
        ("remote end closed", "connection closed by the server"),
        ("name or service not known", "unknown host"),
        ("certificate", "TLS certificate rejected"),
    ):
        if needle in text:
            return short
    return _one_line(type(error).__name__)


def _terminating(body: dict[str, Any]) -> bool:
    causes = (body.get("details") or {}).get("causes") or []
    named = any(isinstance(cause, dict) and cause.get("reason") == "NamespaceTerminating" for cause in causes)
    return named or "because it is being terminated" in str(body.get("message") or "")


def _retry_after(header: str | None, body: dict[str, Any]) -> float:
    """Seconds from a Retry-After header (the delta form the API server sends) or the Status details."""
    for value in (header, (body.get("details") or {}).get("retryAfterSeconds")):
        try:
            seconds = float(value)  # type: ignore[arg-type]  # None and junk land in the except
        except (TypeError, ValueError):
            continue
        return min(max(seconds, 0.0), 60.0)  # a server's hint, bounded so a bogus value cannot park a key
    return 0.0


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _MAX_MESSAGE else flat[: _MAX_MESSAGE - 1] + "…"
