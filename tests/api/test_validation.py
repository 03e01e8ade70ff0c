"""validate(): every problem is reported with the path of the field at fault, and never as an exception."""

from __future__ import annotations

import copy
import datetime
from typing import Any

import pytest
import yaml

from rollouts import api

CANARY = yaml.safe_load(
    """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: demo}
spec:
  replicas: 3
  selector: {matchLabels: {app: demo}}
  template:
    metadata: {labels: {app: demo}}
    spec: {containers: [{name: demo, image: nginx, resources: {requests: {memory: 64Mi}}}]}
  strategy:
    canary:
      steps: [{setWeight: 20}, {pause: {duration: 10}}, {setWeight: 60}]
"""
)

ISTIO = yaml.safe_load(
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
      trafficRouting:
        managedRoutes: [{name: header}, {name: mirror}]
        istio: {virtualService: {name: demo, routes: [primary]}}
      steps:
      - setWeight: 20
      - setHeaderRoute: {name: header, match: [{headerName: agent, headerValue: {prefix: curl}}]}
      - setMirrorRoute: {name: mirror, percentage: 10, match: [{path: {prefix: /api}}]}
      - setCanaryScale: {replicas: 1}
      - pause: {}
"""
)

BLUE_GREEN = yaml.safe_load(
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
    blueGreen: {activeService: demo-active, previewService: demo-preview, autoPromotionEnabled: false}
"""
)

TEMPLATE = yaml.safe_load(
    """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: check}
spec:
  args: [{name: url}]
  metrics:
  - name: web
    interval: 10s
    count: 3
    failureLimit: 1
    successCondition: result == true
    provider: {web: {url: "{{args.url}}", jsonPath: "{$.ok}"}}
  - name: job
    provider:
      job:
        spec:
          backoffLimit: 0
          template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox}]}}
"""
)

RUN = yaml.safe_load(
    """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: run}
spec:
  metrics:
  - name: rate
    provider: {prometheus: {address: "http://prometheus:9090", query: "vector(1)"}}
"""
)

EXPERIMENT = yaml.safe_load(
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
  analyses: [{name: check, templateName: check}]
"""
)

CLUSTER_TEMPLATE = {**TEMPLATE, "kind": "ClusterAnalysisTemplate"}

UNSET = object()


def changed(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of `base` with fields set (or removed when UNSET); `spec__steps__0` names spec.steps[0]."""
    obj = copy.deepcopy(base)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = obj
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node.setdefault(key, {})
        if value is UNSET:
            del node[last]
        elif isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return obj


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(CANARY, id="canary"),
        pytest.param(ISTIO, id="istio"),
        pytest.param(BLUE_GREEN, id="blue-green"),
        pytest.param(TEMPLATE, id="analysis-template"),
        pytest.param(CLUSTER_TEMPLATE, id="cluster-analysis-template"),
        pytest.param(RUN, id="analysis-run"),
        pytest.param(changed(CANARY, spec__strategy__canary={}), id="canary-without-steps"),
        pytest.param(changed(CANARY, spec__strategy__canary__steps=[{"pause": {}}]), id="indefinite-pause"),
        pytest.param(
            changed(
                CANARY, spec__strategy__canary__steps=[{"pause": {"duration": d}} for d in ("1h30m", "30", "250ms")]
            ),
            id="pause-duration-forms",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps=[{"setWeight": 0}, {"setWeight": 100}]), id="weight-bounds"
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__maxSurge="3", spec__strategy__canary__maxUnavailable=0),
            id="surge-string",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__maxSurge=0, spec__strategy__canary__maxUnavailable=1),
            id="surge-zero",
        ),
        pytest.param(
            changed(
                CANARY,
                spec__selector={"matchExpressions": [{"key": "app", "operator": "In", "values": ["demo", "x"]}]},
            ),
            id="selector-expressions",
        ),
        pytest.param(
            changed(
                ISTIO,
                spec__strategy__canary__canaryService=UNSET,
                spec__strategy__canary__stableService=UNSET,
                spec__strategy__canary__trafficRouting__istio__destinationRule={
                    "name": "demo",
                    "canarySubsetName": "canary",
                    "stableSubsetName": "stable",
                },
            ),
            id="istio-subset-split-needs-no-services",
        ),
        pytest.param(
            changed(
                ISTIO,
                spec__strategy__canary__trafficRouting__istio={"virtualServices": [{"name": "a"}, {"name": "b"}]},
            ),
            id="istio-several-virtual-services",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__count="{{args.count}}", spec__metrics__0__interval="{{args.every}}"),
            id="templated-numbers",
        ),
        pytest.param(
            changed(
                TEMPLATE,
                spec__metrics__0__provider={"web": {"method": "POST", "url": "https://x", "jsonBody": {"a": 1}}},
            ),
            id="web-post-json-body",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics=UNSET, spec__templates=[{"templateName": "a"}, {"templateName": "b"}]),
            id="template-composition-only",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__failureLimit=-1, spec__metrics__0__consecutiveSuccessLimit=2),
            id="failure-limit-disabled-with-success-limit",
        ),
        pytest.param(
            changed(
                CANARY,
                spec__strategy__canary__steps=[
                    {
                        "analysis": {
                            "templates": [{"templateName": "t"}],
                            "args": [
                                {"name": "a", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['env']"}}},
                                {
                                    "name": "b",
                                    "valueFrom": {"fieldRef": {"fieldPath": "status.canary.weights.canary.weight"}},
                                },
                                {"name": "c", "valueFrom": {"podTemplateHashValue": "Stable"}},
                            ],
                        }
                    }
                ],
            ),
            id="rollout-analysis-args",
        ),
        pytest.param(
            # Argo's APISIX e2e fixture: a route step may ride along with a pause (or setWeight, ...), as in Argo.
            changed(
                ISTIO,
                spec__strategy__canary__steps=[
                    {
                        "setCanaryScale": {"replicas": 1},
                        "setHeaderRoute": {"name": "header", "match": [{"headerName": "a", "headerValue": {"exact": "b"}}]},
                        "pause": {"duration": 15},
                    },
                    {"setWeight": 20, "setMirrorRoute": {"name": "mirror", "percentage": 10}},
                ],
            ),
            id="step-kinds-combined-with-one-of-weight-pause-analysis-experiment",
        ),
    ],
)
def test_valid_objects_have_no_errors(obj: dict[str, Any]) -> None:
    assert [str(e) for e in api.validate(obj)] == []
    assert isinstance(api.parse(obj), api.KubeModel)


