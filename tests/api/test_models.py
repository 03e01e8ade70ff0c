"""The models: camelCase round trips, explicit aliases, passthrough of native objects, and Argo's defaults."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from rollouts import api
from rollouts.api import defaults, selectors

FULL_ROLLOUT = yaml.safe_load(
    """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: demo
  namespace: team
  labels: {app: demo}
  annotations: {rollout.argoproj.io/revision: "3"}
  generation: 4
  managedFields: [{manager: kubectl, operation: Apply}]
spec:
  replicas: 5
  selector:
    matchLabels: {app: demo}
    matchExpressions: [{key: tier, operator: In, values: [web]}]
  template:
    metadata:
      creationTimestamp: null
      labels: {app: demo, tier: web}
    spec:
      containers:
      - name: demo
        image: nginx:1.25
        resources: {requests: {cpu: 100m, memory: 64Mi}}
        futureContainerField: {nested: [1, 2, {deep: true}]}
      someFuturePodField: "kept"
  minReadySeconds: 5
  revisionHistoryLimit: 3
  progressDeadlineSeconds: 120
  progressDeadlineAbort: true
  restartAt: "2024-05-01T10:00:00Z"
  rollbackWindow: {revisions: 2}
  analysis: {successfulRunHistoryLimit: 2, unsuccessfulRunHistoryLimit: 1}
  strategy:
    canary:
      canaryService: demo-canary
      stableService: demo-stable
      maxSurge: "3"
      maxUnavailable: 0
      dynamicStableScale: true
      abortScaleDownDelaySeconds: 10
      minPodsPerReplicaSet: 2
      replicaProgressThreshold: {type: Percent, value: 90}
      canaryMetadata: {labels: {role: canary}}
      stableMetadata: {annotations: {role: stable}}
      antiAffinity:
        preferredDuringSchedulingIgnoredDuringExecution: {weight: 50}
      analysis:
        templates: [{templateName: success-rate}, {templateName: global, clusterScope: true}]
        startingStep: 1
        args:
        - {name: service, value: demo}
        - name: hash
          valueFrom: {podTemplateHashValue: Latest}
        - name: env
          valueFrom: {fieldRef: {fieldPath: "metadata.labels['env']"}}
        dryRun: [{metricName: ".*"}]
        measurementRetention: [{metricName: latency, limit: 20}]
        analysisRunMetadata: {labels: {team: a}}
      trafficRouting:
        managedRoutes: [{name: header}, {name: mirror}]
        istio:
          virtualService:
            name: demo-vs
            routes: [primary]
            tlsRoutes: [{port: 443, sniHosts: [demo.example.com]}]
            tcpRoutes: [{port: 5432}]
      steps:
      - setWeight: 10
      - pause: {duration: 30}
      - pause: {duration: 1h30m}
      - pause: {}
      - setCanaryScale: {replicas: 2}
      - setCanaryScale: {matchTrafficWeight: true}
      - setHeaderRoute:
          name: header
          match: [{headerName: agent, headerValue: {regex: "firefox(.*)"}}]
      - setMirrorRoute:
          name: mirror
          percentage: 50
          match: [{method: {exact: GET}, path: {prefix: /}, headers: {x-debug: {exact: "1"}}}]
      - analysis: {templates: [{templateName: success-rate}]}
      - experiment:
          duration: 5m
          templates: [{name: base, specRef: stable, replicas: 1, weight: 5, service: {}}]
          analyses: [{name: a, templateName: t, requiredForCompletion: true}]
      - plugin: {name: my-plugin, config: {any: [thing, 1]}}
