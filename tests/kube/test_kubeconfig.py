"""The fast kubeconfig reader: plain kubeconfigs are read directly, anything else is left to the official loader.

Aspects: certificates by path (relative to the file) and inline data, tokens, context namespace, insecure
clusters; exec plugins, auth providers and merged $KUBECONFIG lists fall back (None); a missing context is a
clear error. Also: a real cluster answers a client built on the fast path.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from rollouts.kube import kubeconfig, resources
from rollouts.kube.client import Kube


def write(tmp_path: Path, user: dict, *, cluster: dict | None = None, namespace: str | None = None) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "c", "cluster": cluster or {"server": "https://127.0.0.1:6443/", "certificate-authority": "ca.crt"}}],
        "users": [{"name": "u", "user": user}],
        "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u", **({"namespace": namespace} if namespace else {})}}],
        "current-context": "x",
    }
    path = tmp_path / "config"
    path.write_text(yaml.safe_dump(config))
    return path


def test_certificates_by_relative_path_and_context_namespace(tmp_path: Path) -> None:
    found = kubeconfig.read_simple(str(write(tmp_path, {"client-certificate": "a.crt", "client-key": "a.key"}, namespace="team")), None)
    assert found is not None
    assert (found.server, found.namespace, found.verify, found.token) == ("https://127.0.0.1:6443", "team", True, None)
    assert (found.ca_file, found.cert_file, found.key_file) == (str(tmp_path / "ca.crt"), str(tmp_path / "a.crt"), str(tmp_path / "a.key"))


def test_inline_data_is_written_to_private_files(tmp_path: Path) -> None:
    data = base64.b64encode(b"-----BEGIN CERTIFICATE-----").decode()
    found = kubeconfig.read_simple(str(write(tmp_path, {"token": "abc"}, cluster={"server": "https://h", "certificate-authority-data": data})), None)
    assert found is not None and found.token == "abc"
    assert found.ca_file and Path(found.ca_file).read_bytes() == b"-----BEGIN CERTIFICATE-----"
    assert Path(found.ca_file).stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    "user",
    [
        pytest.param({"exec": {"command": "aws"}}, id="exec-plugin"),
        pytest.param({"auth-provider": {"name": "oidc"}}, id="auth-provider"),
        pytest.param({"username": "a", "password": "b"}, id="basic-auth"),
    ],
)
def test_anything_else_falls_back_to_the_official_loader(tmp_path: Path, user: dict) -> None:
    assert kubeconfig.read_simple(str(write(tmp_path, user)), None) is None


def test_merged_kubeconfig_list_falls_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", f"{write(tmp_path, {'token': 't'})}:/other")
    assert kubeconfig.read_simple(None, None) is None


def test_unknown_context_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(kubeconfig.KubeconfigError, match="context 'nope' not found"):
        kubeconfig.read_simple(str(write(tmp_path, {"token": "t"})), "nope")


def test_the_fast_path_talks_to_the_real_cluster(cluster) -> None:
    assert kubeconfig.read_simple(str(cluster.kubeconfig), None) is not None
    nodes, _ = Kube.from_kubeconfig(str(cluster.kubeconfig)).list(resources.NODES)
    assert len(nodes) == 3
