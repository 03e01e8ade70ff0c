"""The one door to the Kubernetes API: raw JSON dicts in and out over a pooled HTTPS connection.

The official client loads kubeconfig and in-cluster credentials; requests go straight through urllib3 so that
objects stay plain dicts (no model round trip), watches stream line by line, and every patch states its content
type. Each request is reported to `on_request` so the controller can count API calls by verb and status.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from urllib.parse import urlencode

import urllib3

from rollouts.kube import errors
from rollouts.kube import kubeconfig as kubeconfigs
from rollouts.kube.resources import Resource


PatchKind = Literal["merge", "json", "strategic", "apply"]
PATCH_CONTENT_TYPES = {
    "merge": "application/merge-patch+json",
    "json": "application/json-patch+json",
    "strategic": "application/strategic-merge-patch+json",
    "apply": "application/apply-patch+yaml",
}
FIELD_MANAGER = "rollouts-controller"

RequestHook = Callable[[str, Resource | None, str | None, str | None, int], None]


@dataclass(frozen=True)
class Connection:
    """Where the API server is and how to authenticate, resolved from a kubeconfig or the pod's service account."""

    host: str
    namespace: str | None
    """The kubeconfig context's namespace, or the pod's own namespace in-cluster."""
    verify: bool = True
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    server_name: str | None = None
    auth_headers: Callable[[], dict[str, str]] = lambda: {}
    """Headers to authenticate each request (called every time, so refreshed tokens are used)."""


def connect(kubeconfig: str | None = None, context: str | None = None) -> Connection:
    """Load credentials: an explicit kubeconfig (or $KUBECONFIG / ~/.kube/config), else the in-cluster service account.

    Plain kubeconfigs (certificates, tokens, CA) are read directly; anything else (exec plugins, auth providers,
    several files in $KUBECONFIG) goes through the official client's loader, which is slower to import.
    """
    try:
        simple = kubeconfigs.read_simple(kubeconfig, context)
    except kubeconfigs.KubeconfigError as error:
        raise errors.Unreachable(0, "", str(error)) from error
    if simple is not None:
        return Connection(
            host=simple.server, namespace=simple.namespace, verify=simple.verify, ca_file=simple.ca_file,
            cert_file=simple.cert_file, key_file=simple.key_file, server_name=simple.server_name,
            auth_headers=(lambda token=simple.token: {"Authorization": f"Bearer {token}"}) if simple.token else (lambda: {}),
        )  # fmt: skip
    return _connect_with_official_loader(kubeconfig, context)


def _connect_with_official_loader(kubeconfig: str | None, context: str | None) -> Connection:
    from kubernetes import config as kube_config
    from kubernetes.client import Configuration

    configuration = Configuration()
    try:
        kube_config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration, persist_config=False)
        namespace = _context_namespace(kubeconfig, context)
    except (kube_config.ConfigException, FileNotFoundError, TypeError) as kubeconfig_error:
        if kubeconfig:
            raise errors.Unreachable(0, "", f"cannot load kubeconfig {kubeconfig}: {kubeconfig_error}") from kubeconfig_error
        try:
            kube_config.load_incluster_config(client_configuration=configuration)
        except kube_config.ConfigException as in_cluster_error:
            raise errors.Unreachable(0, "", f"no kubeconfig found and not running in a cluster: {in_cluster_error}") from in_cluster_error
        namespace = _pod_namespace()
    lock = threading.Lock()

    def headers() -> dict[str, str]:
        # auth_settings() runs the client's refresh hook, so rotated tokens are picked up.
        with lock:
            settings = configuration.auth_settings()
        return {s["key"]: s["value"] for s in settings.values() if s.get("in") == "header" and s.get("value")}

    return Connection(
        host=str(configuration.host).rstrip("/"), namespace=namespace, verify=bool(configuration.verify_ssl),
        ca_file=configuration.ssl_ca_cert, cert_file=configuration.cert_file, key_file=configuration.key_file,
        server_name=configuration.tls_server_name, auth_headers=headers,
    )  # fmt: skip


def _context_namespace(kubeconfig: str | None, context: str | None) -> str | None:
    from kubernetes import config as kube_config

    try:
        contexts, active = kube_config.list_kube_config_contexts(config_file=kubeconfig)
    except (kube_config.ConfigException, OSError):
        return None
    chosen = next((c for c in contexts if c.get("name") == context), active) if context else active
    return ((chosen or {}).get("context") or {}).get("namespace")


def _pod_namespace() -> str | None:
    try:
        with open("/var/run/secrets/kubernetes.io/serviceaccount/namespace") as handle:
            return handle.read().strip() or None
    except OSError:
        return None


