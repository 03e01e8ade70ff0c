"""Specs the controller cannot carry out yet are rejected at once (issue #15 point 7), naming the field.

Each feature here is valid for Argo Rollouts, so its error is of kind UNSUPPORTED (the controller reports it as
InvalidSpec and does nothing else, instead of failing later against the API server and looping).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from rollouts import api

ROLLOUT: dict[str, Any] = yaml.safe_load(
    """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: demo}
spec:
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec: {containers: [{name: demo, image: nginx}]}
  strategy:
    canary:
      canaryService: demo-canary
      stableService: demo-stable
      trafficRouting: {istio: {virtualService: {name: demo}}}
      steps: [{setWeight: 20}, {pause: {}}]
"""
)

RUN: dict[str, Any] = yaml.safe_load(
    """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: run}
spec:
  metrics:
  - name: rate
    provider: {web: {url: "https://metrics.example.com/rate"}}
"""
)

EXPERIMENT: dict[str, Any] = yaml.safe_load(
    """
apiVersion: argoproj.io/v1alpha1
kind: Experiment
metadata: {name: exp}
spec:
  duration: 1m
  templates:
  - name: baseline
    selector: {matchLabels: {app: base}}
    template: {metadata: {labels: {app: base}}, spec: {containers: [{name: c, image: nginx}]}}
