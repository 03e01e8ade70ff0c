"""The one door to the Kubernetes API: raw JSON dicts in and out over a pooled HTTPS connection.

`connect` (in kubeconfig.py) finds the server and credentials; requests go straight through urllib3 so that
objects stay plain dicts (no model round trip), watches stream line by line, and every patch states its content
type. Each request is reported to `on_request` so the controller can count API calls by verb and status.

Writes pass a gate first, right before the request: the leader's fence (no write once its Lease may have passed to
another process) and the namespaces the server said are being terminated (nothing can be created there, so we stop
asking for a while).

A 429, or a 5xx that carries Retry-After, is sent again after the wait the server asked for (bounded, a few times,
one warning line each), as client-go does: the API server answers so while a resource's storage (re)initializes
or under priority-and-fairness limits, and the request has not been acted on.
"""

from __future__ import annotations

import builtins
import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, Literal
from urllib.parse import urlencode

import urllib3

from rollouts.kube import errors
from rollouts.kube.kubeconfig import Connection, connect
from rollouts.kube.resources import Resource
from rollouts.kube.throttle import Throttle

__all__ = ["FIELD_MANAGER", "Kube", "Throttle"]

_log = logging.getLogger("rollouts.kube")
JsonObject = dict[str, Any]
PatchKind = Literal["merge", "json", "strategic", "apply"]
PATCH_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}
FIELD_MANAGER = "rollouts-controller"

RequestHook = Callable[[str, Resource | None, str | None, str | None, int], None]
WriteGate = Callable[[], None]
"""Called right before every write is sent; raises (e.g. `errors.NotLeader`) to stop it."""
TERMINATING_PAUSE = 30.0
"""Seconds without writes into a namespace after the server said it is being terminated (then one more try)."""
RETRIES = 4
"""Times a request answered 429 (or 5xx with Retry-After) is sent again before its error is raised."""
RETRY_WAIT_CAP = 10.0
"""The longest wait a server's Retry-After gets before the next attempt."""


