"""Notifications on the real local control plane with our controller running, delivered to real local receivers.

A Rollout subscribed to Slack (its chat.postMessage API at a configurable apiURL), Teams and a webhook goes
through an update; one receiver fails while the rollout completes, the controller is killed before that delivery
succeeds, and its successor delivers what was still owed, exactly once, and nothing twice.
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import yaml

from helpers import wait_for_phase, wait_until
from notify.receivers import Receivers
from rollouts.cluster.processes import free_ports
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.notify.notifier import CONFIG_MAPS
from rollouts.notify.state import NOTIFIED_ANNOTATION

if TYPE_CHECKING:
    from conftest import ControllerProcess

REPO = Path(__file__).resolve().parents[2]
INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
SUBSCRIBE = "notifications.argoproj.io/subscribe."
SLACK, TEAMS, HOOK = "/slack/chat.postMessage", "/teams/releases", "/hook/events"


@pytest.fixture
def receivers() -> Iterator[Receivers]:
    server = Receivers()
    yield server
    server.close()


def configure(kube: Kube, namespace: str, receivers: Receivers) -> None:
    """Our example configuration, unchanged but for the Slack apiURL and the Secret's values."""
    config_map, secret = yaml.safe_load_all((REPO / "examples" / "notifications" / "configmap.yaml").read_text())
    config_map["data"]["service.slack"] += "apiURL: $slack-api-url\n"
    secret["stringData"] = {
        "slack-token": "xoxb-test",
        "slack-api-url": f"{receivers.url}/slack/",
        "teams-releases-url": f"{receivers.url}/teams/releases",
        "deploy-log-url": f"{receivers.url}/hook",
    }
    kube.create(resources.SECRETS, namespace, secret)
    kube.create(CONFIG_MAPS, namespace, config_map)


def rollout(instance: str) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {
            "name": "notified",
            "labels": {INSTANCE_LABEL: instance},
            "annotations": {
                SUBSCRIBE + "on-rollout-updated.slack": "deploys",
                SUBSCRIBE + "on-rollout-completed.slack": "deploys;releases",
                SUBSCRIBE + "on-rollout-paused.teams": "releases",
                SUBSCRIBE + "on-rollout-step-completed.deploy-log": "",
                SUBSCRIBE + "on-rollout-completed.deploy-log": "",
            },
        },
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "notified"}},
            "template": {
                "metadata": {"labels": {"app": "notified"}},
                "spec": {"containers": [{"name": "app", "image": "argoproj/rollouts-demo:blue"}]},
            },
            "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}},
        },
    }


def free_port() -> int:
    [port] = free_ports(1)
    return port


def set_image(kube: Kube, namespace: str, image: str) -> None:
    change = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}]
    kube.patch(resources.ROLLOUTS, namespace, "notified", change, kind="json")


def slack_texts(receivers: Receivers) -> Counter[tuple[str, str]]:
    return Counter((r.json()["channel"], r.json()["text"]) for r in receivers.accepted(SLACK))


def hook_events(receivers: Receivers) -> Counter[str]:
    return Counter(json.dumps(r.json(), sort_keys=True) for r in receivers.accepted(HOOK))


def test_each_event_is_delivered_once_across_a_restart(
    kube: Kube, start_controller: Callable[..., ControllerProcess], namespace: str, receivers: Receivers
) -> None:
    instance = f"notify-{uuid.uuid4().hex[:6]}"
    configure(kube, namespace, receivers)
    args = (f"--instance-id={instance}", "--no-leader-elect", f"--namespace={namespace}")
    first = start_controller(*args)
    kube.create(resources.ROLLOUTS, namespace, rollout(instance))
    wait_for_phase(kube, namespace, "notified", "Healthy")
    wait_until(
        lambda: slack_texts(receivers)[("releases", "notified is fully promoted.")] == 1, what="initial deploy notified"
    )

    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, "notified", "Paused")
    wait_until(lambda: receivers.accepted(TEAMS), what="paused sent to Teams")
    card = receivers.accepted(TEAMS)[0].json()
    assert card["@type"] == "MessageCard" and card["text"].startswith("notified is paused")
    wait_until(lambda: "step-completed" in str(hook_events(receivers)), what="step completion sent to the webhook")
    assert receivers.accepted(HOOK)[-1].headers["content-type"] == "application/json"
    slack = receivers.accepted(SLACK)[-1]
    assert slack.headers["authorization"] == "Bearer xoxb-test"
    assert slack.json()["attachments"][0]["fields"][1] == {
        "title": "app",
        "value": "argoproj/rollouts-demo:yellow",
        "short": True,
    }

    receivers.failing.add(SLACK)  # Slack is down while the rollout completes
    kube.patch(resources.ROLLOUTS, namespace, "notified", {"status": {"pauseConditions": None}}, subresource="status")
    wait_for_phase(kube, namespace, "notified", "Healthy")
    wait_until(lambda: "completed" in str(hook_events(receivers)), what="completion sent to the webhook")
    wait_until(lambda: "failed (service slack): HTTP 500" in first.output(), what="a warning about Slack")
    # A webhook cannot be unsent, so a send and its record are two steps: kill between deliveries, not inside one.
    # Both steps' completions (setWeight, pause) must be sent and recorded, else one may still be on its way.
    def step_completions_recorded() -> bool:
        annotations = kube.get(resources.ROLLOUTS, namespace, "notified")["metadata"].get("annotations") or {}
        recorded = [key for key in json.loads(annotations.get(NOTIFIED_ANNOTATION) or "{}") if "step-completed" in key]
        sent = sum(n for event, n in hook_events(receivers).items() if "step-completed" in event)
        return sent == 2 and len(recorded) >= sent

    wait_until(step_completions_recorded, what="both step completions sent and recorded")
    first.kill()  # before Slack ever accepted the completion

    receivers.failing.clear()
    port = free_port()
    second = start_controller(*args, f"--metrics-port={port}")
    wait_until(
        lambda: slack_texts(receivers)[("releases", "notified is fully promoted.")] == 2,
        timeout=60,
        what="the owed completion delivered",
    )
    time.sleep(3)  # anything delivered twice would arrive now
    assert second.alive()
    assert slack_texts(receivers) == Counter(
        {
            ("deploys", "notified is moving to a new revision."): 2,  # revisions 1 and 2
            ("deploys", "notified is fully promoted."): 2,
            ("releases", "notified is fully promoted."): 2,
        }
    )
    assert len(receivers.accepted(TEAMS)) == 1
    assert hook_events(receivers)[json.dumps({"event": "completed", "rollout": "notified"}, sort_keys=True)] == 2
    # Two steps, each completion delivered once. (Not one per payload: the body renders the Rollout as it is when
    # sent, so two completions sent after the status reached the last step carry the same step number.)
    assert sum(count for event, count in hook_events(receivers).items() if "step-completed" in event) == 2
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    labels = f'name="notified",namespace="{namespace}",reason="RolloutCompleted",type="Normal"'
    assert f"notification_send_success_total{{{labels}}} 2.0" in metrics, "two Slack completions sent by the second"
    notified = kube.get(resources.ROLLOUTS, namespace, "notified")["metadata"]["annotations"][NOTIFIED_ANNOTATION]
    assert len(json.loads(notified)) >= 8
    warnings = [line for line in first.output().splitlines() if "failed (service slack)" in line]
    assert warnings and all("Traceback" not in line for line in warnings)


