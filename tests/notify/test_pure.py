"""Table tests of the pure notification modules: Go templates, configuration, subscriptions, triggers, state."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from rollouts.notify.config import parse_config
from rollouts.notify.deliveries import Occurrence, owed
from rollouts.notify.gotemplate import TemplateError
from rollouts.notify.messages import MAX_MESSAGE, MAX_PAYLOAD, MessageError, request_for
from rollouts.notify.render import render
from rollouts.notify.state import MAX_ENTRIES, NOTIFIED_ANNOTATION, read_state, state_patch, updated_state
from rollouts.notify.subscriptions import Destination, destinations, selector_matches
from rollouts.notify.triggers import trigger_for

REPO = Path(__file__).resolve().parents[2]
# Argo's own example, read where it is shared next to the repository (or next to the worktrees' parent).
ARGO_EXAMPLE = next(
    (
        base / "shared" / "argo-manifests" / "examples" / "notifications"
        for base in (REPO.parent, REPO.parent.parent)
        if (base / "shared").is_dir()
    ),
    REPO.parent / "shared" / "argo-manifests" / "examples" / "notifications",
)
OURS = REPO / "examples" / "notifications" / "configmap.yaml"
NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def argo_rollout() -> dict[str, Any]:
    documents = yaml.safe_load_all((ARGO_EXAMPLE / "rollout-canary.yaml").read_text())
    rollout: dict[str, Any] = next(d for d in documents if d["kind"] == "Rollout")
    rollout["metadata"].update(namespace="demo", labels={"team": "payments"})
    rollout["status"] = {"currentStepIndex": 1, "message": "CanaryPauseStep"}
    return rollout


def our_config() -> tuple[dict[str, Any], dict[str, Any]]:
    config_map, secret = yaml.safe_load_all(OURS.read_text())
    return config_map, secret


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{.rollout.metadata.name}}", "rollout-canary"),
        ("{{ .rollout.spec.replicas }}", "5"),
        (
            "{{if .rollout.spec.strategy.blueGreen}}BlueGreen{{end}}{{if .rollout.spec.strategy.canary}}Canary{{end}}",
            "Canary",
        ),
        ("{{if not .rollout.spec.paused}}running{{else}}paused{{end}}", "running"),
        (
            "{{range $i, $c := .rollout.spec.template.spec.containers}}{{if $i}},{{end}}{{$c.name}}={{$c.image}}{{end}}",
            "rollouts-demo=argoproj/rollouts-demo:blue",
        ),
        ("step {{ add .rollout.status.currentStepIndex 1}}/{{len .rollout.spec.strategy.canary.steps}}", "step 2/8"),
        ("a  {{- .rollout.spec.replicas -}}  b", "a5b"),
        ('{{if eq .rollout.metadata.namespace "prod" "demo"}}yes{{end}}', "yes"),
        ('{{.rollout.metadata.name | upper | printf "%s!"}}', "ROLLOUT-CANARY!"),
        ("{{.rollout.status.nothing}}", "<no value>"),
        ("{{with .rollout.status.message}}[{{.}}]{{end}}", "[CanaryPauseStep]"),
        ("{{range .rollout.status.none}}x{{else}}empty{{end}}", "empty"),
        ('{{index .rollout.metadata.labels "team"}}', "payments"),
    ],
)
def test_go_template_subset(source: str, expected: str) -> None:
    assert render("t", source, {"rollout": argo_rollout()}) == expected


@pytest.mark.parametrize(
    ("source", "position", "reason"),
    [
        ("{{if .a}}open", "line 1, column 3", "unclosed {{if}}"),
        ("line\n  {{ nope 1 }}", "line 2, column 5", 'function "nope" not defined'),
        ('{{define "x"}}{{end}}', "line 1, column 3", "{{define}} is not supported"),
        ("{{end}}", "line 1, column 3", "{{end}} without"),
        ("{{ .a | }}", "line 1, column 3", "missing value"),
        ("{{ $x }}", "line 1, column 3", 'undefined variable "$x"'),
        ("{{ .a", "line 1, column 1", "unclosed action"),
    ],
)
def test_template_errors_name_template_and_position(source: str, position: str, reason: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render("template.x.message", source, {"a": 1})
    assert caught.value.template == "template.x.message"
    assert caught.value.position == position
    assert reason in caught.value.reason


def test_template_cost_is_bounded() -> None:
    with pytest.raises(TemplateError, match="steps|output"):
        render("t", "{{range $i := .n}}{{range $j := $.n}}{{range $k := $.n}}xxxxxxxx{{end}}{{end}}{{end}}", {"n": 200})


def test_argo_example_configuration_loads_unchanged() -> None:
    config_map = yaml.safe_load((ARGO_EXAMPLE / "configmap.yaml").read_text())
    config = parse_config(config_map, {"data": {"slack-token": "eG94Yi0x"}})
    assert config.problems == []
    assert config.services["slack"].options == {"token": "xoxb-1"}
    assert config.triggers["on-purple"][0].send == ("my-purple-template",)
    assert config.triggers["on-purple"][0].when is not None
    assert (
        render("m", config.templates["my-purple-template"]["message"], {"rollout": argo_rollout()})
        == "Rollout rollout-canary has purple image\n"
    )


def test_our_example_renders_every_template_against_a_rollout() -> None:
    config_map, secret = our_config()
    config = parse_config(config_map, secret)
    assert config.problems == []
    assert config.services["releases" if False else "teams"].options["recipientUrls"]["releases"].startswith("https://")
    rollout = argo_rollout()
    rollout["metadata"]["annotations"] = {
        "notifications.argoproj.io/subscribe.on-rollout-updated.slack": "ch",
        "rollout.argoproj.io/revision": "2",
    }
    found, problems = owed([Occurrence("e1", "RolloutUpdated", NOW)], rollout, config, {}, NOW)
    assert problems == []
    (delivery,) = found
    body = json.loads(delivery.request.body) if delivery.request else {}
    assert body["channel"] == "ch" and body["text"] == "rollout-canary is moving to a new revision."
    assert body["attachments"][0]["fields"][1] == {
        "title": "rollouts-demo",
        "value": "argoproj/rollouts-demo:blue",
        "short": True,
    }


@pytest.mark.parametrize(
    ("reason", "trigger"),
    [
        ("RolloutUpdated", "on-rollout-updated"),
        ("RolloutStepCompleted", "on-rollout-step-completed"),
        ("RolloutPaused", "on-rollout-paused"),
        ("RolloutCompleted", "on-rollout-completed"),
        ("RolloutAborted", "on-rollout-aborted"),
        ("AnalysisRunRunning", "on-analysis-run-running"),
        ("AnalysisRunFailed", "on-analysis-run-failed"),
        ("AnalysisRunError", "on-analysis-run-error"),
        ("ScalingReplicaSet", "on-scaling-replica-set"),
    ],
)
def test_event_reasons_map_to_argo_triggers(reason: str, trigger: str) -> None:
    assert trigger_for(reason) == trigger


def test_subscriptions_from_annotations_defaults_and_global() -> None:
    config = parse_config(
        {
            "data": {
                "defaultTriggers": "- on-rollout-completed\n",
                "defaultTriggers.teams": "- on-rollout-aborted\n",
                "subscriptions": "- recipients: [slack:ops]\n  triggers: [on-rollout-aborted]\n  selector: team in (payments, search)\n",
            }
        },
        None,
    )
    annotations = {
        "notifications.argoproj.io/subscribe.on-rollout-aborted.slack": "a; b",
        "notifications.argoproj.io/subscribe.slack": "c",
        "notifications.argoproj.io/subscribe.teams": "t",
        "unrelated": "x",
    }
    labels = {"team": "payments"}
    assert destinations("on-rollout-aborted", annotations, labels, config) == [
        Destination("slack", "a"),
        Destination("slack", "b"),
        Destination("slack", "ops"),
        Destination("teams", "t"),
    ]
    assert destinations("on-rollout-completed", annotations, labels, config) == [Destination("slack", "c")]
    assert destinations("on-rollout-aborted", {}, {"team": "web"}, config) == []


@pytest.mark.parametrize(
    ("selector", "labels", "matches"),
    [
        ("", {}, True),
        ("a=b", {"a": "b"}, True),
        ("a!=b", {"a": "b"}, False),
        ("a,!c", {"a": "x"}, True),
        ("a notin (x)", {"a": "x"}, False),
        ("a b", {}, False),
    ],
)
def test_label_selector(selector: str, labels: dict[str, str], matches: bool) -> None:
    assert selector_matches(selector, labels) is matches


def test_config_problems_name_the_key() -> None:
    config = parse_config(
        {
            "data": {
                "trigger.bad": "- send: x\n",
                "template.worse": "message: '{{if .a}}'\n",
                "trigger.expr": "- send: [t]\n  when: a ==\n",
                "service.email": "host: x\n",
                "template.ok": "message: hi\n",
            }
        },
        None,
    )
    assert [p.split(":")[0] for p in config.problems] == [
        "template.worse.message",
        "trigger.bad[0].send",
        "trigger.expr[0].when",
        "service.email",
    ]
    assert "ok" in config.templates


def test_delivered_once_and_state_bounded() -> None:
    config = parse_config(
        {
            "data": {
                "trigger.on-rollout-completed": "- send: [t]\n",
                "template.t": "message: done\n",
                "service.webhook.hook": "url: http://h/\n",
            }
        },
        None,
    )
    annotations = {"notifications.argoproj.io/subscribe.on-rollout-completed.hook": ""}
    rollout: dict[str, Any] = {"metadata": {"name": "r", "annotations": annotations}}
    occurrences = [
        Occurrence("ev1", "RolloutCompleted", NOW),
        Occurrence("old", "RolloutCompleted", datetime(2026, 12, 2, 11, 0, tzinfo=UTC)),
    ]
    found, _ = owed(occurrences, rollout, config, {}, NOW)
    assert [d.key for d in found] == ["ev1:on-rollout-completed:0:hook:"]
    state = updated_state({}, [found[0].key], NOW, 600)
    annotations[NOTIFIED_ANNOTATION] = state_patch(state)["metadata"]["annotations"][NOTIFIED_ANNOTATION]
    assert owed(occurrences, rollout, config, read_state(rollout), NOW)[0] == []
    many = updated_state({f"k{i}": int(NOW.timestamp()) for i in range(500)}, ["new"], NOW, 600)
    assert len(many) == MAX_ENTRIES and "new" in many
    assert updated_state({"stale": int(NOW.timestamp()) - 5000}, [], NOW, 600) == {}


def test_payloads_are_bounded() -> None:
    service = parse_config({"data": {"service.slack": "token: t\napiURL: http://127.0.0.1:1/api\n"}}, None).services[
        "slack"
    ]
    long = {"message": "x" * (MAX_MESSAGE * 2), "slack": {}, "teams": {}, "webhook": {}}
    request = request_for(service, Destination("slack", "ch"), long)
    assert request.url == "http://127.0.0.1:1/api/chat.postMessage"
    assert len(json.loads(request.body)["text"]) == MAX_MESSAGE
    huge = {**long, "slack": {"attachments": json.dumps([{"text": "y" * MAX_PAYLOAD}])}}
    with pytest.raises(MessageError, match="over the 65536-byte limit"):
        request_for(service, Destination("slack", "ch"), huge)
    with pytest.raises(MessageError, match="slack.attachments is not valid JSON"):
        request_for(service, Destination("slack", "ch"), {**long, "slack": {"attachments": "[{"}})


def test_example_rollout_subscribes_to_configured_triggers_and_services() -> None:
    config = parse_config(*our_config())
    example = yaml.safe_load((OURS.parent / "rollout.yaml").read_text())
    annotations = example["metadata"]["annotations"]
    for key in annotations:
        trigger, service = key.removeprefix("notifications.argoproj.io/subscribe.").split(".")
        assert trigger in config.triggers and service in config.services, key
        assert destinations(trigger, annotations, {}, config)
