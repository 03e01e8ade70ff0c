"""What the dashboard tests share: the real dashboard process, RBAC for test users, a paused canary, a signed-in
HTTP client, and the browser steps (sign in, wait, read, open a rollout).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.wait import WebDriverWait

from helpers import wait_until
from rollouts.kube.client import Kube

PLUGIN_BIN = Path(sys.executable).parent / "kubectl-rollouts"
READ = ["get", "list", "watch"]
UNMANAGED = {"argo-rollouts.argoproj.io/controller-instance-id": "dashboard-test"}
"""No controller acts on Rollouts with this label; tests that use it only read and patch them."""


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


# ---- browser steps ---------------------------------------------------------------------------------------------


def sign_in(
    browser: Any, dashboard: DashboardProcess, token: str, screenshot: Callable[[str], Any] | None = None
) -> None:
    browser.get(f"{dashboard.url}/login")
    if screenshot is not None:
        screenshot("sign-in")
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.ID, "sign-in").click()
    until(browser, lambda d: d.find_elements(By.ID, "nav-all"), "the signed-in page")


def until(browser: Any, probe: Callable[[Any], Any], what: str, timeout: float = 30) -> Any:
    # The page re-renders on every live update: an element found a moment ago may be gone when it is read.
    ignored = (NoSuchElementException, StaleElementReferenceException)
    return WebDriverWait(browser, timeout, ignored_exceptions=ignored).until(probe, message=f"waiting for {what}")


def texts(browser: Any, selector: str) -> list[str]:
    return [element.text for element in browser.find_elements(By.CSS_SELECTOR, selector)]


def open_rollout(browser: Any, namespace: str, name: str) -> None:
    row = f'tr.rollout-row[data-namespace="{namespace}"][data-name="{name}"] a'
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, row), f"{namespace}/{name} in the table")[0].click()
    until(browser, lambda d: d.find_elements(By.ID, "detail"), f"the page of {name}")
