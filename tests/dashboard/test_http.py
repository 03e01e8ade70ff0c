"""The dashboard over plain HTTP against the real cluster: sign-in, SubjectAccessReview filtering, CSRF, proxy mode."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from dashboard_support import UNMANAGED, DashboardProcess, grant, operator_rules, paused_canary, reader_rules, signed_in

from helpers import wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube

pytestmark = pytest.mark.cluster


def rollout_names(session: requests.Session, base_url: str) -> list[tuple[str, str]]:
    rows = session.get(f"{base_url}/api/rollouts", timeout=10).json()["rollouts"]
    return [(row["namespace"], row["name"]) for row in rows]


def test_nobody_signed_in_gets_the_sign_in_form_and_clear_errors(dashboard: DashboardProcess) -> None:
    assert requests.get(f"{dashboard.url}/", allow_redirects=False, timeout=10).headers["location"] == "/login"
    answer = requests.get(f"{dashboard.url}/api/rollouts", timeout=10)
    assert (answer.status_code, answer.json()) == (401, {"error": "sign in first"})
    refused = requests.post(f"{dashboard.url}/login", data={"token": "not-a-token"}, allow_redirects=False, timeout=10)
    assert refused.status_code == 401
    assert "did not accept this token" in refused.text and "Traceback" not in refused.text
    assert "set-cookie" not in refused.headers


def test_each_user_sees_only_the_namespaces_their_rbac_allows(
    dashboard: DashboardProcess,
    kube: Kube,
    namespace: str,
    other_namespace: str,
    service_account_token: Callable[..., str],
) -> None:
    kube.create(resources.ROLLOUTS, namespace, paused_canary("mine", labels=UNMANAGED))
    kube.create(resources.ROLLOUTS, other_namespace, paused_canary("theirs", labels=UNMANAGED))
    session = signed_in(dashboard.url, service_account_token(namespace, "reader", reader_rules()))

    assert wait_until(lambda: rollout_names(session, dashboard.url), what="the reader's rollouts") == [
        (namespace, "mine")
    ]
    assert session.get(f"{dashboard.url}/api/namespaces", timeout=10).json() == {"namespaces": [namespace]}
    forbidden = session.get(f"{dashboard.url}/api/rollouts/{other_namespace}/theirs", timeout=10)
    assert forbidden.status_code == 403 and "may not get rollouts" in forbidden.json()["error"]
    tree = session.get(f"{dashboard.url}/api/rollouts/{namespace}/mine", timeout=10).json()
    assert (tree["name"], tree["strategy"]) == ("mine", "Canary")
    cookie = session.cookies.get_dict()
    assert list(cookie) == ["rollouts_dashboard_session"]
    header = requests.post(f"{dashboard.url}/login", data={"token": "x"}, timeout=10).headers
    assert "HttpOnly" not in header.get("set-cookie", "")  # a refused sign-in sets nothing ...
    fresh = requests.post(
        f"{dashboard.url}/login",
        data={"token": service_account_token(namespace, "reader2", reader_rules())},
        allow_redirects=False,
        timeout=10,
    )
    assert (
        "HttpOnly" in fresh.headers["set-cookie"] and "SameSite=strict" in fresh.headers["set-cookie"]
    )  # ... a good one HttpOnly


def test_actions_need_the_sessions_csrf_token_and_our_origin(
    dashboard: DashboardProcess, kube: Kube, namespace: str, service_account_token: Callable[..., str]
) -> None:
    kube.create(resources.ROLLOUTS, namespace, paused_canary("web", labels=UNMANAGED))
    session = signed_in(dashboard.url, service_account_token(namespace, "operator", operator_rules()))
    csrf = session.get(f"{dashboard.url}/api/session", timeout=10).json()["csrf"]
    pause = f"{dashboard.url}/api/rollouts/{namespace}/web/pause"
    wait_until(lambda: rollout_names(session, dashboard.url), what="the rollout in the dashboard's cache")

    attempts: list[dict[str, Any]] = [
        {},
        {"X-CSRF-Token": "guess"},
        {"X-CSRF-Token": csrf, "Origin": "http://evil.example"},
    ]
    for headers in attempts:
        answer = session.post(pause, headers=headers, timeout=10)
        assert answer.status_code == 403, (headers, answer.text)
    assert "paused" not in kube.get(resources.ROLLOUTS, namespace, "web")["spec"]

    done = session.post(pause, headers={"X-CSRF-Token": csrf}, timeout=10)
    assert done.json() == {"message": "rollout 'web' paused"}
    assert kube.get(resources.ROLLOUTS, namespace, "web")["spec"]["paused"] is True


def test_behind_a_proxy_the_header_names_the_user_and_rbac_still_applies(
    proxied_dashboard: DashboardProcess, kube: Kube, namespace: str
) -> None:
    url = proxied_dashboard.url
    kube.create(resources.ROLLOUTS, namespace, paused_canary("api", labels=UNMANAGED))
    grant(
        kube,
        namespace,
        "alice-reads",
        reader_rules(),
        {"kind": "User", "name": "alice", "apiGroup": "rbac.authorization.k8s.io"},
    )
    alice, mallory = {"X-Forwarded-User": "alice"}, {"X-Forwarded-User": "mallory"}

    assert requests.get(f"{url}/api/namespaces", timeout=10).status_code == 401
    assert wait_until(
        lambda: requests.get(f"{url}/api/namespaces", headers=alice, timeout=10).json()["namespaces"]
    ) == [namespace]
    assert requests.get(f"{url}/api/namespaces", headers=mallory, timeout=10).json() == {"namespaces": []}

    session = requests.Session()
    csrf = session.get(f"{url}/api/session", headers=alice, timeout=10).json()["csrf"]
    refused = session.post(
        f"{url}/api/rollouts/{namespace}/api/pause", headers={**alice, "X-CSRF-Token": csrf}, timeout=10
    )
    assert refused.status_code == 403 and "alice may not patch rollouts" in refused.json()["error"]
    hijack = session.post(
        f"{url}/api/rollouts/{namespace}/api/pause", headers={**mallory, "X-CSRF-Token": csrf}, timeout=10
    )
    assert hijack.status_code == 401  # alice's session is not mallory's
    assert "paused" not in kube.get(resources.ROLLOUTS, namespace, "api")["spec"]


def test_live_events_carry_only_the_namespaces_the_user_may_list(
    dashboard: DashboardProcess,
    kube: Kube,
    namespace: str,
    other_namespace: str,
    service_account_token: Callable[..., str],
) -> None:
    session = signed_in(dashboard.url, service_account_token(namespace, "watcher", reader_rules()))
    with session.get(f"{dashboard.url}/api/events", stream=True, timeout=30) as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.iter_lines(decode_unicode=True)
        assert next(lines) == "retry: 2000"
        kube.create(resources.ROLLOUTS, other_namespace, paused_canary("hidden", labels=UNMANAGED))
        kube.create(resources.ROLLOUTS, namespace, paused_canary("shown", labels=UNMANAGED))
        changes = []
        for line in lines:
            if line.startswith('data: {"namespaces"'):
                changes.append(json.loads(line.removeprefix("data: "))["namespaces"])
                if changes[-1] == [namespace]:
                    break
    assert all(change == [namespace] for change in changes), changes


def test_signing_out_needs_the_csrf_token_and_ends_the_session(
    dashboard: DashboardProcess, namespace: str, service_account_token: Callable[..., str]
) -> None:
    session = signed_in(dashboard.url, service_account_token(namespace, "leaver", reader_rules()))
    csrf = session.get(f"{dashboard.url}/api/session", timeout=10).json()["csrf"]
    assert session.post(f"{dashboard.url}/logout", timeout=10).status_code == 403
    assert session.get(f"{dashboard.url}/api/namespaces", timeout=10).status_code == 200
    assert session.post(f"{dashboard.url}/logout", headers={"X-CSRF-Token": csrf}, timeout=10).json() == {
        "signedOut": True
    }
    assert session.get(f"{dashboard.url}/api/namespaces", timeout=10).status_code == 401
