"""AWS ALB (pure translation): forward-action annotations with Argo's JSON, rootService, several ingresses and ports,
stickiness, header routes (action, conditions, use-annotation path), the managed-annotations record, release."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from traffic_helpers import Cluster, header, rollout, split

from rollouts.plan.actions import AdditionalDestination
from rollouts.traffic import registry
from rollouts.traffic.alb import INGRESSES, MANAGED_ANNOTATION
from rollouts.traffic.router import ObjectKey, RoutingError

KEY = ObjectKey(INGRESSES, "shop", "web")
ACTION = "alb.ingress.kubernetes.io/actions.web-stable"


def ingress(root: str = "web-stable", name: str = "web") -> dict[str, Any]:
    path = {
        "path": "/*",
        "pathType": "ImplementationSpecific",
        "backend": {"service": {"name": root, "port": {"name": "use-annotation"}}},
    }
    return {
        "metadata": {"name": name, "annotations": {"team": "shop"}},
        "spec": {"rules": [{"http": {"paths": [path]}}]},
    }


def forward(*groups: tuple[str, str, int], sticky: int | None = None) -> dict[str, Any]:
    config: dict[str, Any] = {"TargetGroups": [{"ServiceName": s, "ServicePort": p, "Weight": w} for s, p, w in groups]}
    if sticky:
        config["TargetGroupStickinessConfig"] = {"Enabled": True, "DurationSeconds": sticky}
    return {"Type": "forward", "ForwardConfig": config}


def annotation(cluster: Cluster, key: str, at: ObjectKey = KEY) -> Any:
    return json.loads(cluster[at]["metadata"]["annotations"][key])


def test_the_forward_action_follows_the_steps_as_argo_writes_it() -> None:
    router = registry.routers_for(rollout({"alb": {"ingress": "web", "servicePort": 80}}))[0]
    cluster = Cluster({KEY: ingress()})
    for weight in (10, 50, 0):
        (edit,) = cluster.route(router, split(weight))
        assert edit.event == ("PatchingALBIngress", f"Updating Ingress `web` to desiredWeight '{weight}'")
        assert annotation(cluster, ACTION) == forward(("web-canary", "80", weight), ("web-stable", "80", 100 - weight))
    raw = cluster[KEY]["metadata"]["annotations"][ACTION]
    assert raw.startswith(
        '{"Type":"forward","ForwardConfig":{"TargetGroups":[{"ServiceName":"web-canary"'
    )  # Go's compact JSON
    assert annotation(cluster, MANAGED_ANNOTATION) == {"web": [ACTION]}
    assert cluster[KEY]["metadata"]["annotations"]["team"] == "shop"
    assert router.verify(cluster.objects(router), split(0)).verified is None  # no AWS calls


def test_root_service_ports_ingresses_and_stickiness() -> None:
    config = {
        "ingresses": ["web", "api"],
        "servicePort": 80,
        "servicePorts": [{"ingress": "api", "servicePorts": [8080, 8443]}],
        "rootService": "web",
        "stickinessConfig": {"enabled": True, "durationSeconds": 300},
    }
    router = registry.routers_for(rollout({"alb": config}))[0]
    api_key = ObjectKey(INGRESSES, "shop", "api")
    cluster = Cluster({KEY: ingress("web"), api_key: ingress("web", name="api")})
    cluster.route(router, split(20))
    action = "alb.ingress.kubernetes.io/actions.web"
    assert annotation(cluster, action) == forward(("web-canary", "80", 20), ("web-stable", "80", 80), sticky=300)
    expected = forward(
        ("web-canary", "8080", 20),
        ("web-canary", "8443", 20),
        ("web-stable", "8080", 80),
        ("web-stable", "8443", 80),
        sticky=300,
    )
    assert annotation(cluster, action, api_key) == expected


def test_header_routes_appear_and_disappear() -> None:
    router = registry.routers_for(rollout({"alb": {"ingress": "web", "servicePort": 80}}, managed=["beta"]))[0]
    cluster = Cluster({KEY: ingress()})
    cluster.route(router, split(10, header("beta", "X-Beta", exact="1")))
    assert annotation(cluster, "alb.ingress.kubernetes.io/actions.beta") == forward(("web-canary", "80", 100))
    conditions = [{"field": "http-header", "httpHeaderConfig": {"httpHeaderName": "X-Beta", "values": ["1"]}}]
    assert annotation(cluster, "alb.ingress.kubernetes.io/conditions.beta") == conditions
    paths = cluster[KEY]["spec"]["rules"][0]["http"]["paths"]
    assert [p["backend"]["service"]["name"] for p in paths] == ["beta", "web-stable"]
    assert paths[0]["backend"]["service"]["port"] == {"name": "use-annotation"}
    managed = ["alb.ingress.kubernetes.io/actions.beta", "alb.ingress.kubernetes.io/conditions.beta"]
    assert annotation(cluster, MANAGED_ANNOTATION) == {"web": [ACTION, *managed]}
    cluster.route(router, split(10))
    assert cluster[KEY]["spec"] == ingress()["spec"]
    assert set(cluster[KEY]["metadata"]["annotations"]) == {"team", ACTION, MANAGED_ANNOTATION}
    assert annotation(cluster, MANAGED_ANNOTATION) == {"web": [ACTION]}


def test_release_leaves_the_action_all_stable_without_header_routes() -> None:
    router = registry.routers_for(rollout({"alb": {"ingress": "web", "servicePort": 80}}, managed=["beta"]))[0]
    cluster = Cluster({KEY: ingress()})
    cluster.route(router, split(30, header("beta")))
    cluster.release(router)
    assert cluster[KEY]["spec"] == ingress()["spec"]
    assert annotation(cluster, ACTION) == forward(("web-canary", "80", 0), ("web-stable", "80", 100))


def test_other_rollouts_entries_in_the_record_are_kept() -> None:
    router = registry.routers_for(rollout({"alb": {"ingress": "web", "servicePort": 80}}))[0]
    shared = ingress()
    shared["metadata"]["annotations"][MANAGED_ANNOTATION] = json.dumps(
        {"api": ["alb.ingress.kubernetes.io/actions.api"]}
    )
    cluster = Cluster({KEY: shared})
    cluster.route(router, split(10))
    assert annotation(cluster, MANAGED_ANNOTATION) == {
        "api": ["alb.ingress.kubernetes.io/actions.api"],
        "web": [ACTION],
    }


@pytest.mark.parametrize(
    ("the_ingress", "step", "message"),
    [
        pytest.param(
            ingress("other"), None, "ingress does not have service `web-stable` in rules", id="no-root-service"
        ),
        pytest.param(
            ingress(), header("beta", regex="x"), "ALB matches headers by exact value only", id="regex-header"
        ),
    ],
)
def test_errors_name_what_is_wrong(the_ingress: dict[str, Any], step: Any, message: str) -> None:
    router = registry.routers_for(rollout({"alb": {"ingress": "web", "servicePort": 80}}, managed=["beta"]))[0]
    with pytest.raises(RoutingError, match=message):
        router.set_weight({KEY: the_ingress}, split(10, *([step] if step else [])))


def test_experiment_templates_get_target_groups_between_canary_and_stable_as_argo_writes_them() -> None:
    """Argo's TestALBExperimentStep: canary 10, the template 20, stable the rest; gone again after the step."""
    router = registry.routers_for(rollout({"alb": {"ingress": "web", "servicePort": 80}}))[0]
    cluster = Cluster({KEY: ingress()})
    extra = (AdditionalDestination("web-exp-a", "a1", 20), AdditionalDestination("web-exp-b", "b1", 20))
    cluster.route(router, replace(split(10), stable_weight=50, additional=extra))
    raw = cluster[KEY]["metadata"]["annotations"][ACTION]
    groups = [("web-canary", 10), ("web-exp-a", 20), ("web-exp-b", 20), ("web-stable", 50)]
    expected = ",".join(f'{{"ServiceName":"{s}","ServicePort":"80","Weight":{w}}}' for s, w in groups)
    assert raw == f'{{"Type":"forward","ForwardConfig":{{"TargetGroups":[{expected}]}}}}'
    cluster.route(router, split(10))
    assert annotation(cluster, ACTION) == forward(("web-canary", "80", 10), ("web-stable", "80", 90))