"""
)

CANARY = "spec.strategy.canary"
ROUTING = f"{CANARY}.trafficRouting"
PROVIDERS = "supported: prometheus, web, job, plugin.rollouts/judge"


def _rollout(spec: dict[str, Any] | None = None, canary: dict[str, Any] | None = None) -> dict[str, Any]:
    obj = copy.deepcopy(ROLLOUT)
    obj["spec"].update(spec or {})
    strategy = obj["spec"]["strategy"]
    strategy["canary"] = {
        key: value for key, value in {**strategy["canary"], **(canary or {})}.items() if value is not None
    }
    return obj


def _without_template(**spec: Any) -> dict[str, Any]:
    obj = _rollout(spec)
    del obj["spec"]["template"], obj["spec"]["selector"]
    return obj


def _router(name: str, config: Any) -> dict[str, Any]:
    return _rollout(canary={"trafficRouting": {name: config}})


def _provider(name: str, config: Any) -> dict[str, Any]:
    obj = copy.deepcopy(RUN)
    obj["spec"]["metrics"][0]["provider"] = {name: config}
    return obj


def _web_auth(auth: dict[str, Any]) -> dict[str, Any]:
    return _provider("web", {"url": "https://metrics.example.com/rate", "authentication": auth})


def _router_case(name: str) -> Any:
    supported = "istio, nginx, alb, smi, traefik, apisix, plugins"
    message = f"traffic router {name} is not supported by this controller; supported: {supported}"
    return pytest.param(_router(name, {"x": "y"}), f"{ROUTING}.{name}", message, id=f"router-{name}")


def _provider_case(name: str) -> Any:
    message = f"metric provider {name} is not supported by this controller; {PROVIDERS}"
    return pytest.param(_provider(name, {"query": "x"}), f"spec.metrics[0].provider.{name}", message, id=name)


CASES = [
    pytest.param(
        _without_template(
            workloadRef={"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web", "scaleDown": "onsuccess"}
        ),
        "spec.workloadRef.kind",
        'workloadRef kind must be Deployment, got "ReplicaSet"',
        id="workload-ref-replica-set",
    ),
    pytest.param(
        _rollout(
            {
                "template": {"metadata": {"creationTimestamp": None}, "spec": {"containers": []}},
                "workloadRef": {"apiVersion": "v1", "kind": "PodTemplate", "name": "web"},
            }
        ),
        "spec.workloadRef.kind",
        'workloadRef kind must be Deployment, got "PodTemplate"',
        id="workload-ref-pod-template-with-empty-template",
    ),
    pytest.param(
        _rollout(canary={"replicaProgressThreshold": {"type": "Percent", "value": 90}}),
        f"{CANARY}.replicaProgressThreshold",
        "replicaProgressThreshold is not supported yet; a step completes when all its pods are available",
        id="replica-progress-threshold",
    ),
    pytest.param(
        _rollout(canary={"steps": [{"plugin": {"name": "argoproj-labs/step"}}]}),
        f"{CANARY}.steps[0].plugin",
        "step plugins are not supported by this controller",
        id="step-plugin",
    ),
    *(_router_case(name) for name in ("ambassador", "appMesh")),  # the others are wired (rollouts.traffic)
    *(
        _provider_case(name)
        for name in ("kayenta", "datadog", "wavefront", "newRelic", "cloudWatch", "graphite", "influxdb", "skywalking")
    ),
    pytest.param(
        _provider("plugin", {"argoproj-labs/metric": {}}),
        "spec.metrics[0].provider.plugin.argoproj-labs/metric",
        f"metric provider plugin.argoproj-labs/metric is not supported by this controller; {PROVIDERS}",
        id="metric-plugin",
    ),
    pytest.param(
        _web_auth({"sigv4": {"region": "eu-west-1"}}),
        "spec.metrics[0].provider.web.authentication.sigv4",
        "web metrics support only oauth2 authentication",
        id="web-sigv4",
    ),
    pytest.param(
        _web_auth({"basicAuth": {"username": "u", "password": "p"}}),
        "spec.metrics[0].provider.web.authentication.basicAuth",
        "web metrics support only oauth2 authentication",
        id="web-basic-auth",
    ),
]


@pytest.mark.parametrize(("obj", "path", "message"), CASES)
def test_unsupported_feature_is_rejected_naming_the_field(obj: dict[str, Any], path: str, message: str) -> None:
    errors = api.validate(obj)
    assert [(e.path, e.message, e.kind) for e in errors] == [(path, message, api.UNSUPPORTED)]
    assert api.parse(obj) == errors


def test_the_bases_are_supported() -> None:
    assert api.validate(ROLLOUT) == []
    assert api.validate(RUN) == []
    assert api.validate(EXPERIMENT) == []


PING_PONG = {"pingService": "ping", "pongService": "pong"}
ALB = {"ingress": "web", "servicePort": 80}


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(_rollout({"rollbackWindow": {"revisions": 3}}), id="rollback-window"),
        pytest.param(_rollout({"rollbackWindow": {"revisions": 0}}), id="rollback-window-off"),
        pytest.param(
            _rollout(canary={"canaryService": None, "stableService": None, "pingPong": PING_PONG}),
            id="ping-pong-istio-host-split",
        ),
        pytest.param(_rollout(canary={"pingPong": PING_PONG}), id="ping-pong-next-to-stable-and-canary"),
        pytest.param(
            _rollout(
                canary={
                    "canaryService": None,
                    "stableService": None,
                    "pingPong": PING_PONG,
                    "trafficRouting": {"alb": {**ALB, "rootService": "web"}},
                }
            ),
            id="ping-pong-alb",
        ),
        pytest.param(
            _rollout(canary={"pingPong": PING_PONG, "trafficRouting": None, "canaryService": None}),
            id="ping-pong-without-router",
        ),
    ],
)
def test_rollback_window_and_ping_pong_are_supported(obj: dict[str, Any]) -> None:
    assert api.validate(obj) == []


@pytest.mark.parametrize(
    ("canary", "expected"),
    [
        pytest.param(
            {"pingPong": {"pingService": "ping", "pongService": ""}},
            [f"{CANARY}.pingPong.pongService: required"],
            id="pong-missing",
        ),
        pytest.param(
            {"pingPong": {"pingService": "a", "pongService": "a"}},
            [f"{CANARY}.pingPong.pongService: pingService and pongService must be different Services"],
            id="same-service",
        ),
        pytest.param(
            {"pingPong": PING_PONG, "trafficRouting": {"nginx": {"stableIngress": "web"}}},
            [
                f"{CANARY}.pingPong: ping-pong Services work with the alb, istio and plugin traffic routers only, got nginx"
            ],
            id="router-without-ping-pong",
        ),
        pytest.param(
            {"pingPong": PING_PONG, "trafficRouting": {"alb": ALB}},
            [f"{ROUTING}.alb.rootService: required with ping-pong Services"],
            id="alb-without-root-service",
        ),
    ],
)
def test_ping_pong_mistakes_name_the_field(canary: dict[str, Any], expected: list[str]) -> None:
    assert [str(error) for error in api.validate(_rollout(canary=canary))] == expected
