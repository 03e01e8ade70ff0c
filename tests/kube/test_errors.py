"""How API failures are classified: which are transient (a one-line warning and a retry), and what they say."""

from __future__ import annotations

import pytest
import urllib3

from rollouts.kube import errors

TERMINATING = {
    "kind": "Status",
    "reason": "Forbidden",
    "message": 'replicasets.apps "web-1" is forbidden: unable to create new content in namespace team because it is '
    "being terminated",
    "details": {"causes": [{"reason": "NamespaceTerminating", "field": "metadata.namespace"}]},
}


@pytest.mark.parametrize(
    ("status", "body", "retry_after", "kind", "transient", "wait"),
    [
        pytest.param(409, {"reason": "Conflict"}, None, errors.Conflict, True, 0.0, id="409-conflict"),
        pytest.param(409, {"reason": "AlreadyExists"}, None, errors.AlreadyExists, False, 0.0, id="409-exists"),
        pytest.param(410, {"reason": "Expired"}, None, errors.Gone, True, 0.0, id="410"),
        pytest.param(
            429, {"message": "storage is (re)initializing"}, "1", errors.TooManyRequests, True, 1.0, id="429-header"
        ),
        pytest.param(
            429, {"details": {"retryAfterSeconds": 2}}, None, errors.TooManyRequests, True, 2.0, id="429-details"
        ),
        pytest.param(429, {}, "3600", errors.TooManyRequests, True, 60.0, id="429-bounded"),
        pytest.param(429, {}, "soon", errors.TooManyRequests, True, 0.0, id="429-junk-header"),
        pytest.param(500, {}, None, errors.ServerError, True, 0.0, id="500"),
        pytest.param(503, {"reason": "ServiceUnavailable"}, "5", errors.ServerError, True, 5.0, id="503"),
        pytest.param(504, {"reason": "Timeout"}, None, errors.ServerError, True, 0.0, id="504"),
        pytest.param(403, TERMINATING, None, errors.NamespaceTerminating, True, 0.0, id="403-terminating"),
        pytest.param(403, {"message": "cannot create"}, None, errors.Forbidden, False, 0.0, id="403-rbac"),
        pytest.param(404, {}, None, errors.NotFound, False, 0.0, id="404"),
        pytest.param(422, {"message": "spec.replicas: Invalid"}, None, errors.Invalid, False, 0.0, id="422"),
    ],
)
def test_statuses_are_classified(
    status: int, body: dict[str, object], retry_after: str | None, kind: type, transient: bool, wait: float
) -> None:
    error = errors.error_for(status, body, f"HTTP {status}", retry_after=retry_after)
    assert type(error) is kind
    assert (error.transient, error.retry_after) == (transient, wait)


def test_the_terminating_message_alone_is_enough() -> None:
    body = {"reason": "Forbidden", "message": TERMINATING["message"]}
    assert isinstance(errors.error_for(403, body, "HTTP 403"), errors.NamespaceTerminating)


def test_a_long_server_message_stays_one_short_line() -> None:
    error = errors.error_for(422, {"message": "field is invalid\n" * 100}, "HTTP 422")
    assert "\n" not in str(error) and len(error.message) <= 300


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "connection refused"),
        (
            urllib3.exceptions.ProtocolError(
                "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")
            ),
            "connection reset",
        ),
        (urllib3.exceptions.ReadTimeoutError(None, "/api", "Read timed out."), "timed out"),  # type: ignore[arg-type]  # no pool is needed for the text
        (
            urllib3.exceptions.ProtocolError("Connection aborted.", "Remote end closed connection without response"),
            "connection closed by the server",
        ),
    ],
)
def test_connection_failures_get_a_short_reason(error: Exception, reason: str) -> None:
    assert errors.connection_reason(error) == reason
