"""Read a plain kubeconfig without the official client (whose import costs a CLI a fifth of a second).

"Plain" means: one file, a cluster with a server and CA (file or data, or insecure), and a user with a client
certificate and key and/or a token (file or literal). Anything else (exec plugins, auth providers, basic auth,
several files in $KUBECONFIG) returns None, and the caller uses the official loader instead. `connect` does both and
also knows the in-cluster service account.
"""

from __future__ import annotations

import base64
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from rollouts.kube import errors


class KubeconfigError(ValueError):
    """The kubeconfig names a context, cluster or user it does not define."""


@dataclass(frozen=True)
class SimpleConfig:
    server: str
    namespace: str | None
    verify: bool
    ca_file: str | None
    cert_file: str | None
    key_file: str | None
    token: str | None
    server_name: str | None


def read_simple(explicit: str | None, context: str | None) -> SimpleConfig | None:
    path = _path(explicit)
    if path is None or not path.is_file():
        return None
    try:
        config = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return None  # let the official loader report it in its own words
    if not isinstance(config, dict):
        return None
    name = context or config.get("current-context")
    chosen = _named(config.get("contexts"), name)
    if chosen is None:
        raise KubeconfigError(f"kubeconfig {path}: context {name!r} not found")
    cluster = _named(config.get("clusters"), chosen.get("cluster"))
    user = _named(config.get("users"), chosen.get("user")) or {}
    if cluster is None or not cluster.get("server"):
        raise KubeconfigError(f"kubeconfig {path}: cluster {chosen.get('cluster')!r} not found or has no server")
    if set(user) - {
        "client-certificate",
        "client-certificate-data",
        "client-key",
        "client-key-data",
        "token",
        "tokenFile",
    }:
        return None  # exec, auth-provider, username/password, impersonation…: the official loader handles those
    base = path.parent
    token = user.get("token")
    if token is None and user.get("tokenFile"):
        token = (base / user["tokenFile"]).read_text().strip()
    return SimpleConfig(
        server=str(cluster["server"]).rstrip("/"),
        namespace=chosen.get("namespace"),
        verify=not cluster.get("insecure-skip-tls-verify", False),
        ca_file=_file(base, cluster.get("certificate-authority"), cluster.get("certificate-authority-data")),
        cert_file=_file(base, user.get("client-certificate"), user.get("client-certificate-data")),
        key_file=_file(base, user.get("client-key"), user.get("client-key-data")),
        token=token,
        server_name=cluster.get("tls-server-name"),
    )


def _path(explicit: str | None) -> Path | None:
    if explicit:
        return Path(explicit).expanduser()
    from_env = os.environ.get("KUBECONFIG")
    if from_env:
        return Path(from_env).expanduser() if os.pathsep not in from_env else None  # merged files: official loader
    return Path.home() / ".kube" / "config"


def _named(items: Any, name: Any) -> dict[str, Any] | None:
    for item in items or []:
        if isinstance(item, dict) and item.get("name") == name:
            inner = item.get("context") or item.get("cluster") or item.get("user")
            return inner if isinstance(inner, dict) else {}
    return None


def _file(base: Path, path: str | None, data: str | None) -> str | None:
    """A path urllib3 can load: the given file (relative to the kubeconfig), or the inline data written to one."""
    if data:
        handle = tempfile.NamedTemporaryFile(prefix="kubeconfig-", delete=False)  # noqa: SIM115 - read later by urllib3
        with handle:
            os.chmod(handle.name, 0o600)
            handle.write(base64.b64decode(data))
        return handle.name
    if path:
        return str((base / path).expanduser()) if not Path(path).is_absolute() else path
    return None


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
        simple = read_simple(kubeconfig, context)
    except KubeconfigError as error:
        raise errors.Unreachable(0, "", str(error)) from error
    if simple is not None:
        return Connection(
            host=simple.server,
            namespace=simple.namespace,
            verify=simple.verify,
            ca_file=simple.ca_file,
            cert_file=simple.cert_file,
            key_file=simple.key_file,
            server_name=simple.server_name,
            auth_headers=_bearer(simple.token),
        )
    return _connect_with_official_loader(kubeconfig, context)


def _bearer(token: str | None) -> Callable[[], dict[str, str]]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return lambda: dict(headers)


def _connect_with_official_loader(kubeconfig: str | None, context: str | None) -> Connection:
    from kubernetes import config as kube_config
    from kubernetes.client import Configuration

    configuration = Configuration()
    try:
        kube_config.load_kube_config(  # type: ignore[no-untyped-call]  # the client ships no annotations
            config_file=kubeconfig, context=context, client_configuration=configuration, persist_config=False
        )
        namespace = _context_namespace(kubeconfig, context)
    except (kube_config.ConfigException, FileNotFoundError, TypeError) as kubeconfig_error:
        if kubeconfig:
            raise errors.Unreachable(
                0, "", f"cannot load kubeconfig {kubeconfig}: {kubeconfig_error}"
            ) from kubeconfig_error
        try:
            kube_config.load_incluster_config(client_configuration=configuration)  # type: ignore[no-untyped-call]  # as above
        except kube_config.ConfigException as in_cluster_error:
            raise errors.Unreachable(
                0, "", f"no kubeconfig found and not running in a cluster: {in_cluster_error}"
            ) from in_cluster_error
        namespace = _pod_namespace()
    lock = threading.Lock()

    def headers() -> dict[str, str]:
        # auth_settings() runs the client's refresh hook, so rotated tokens are picked up.
        with lock:
            settings: dict[str, Any] = dict(configuration.auth_settings())
        return {s["key"]: s["value"] for s in settings.values() if s.get("in") == "header" and s.get("value")}

    return Connection(
        host=str(configuration.host).rstrip("/"),
        namespace=namespace,
        verify=bool(configuration.verify_ssl),
        ca_file=configuration.ssl_ca_cert,
        cert_file=configuration.cert_file,
        key_file=configuration.key_file,
        server_name=configuration.tls_server_name,
        auth_headers=headers,
    )


def _context_namespace(kubeconfig: str | None, context: str | None) -> str | None:
    from kubernetes import config as kube_config

    try:
        contexts, active = kube_config.list_kube_config_contexts(config_file=kubeconfig)  # type: ignore[no-untyped-call]  # as above
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
