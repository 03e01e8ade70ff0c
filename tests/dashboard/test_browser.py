"""The dashboard in a real browser (Debian's Chromium via chromedriver), against the real cluster and controller.

Every screen is saved as a PNG (see the `screenshot` fixture).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from dashboard_support import (
    UNMANAGED,
    DashboardProcess,
    open_rollout,
    operator_rules,
    paused_canary,
    reader_rules,
    sign_in,
    texts,
    until,
)
from selenium.webdriver.common.by import By

from helpers import wait_for_phase
from rollouts.kube import resources
from rollouts.kube.client import Kube

pytestmark = pytest.mark.cluster


def test_an_operator_sees_only_their_namespace_and_promotes_a_paused_rollout(
    controller: Any,
    dashboard: DashboardProcess,
    kube: Kube,
    namespace: str,
    other_namespace: str,
    service_account_token: Callable[..., str],
    browser: Any,
    screenshot: Callable[[str], Any],
) -> None:
    kube.create(resources.ROLLOUTS, namespace, paused_canary("checkout"))
    kube.create(resources.ROLLOUTS, other_namespace, paused_canary("billing", labels=UNMANAGED))
    wait_for_phase(kube, namespace, "checkout", "Healthy", timeout=90)
    template = kube.get(resources.ROLLOUTS, namespace, "checkout")["spec"]["template"]
    template["spec"]["containers"][0]["image"] = "argoproj/rollouts-demo:yellow"
    kube.patch(resources.ROLLOUTS, namespace, "checkout", {"spec": {"template": template}}, kind="merge")
    wait_for_phase(kube, namespace, "checkout", "Paused", timeout=90)

    sign_in(browser, dashboard, service_account_token(namespace, "operator", operator_rules()), screenshot)
    until(browser, lambda d: texts(d, "tr.rollout-row"), "the rollouts table")
    assert [e.get_attribute("data-namespace") for e in browser.find_elements(By.CSS_SELECTOR, "nav a.ns")] == [
        namespace
    ]
    assert [e.get_attribute("data-name") for e in browser.find_elements(By.CSS_SELECTOR, "tr.rollout-row")] == [
        "checkout"
    ]
    screenshot("all-rollouts")

    browser.find_element(By.ID, "nav-attention").click()
    until(
        browser,
        lambda d: "Paused" in " ".join(texts(d, "#list-attention td.attention")),
        "checkout under Needs attention",
    )
    screenshot("needs-attention")

    open_rollout(browser, namespace, "checkout")
    until(
        browser, lambda d: d.find_element(By.ID, "detail").get_attribute("data-status") == "Paused", "the Paused phase"
    )
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.replicaset")) == 2
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.pod")) >= 2
    screenshot("rollout-paused")

    browser.find_element(By.ID, "action-promote").click()
    until(
        browser, lambda d: d.find_element(By.ID, "flash").text == "rollout 'checkout' promoted", "the promote message"
    )
    wait_for_phase(kube, namespace, "checkout", "Healthy", timeout=90)
    # No reload: the informers' change reaches the page over server-sent events.
    until(
        browser,
        lambda d: d.find_element(By.ID, "detail").get_attribute("data-status") == "Healthy",
        "the live Healthy phase",
    )
    assert browser.find_element(By.ID, "live").text == "live"
    screenshot("rollout-promoted")


def test_a_read_only_user_is_refused_the_same_promote(
    dashboard: DashboardProcess,
    kube: Kube,
    namespace: str,
    service_account_token: Callable[..., str],
    browser: Any,
    screenshot: Callable[[str], Any],
) -> None:
    body = paused_canary("catalog", labels=UNMANAGED)
    body["spec"]["paused"] = True
    kube.create(resources.ROLLOUTS, namespace, body)
    browser.get(f"{dashboard.url}/login")
    browser.find_element(By.ID, "token").send_keys("a-forged-token")
    browser.find_element(By.ID, "sign-in").click()
    message = until(browser, lambda d: d.find_elements(By.ID, "login-error"), "the sign-in refusal")[0].text
    assert message == "The API server did not accept this token."
    screenshot("sign-in-refused")

    sign_in(browser, dashboard, service_account_token(namespace, "viewer", reader_rules()))
    open_rollout(browser, namespace, "catalog")
    browser.find_element(By.ID, "action-promote").click()
    flash = until(browser, lambda d: d.find_element(By.ID, "flash").text, "the refusal")
    assert flash == f"Refused: system:serviceaccount:{namespace}:viewer may not patch rollouts in namespace {namespace}"
    screenshot("refused")
    assert kube.get(resources.ROLLOUTS, namespace, "catalog")["spec"]["paused"] is True
