"""Fixtures for the dashboard: the real `kubectl-rollouts dashboard` process against the test cluster, users
that are ServiceAccounts with a Role in one namespace (tokens from the TokenRequest API), and headless Chromium.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from dashboard_support import DashboardProcess, grant

from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import Kube

SCREENSHOTS = os.environ.get("ROLLOUTS_DASHBOARD_SCREENSHOTS")
"""Also keep every screenshot in this directory (the README's picture is one of them)."""


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
