"""Fixtures for the dashboard: the real `kubectl-rollouts dashboard` process against the test cluster, users
that are ServiceAccounts with a Role in one namespace (tokens from the TokenRequest API), and headless Chromium.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

sys.path.insert(0, str(Path(__file__).parent))

from helpers import wait_until
from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import Kube

PLUGIN_BIN = Path(sys.executable).parent / "kubectl-rollouts"
READ = ["get", "list", "watch"]
TREE = ["rollouts", "replicasets", "pods", "analysisruns", "experiments"]
SCREENSHOTS = os.environ.get("ROLLOUTS_DASHBOARD_SCREENSHOTS")
"""Also keep every screenshot in this directory (the README's picture is one of them)."""


class DashboardProcess:
    def __init__(self, kubeconfig: Path, log: Path, *flags: str) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        command = [
            str(PLUGIN_BIN),
            "--kubeconfig",
            str(kubeconfig),
            "dashboard",
            "--port",
            str(self.port),
            *flags,
        ]
        with open(log, "ab") as output:  # the child keeps its own copy of the descriptor
            self.process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        wait_until(self._ready, timeout=90, interval=0.3, what=f"the dashboard on {self.url} (log {log})")

    def _ready(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()
        try:
            return requests.get(f"{self.url}/login", timeout=2, allow_redirects=False).status_code in (200, 303)
        except requests.ConnectionError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="session")
def dashboard(
    cluster: LocalCluster, crds: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardProcess]:
    """The dashboard with token sign-in, bound to localhost, reading with the cluster admin's kubeconfig."""
    server = DashboardProcess(cluster.kubeconfig, tmp_path_factory.mktemp("dashboard") / "dashboard.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def proxied_dashboard(
    cluster: LocalCluster, crds: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DashboardProcess]:
    """The dashboard as in-cluster behind an authenticating proxy: the user is whoever X-Forwarded-User names."""
    log = tmp_path_factory.mktemp("dashboard-proxied") / "dashboard.log"
    server = DashboardProcess(cluster.kubeconfig, log, "--auth-header", "X-Forwarded-User")
    yield server
    server.stop()


def grant(kube: Kube, namespace: str, name: str, rules: list[dict[str, Any]], subject: dict[str, str]) -> None:
    """A Role with `rules` in `namespace`, bound to `subject`."""
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": name}, "rules": rules}
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [subject],
    }
    kube.raw("POST", f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles", body=role)
    kube.raw("POST", f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings", body=binding)


def reader_rules() -> list[dict[str, Any]]:
    return [
        {"apiGroups": ["argoproj.io"], "resources": ["rollouts", "analysisruns", "experiments"], "verbs": READ},
        {"apiGroups": ["apps"], "resources": ["replicasets"], "verbs": READ},
        {"apiGroups": [""], "resources": ["pods"], "verbs": READ},
    ]


def operator_rules() -> list[dict[str, Any]]:
    patch = {
        "apiGroups": ["argoproj.io"],
        "resources": ["rollouts", "rollouts/status"],
        "verbs": ["get", "patch", "update"],
    }
    return [*reader_rules(), patch]


@pytest.fixture
def service_account_token(kube: Kube) -> Callable[[str, str, list[dict[str, Any]]], str]:
    """Create ServiceAccount `name` in `namespace` with a Role of `rules` there; return a token for it."""

    def make(namespace: str, name: str, rules: list[dict[str, Any]]) -> str:
        kube.create(
            resources.Resource("", "v1", "serviceaccounts", "ServiceAccount"), namespace, {"metadata": {"name": name}}
        )
        grant(kube, namespace, name, rules, {"kind": "ServiceAccount", "name": name, "namespace": namespace})
        request = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"expirationSeconds": 3600},
        }
        answer = kube.raw("POST", f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token", body=request)
        return str(answer["status"]["token"])

    return make


@pytest.fixture
def other_namespace(kube: Kube, namespace: str) -> Iterator[str]:
    """A second namespace, which the test's users get no rights in."""
    name = f"{namespace[:50]}-other"
    kube.create(resources.NAMESPACES, None, {"metadata": {"name": name}})
    yield name
    kube.delete(resources.NAMESPACES, None, name)


def paused_canary(name: str, *, labels: dict[str, str] | None = None) -> dict[str, Any]:
    """Two replicas, 50 % then an indefinite pause: the controller stops there until someone promotes."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "argoproj/rollouts-demo:blue"}]},
            },
            "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}},
        },
    }


def signed_in(base_url: str, token: str) -> requests.Session:
    """A plain HTTP client signed in with `token` (as the form does), holding the session cookie."""
    session = requests.Session()
    answer = session.post(f"{base_url}/login", data={"token": token}, allow_redirects=False, timeout=10)
    assert answer.status_code == 303, answer.text
    return session


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """Headless Debian Chromium driven by Debian's chromedriver through selenium."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1200,820",
        "--disable-gpu",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        options=options, service=Service("/usr/bin/chromedriver", log_output=str(tmp_path / "chromedriver.log"))
    )
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture
def screenshot(browser: Any, tmp_path: Path) -> Callable[[str], Path]:
    """Save the current screen as <name>.png (in tmp_path, and in $ROLLOUTS_DASHBOARD_SCREENSHOTS when set)."""

    def take(name: str) -> Path:
        path = tmp_path / f"{name}.png"
        browser.save_screenshot(str(path))
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            (Path(SCREENSHOTS) / path.name).write_bytes(path.read_bytes())
        return path

    return take