STEP = api.validation.STEP_MESSAGE


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        # --- shapes and types
        pytest.param([], "an object must be a mapping", id="not-a-mapping"),
        pytest.param(
            {"kind": "Deployment"},
            'kind: unknown kind "Deployment"; expected one of Rollout, '
            "AnalysisTemplate, ClusterAnalysisTemplate, AnalysisRun, Experiment",
            id="unknown-kind",
        ),
        pytest.param(
            changed(CANARY, apiVersion="argoproj.io/v1"),
            'apiVersion: must be argoproj.io/v1alpha1, got "argoproj.io/v1"',
            id="api-version",
        ),
        pytest.param(changed(CANARY, spec=UNSET), "spec: required", id="spec-missing"),
        pytest.param(changed(CANARY, spec="x"), 'spec: must be an object, got "x"', id="spec-not-object"),
        pytest.param(
            changed(CANARY, spec__replicas="three"),
            'spec.replicas: must be an integer, got "three"',
            id="replicas-type",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__1={"pause": {"duration": [1]}}),
            "spec.strategy.canary.steps[1].pause.duration: must be an integer or a string",
            id="nested-index-type",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__maxSurge=1.5),
            "spec.strategy.canary.maxSurge: must be an integer or a string, got 1.5",
            id="int-or-string-type",
        ),
        pytest.param(
            changed(CANARY, spec__replicas=-1),
            "spec.replicas: must be greater than or equal to 0, got -1",
            id="replicas-negative",
        ),
        # --- steps
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__2={"setWeight": 10, "pause": {}}),
            f"spec.strategy.canary.steps[2]: {STEP}",
            id="step-with-two-kinds",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__2={"setWeight": 10, "analysis": {"templates": [{"templateName": "t"}]}}),
            f"spec.strategy.canary.steps[2]: {STEP}",
            id="step-with-weight-and-analysis",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__1={}),
            f"spec.strategy.canary.steps[1]: {STEP}",
            id="empty-step",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__0={"setWeigth": 10}),
            f"spec.strategy.canary.steps[0]: {STEP}",
            id="misspelt-step",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__0={"setWeight": 101}),
            "spec.strategy.canary.steps[0].setWeight: must be between 0 and 100, got 101",
            id="weight-over-100",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__0={"setWeight": -5}),
            "spec.strategy.canary.steps[0].setWeight: must be between 0 and 100, got -5",
            id="weight-negative",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__1={"pause": {"duration": 0}}),
            "spec.strategy.canary.steps[1].pause.duration: must be greater than 0, got 0",
            id="pause-zero",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__1={"pause": {"duration": "-1s"}}),
            'spec.strategy.canary.steps[1].pause.duration: must be greater than 0, got "-1s"',
            id="pause-negative",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__1={"pause": {"duration": "1d"}}),
            'spec.strategy.canary.steps[1].pause.duration: unknown unit "d" in duration "1d"',
            id="pause-unknown-unit",
        ),
        pytest.param(
            changed(
                CANARY,
                spec__strategy__canary__steps__1={
                    "experiment": {"templates": [{"name": "a", "specRef": "stable", "weight": 10}]}
                },
            ),
            "spec.strategy.canary.steps[1].experiment.templates[0].weight: "
            "Experiment template weight cannot be set unless TrafficRouting is enabled",
            id="experiment-weight-without-routing",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__1={"plugin": {"name": "p"}}),
            "spec.strategy.canary.steps[1].plugin: step plugins are not supported by this controller",
            id="plugin-step-unsupported",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__1={"setCanaryScale": {"replicas": 1}}),
            "spec.strategy.canary.steps[1].setCanaryScale: requires trafficRouting",
            id="canary-scale-without-routing",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__steps__3={"setCanaryScale": {"replicas": 1, "weight": 5}}),
            "spec.strategy.canary.steps[3].setCanaryScale: must set exactly one of weight, replicas, "
            "matchTrafficWeight",
            id="canary-scale-two-fields",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__1={"setHeaderRoute": {"name": "h"}}),
            "spec.strategy.canary.steps[1].setHeaderRoute: requires trafficRouting",
            id="header-route-without-routing",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__1={"setMirrorRoute": {"name": "m"}}),
            "spec.strategy.canary.steps[1].setMirrorRoute: requires trafficRouting",
            id="mirror-route-without-routing",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__steps__1__setHeaderRoute__name="other"),
            'spec.strategy.canary.steps[1].setHeaderRoute.name: route "other" is not listed in '
            "spec.strategy.canary.trafficRouting.managedRoutes",
            id="header-route-not-managed",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__steps__2__setMirrorRoute__name="other"),
            'spec.strategy.canary.steps[2].setMirrorRoute.name: route "other" is not listed in '
            "spec.strategy.canary.trafficRouting.managedRoutes",
            id="mirror-route-not-managed",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__trafficRouting__managedRoutes=UNSET),
            "spec.strategy.canary.trafficRouting.managedRoutes: required by setHeaderRoute steps",
            id="managed-routes-missing",
        ),
        pytest.param(
            changed(
                ISTIO,
                spec__strategy__canary__steps__1__setHeaderRoute__match=[
                    {"headerName": "a", "headerValue": {"exact": "x", "regex": "y"}}
                ],
            ),
            "spec.strategy.canary.steps[1].setHeaderRoute.match[0].headerValue: must set exactly one of exact, "
            "regex, prefix",
            id="string-match-two-fields",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__steps__2__setMirrorRoute__match=[{"method": {}}]),
            "spec.strategy.canary.steps[2].setMirrorRoute.match[0].method: must set exactly one of exact, regex, "
            "prefix",
            id="string-match-empty",
        ),
        pytest.param(
            changed(
                ISTIO, spec__strategy__canary__steps__2__setMirrorRoute__match=[{"headers": {"x-a": {"regex": "("}}}]
            ),
            'spec.strategy.canary.steps[2].setMirrorRoute.match[0].headers.x-a.regex: invalid regular expression "(": '
            "missing ), unterminated subpattern at position 0",
            id="string-match-bad-regex",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__steps__1__setHeaderRoute__match=[{"headerName": "a"}]),
            "spec.strategy.canary.steps[1].setHeaderRoute.match[0].headerValue: required",
            id="header-value-missing",
        ),
        # --- canary
        pytest.param(
            changed(CANARY, spec__strategy__canary__maxSurge=0, spec__strategy__canary__maxUnavailable="0%"),
            "spec.strategy.canary.maxSurge: maxSurge and maxUnavailable must not both be 0",
            id="surge-and-unavailable-zero",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__maxSurge="lots"),
            "spec.strategy.canary.maxSurge: invalid percent 'lots': want an integer, optionally followed by %",
            id="surge-not-a-percent",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__scaleDownDelaySeconds=30),
            "spec.strategy.canary.scaleDownDelaySeconds: can only be used with trafficRouting",
            id="scale-down-delay-without-routing",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__dynamicStableScale=True),
            "spec.strategy.canary.dynamicStableScale: can only be used with trafficRouting",
            id="dynamic-stable-scale-without-routing",
        ),
        pytest.param(
            changed(
                ISTIO, spec__strategy__canary__dynamicStableScale=True, spec__strategy__canary__scaleDownDelaySeconds=5
            ),
            "spec.strategy.canary.dynamicStableScale: cannot be combined with scaleDownDelaySeconds",
            id="dynamic-stable-scale-with-delay",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__canaryService="demo-stable"),
            "spec.strategy.canary.stableService: stableService and canaryService must be different Services",
            id="same-canary-and-stable",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__canaryService=UNSET),
            "spec.strategy.canary.canaryService: required for Istio host splitting (no destinationRule)",
            id="host-split-needs-canary-service",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__stableService=""),
            "spec.strategy.canary.stableService: required for Istio host splitting (no destinationRule)",
            id="host-split-needs-stable-service",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__trafficRouting__istio={}),
            "spec.strategy.canary.trafficRouting.istio: must set exactly one of virtualService and virtualServices",
            id="istio-without-virtual-service",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__trafficRouting__linkerd={"x": 1}),
            'spec.strategy.canary.trafficRouting.linkerd: unknown traffic router "linkerd"; '
            "supported: istio, nginx, alb, smi, traefik, apisix, plugins",
            id="unknown-router",
        ),
        pytest.param(
            changed(
                ISTIO,
                spec__strategy__canary__trafficRouting__istio=UNSET,
                spec__strategy__canary__trafficRouting__ambassador={"mappings": ["x"]},
            ),
            "spec.strategy.canary.trafficRouting.ambassador: traffic router ambassador is not supported by this "
            "controller; supported: istio, nginx, alb, smi, traefik, apisix, plugins",
            id="ambassador-unsupported",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__trafficRouting__istio=UNSET),
            "spec.strategy.canary.trafficRouting: must configure a traffic router; supported: istio, nginx, alb, smi, traefik, apisix, plugins",
            id="routing-without-router",
        ),
        pytest.param(
            changed(ISTIO, spec__strategy__canary__trafficRouting__maxTrafficWeight=1000),
            "spec.strategy.canary.trafficRouting.maxTrafficWeight: is only supported by the nginx and plugin "
            "traffic routers",
            id="max-traffic-weight-with-istio",
        ),
        pytest.param(
            changed(
                ISTIO, spec__strategy__canary__trafficRouting__managedRoutes=[{"name": "header"}, {"name": "header"}]
            ),
            'spec.strategy.canary.trafficRouting.managedRoutes[1].name: duplicate route name "header"',
            id="duplicate-managed-route",
        ),
        pytest.param(
            changed(CANARY, spec__revisionHistoryLimit=2, spec__strategy__canary__scaleDownDelayRevisionLimit=3),
            "spec.strategy.canary.scaleDownDelayRevisionLimit: must not exceed revisionHistoryLimit (2)",
            id="canary-scale-down-limit-over-history",
        ),
        pytest.param(
            changed(
                CANARY,
                spec__strategy__canary__antiAffinity={
                    "preferredDuringSchedulingIgnoredDuringExecution": {"weight": 1},
                    "requiredDuringSchedulingIgnoredDuringExecution": {},
                },
            ),
            "spec.strategy.canary.antiAffinity: must set exactly one of "
            "preferredDuringSchedulingIgnoredDuringExecution "
            "and requiredDuringSchedulingIgnoredDuringExecution",
            id="anti-affinity-both",
        ),
        pytest.param(
            changed(
                CANARY,
                spec__strategy__canary__antiAffinity={"preferredDuringSchedulingIgnoredDuringExecution": {"weight": 0}},
            ),
            "spec.strategy.canary.antiAffinity.preferredDuringSchedulingIgnoredDuringExecution.weight: must be "
            "between 1 "
            "and 100, got 0",
            id="anti-affinity-weight",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__pingPong={"pingService": "a", "pongService": "a"}),
            "spec.strategy.canary.pingPong.pongService: pingService and pongService must be different Services",
            id="ping-pong-same",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__analysis={"templates": [{"templateName": "t"}], "startingStep": 9}),
            "spec.strategy.canary.analysis.startingStep: must be between 0 and the number of steps (3)",
            id="starting-step-out-of-range",
        ),
        pytest.param(
            changed(CANARY, spec__strategy__canary__steps__0={"analysis": {"templates": []}}),
            "spec.strategy.canary.steps[0].analysis.templates: at least one template is required",
            id="analysis-step-without-templates",
        ),
        pytest.param(
            changed(
                CANARY,
                spec__strategy__canary__steps__0={
                    "analysis": {
                        "templates": [{"templateName": "t"}],
                        "args": [{"name": "a", "valueFrom": {"fieldRef": {"fieldPath": "metadata.generation"}}}],
                    }
                },
            ),
            "spec.strategy.canary.steps[0].analysis.args[0].valueFrom.fieldRef.fieldPath: metadata fields must "
            "be one of "
            "metadata.name, metadata.namespace, metadata.uid, metadata.labels['<key>'], metadata.annotations['<key>']",
            id="analysis-arg-metadata-path",
        ),
        pytest.param(
            changed(
                CANARY,
                spec__strategy__canary__steps__0={
                    "analysis": {
                        "templates": [{"templateName": "t"}],
                        "args": [{"name": "a", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
                    }
                },
            ),
            "spec.strategy.canary.steps[0].analysis.args[0].valueFrom.secretKeyRef: only analysis templates can "
            "read Secrets",
            id="rollout-arg-secret",
        ),
        # --- blue-green
        pytest.param(
            changed(BLUE_GREEN, spec__strategy__blueGreen__activeService=UNSET),
            "spec.strategy.blueGreen.activeService: required",
            id="blue-green-without-active-service",
        ),
        pytest.param(
            changed(BLUE_GREEN, spec__strategy__blueGreen__activeService=""),
            "spec.strategy.blueGreen.activeService: required",
            id="blue-green-empty-active-service",
        ),
        pytest.param(
            changed(BLUE_GREEN, spec__strategy__blueGreen__previewService="demo-active"),
            "spec.strategy.blueGreen.activeService: activeService and previewService must be different Services",
            id="active-equals-preview",
        ),
        pytest.param(
            changed(BLUE_GREEN, spec__strategy__blueGreen__scaleDownDelayRevisionLimit=11),
            "spec.strategy.blueGreen.scaleDownDelayRevisionLimit: must not exceed revisionHistoryLimit (10)",
            id="bg-scale-down-limit-over-default-history",
        ),
        pytest.param(
            changed(BLUE_GREEN, spec__strategy__blueGreen__prePromotionAnalysis={"templates": [{}]}),
            "spec.strategy.blueGreen.prePromotionAnalysis.templates[0].templateName: required",
            id="pre-promotion-template-name",
        ),
        # --- strategy, selector, template
        pytest.param(
            changed(CANARY, spec__strategy__blueGreen={"activeService": "a"}),
            "spec.strategy: set only one of canary and blueGreen, not both",
            id="both-strategies",
        ),
        pytest.param(
            changed(CANARY, spec__strategy={}), "spec.strategy: must set one of canary or blueGreen", id="no-strategy"
        ),
        pytest.param(
            changed(CANARY, spec__strategy=UNSET),
            "spec.strategy: must set one of canary or blueGreen",
            id="strategy-missing",
        ),
        pytest.param(changed(CANARY, spec__selector=UNSET), "spec.selector: required", id="selector-missing"),
        pytest.param(
            changed(CANARY, spec__selector={}),
            "spec.selector: empty selector is invalid: it would select all pods",
            id="selector-empty",
        ),
        pytest.param(
            changed(CANARY, spec__selector={"matchLabels": {"app": "other"}}),
            "spec.template.metadata.labels: `selector` does not match template `labels`",
            id="selector-mismatch",
        ),
        pytest.param(
            changed(CANARY, spec__selector={"matchExpressions": [{"key": "app", "operator": "Is"}]}),
            "spec.selector.matchExpressions[0].operator: must be one of In, NotIn, Exists, DoesNotExist",
            id="selector-bad-operator",
        ),
        pytest.param(changed(CANARY, spec__template=UNSET), "spec.template: required", id="template-missing"),
        pytest.param(
            changed(CANARY, spec__template__spec__containers=[]),
            "spec.template.spec.containers: at least one container is required",
            id="no-containers",
        ),
        pytest.param(
            changed(CANARY, spec__template__spec__containers__0__resources__requests__memory="invalid"),
            'spec.template.spec.containers[0].resources.requests.memory: invalid quantity "invalid"',
            id="invalid-quantity",
        ),
        pytest.param(
            changed(CANARY, spec__template__spec__containers__0__resources={"limits": {"cpu": "1 core"}}),
            'spec.template.spec.containers[0].resources.limits.cpu: invalid quantity "1 core"',
            id="invalid-limit",
        ),
        pytest.param(
            changed(CANARY, spec__template__spec__initContainers=[{"name": "demo", "image": "x"}]),
            'spec.template.spec.containers[0].name: duplicate container name "demo"',
            id="duplicate-container-name",
        ),
        pytest.param(
            changed(CANARY, spec__template__spec__containers__0__image=UNSET),
            "spec.template.spec.containers[0].image: required",
            id="container-without-image",
        ),
        pytest.param(
            changed(CANARY, spec__workloadRef={"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"}),
            "spec.template: template must be empty for workload reference rollout",
            id="workload-ref-with-template",
        ),
        pytest.param(
            changed(CANARY, spec__template=UNSET, spec__workloadRef={"kind": "StatefulSet", "name": "d"}),
            'spec.workloadRef.kind: workloadRef kind must be Deployment, got "StatefulSet"',
            id="workload-ref-kind",
        ),
        pytest.param(
            changed(CANARY, spec__minReadySeconds=600),
            "spec.progressDeadlineSeconds: must be greater than minReadySeconds",
            id="deadline-not-over-min-ready",
        ),
        pytest.param(
            changed(CANARY, spec__restartAt="tomorrow"),
            'spec.restartAt: invalid RFC 3339 time "tomorrow": want e.g. 2024-05-01T10:00:00Z',
            id="restart-at",
        ),
        # --- analysis templates and runs
        pytest.param(
            changed(RUN, spec__metrics=[]), "spec.metrics: at least one metric is required", id="run-without-metrics"
        ),
        pytest.param(changed(RUN, spec__metrics=UNSET), "spec.metrics: required", id="run-metrics-missing"),
        pytest.param(
            changed(TEMPLATE, spec__metrics=[]),
            "spec.metrics: at least one metric is required",
            id="template-without-metrics",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__1__name="web"),
            'spec.metrics[1].name: duplicate metric name "web"',
            id="duplicate-metric",
        ),
        pytest.param(
            changed(RUN, spec__metrics__0__provider={}),
            "spec.metrics[0].provider: a metric must set exactly one provider; supported: prometheus, web, job, plugin.rollouts/judge",
            id="no-provider",
        ),
        pytest.param(
            changed(RUN, spec__metrics__0__provider__web={"url": "http://x"}),
            "spec.metrics[0].provider: a metric must set exactly one provider, found prometheus, web",
            id="two-providers",
        ),
        pytest.param(
            changed(RUN, spec__metrics__0__provider={"statsd": {"query": "x"}}),
            'spec.metrics[0].provider.statsd: unknown metric provider "statsd"; supported: prometheus, web, job, plugin.rollouts/judge',
            id="unknown-provider",
        ),
        pytest.param(
            changed(RUN, spec__metrics__0__provider={"datadog": {"query": "x"}}),
            "spec.metrics[0].provider.datadog: metric provider datadog is not supported by this controller; "
            "supported: prometheus, web, job, plugin.rollouts/judge",
            id="datadog-unsupported",
        ),
        pytest.param(
            changed(RUN, spec__metrics__0__provider={"plugin": {"argoproj-labs/sample": {}}}),
            "spec.metrics[0].provider.plugin.argoproj-labs/sample: metric provider plugin.argoproj-labs/sample is not "
            "supported by this controller; supported: prometheus, web, job, plugin.rollouts/judge",
            id="plugin-provider-unsupported",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__interval=UNSET),
            "spec.metrics[0].interval: required when count is greater than 1",
            id="count-needs-interval",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__interval="5x"),
            'spec.metrics[0].interval: unknown unit "x" in duration "5x"',
            id="bad-interval",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__initialDelay="soon"),
            'spec.metrics[0].initialDelay: invalid duration "soon"',
            id="bad-initial-delay",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__failureLimit=-1),
            "spec.metrics[0].failureLimit: -1 (disabled) requires consecutiveSuccessLimit greater than 0",
            id="failure-limit-disabled-alone",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__failureLimit=-2),
            "spec.metrics[0].failureLimit: must be -1 (disabled) or greater, got -2",
            id="failure-limit-below-minus-one",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__failureLimit=2, spec__metrics__0__consecutiveSuccessLimit=2),
            "spec.metrics[0].count: must be at least failureLimit + consecutiveSuccessLimit (2 + 2)",
            id="count-below-limits",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__count="many"),
            'spec.metrics[0].count: must be an integer, got "many"',
            id="count-not-a-number",
        ),
        pytest.param(
            changed(RUN, spec__metrics__0__provider__prometheus={"address": "http://p:9090"}),
            "spec.metrics[0].provider.prometheus.query: required",
            id="prometheus-query-missing",
        ),
        pytest.param(
            changed(RUN, spec__metrics__0__provider__prometheus__address="prometheus:9090"),
            'spec.metrics[0].provider.prometheus.address: must be an http(s) URL with a host, got "prometheus:9090"',
            id="prometheus-address",
        ),
        pytest.param(
            changed(RUN, spec__metrics__0__provider__prometheus__authentication={"basicAuth": {"username": "u"}}),
            "spec.metrics[0].provider.prometheus.authentication.basicAuth: needs both username and password",
            id="basic-auth-half",
        ),
        pytest.param(
            changed(RUN, spec__metrics__0__provider__prometheus__authentication={"oauth2": {"tokenUrl": "https://t"}}),
            "spec.metrics[0].provider.prometheus.authentication.oauth2.clientId: required with tokenUrl",
            id="oauth2-client-id",
        ),
        pytest.param(
            changed(
                TEMPLATE,
                spec__metrics__0__provider__web={"url": "https://x", "body": "a", "jsonBody": {}, "method": "POST"},
            ),
            "spec.metrics[0].provider.web.jsonBody: set body or jsonBody, not both",
            id="web-body-and-json-body",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__provider__web={"url": "https://x", "body": "a"}),
            "spec.metrics[0].provider.web.method: a request body needs method POST or PUT",
            id="web-body-with-get",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__provider__web={"url": "https://x", "method": "DELETE"}),
            'spec.metrics[0].provider.web.method: must be one of GET, POST, PUT, got "DELETE"',
            id="web-method",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__provider__web={"url": "https://x", "jsonPath": "$.ok"}),
            "spec.metrics[0].provider.web.jsonPath: must be a JSONPath template like {$.field}, got '$.ok'",
            id="web-json-path",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__0__provider__web={}),
            "spec.metrics[0].provider.web.url: required",
            id="web-url-missing",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__1__provider__job__spec__template__spec__restartPolicy=UNSET),
            "spec.metrics[1].provider.job.spec.template.spec.restartPolicy: a Job's pods need restartPolicy "
            "Never or OnFailure",
            id="job-restart-policy",
        ),
        pytest.param(
            changed(
                TEMPLATE,
                spec__metrics__1__provider__job__spec__template__spec__containers__0__resources={
                    "requests": {"memory": "invalid"}
                },
            ),
            "spec.metrics[1].provider.job.spec.template.spec.containers[0].resources.requests.memory: invalid "
            'quantity "invalid"',
            id="job-invalid-quantity",
        ),
        pytest.param(
            changed(TEMPLATE, spec__metrics__1__provider__job={}),
            "spec.metrics[1].provider.job.spec: required",
            id="job-spec-missing",
        ),
        pytest.param(
            changed(TEMPLATE, spec__args=[{"name": "a"}, {"name": "a"}]),
            'spec.args[1].name: duplicate argument "a"',
            id="duplicate-arg",
        ),
        pytest.param(
            changed(
                TEMPLATE,
                spec__args=[{"name": "a", "value": "x", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}],
            ),
            "spec.args[0]: set value or valueFrom, not both",
            id="arg-value-and-value-from",
        ),
        pytest.param(
            changed(TEMPLATE, spec__args=[{"name": "a", "valueFrom": {"secretKeyRef": {"name": "s"}}}]),
            "spec.args[0].valueFrom.secretKeyRef.key: required",
            id="secret-key-ref-key",
        ),
        pytest.param(
            changed(TEMPLATE, spec__dryRun=[{"metricName": "web("}]),
            'spec.dryRun[0].metricName: invalid regular expression "web(": missing ), unterminated subpattern at '
            "position 3",
            id="dry-run-regex",
        ),
        pytest.param(
            changed(TEMPLATE, spec__measurementRetention=[{"metricName": "web", "limit": -1}]),
            "spec.measurementRetention[0].limit: must be greater than or equal to 0, got -1",
            id="retention-limit",
        ),
        pytest.param(
            changed(RUN, spec__ttlStrategy={"secondsAfterSuccess": -5}),
            "spec.ttlStrategy.secondsAfterSuccess: must be greater than or equal to 0, got -5",
            id="ttl-negative",
        ),
        pytest.param(
            changed(CLUSTER_TEMPLATE, spec__metrics__0__provider={}),
            "spec.metrics[0].provider: a metric must set exactly one provider; supported: prometheus, web, job, plugin.rollouts/judge",
            id="cluster-template-checked-too",
        ),
        # --- experiments
        pytest.param(
            changed(EXPERIMENT, spec__templates=[]),
            "spec.templates: at least one template is required",
            id="exp-no-templates",
        ),
        pytest.param(
            changed(EXPERIMENT, spec__templates__0__template__spec=UNSET),
            "spec.templates[0].template.spec: required",
            id="exp-template-without-spec",
        ),
        pytest.param(
            changed(EXPERIMENT, spec__templates__0__selector={"matchLabels": {"app": "x"}}),
            "spec.templates[0].template.metadata.labels: `selector` does not match template `labels`",
            id="exp-selector-mismatch",
        ),
        pytest.param(
            changed(EXPERIMENT, spec__templates__0__selector=UNSET),
            "spec.templates[0].selector: required",
            id="exp-selector-missing",
        ),
        pytest.param(
            changed(EXPERIMENT, spec__templates=[EXPERIMENT["spec"]["templates"][0]] * 2),
            'spec.templates[1].name: duplicate template name "baseline"',
            id="exp-duplicate-template",
        ),
        pytest.param(
            changed(EXPERIMENT, spec__duration="forever"),
            'spec.duration: invalid duration "forever"',
            id="exp-duration",
        ),
        pytest.param(
            changed(EXPERIMENT, spec__analyses=[{"name": "a"}]),
            "spec.analyses[0].templateName: required",
            id="exp-analysis-template-name",
        ),
        pytest.param(
            changed(
                EXPERIMENT, spec__templates__0__template__spec__containers__0__resources={"requests": {"cpu": "x"}}
            ),
            'spec.templates[0].template.spec.containers[0].resources.requests.cpu: invalid quantity "x"',
            id="exp-invalid-quantity",
        ),
    ],
)
def test_errors_name_the_field(obj: Any, expected: str) -> None:
    errors = api.validate(obj)
    assert expected in [str(e) for e in errors]
    assert api.parse(obj) == errors