def test_a_slow_receiver_never_delays_a_rollout(
    kube: Kube, start_controller: Callable[..., ControllerProcess], namespace: str, receivers: Receivers
) -> None:
    instance = f"notify-slow-{uuid.uuid4().hex[:6]}"
    configure(kube, namespace, receivers)
    receivers.slow.update({HOOK, SLACK})  # both past the notifier's 10 s read timeout
    process = start_controller(f"--instance-id={instance}", "--no-leader-elect", f"--namespace={namespace}")
    subject = rollout(instance)
    subject["spec"]["strategy"]["canary"]["steps"] = [{"setWeight": 50}, {"setWeight": 100}]
    kube.create(resources.ROLLOUTS, namespace, subject)
    wait_for_phase(kube, namespace, "notified", "Healthy")
    started = time.monotonic()
    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, "notified", "Healthy", timeout=20)
    assert time.monotonic() - started < 10, "the update waited for the notifications"
    wait_until(lambda: "ReadTimeoutError" in process.output(), timeout=40, what="a timeout warning")
    warning = next(line for line in process.output().splitlines() if "ReadTimeoutError" in line)
    assert "warning" in warning and "(service " in warning and "retrying" in warning


def test_analysis_run_triggers(
    kube: Kube, start_controller: Callable[..., ControllerProcess], namespace: str, receivers: Receivers
) -> None:
    instance = f"notify-ar-{uuid.uuid4().hex[:6]}"
    configure(kube, namespace, receivers)
    metric = {
        "name": "verdict",
        "interval": "2s",
        "count": 2,
        "failureLimit": 1,
        "successCondition": "result.ok == true",
        "provider": {"web": {"url": f"{receivers.url}/verdict"}},
    }
    template = {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate", "metadata": {"name": "verdict"}}
    kube.create(resources.ANALYSIS_TEMPLATES, namespace, {**template, "spec": {"metrics": [metric]}})
    start_controller(f"--instance-id={instance}", "--no-leader-elect", f"--namespace={namespace}")
    subject = rollout(instance)
    subject["metadata"]["annotations"] = {
        SUBSCRIBE + "on-analysis-run-running.slack": "analysis",
        SUBSCRIBE + "on-analysis-run-failed.slack": "analysis",
        SUBSCRIBE + "on-rollout-aborted.teams": "releases",
    }
    analysis = {"analysis": {"templates": [{"templateName": "verdict"}]}}
    subject["spec"]["strategy"]["canary"]["steps"] = [{"setWeight": 50}, analysis]
    kube.create(resources.ROLLOUTS, namespace, subject)
    wait_for_phase(kube, namespace, "notified", "Healthy")
    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, "notified", "Degraded", timeout=60)
    wait_until(lambda: receivers.accepted(TEAMS), what="the abort sent to Teams")
    expected = Counter(
        {("analysis", "Analysis of notified is running."): 1, ("analysis", "Analysis of notified failed."): 1}
    )
    wait_until(lambda: slack_texts(receivers) == expected, what=f"analysis notifications {expected}")
    time.sleep(2)
    assert slack_texts(receivers) == expected
    assert receivers.accepted(TEAMS)[0].json()["text"].startswith("notified was aborted")
