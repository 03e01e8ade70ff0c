"""Typed API errors: callers branch on the kind of failure, never on raw status codes."""

from __future__ import annotations


class ApiError(Exception):
    """A Kubernetes API request failed. `status` is the HTTP code (0 when the server was not reached)."""

    def __init__(self, status: int, reason: str, message: str, *, body: dict | None = None) -> None:
        super().__init__(f"{status} {reason}: {message}" if status else message)
        self.status = status
        self.reason = reason
        self.message = message
        self.body = body or {}


class NotFound(ApiError):
    pass


class Conflict(ApiError):
    """The object changed since it was read (a stale resourceVersion)."""


class AlreadyExists(ApiError):
    pass


class Gone(ApiError):
    """410: the resourceVersion is too old to watch from; relist."""


class Invalid(ApiError):
    """422: the server rejected the object; `message` names the field."""


class Forbidden(ApiError):
    pass


class Unreachable(ApiError):
    """The API server could not be reached at all."""


def error_for(status: int, body: dict, fallback: str) -> ApiError:
    """Map an HTTP status and a Status body to the matching error class."""
    reason = str(body.get("reason") or "")
    message = str(body.get("message") or fallback)
    if status == 404:
        return NotFound(status, reason or "NotFound", message, body=body)
    if status == 409:
        kind = AlreadyExists if reason == "AlreadyExists" else Conflict
        return kind(status, reason or "Conflict", message, body=body)
    if status == 410:
        return Gone(status, reason or "Expired", message, body=body)
    if status == 422:
        return Invalid(status, reason or "Invalid", message, body=body)
    if status == 403:
        return Forbidden(status, reason or "Forbidden", message, body=body)
    return ApiError(status, reason or "Error", message, body=body)