@pytest.mark.parametrize(
    ("obj", "path"),
    [
        pytest.param(
            changed(ISTIO, spec__strategy__canary__trafficRouting__appMesh={}),
            "spec.strategy.canary.trafficRouting.appMesh",
            id="app-mesh",
        ),
        pytest.param(
            changed(RUN, spec__metrics__0__provider={"kayenta": {}}), "spec.metrics[0].provider.kayenta", id="kayenta"
        ),
    ],
)
def test_unsupported_features_are_marked(obj: dict[str, Any], path: str) -> None:
    kinds = {e.path: e.kind for e in api.validate(obj)}
    assert kinds[path] == api.UNSUPPORTED


def test_field_error_str() -> None:
    assert str(api.FieldError("spec.replicas", "must be an integer")) == "spec.replicas: must be an integer"
    assert str(api.FieldError("", "an object must be a mapping")) == "an object must be a mapping"
    assert api.FieldError("a", "b").kind == api.INVALID


def test_all_errors_are_reported_at_once() -> None:
    obj = changed(
        CANARY,
        spec__selector={},
        spec__strategy__canary__steps=[{"setWeight": 200}, {}],
        spec__template__spec__containers__0__resources__requests__memory="lots",
    )
    assert [str(e) for e in api.validate(obj)] == [
        "spec.selector: empty selector is invalid: it would select all pods",
        'spec.template.spec.containers[0].resources.requests.memory: invalid quantity "lots"',
        "spec.strategy.canary.steps[0].setWeight: must be between 0 and 100, got 200",
        f"spec.strategy.canary.steps[1]: {STEP}",
    ]


