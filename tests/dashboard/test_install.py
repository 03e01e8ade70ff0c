"""crds/install/dashboard: it applies, and its ClusterRole is all the dashboard needs behind a proxy.

The dashboard runs with nothing but its ServiceAccount's token (as in the pod), in proxy mode: it watches every
kind, reviews access for the user the header names, and sends an allowed action itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml
from dashboard_support import UNMANAGED, DashboardProcess, grant, operator_rules, paused_canary

from helpers import wait_until
from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import Kube

pytestmark = pytest.mark.cluster
REPO = Path(__file__).resolve().parents[2]


def installed(cluster: LocalCluster, namespace: str) -> list[dict[str, Any]]:
    """The kustomization, moved into the test's namespace (cluster-scoped names suffixed with it)."""
    rendered = cluster.kubectl("kustomize", str(REPO / "crds" / "install" / "dashboard")).stdout
    documents = [doc for doc in yaml.safe_load_all(rendered) if doc]
    for doc in documents:
        if doc["kind"] in ("ClusterRole", "ClusterRoleBinding"):
            doc["metadata"]["name"] += f"-{namespace}"
        else:
            doc["metadata"]["namespace"] = namespace
        if doc["kind"] == "ClusterRoleBinding":
            doc["roleRef"]["name"] += f"-{namespace}"
            doc["subjects"][0]["namespace"] = namespace
    return documents


@pytest.fixture
def install(cluster: LocalCluster, namespace: str, tmp_path: Path) -> Iterator[list[dict[str, Any]]]:
    documents = installed(cluster, namespace)
    path = tmp_path / "dashboard.yaml"
    path.write_text(yaml.safe_dump_all(documents))
    cluster.kubectl("apply", "-f", str(path))
    yield documents
    cluster.kubectl("delete", "--ignore-not-found", "-f", str(path))


def token_kubeconfig(cluster: LocalCluster, namespace: str, path: Path) -> Path:
    token = cluster.kubectl("create", "token", "rollouts-dashboard", "-n", namespace, "--duration=1h").stdout.strip()
    admin = yaml.safe_load(Path(cluster.kubeconfig).read_text())
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "local", "cluster": admin["clusters"][0]["cluster"]}],
        "users": [{"name": "dashboard", "user": {"token": token}}],
        "contexts": [{"name": "dashboard", "context": {"cluster": "local", "user": "dashboard"}}],
        "current-context": "dashboard",
    }
    path.write_text(json.dumps(config))
    return path


def test_the_install_applies_and_its_cluster_role_is_enough(
    cluster: LocalCluster, crds: None, kube: Kube, namespace: str, install: list[dict[str, Any]], tmp_path: Path
) -> None:
    deployment = next(doc for doc in install if doc["kind"] == "Deployment")
    args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    assert "--address=0.0.0.0" in args and "--auth-header=X-Forwarded-User" in args
    assert sorted(doc["kind"] for doc in install) == [
        "ClusterRole",
        "ClusterRoleBinding",
        "Deployment",
        "Service",
        "ServiceAccount",
    ]

    kube.create(resources.ROLLOUTS, namespace, paused_canary("orders", labels=UNMANAGED))
    grant(
        kube,
        namespace,
        "carol-operates",
        operator_rules(),
        {"kind": "User", "name": "carol", "apiGroup": "rbac.authorization.k8s.io"},
    )
    kubeconfig = token_kubeconfig(cluster, namespace, tmp_path / "dashboard.kubeconfig")
    server = DashboardProcess(kubeconfig, tmp_path / "dashboard.log", "--auth-header", "X-Forwarded-User")
    try:
        carol = {"X-Forwarded-User": "carol"}
        assert requests.get(f"{server.url}/healthz", timeout=10).json() == {"ok": True}
        names = wait_until(
            lambda: requests.get(f"{server.url}/api/rollouts", headers=carol, timeout=10).json()["rollouts"]
        )
        assert [(row["namespace"], row["name"]) for row in names] == [(namespace, "orders")]
        session = requests.Session()
        csrf = session.get(f"{server.url}/api/session", headers=carol, timeout=10).json()["csrf"]
        answer = session.post(
            f"{server.url}/api/rollouts/{namespace}/orders/pause", headers={**carol, "X-CSRF-Token": csrf}, timeout=10
        )
        assert answer.json() == {"message": "rollout 'orders' paused"}
        assert kube.get(resources.ROLLOUTS, namespace, "orders")["spec"]["paused"] is True
    finally:
        server.stop()
    assert "Traceback" not in (tmp_path / "dashboard.log").read_text()