class Kube:
    """Generic CRUD, patch and watch over any `Resource`, returning plain dicts."""

    def __init__(self, connection: Connection, *, on_request: RequestHook | None = None, pool_size: int = 32) -> None:
        self.connection = connection
        self.on_request = on_request
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

    def get(self, resource: Resource, namespace: str | None, name: str) -> dict:
        return self._json("GET", resource, namespace, name, verb="get")

    def list(
        self,
        resource: Resource,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
        page_size: int = 500,
    ) -> tuple[list[dict], str]:
        """All items (following `continue` pages) and the list's resourceVersion to watch from."""
        items: list[dict] = []
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
    ) -> Iterator[tuple[str, dict]]:
        """Stream (type, object) pairs. Raises `Gone` when the resourceVersion is too old, as an error or event."""
        query = {
            "watch": "true",
            "allowWatchBookmarks": "true",
            "resourceVersion": resource_version,
            "timeoutSeconds": timeout_seconds,
            "labelSelector": label_selector,
            "fieldSelector": field_selector,
        }
        response = self._send("GET", resource.path(namespace), query=query, stream=True, timeout=timeout_seconds + 15)
        self._report("watch", resource, namespace, None, response.status)
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

    def create(self, resource: Resource, namespace: str | None, body: dict, *, field_manager: str = FIELD_MANAGER) -> dict:
        return self._json("POST", resource, namespace, None, body=body, query={"fieldManager": field_manager}, verb="create")

    def replace(self, resource: Resource, namespace: str | None, name: str, body: dict, *, subresource: str | None = None) -> dict:
        return self._json("PUT", resource, namespace, name, body=body, subresource=subresource, query={"fieldManager": FIELD_MANAGER}, verb="update")

    def patch(
        self,
        resource: Resource,
        namespace: str | None,
        name: str,
        patch: dict | list,
        *,
        kind: PatchKind = "merge",
        subresource: str | None = None,
        field_manager: str = FIELD_MANAGER,
        force: bool = False,
    ) -> dict:
        query: dict[str, Any] = {"fieldManager": field_manager}
        if kind == "apply" and force:
            query["force"] = "true"
        return self._json(
            "PATCH", resource, namespace, name, body=patch, subresource=subresource, query=query,
            content_type=PATCH_CONTENT_TYPES[kind], verb="patch",
        )  # fmt: skip

    def delete(self, resource: Resource, namespace: str | None, name: str, *, propagation: str | None = None, uid: str | None = None) -> None:
        body: dict[str, Any] = {"kind": "DeleteOptions", "apiVersion": "v1"}
        if propagation:
            body["propagationPolicy"] = propagation
        if uid:
            body["preconditions"] = {"uid": uid}
        self._json("DELETE", resource, namespace, name, body=body, verb="delete")

    def raw(self, method: str, path: str, *, body: Any = None, query: dict | None = None) -> Any:
        """Any other endpoint (e.g. /version, /apis discovery)."""
        response = self._send(method, path, query=query, body=None if body is None else json.dumps(body).encode())
        self._report(method.lower(), None, None, None, response.status)
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
        query: dict | None = None,
        subresource: str | None = None,
        content_type: str = "application/json",
    ) -> dict:
        payload = None if body is None else json.dumps(body).encode()
        response = self._send(method, resource.path(namespace, name, subresource), query=query, body=payload, content_type=content_type)
        self._report(verb, resource, namespace, name, response.status)
        if response.status >= 400:
            raise _error_from(response)
        return json.loads(response.data or b"{}")

    def _send(
        self,
        method: str,
        path: str,
        *,
        query: dict | None = None,
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
        try:
            return self._pool.request(
                method, url, body=body, headers=headers, preload_content=not stream,
                timeout=urllib3.Timeout(connect=10.0, read=timeout),
            )  # fmt: skip
        except urllib3.exceptions.HTTPError as error:
            raise errors.Unreachable(0, "", f"cannot reach the API server at {self.connection.host}: {error}") from error

    def _report(self, verb: str, resource: Resource | None, namespace: str | None, name: str | None, status: int) -> None:
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
    except urllib3.exceptions.ProtocolError:
        return  # the server closed the stream mid-chunk (restart, shutdown): the caller watches again from its last version
    if buffer.strip():
        yield buffer


def _error_from(response: urllib3.BaseHTTPResponse) -> errors.ApiError:
    data = response.data if response.data is not None else response.read()
    try:
        body = json.loads(data or b"{}")
    except ValueError:
        body = {"message": (data or b"").decode(errors="replace")[:500]}
    if not isinstance(body, dict):
        body = {"message": str(body)}
    return errors.error_for(response.status, body, f"HTTP {response.status}")