@pytest.mark.parametrize(
    ("parse", "obj", "model"),
    [
        pytest.param(api.parse_rollout, CANARY, api.Rollout, id="rollout"),
        pytest.param(api.parse_analysis_template, TEMPLATE, api.AnalysisTemplate, id="analysis-template"),
        pytest.param(
            api.parse_cluster_analysis_template, CLUSTER_TEMPLATE, api.ClusterAnalysisTemplate, id="cluster-template"
        ),
        pytest.param(api.parse_analysis_run, RUN, api.AnalysisRun, id="analysis-run"),
        pytest.param(api.parse_experiment, EXPERIMENT, api.Experiment, id="experiment"),
    ],
)
def test_typed_parsers(parse: Any, obj: dict[str, Any], model: type[api.KubeModel]) -> None:
    parsed = parse(obj, check=model is not api.Experiment)  # Experiments are unsupported: they only load unchecked
    assert isinstance(parsed, model)
    assert parsed.to_dict() == obj
    assert parse({**obj, "kind": "Other"}) == [api.FieldError("kind", f'must be {model.__name__}, got "Other"')]


def test_parse_without_checks_still_returns_an_invalid_but_well_typed_object() -> None:
    obj = changed(CANARY, spec__strategy__canary__steps__0={"setWeight": 500})
    assert isinstance(api.parse(obj), list)
    rollout = api.parse_rollout(obj, check=False)
    assert isinstance(rollout, api.Rollout)
    assert rollout.spec.strategy.canary.steps[0].set_weight == 500  # type: ignore[union-attr,index]


