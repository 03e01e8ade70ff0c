"""Read a plain kubeconfig without the official client (whose import costs a CLI a fifth of a second).

"Plain" means: one file, a cluster with a server and CA (file or data, or insecure), and a user with a client
certificate and key and/or a token (file or literal). Anything else (exec plugins, auth providers, basic auth,
several files in $KUBECONFIG) returns None, and the caller uses the official loader instead.
"""

from __future__ import annotations

import base64
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


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
    if set(user) - {"client-certificate", "client-certificate-data", "client-key", "client-key-data", "token", "tokenFile"}:
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
