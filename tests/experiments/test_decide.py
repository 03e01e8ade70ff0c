"""The Experiment's pure decisions: phases, template statuses, ReplicaSets, Services, analyses, terminate and
scale-down, as Argo decides them. Each case is one reconcile from a given observed state."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts import api
from rollouts.api import AnalysisTemplate, Experiment
from rollouts.plan.experiments import (
    CreateObject,
    DeleteService,
    ExperimentObserved,
    ScaleTemplate,
    TerminateRun,
    decide,
)

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
EARLIER = "2026-01-01T11:59:00Z"
BASE: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "Experiment",
    "metadata": {"name": "exp", "namespace": "ns", "uid": "u-1"},
    "spec": {
        "templates": [
            {
                "name": "baseline",
                "selector": {"matchLabels": {"app": "demo"}},
                "template": {
                    "metadata": {"labels": {"app": "demo"}},
                    "spec": {
                        "containers": [{"name": "c", "image": "i", "ports": [{"containerPort": 8080, "name": "http"}]}]
                    },
                },
            }
        ]
    },
}
PASS = AnalysisTemplate.model_validate(
    {"metadata": {"name": "pass"}, "spec": {"metrics": [{"name": "m", "provider": {"web": {"url": "http://x"}}}]}}
)


def experiment(spec: dict[str, Any] | None = None, status: dict[str, Any] | None = None) -> dict[str, Any]:
    raw = copy.deepcopy(BASE)
    raw["spec"].update(spec or {})
    if status is not None:
        raw["status"] = status
    return raw


def rs(replicas: int = 1, available: int = 1, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "metadata": {
            "name": "exp-baseline",
            "labels": {"rollouts-pod-template-hash": "h1"},
            "annotations": annotations or {},
        },
        "spec": {"replicas": replicas, "template": BASE["spec"]["templates"][0]["template"]},
        "status": {"replicas": replicas, "readyReplicas": available, "availableReplicas": available},
    }


def run_decide(
    raw: dict[str, Any],
    *,
    replica_sets: dict[str, Any] | None = None,
    services: dict[str, Any] | None = None,
    runs: dict[str, Any] | None = None,
    now: datetime = NOW,
) -> Any:
    model = api.parse_experiment(raw)
    assert isinstance(model, Experiment), model
    lookup = lambda name, cluster: PASS if (name, cluster) == ("pass", False) else None  # noqa: E731
    observed = ExperimentObserved(raw, replica_sets or {}, services or {}, runs or {}, lookup, now)
    return decide(observed, model)


def running_status(**extra: Any) -> dict[str, Any]:
    ts = {
        "name": "baseline",
        "status": "Running",
        "replicas": 1,
        "updatedReplicas": 1,
        "readyReplicas": 1,
        "availableReplicas": 1,
        "lastTransitionTime": EARLIER,
    }
    return {"phase": "Running", "availableAt": EARLIER, "templateStatuses": [ts], **extra}


def test_first_reconcile_is_pending_and_creates_the_template_replica_set() -> None:
    plan = run_decide(experiment())
    assert plan.status["phase"] == "Pending"
    created = [a for a in plan.actions if isinstance(a, CreateObject)]
    assert [(a.kind, a.body["metadata"]["name"]) for a in created] == [("ReplicaSet", "exp-baseline")]
    body = created[0].body
    pod_hash = body["metadata"]["labels"]["rollouts-pod-template-hash"]
    assert body["spec"]["replicas"] == 1
    assert body["spec"]["selector"]["matchLabels"] == {"app": "demo", "rollouts-pod-template-hash": pod_hash}
    assert body["metadata"]["annotations"] == {
        "experiment.argoproj.io/name": "exp",
        "experiment.argoproj.io/template-name": "baseline",
    }
    assert body["metadata"]["ownerReferences"][0]["kind"] == "Experiment"
    assert plan.status["templateStatuses"][0]["status"] == "Progressing"


def test_all_available_marks_available_at_and_running() -> None:
    status = {
        "phase": "Pending",
        "templateStatuses": [{"name": "baseline", "status": "Progressing", "lastTransitionTime": EARLIER}],
    }
    plan = run_decide(experiment(status=status), replica_sets={"baseline": rs()})
    assert plan.status["phase"] == "Running"
    assert plan.status["availableAt"] == "2026-01-01T12:00:00Z"
    assert plan.status["templateStatuses"][0]["status"] == "Running"
    progressing = [c for c in plan.status["conditions"] if c["type"] == "Progressing"]
    assert progressing[0]["status"] == "True"


@pytest.mark.parametrize(
    ("duration", "phase", "template_status"),
    [("2m", "Running", "Running"), ("30s", "Successful", "Successful")],
    ids=["within-duration", "duration-passed"],
)
def test_duration(duration: str, phase: str, template_status: str) -> None:
    plan = run_decide(experiment({"duration": duration}, running_status()), replica_sets={"baseline": rs()})
    assert plan.status["phase"] == phase
    assert plan.status["templateStatuses"][0]["status"] == template_status
    if phase == "Running":
        assert plan.requeue_after is not None and 0 < plan.requeue_after <= 61


def test_successful_experiment_scales_down_after_the_delay_then_deletes_the_service() -> None:
    done = running_status(phase="Successful")
    done["templateStatuses"][0]["status"] = "Successful"
    first = run_decide(experiment({"scaleDownDelaySeconds": 30}, done), replica_sets={"baseline": rs()})
    assert first.actions == [ScaleTemplate("exp-baseline", 1, {"scale-down-deadline": "2026-01-01T12:00:30Z"})]
    assert first.requeue_after == 30
    later = run_decide(
        experiment({"scaleDownDelaySeconds": 30}, done),
        replica_sets={"baseline": rs(annotations={"scale-down-deadline": "2026-01-01T11:59:59Z"})},
        services={
            "exp-baseline": {"metadata": {"name": "exp-baseline", "labels": {"rollouts-pod-template-hash": "h1"}}}
        },
    )
    assert later.actions == [ScaleTemplate("exp-baseline", 0, {})]
    gone = run_decide(
        experiment({"scaleDownDelaySeconds": 30}, done),
        replica_sets={"baseline": rs(replicas=0, available=0)},
        services={
            "exp-baseline": {"metadata": {"name": "exp-baseline", "labels": {"rollouts-pod-template-hash": "h1"}}}
        },
    )
    assert gone.actions == [DeleteService("exp-baseline")]
    assert gone.status["phase"] == "Successful"


def test_service_is_created_from_the_container_ports() -> None:
    spec = copy.deepcopy(BASE["spec"])
    spec["templates"][0]["service"] = {}
    plan = run_decide(experiment(spec, running_status()), replica_sets={"baseline": rs()})
    created = [a for a in plan.actions if isinstance(a, CreateObject)]
    assert [(a.kind, a.body["metadata"]["name"]) for a in created] == [("Service", "exp-baseline")]
    assert created[0].body["spec"]["ports"] == [{"protocol": "TCP", "port": 8080, "targetPort": 8080, "name": "http"}]
    assert created[0].body["spec"]["selector"] == {"rollouts-pod-template-hash": "h1"}
    assert plan.status["templateStatuses"][0]["serviceName"] == "exp-baseline"


def test_progress_deadline_fails_the_template_and_the_experiment() -> None:
    waiting = {
        "name": "baseline",
        "status": "Progressing",
        "replicas": 1,
        "updatedReplicas": 1,
        "lastTransitionTime": "2026-01-01T11:58:00Z",
    }
    status = {"phase": "Pending", "templateStatuses": [waiting]}
    plan = run_decide(experiment({"progressDeadlineSeconds": 30}, status), replica_sets={"baseline": rs(available=0)})
    assert plan.status["phase"] == "Failed"
    assert plan.status["message"] == "Template 'baseline' exceeded its progressDeadlineSeconds (30)"
    assert [e.reason for e in plan.events] == ["TemplateFailed"]


def test_missing_analysis_template_is_an_error_before_anything_runs() -> None:
    analyses = {"analyses": [{"name": "does-not-exist", "templateName": "does-not-exist"}]}
    pending = {
        "phase": "Pending",
        "templateStatuses": [{"name": "baseline", "status": "Progressing", "lastTransitionTime": EARLIER}],
    }
    first = run_decide(experiment(analyses, pending), replica_sets={"baseline": rs(available=0)})
    message = "AnalysisTemplate verification failed for analysis 'does-not-exist': analysistemplate.argoproj.io \"does-not-exist\" not found"
    assert first.status["analysisRuns"] == [{"name": "does-not-exist", "phase": "Error", "message": message}]
    second = run_decide(experiment(analyses, first.status), replica_sets={"baseline": rs(replicas=0, available=0)})
    assert (second.status["phase"], second.status["message"]) == ("Error", message)


@pytest.mark.parametrize(
    ("run_phase", "phase"),
    [("Running", "Running"), ("Failed", "Failed"), ("Error", "Error"), ("Inconclusive", "Inconclusive")],
)
def test_analysis_phase_decides_a_running_experiment(run_phase: str, phase: str) -> None:
    analyses = {"analyses": [{"name": "a", "templateName": "pass"}]}
    status = running_status(analysisRuns=[{"name": "a", "analysisRun": "exp-a", "phase": "Running"}])
    run = {"metadata": {"name": "exp-a"}, "spec": {}, "status": {"phase": run_phase, "message": "why"}}
    plan = run_decide(experiment(analyses, status), replica_sets={"baseline": rs()}, runs={"exp-a": run})
    assert plan.status["phase"] == phase


def test_run_is_created_once_available_with_template_placeholders() -> None:
    analyses = {
        "analyses": [
            {
                "name": "a",
                "templateName": "pass",
                "args": [{"name": "hash", "value": "{{templates.baseline.podTemplateHash}}"}],
            }
        ]
    }
    with_arg = copy.deepcopy(PASS.to_dict())
    with_arg["spec"]["args"] = [{"name": "hash"}]
    template = AnalysisTemplate.model_validate(with_arg)
    raw = experiment(analyses, running_status())
    model = api.parse_experiment(raw)
    assert isinstance(model, Experiment)
    observed = ExperimentObserved(raw, {"baseline": rs()}, {}, {}, lambda name, cluster: template, NOW)
    plan = decide(observed, model)
    created = [a for a in plan.actions if isinstance(a, CreateObject)]
    assert [(a.kind, a.body["metadata"]["name"]) for a in created] == [("AnalysisRun", "exp-a")]
    assert created[0].body["spec"]["args"] == [{"name": "hash", "value": "h1"}]
    assert plan.status["analysisRuns"] == [{"name": "a", "phase": "Pending", "analysisRun": "exp-a"}]


def test_required_analysis_completes_the_experiment() -> None:
    analyses = {"analyses": [{"name": "a", "templateName": "pass", "requiredForCompletion": True}]}
    status = running_status(analysisRuns=[{"name": "a", "analysisRun": "exp-a", "phase": "Running"}])
    run = {"metadata": {"name": "exp-a"}, "spec": {}, "status": {"phase": "Successful"}}
    plan = run_decide(experiment(analyses, status), replica_sets={"baseline": rs()}, runs={"exp-a": run})
    assert (plan.status["phase"], plan.status["message"]) == ("Successful", "Required AnalysisRuns completed")


def test_terminate_ends_successful_and_terminates_running_runs() -> None:
    analyses = {"analyses": [{"name": "a", "templateName": "pass"}], "terminate": True, "scaleDownDelaySeconds": 0}
    status = running_status(analysisRuns=[{"name": "a", "analysisRun": "exp-a", "phase": "Running"}])
    run = {"metadata": {"name": "exp-a"}, "spec": {}, "status": {"phase": "Running"}}
    plan = run_decide(experiment(analyses, status), replica_sets={"baseline": rs()}, runs={"exp-a": run})
    assert ScaleTemplate("exp-baseline", 0, {}) in plan.actions
    assert TerminateRun("exp-a") in plan.actions
    assert plan.status["templateStatuses"][0]["status"] == "Successful"
    assert plan.status["phase"] == "Successful"


@pytest.mark.parametrize(
    ("change", "created"),
    [
        pytest.param({}, None, id="new-run-adopted"),
        pytest.param({"phase": "Running"}, None, id="running-run-adopted"),
        pytest.param({"phase": "Successful"}, "exp-a.1", id="finished-run-not-adopted"),
        pytest.param({"owner": "u-other"}, "exp-a.1", id="other-owner-not-adopted"),
        pytest.param({"args": [{"name": "x", "value": "y"}]}, "exp-a.1", id="other-spec-not-adopted"),
    ],
)
def test_a_restart_adopts_the_run_it_created_before_recording_it(change: dict[str, Any], created: str | None) -> None:
    """Killed between creating an analysis' run and writing the status that names it, the Experiment controller
    finds the run again (its own, unfinished, same spec) instead of creating `exp-a.1`, as Argo's collision
    counter does; any other run at the name (another owner's too) means a new run at the next name."""
    analyses = {"analyses": [{"name": "a", "templateName": "pass"}]}
    first = run_decide(experiment(analyses, running_status()), replica_sets={"baseline": rs()})
    [create] = [a for a in first.actions if isinstance(a, CreateObject) and a.kind == "AnalysisRun"]
    stored = copy.deepcopy(dict(create.body))
    stored["metadata"]["ownerReferences"][0]["uid"] = change.pop("owner", "u-1")
    stored["status"] = {"phase": change.pop("phase")} if "phase" in change else {}
    stored["spec"].update(change)
    raw, owned = experiment(analyses, running_status()), stored["metadata"]["ownerReferences"][0]["uid"] == "u-1"
    model = api.parse_experiment(raw)
    assert isinstance(model, Experiment)
    observed = ExperimentObserved(
        raw,
        {"baseline": rs()},
        {},
        {"exp-a": stored} if owned else {},  # the owner index holds only the experiment's own runs
        lambda name, cluster: PASS,
        NOW,
        run_named=lambda name: stored if name == "exp-a" else None,
    )
    again = decide(observed, model)
    creates = [a.body["metadata"]["name"] for a in again.actions if isinstance(a, CreateObject)]
    assert creates == ([] if created is None else [created])
    assert again.status["analysisRuns"][0]["analysisRun"] == (created or "exp-a")


@pytest.mark.parametrize(
    ("recorded", "phase", "analysis_phase"),
    [
        pytest.param("Pending", "Running", "Pending", id="just-created-not-in-the-cache-yet"),
        pytest.param("Running", "Error", "Error", id="seen-then-gone"),
    ],
)
def test_a_run_missing_from_the_cache(recorded: str, phase: str, analysis_phase: str) -> None:
    analyses = {"analyses": [{"name": "a", "templateName": "pass"}]}
    status = running_status(analysisRuns=[{"name": "a", "analysisRun": "exp-a", "phase": recorded}])
    plan = run_decide(experiment(analyses, status), replica_sets={"baseline": rs()})
    assert not [a for a in plan.actions if isinstance(a, CreateObject)]
    assert plan.status["phase"] == phase
    assert plan.status["analysisRuns"][0]["phase"] == analysis_phase