status:
  HPAReplicas: 5
  selector: app=demo
  stableRS: 6b5d9c
  currentPodHash: 7f8c9d
  currentStepHash: 5f4d
  currentStepIndex: 2
  observedGeneration: "4"
  phase: Paused
  message: CanaryPauseStep
  controllerPause: true
  pauseConditions: [{reason: CanaryPauseStep, startTime: "2024-05-01T10:00:00Z"}]
  conditions:
  - {type: Progressing, status: "True", reason: ReplicaSetUpdated, message: progressing,
     lastUpdateTime: "2024-05-01T10:00:00Z", lastTransitionTime: "2024-05-01T10:00:00Z"}
  canary:
    weights:
      canary: {weight: 10, serviceName: demo-canary, podTemplateHash: 7f8c9d}
      stable: {weight: 90, serviceName: demo-stable, podTemplateHash: 6b5d9c}
    currentStepAnalysisRunStatus: {name: demo-7f8c9d-3-8, status: Running}
    stepPluginStatuses: [{index: 10, name: my-plugin, operation: Run, status: {free: form}}]
  blueGreen: {}
  duration: {rolloutStartedAt: "2024-05-01T10:00:00Z", totalManualPauseDurationSeconds: 0}
"""
)

FULL_ANALYSIS_RUN = yaml.safe_load(
    """
apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: run}
spec:
  args:
  - {name: address}
  - name: token
    valueFrom: {secretKeyRef: {name: creds, key: token}}
  terminate: true
  ttlStrategy: {secondsAfterCompletion: 60, secondsAfterFailure: 600}
  metrics:
  - name: success-rate
    interval: 30s
    initialDelay: 10s
    count: "{{args.count}}"
    successCondition: result[0] >= 0.95
    failureLimit: 2
    consecutiveErrorLimit: 3
    provider:
      prometheus:
        address: http://prometheus:9090
        query: sum(rate(x[5m]))
        timeout: 5
        insecure: true
        headers: [{key: X-Scope, value: team}]
        authentication:
          sigv4: {region: eu-west-1, roleArn: "arn:aws:iam::1:role/r"}
          oauth2: {tokenUrl: https://auth/token, clientId: id, clientSecret: s, scopes: [read]}
          basicAuth: {username: u, password: p}
        rangeQuery: {start: now() - duration("5m"), end: now(), step: 1m}
  - name: web
    provider:
      web:
        method: POST
        url: https://example.com/check
        headers: [{key: Content-Type, value: application/json}]
        jsonBody: {service: demo, thresholds: [1, 2]}
        timeoutSeconds: 5
        jsonPath: "{$.ok}"
  - name: job
    provider:
      job:
        metadata: {labels: {a: b}}
        spec:
          backoffLimit: 0
          template: {spec: {restartPolicy: Never, containers: [{name: c, image: busybox, unknownField: 1}]}}
  - name: other
    provider: {datadog: {query: "avg:x", apiVersion: v2}}
status:
  phase: Running
  startedAt: "2024-05-01T10:00:00Z"
  runSummary: {count: 3, successful: 1}
  dryRunSummary: {count: 0}
  metricResults:
  - name: success-rate
    phase: Running
    count: 1
    successful: 1
    consecutiveError: 0
    metadata: {ResolvedPrometheusQuery: "sum(rate(x[5m]))"}
    measurements:
    - {phase: Successful, value: "[0.99]", startedAt: "2024-05-01T10:00:00Z", finishedAt: "2024-05-01T10:00:01Z"}
"""
)

FULL_EXPERIMENT = yaml.safe_load(
    """
apiVersion: argoproj.io/v1alpha1
kind: Experiment
metadata: {name: exp}
spec:
  duration: 5m
  progressDeadlineSeconds: 30
  scaleDownDelaySeconds: 0
  terminate: false
  templates:
  - name: baseline
    replicas: 2
    minReadySeconds: 1
    selector: {matchLabels: {app: a}}
    template: {metadata: {labels: {app: a}}, spec: {containers: [{name: a, image: a}]}}
    service: {name: baseline}
  analyses:
  - name: check
    templateName: t
    clusterScope: true
    args: [{name: hash, value: "{{templates.baseline.podTemplateHash}}"}]
  dryRun: [{metricName: x}]
  measurementRetention: [{metricName: x, limit: 5}]
  analysisRunMetadata: {annotations: {a: b}}
status:
  phase: Running
  availableAt: "2024-05-01T10:00:00Z"
  templateStatuses:
  - {name: baseline, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, status: Running,
     podTemplateHash: abc, serviceName: baseline}
  analysisRuns: [{name: check, analysisRun: exp-check, phase: Running}]
  conditions: [{type: Progressing, status: "True"}]
"""
)


@pytest.mark.parametrize(
    ("raw", "model"),
    [
        pytest.param(FULL_ROLLOUT, api.Rollout, id="rollout"),
        pytest.param(FULL_ANALYSIS_RUN, api.AnalysisRun, id="analysis-run"),
        pytest.param(FULL_EXPERIMENT, api.Experiment, id="experiment"),
    ],
)
def test_round_trip_gives_back_what_was_written(raw: dict[str, Any], model: type[api.KubeModel]) -> None:
    before = copy.deepcopy(raw)
    assert model.model_validate(raw).to_dict() == raw
    assert raw == before  # parsing never mutates its input


def test_round_trip_survives_yaml_text() -> None:
    text = yaml.safe_dump(FULL_ROLLOUT)
    assert yaml.safe_dump(api.Rollout.model_validate(yaml.safe_load(text)).to_dict()) == text


def test_unknown_pod_template_fields_survive() -> None:
    rollout = api.Rollout.model_validate(FULL_ROLLOUT)
    template = rollout.to_dict()["spec"]["template"]
    assert template["spec"]["someFuturePodField"] == "kept"
    assert template["spec"]["containers"][0]["futureContainerField"] == {"nested": [1, 2, {"deep": True}]}
    assert template["metadata"]["creationTimestamp"] is None  # nulls inside native objects are kept


def test_unknown_metadata_fields_survive() -> None:
    rollout = api.Rollout.model_validate(FULL_ROLLOUT)
    assert rollout.metadata.name == "demo"
    assert rollout.to_dict()["metadata"]["managedFields"] == [{"manager": "kubectl", "operation": "Apply"}]


def test_unknown_fields_of_our_own_structs_are_dropped() -> None:
    raw = {"spec": {"strategy": {"canary": {"steps": [{"setWeight": 5, "setWieght": 7}]}}}}
    assert api.Rollout.model_validate(raw).to_dict()["spec"]["strategy"]["canary"]["steps"] == [{"setWeight": 5}]


@pytest.mark.parametrize(
    ("model", "field", "wire"),
    [
        pytest.param(api.RolloutStatus, "hpa_replicas", "HPAReplicas", id="HPAReplicas"),
        pytest.param(api.RolloutStatus, "stable_rs", "stableRS", id="stableRS"),
        pytest.param(api.RolloutStatus, "current_pod_hash", "currentPodHash", id="currentPodHash"),
        pytest.param(api.RolloutStatus, "observed_generation", "observedGeneration", id="observedGeneration"),
        pytest.param(api.WebMetric, "json_body", "jsonBody", id="jsonBody"),
        pytest.param(api.WebMetric, "json_path", "jsonPath", id="jsonPath"),
        pytest.param(api.WebMetric, "timeout_seconds", "timeoutSeconds", id="timeoutSeconds"),
        pytest.param(api.MetricProvider, "new_relic", "newRelic", id="newRelic"),
        pytest.param(api.MetricProvider, "cloud_watch", "cloudWatch", id="cloudWatch"),
        pytest.param(api.Authentication, "oauth2", "oauth2", id="oauth2"),
        pytest.param(api.Authentication, "basic_auth", "basicAuth", id="basicAuth"),
        pytest.param(api.TrafficRouting, "app_mesh", "appMesh", id="appMesh"),
        pytest.param(api.IstioVirtualService, "tls_routes", "tlsRoutes", id="tlsRoutes"),
        pytest.param(api.ValueFrom, "pod_template_hash_value", "podTemplateHashValue", id="podTemplateHashValue"),
        pytest.param(api.AnalysisRunSpec, "ttl_strategy", "ttlStrategy", id="ttlStrategy"),
        pytest.param(api.CanaryStep, "set_canary_scale", "setCanaryScale", id="setCanaryScale"),
        pytest.param(
            api.AntiAffinity,
            "preferred_during_scheduling_ignored_during_execution",
            "preferredDuringSchedulingIgnoredDuringExecution",
            id="antiAffinity-preferred",
        ),
    ],
)
def test_wire_names(model: type[api.KubeModel], field: str, wire: str) -> None:
    assert model.model_fields[field].alias == wire
    assert wire in model.model_json_schema(by_alias=True)["properties"]


def test_models_accept_python_names_and_dump_wire_names() -> None:
    status = api.RolloutStatus(hpa_replicas=3, stable_rs="abc", current_step_index=0)
    assert status.to_dict() == {"HPAReplicas": 3, "stableRS": "abc", "currentStepIndex": 0}
    assert api.RolloutStatus.model_validate(status.to_dict()) == status


def test_models_are_frozen() -> None:
    rollout = api.Rollout.model_validate(FULL_ROLLOUT)
    with pytest.raises(ValidationError):
        rollout.spec.replicas = 7  # type: ignore[misc]
    assert rollout.model_copy(update={"status": None}).to_dict().keys() == {"apiVersion", "kind", "metadata", "spec"}


@pytest.mark.parametrize(
    ("value", "dumped"),
    [
        pytest.param(3, 3, id="int-stays-int"),
        pytest.param("3", "3", id="digit-string-stays-string"),
        pytest.param("25%", "25%", id="percent"),
        pytest.param(2.0, 2, id="whole-float-is-int"),
    ],
)
def test_int_or_percent_keeps_its_type(value: object, dumped: object) -> None:
    canary = api.CanaryStrategy.model_validate({"maxSurge": value})
    assert canary.to_dict() == {"maxSurge": dumped}


MINIMAL_ROLLOUT = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "m"}, "spec": {}}


def test_defaults_are_never_serialized() -> None:
    raw = copy.deepcopy(MINIMAL_ROLLOUT)
    raw["spec"] = {"strategy": {"canary": {"steps": [{"pause": {}}]}, "blueGreen": {"activeService": "a"}}}
    assert api.Rollout.model_validate(raw).to_dict() == raw


def _rollout(spec: dict[str, Any]) -> api.Rollout:
    return api.Rollout.model_validate({**MINIMAL_ROLLOUT, "spec": spec})


def _metric(**fields: Any) -> api.Metric:
    return api.Metric.model_validate({"name": "m", "provider": {"web": {"url": "http://x"}}, **fields})


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        pytest.param(lambda: _rollout({}).spec.effective_replicas, 1, id="replicas"),
        pytest.param(lambda: _rollout({"replicas": 0}).spec.effective_replicas, 0, id="replicas-zero-is-kept"),
        pytest.param(lambda: _rollout({}).spec.effective_revision_history_limit, 10, id="revisionHistoryLimit"),
        pytest.param(lambda: _rollout({}).spec.effective_progress_deadline_seconds, 600, id="progressDeadline"),
        pytest.param(lambda: _rollout({}).spec.effective_successful_run_history_limit, 5, id="successfulRuns"),
        pytest.param(lambda: _rollout({}).spec.effective_unsuccessful_run_history_limit, 5, id="unsuccessfulRuns"),
        pytest.param(
            lambda: (
                _rollout({"analysis": {"unsuccessfulRunHistoryLimit": 0}}).spec.effective_unsuccessful_run_history_limit
            ),
            0,
            id="unsuccessfulRuns-set",
        ),
        pytest.param(lambda: api.CanaryStrategy().effective_max_surge, "25%", id="maxSurge"),
        pytest.param(lambda: api.CanaryStrategy().effective_max_unavailable, "25%", id="maxUnavailable"),
        pytest.param(lambda: api.CanaryStrategy(max_surge=0).effective_max_surge, 0, id="maxSurge-zero"),
        pytest.param(lambda: api.CanaryStrategy().effective_scale_down_delay_seconds, 0, id="scaleDown-no-routing"),
        pytest.param(
            lambda: (
                api.CanaryStrategy.model_validate({"trafficRouting": {"istio": {}}}).effective_scale_down_delay_seconds
            ),
            30,
            id="scaleDown-with-routing",
        ),
        pytest.param(lambda: api.CanaryStrategy().effective_abort_scale_down_delay_seconds, 30, id="abortScaleDown"),
        pytest.param(lambda: api.CanaryStrategy().effective_max_traffic_weight, 100, id="maxTrafficWeight"),
        pytest.param(lambda: api.CanaryStrategy().effective_min_pods_per_replica_set, 1, id="minPodsPerReplicaSet"),
        pytest.param(
            lambda: api.BlueGreenStrategy(active_service="a").effective_auto_promotion_enabled, True, id="autoPromotion"
        ),
        pytest.param(
            lambda: (
                api.BlueGreenStrategy(active_service="a", auto_promotion_enabled=False).effective_auto_promotion_enabled
            ),
            False,
            id="autoPromotion-off",
        ),
        pytest.param(
            lambda: api.BlueGreenStrategy(active_service="a").effective_scale_down_delay_seconds, 30, id="bg-scaleDown"
        ),
        pytest.param(
            lambda: api.BlueGreenStrategy(active_service="a").effective_abort_scale_down_delay_seconds,
            30,
            id="bg-abortScaleDown",
        ),
        pytest.param(
            lambda: api.BlueGreenStrategy(active_service="a").effective_max_unavailable, "25%", id="bg-maxUnavailable"
        ),
        pytest.param(lambda: _metric().effective_consecutive_error_limit, 4, id="consecutiveErrorLimit"),
        pytest.param(lambda: _metric(consecutiveErrorLimit="0").effective_consecutive_error_limit, 0, id="cel-string"),
        pytest.param(lambda: _metric().effective_failure_limit, 0, id="failureLimit"),
        pytest.param(lambda: _metric().effective_inconclusive_limit, 0, id="inconclusiveLimit"),
        pytest.param(lambda: _metric().effective_consecutive_success_limit, 0, id="consecutiveSuccessLimit"),
        pytest.param(lambda: _metric().effective_count, 1, id="count-single"),
        pytest.param(lambda: _metric(count=0).effective_count, 1, id="count-zero-single"),
        pytest.param(lambda: _metric(interval="1m").effective_count, None, id="count-forever"),
        pytest.param(lambda: _metric(interval="1m", count="3").effective_count, 3, id="count-set"),
        pytest.param(lambda: api.PrometheusMetric().effective_timeout, 30, id="prometheus-timeout"),
        pytest.param(lambda: api.WebMetric(url="u").effective_method, "GET", id="web-method"),
        pytest.param(lambda: api.WebMetric(url="u").effective_timeout_seconds, 10, id="web-timeout"),
        pytest.param(lambda: api.WebMetric(url="u").effective_json_path, "{$}", id="web-jsonPath"),
        pytest.param(
            lambda: api.ExperimentSpec(templates=[]).effective_progress_deadline_seconds, 600, id="exp-deadline"
        ),
        pytest.param(
            lambda: api.ExperimentSpec(templates=[]).effective_scale_down_delay_seconds, 30, id="exp-scaleDown"
        ),
        pytest.param(lambda: api.ExperimentTemplate(name="t").effective_replicas, 1, id="exp-replicas"),
        pytest.param(lambda: api.ObjectRef().effective_scale_down, "never", id="workload-scaleDown"),
        pytest.param(lambda: api.RolloutPause().duration_seconds, None, id="pause-indefinite"),
        pytest.param(lambda: api.RolloutPause(duration="1m").duration_seconds, 60.0, id="pause-minute"),
        pytest.param(lambda: api.RolloutPause(duration=15).duration_seconds, 15.0, id="pause-int"),
    ],
)
def test_effective_defaults(read: Callable[[], object], expected: object) -> None:
    assert read() == expected


def test_defaults_module_matches_argo() -> None:
    assert (defaults.REPLICAS, defaults.REVISION_HISTORY_LIMIT, defaults.PROGRESS_DEADLINE_SECONDS) == (1, 10, 600)
    assert (defaults.MAX_SURGE, defaults.MAX_UNAVAILABLE) == ("25%", "25%")
    assert (defaults.SCALE_DOWN_DELAY_SECONDS, defaults.ABORT_SCALE_DOWN_DELAY_SECONDS) == (30, 30)
    assert defaults.CONSECUTIVE_ERROR_LIMIT == 4
    assert (defaults.SUCCESSFUL_RUN_HISTORY_LIMIT, defaults.UNSUCCESSFUL_RUN_HISTORY_LIMIT) == (5, 5)
    assert (defaults.PROMETHEUS_TIMEOUT_SECONDS, defaults.WEB_TIMEOUT_SECONDS) == (30, 10)
    assert (defaults.WEB_METHOD, defaults.WEB_JSON_PATH) == ("GET", "{$}")


def test_effective_count_needs_resolved_arguments() -> None:
    with pytest.raises(ValueError):
        _metric(count="{{args.count}}").effective_count  # noqa: B018


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        pytest.param(api.CanaryStep(set_weight=5), ["setWeight"], id="one"),
        pytest.param(api.CanaryStep(set_weight=5, pause=api.RolloutPause()), ["setWeight", "pause"], id="two"),
        pytest.param(api.CanaryStep(), [], id="none"),
    ],
)
def test_step_kinds(model: api.CanaryStep, expected: list[str]) -> None:
    assert model.kinds == expected


@pytest.mark.parametrize(
    ("provider", "expected"),
    [
        pytest.param({"web": {"url": "u"}}, ["web"], id="web"),
        pytest.param({"job": {"spec": {}}, "prometheus": {}}, ["prometheus", "job"], id="two"),
        pytest.param({"plugin": {"argoproj-labs/metric": {}}}, ["plugin.argoproj-labs/metric"], id="plugin"),
        pytest.param({}, [], id="none"),
    ],
)
def test_provider_kinds(provider: dict[str, Any], expected: list[str]) -> None:
    assert api.MetricProvider.model_validate(provider).kinds == expected


def test_routers() -> None:
    routing = api.TrafficRouting.model_validate({"istio": {}, "alb": {"ingress": "x"}, "managedRoutes": []})
    assert routing.routers == ["istio", "alb"]


@pytest.mark.parametrize(
    ("selector", "labels", "matches"),
    [
        pytest.param({"matchLabels": {"app": "a"}}, {"app": "a", "x": "y"}, True, id="labels"),
        pytest.param({"matchLabels": {"app": "a"}}, {"app": "b"}, False, id="labels-differ"),
        pytest.param({"matchLabels": {"app": "a"}}, None, False, id="no-labels"),
        pytest.param(
            {"matchExpressions": [{"key": "t", "operator": "In", "values": ["a", "b"]}]}, {"t": "b"}, True, id="in"
        ),
        pytest.param(
            {"matchExpressions": [{"key": "t", "operator": "In", "values": ["a"]}]}, {}, False, id="in-missing"
        ),
        pytest.param({"matchExpressions": [{"key": "t", "operator": "NotIn", "values": ["a"]}]}, {}, True, id="notin"),
        pytest.param(
            {"matchExpressions": [{"key": "t", "operator": "NotIn", "values": ["a"]}]},
            {"t": "a"},
            False,
            id="notin-hit",
        ),
        pytest.param({"matchExpressions": [{"key": "t", "operator": "Exists"}]}, {"t": ""}, True, id="exists"),
        pytest.param(
            {"matchExpressions": [{"key": "t", "operator": "DoesNotExist"}]}, {"t": ""}, False, id="doesnotexist"
        ),
    ],
)
def test_selector_matches(selector: dict[str, Any], labels: dict[str, str] | None, matches: bool) -> None:
    assert selectors.selector_problems(selector) == []
    assert selectors.matches(selector, labels) is matches


def test_selector_to_string() -> None:
    selector = {
        "matchLabels": {"app": "demo"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["web", "api"]},
            {"key": "legacy", "operator": "DoesNotExist"},
            {"key": "zone", "operator": "Exists"},
            {"key": "env", "operator": "NotIn", "values": ["dev"]},
        ],
    }
    assert selectors.to_string(selector) == "app=demo,env notin (dev),!legacy,tier in (api,web),zone"