class Kube:
    """Generic CRUD, patch and watch over any `Resource`, returning plain dicts."""

    def __init__(
        self,
        connection: Connection,
        *,
        on_request: RequestHook | None = None,
        write_gate: WriteGate | None = None,
        throttle: Throttle | None = None,
        pool_size: int = 32,
        retries: int = RETRIES,
    ) -> None:
        self.connection = connection
        self.retries = retries
        self.on_request = on_request
        self.write_gate = write_gate
        self.throttle = throttle
        self._terminating: dict[str, float] = {}
        """Namespace → monotonic time the server last refused a write there because it is being terminated."""
        self._pool = urllib3.PoolManager(
            num_pools=4,
            maxsize=pool_size,
            cert_reqs="CERT_REQUIRED" if connection.verify else "CERT_NONE",
            ca_certs=connection.ca_file,
            cert_file=connection.cert_file,
            key_file=connection.key_file,
            server_hostname=connection.server_name,
            retries=False,
        )

    @classmethod
    def from_kubeconfig(cls, kubeconfig: str | None = None, context: str | None = None, **kwargs: Any) -> Kube:
        return cls(connect(kubeconfig, context), **kwargs)

    # ---- verbs -------------------------------------------------------------------------------------------------

    def get(self, resource: Resource, namespace: str | None, name: str) -> JsonObject:
        return self._json("GET", resource, namespace, name, verb="get")

    def list(
        self,
        resource: Resource,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int = 500,
    ) -> tuple[builtins.list[JsonObject], str]:
        """All items (following `continue` pages) and the list's resourceVersion to watch from."""
        items: builtins.list[JsonObject] = []
        query = {"labelSelector": label_selector, "fieldSelector": field_selector, "limit": page_size}
        while True:
            page = self._json("GET", resource, namespace, None, query=query, verb="list")
            items.extend(page.get("items") or [])
            metadata = page.get("metadata") or {}
            if not metadata.get("continue"):
                return items, str(metadata.get("resourceVersion") or "")
            query = {**query, "continue": metadata["continue"]}

    def watch(
        self,
        resource: Resource,
        namespace: str | None = None,
        *,
        resource_version: str,
        timeout_seconds: int = 300,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> Iterator[tuple[str, JsonObject]]:
        """Stream (type, object) pairs. Raises `Gone` when the resourceVersion is too old, as an error or event."""
        query = {
            "watch": "true",
            "allowWatchBookmarks": "true",
            "resourceVersion": resource_version,
            "timeoutSeconds": timeout_seconds,
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
        }
        response = self._exchange(
            "watch",
            resource,
            namespace,
            None,
            "GET",
            resource.path(namespace),
            query,
            stream=True,
            timeout=timeout_seconds + 15,
        )
        if response.status >= 400:
            raise _error_from(response)
        try:
            for line in _lines(response):
                event = json.loads(line)
                kind, obj = event.get("type"), event.get("object") or {}
                if kind == "ERROR":
                    raise errors.error_for(int(obj.get("code") or 500), obj, "watch error")
                yield kind, obj
        finally:
            response.release_conn()

    def create(
        self, resource: Resource, namespace: str | None, body: JsonObject, *, field_manager: str = FIELD_MANAGER
    ) -> JsonObject:
        return self._json(
            "POST", resource, namespace, None, body=body, query={"fieldManager": field_manager}, verb="create"
        )

    def replace(
        self, resource: Resource, namespace: str | None, name: str, body: JsonObject, *, subresource: str | None = None
    ) -> JsonObject:
        return self._json(
            "PUT",
            resource,
            namespace,
            name,
            body=body,
            subresource=subresource,
            query={"fieldManager": FIELD_MANAGER},
            verb="update",
        )

    def patch(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        patch: JsonObject | builtins.list[Any],
        *,
        kind: PatchKind = "merge",
        subresource: str | None = None,
        field_manager: str = FIELD_MANAGER,
        force: bool = False,
    ) -> JsonObject:
        query: dict[str, Any] = {"fieldManager": field_manager}
        if kind == "apply" and force:
            query["force"] = "true"
        return self._json(
            "PATCH",
            resource,
            namespace,
            name,
            body=patch,
            subresource=subresource,
            query=query,
            content_type=PATCH_CONTENT_TYPES[kind],
            verb="patch",
        )

    def delete(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        *,
        propagation: str | None = None,
        uid: str | None = None,
    ) -> None:
        body: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation:
            body["propagationPolicy"] = propagation
        if uid:
            body["preconditions"] = {"uid": uid}
        self._json("DELETE", resource, namespace, name, body=body, verb="delete")

    def raw(self, method: str, path: str, *, body: Any = None, query: JsonObject | None = None) -> Any:
        """Any other endpoint (e.g. /version, /apis discovery)."""
        payload = None if body is None else json.dumps(body).encode()
        response = self._exchange(method.lower(), None, None, None, method, path, query, body=payload)
        if response.status >= 400:
            raise _error_from(response)
        return json.loads(response.data or b"null")

    # ---- plumbing ----------------------------------------------------------------------------------------------

    def _json(
        self,
        method: str,
        resource: Resource,
        namespace: str | None,
        name: str | None,
        *,
        verb: str,
        body: Any = None,
        query: JsonObject | None = None,
        subresource: str | None = None,
        content_type: str = "application/json",
    ) -> JsonObject:
        if method != "GET" and namespace:
            self._refuse_if_terminating(namespace)
        payload = None if body is None else json.dumps(body).encode()
        path = resource.path(namespace, name, subresource)
        response = self._exchange(
            verb, resource, namespace, name, method, path, query, body=payload, content_type=content_type
        )
        if response.status >= 400:
            error = _error_from(response)
            if isinstance(error, errors.NamespaceTerminating) and namespace:
                self._terminating[namespace] = time.monotonic()
            raise error
        decoded: JsonObject = json.loads(response.data or b"{}")
        return decoded

    def _exchange(
        self,
        verb: str,
        resource: Resource | None,
        namespace: str | None,
        name: str | None,
        method: str,
        path: str,
        query: JsonObject | None,
        **send: Any,
    ) -> urllib3.BaseHTTPResponse:
        """Send, report, and send again while the server asks to be asked later (429, or 5xx with Retry-After)."""
        attempt = 0
        while True:
            response = self._send(method, path, query=query, **send)
            self._report(verb, resource, namespace, name, response.status)
            wait = _asked_to_wait(response)
            if wait is None or attempt >= self.retries:
                return response
            attempt += 1
            error = _error_from(response)
            response.release_conn()
            what = f"{resource.plural if resource else path}" + (f" {namespace}/{name}" if name else "")
            _log.warning("%s %s: %s; trying again in %.0fs (%d of %d)", verb, what, error, wait, attempt, self.retries)
            time.sleep(wait)

    def _refuse_if_terminating(self, namespace: str) -> None:
        seen = self._terminating.get(namespace)
        if seen is None:
            return
        if time.monotonic() - seen > TERMINATING_PAUSE:
            self._terminating.pop(namespace, None)
            return
        message = f"not sent: namespace {namespace} is being terminated"
        raise errors.NamespaceTerminating(0, "NamespaceTerminating", message)

    def _send(
        self,
        method: str,
        path: str,
        *,
        query: JsonObject | None = None,
        body: bytes | None = None,
        content_type: str = "application/json",
        stream: bool = False,
        timeout: float = 30.0,
    ) -> urllib3.BaseHTTPResponse:
        headers = {"Accept": "application/json", "User-Agent": "rollouts-controller"}
        if body is not None:
            headers["Content-Type"] = content_type
        headers.update(self.connection.auth_headers())
        fields = {key: str(value) for key, value in (query or {}).items() if value is not None}
        url = self.connection.host + path
        if fields:
            url += "?" + urlencode(fields)
        if self.throttle is not None:
            self.throttle.wait()
        if method != "GET" and self.write_gate is not None:
            self.write_gate()  # last thing before the request: a paused leader wakes up to a closed gate
        try:
            return self._pool.request(
                method,
                url,
                body=body,
                headers=headers,
                preload_content=not stream,
                timeout=urllib3.Timeout(connect=10.0, read=timeout),
            )
        except urllib3.exceptions.HTTPError as error:
            reason = errors.connection_reason(error)
            raise errors.Unreachable(
                0, "", f"cannot reach the API server at {self.connection.host}: {reason}"
            ) from None

    def _report(
        self, verb: str, resource: Resource | None, namespace: str | None, name: str | None, status: int
    ) -> None:
        if self.on_request is not None:
            self.on_request(verb, resource, namespace, name, status)


def _lines(response: urllib3.BaseHTTPResponse) -> Iterator[bytes]:
    buffer = b""
    try:
        for chunk in response.stream(64 * 1024, decode_content=True):
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                if line.strip():
                    yield line
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.ReadTimeoutError):
        return  # the server closed the stream mid-chunk or went silent (restart, shutdown): the caller watches again
    if buffer.strip():
        yield buffer


def _asked_to_wait(response: urllib3.BaseHTTPResponse) -> float | None:
    """Seconds to wait before sending again, when the server said to (client-go's rule: 429 or 5xx, with
    Retry-After); None otherwise."""
    if response.status != 429 and response.status < 500:
        return None
    try:
        seconds = float(response.headers.get("Retry-After") or "")
    except ValueError:
        return None
    return min(max(seconds, 0.0), RETRY_WAIT_CAP)


def _error_from(response: urllib3.BaseHTTPResponse) -> errors.ApiError:
    data = response.data if response.data is not None else response.read()
    try:
        body = json.loads(data or b"{}")
    except ValueError:
        body = {"message": (data or b"").decode(errors="replace")[:500]}
    if not isinstance(body, dict):
        body = {"message": str(body)}
    return errors.error_for(
        response.status, body, f"HTTP {response.status}", retry_after=response.headers.get("Retry-After")
    )