@pytest.mark.parametrize(
    "obj",
    [
        pytest.param(None, id="none"),
        pytest.param("text", id="string"),
        pytest.param({"kind": "Rollout"}, id="no-api-version-no-spec"),
        pytest.param({"kind": ["Rollout"]}, id="kind-list"),
        pytest.param({"kind": datetime.date(2024, 1, 1)}, id="kind-yaml-date"),
        pytest.param(changed(CANARY, apiVersion=datetime.date(2024, 1, 1)), id="api-version-yaml-date"),
        pytest.param(
            changed(CANARY, spec__selector={"matchExpressions": [{"key": "a", "operator": "In", "values": "abc"}]}),
            id="expression-values-string",
        ),
        pytest.param(changed(CANARY, spec__strategy__canary__steps="all"), id="steps-not-a-list"),
        pytest.param(changed(CANARY, spec__template__spec="x"), id="pod-spec-string"),
        pytest.param(changed(CANARY, spec__template__spec__containers="x"), id="containers-string"),
        pytest.param(changed(CANARY, spec__template__spec__containers=["x"]), id="container-string"),
        pytest.param(changed(CANARY, spec__template__spec__containers__0__resources="x"), id="resources-string"),
        pytest.param(changed(CANARY, spec__template__metadata="x"), id="template-metadata-string"),
        pytest.param(changed(CANARY, spec__template__metadata__labels=["x"]), id="labels-list"),
        pytest.param(changed(CANARY, spec__selector="app=demo"), id="selector-string"),
        pytest.param(changed(CANARY, spec__selector__matchExpressions="x"), id="expressions-string"),
        pytest.param(changed(CANARY, spec__template__spec__volumes=["x"]), id="volume-string"),
        pytest.param(changed(TEMPLATE, spec__metrics__1__provider__job__spec__template="x"), id="job-template-string"),
        pytest.param(changed(EXPERIMENT, spec__templates__0__template=[]), id="exp-template-list"),
    ],
)
def test_garbage_never_raises(obj: Any) -> None:
    errors = api.validate(obj)
    assert errors
    assert all(not e.message.startswith("internal validation error") for e in errors), errors
