"""`decide` with analysis, as tables: which AnalysisRun a step creates, and what each verdict does to the rollout.

Aspects: a canary analysis step creates one run named <rollout>-<hash>-<revision>-<step> with Argo's labels and
the template's metrics and resolved args; Successful completes the step; Failed aborts with the run's message;
Inconclusive pauses; a missing template is an InvalidSpec; blue-green pre-promotion holds the switch until it
passes. Pure: no API.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts import api
from rollouts.plan import hashing, steps
from rollouts.plan.actions import CreateAnalysisRun, Plan, PointService, TerminateAnalysisRun
from rollouts.plan.decide import decide
from rollouts.plan.observed import AnalysisRunView, Observed, ReplicaSet

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
OLD = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:1"}]}}
NEW = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:2"}]}}
OLD_HASH, NEW_HASH = hashing.pod_template_hash(OLD), hashing.pod_template_hash(NEW)
TEMPLATE = api.parse_analysis_template(
    {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "error-rate"},
        "spec": {
            "args": [{"name": "service"}, {"name": "hash"}],
            "metrics": [
                {
                    "name": "errors",
                    "successCondition": "result[0] < 0.05",
                    "provider": {"prometheus": {"address": "http://p:9090", "query": "q{svc='{{args.service}}'}"}},
                }
            ],
        },
    }
)
STEP_ANALYSIS = {
    "templates": [{"templateName": "error-rate"}],
    "args": [{"name": "service", "value": "web"}, {"name": "hash", "valueFrom": {"podTemplateHashValue": "Latest"}}],
}
STEPS = [{"setWeight": 50}, {"analysis": STEP_ANALYSIS}, {"setWeight": 100}]


def a_replica_set(pod_hash: str, revision: int, template: dict[str, Any], replicas: int) -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"demo-{pod_hash}",
            "uid": f"uid-{pod_hash}",
            "generation": 1,
            "labels": {"rollouts-pod-template-hash": pod_hash},
            "annotations": {"rollout.argoproj.io/revision": str(revision), "rollout.argoproj.io/desired-replicas": "2"},
        },
        "spec": {"replicas": replicas, "template": template},
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
        },
    }


def a_canary(status: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {
            "name": "demo",
            "namespace": "ns",
            "uid": "uid",
            "generation": 1,
            "annotations": {"rollout.argoproj.io/revision": "2"},
        },
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": copy.deepcopy(NEW),
            "strategy": {"canary": {"steps": STEPS}},
        },
        "status": status,
    }


def observe(rollout: dict[str, Any], runs: tuple[AnalysisRunView, ...] = (), *, templates: bool = True) -> Observed:
    model = api.parse_rollout(rollout, check=False)
    assert not isinstance(model, list)
    return Observed(
        rollout=model,
        raw=rollout,
        replica_sets=(
            ReplicaSet.from_raw(a_replica_set(OLD_HASH, 1, OLD, 1)),
            ReplicaSet.from_raw(a_replica_set(NEW_HASH, 2, NEW, 1)),
        ),
        analysis_runs=runs,
        templates={(False, "error-rate"): TEMPLATE} if templates else {},
        spec_errors=() if templates else ('spec.strategy: AnalysisTemplate "error-rate" not found',),
    )


def at_analysis_step(**extra: Any) -> dict[str, Any]:
    step_hash = steps.steps_hash([api.CanaryStep.model_validate(step) for step in STEPS])
    return {
        "stableRS": OLD_HASH,
        "currentPodHash": NEW_HASH,
        "currentStepIndex": 1,
        "currentStepHash": step_hash,
        **extra,
    }


def step_run(plan: Plan) -> str | None:
    """The step run the plan's status names."""
    canary = plan.status.canary
    reference = canary.current_step_analysis_run_status if canary else None
    return reference.name if reference else None


def run_view(phase: str, message: str = "") -> AnalysisRunView:
    return AnalysisRunView(
        name=f"demo-{NEW_HASH}-2-1",
        kind="Step",
        step_index=1,
        pod_hash=NEW_HASH,
        phase=phase,
        message=message,
        terminating=False,
    )


def test_analysis_step_creates_one_run_named_and_labelled_like_argo() -> None:
    plan = decide(observed=observe(a_canary(at_analysis_step())), now=NOW)
    [create] = [a for a in plan.actions if isinstance(a, CreateAnalysisRun)]
    body = create.body
    assert body["metadata"]["name"] == f"demo-{NEW_HASH}-2-1"
    assert body["metadata"]["labels"] == {
        "app": "demo",
        "rollouts-pod-template-hash": NEW_HASH,
        "rollout-type": "Step",
        "step-index": "1",
    }
    assert body["metadata"]["annotations"] == {"rollout.argoproj.io/revision": "2"}
    assert body["metadata"]["ownerReferences"][0]["kind"] == "Rollout"
    assert body["spec"]["args"] == [{"name": "service", "value": "web"}, {"name": "hash", "value": NEW_HASH}]
    assert [m["name"] for m in body["spec"]["metrics"]] == ["errors"]
    assert step_run(plan) == body["metadata"]["name"]
    assert plan.status.current_step_index == 1, "the step waits for its run"


@pytest.mark.parametrize(
    ("phase", "index", "abort", "paused"),
    [
        pytest.param("Running", 1, None, None, id="running-waits"),
        pytest.param("Successful", 2, None, None, id="successful-completes-the-step"),
        pytest.param("Failed", 1, True, None, id="failed-aborts"),
        pytest.param("Error", 1, True, None, id="error-aborts"),
        pytest.param("Inconclusive", 1, None, "InconclusiveAnalysisRun", id="inconclusive-pauses"),
    ],
)
def test_step_run_verdicts(phase: str, index: int, abort: bool | None, paused: str | None) -> None:
    reference = {"currentStepAnalysisRunStatus": {"name": f"demo-{NEW_HASH}-2-1"}}
    rollout = a_canary(at_analysis_step(canary=reference))
    plan = decide(observed=observe(rollout, (run_view(phase, 'Metric "errors" assessed Failed'),)), now=NOW)
    assert not [a for a in plan.actions if isinstance(a, CreateAnalysisRun)]
    assert plan.status.current_step_index == index
    assert plan.status.abort is abort
    assert (plan.status.pause_conditions[0].reason if plan.status.pause_conditions else None) == paused
    if abort:
        assert plan.status.phase == "Degraded"
        assert f'Step-based analysis phase {phase.lower()}: Metric "errors" assessed Failed' in (
            plan.status.message or ""
        )
        assert plan.requeue_after == 0, "the abort is carried out right away"


def test_missing_template_is_invalid_spec_and_creates_nothing() -> None:
    plan = decide(observed=observe(a_canary(at_analysis_step()), templates=False), now=NOW)
    assert plan.actions == ()
    assert plan.status.phase == "Degraded" and 'AnalysisTemplate "error-rate" not found' in (plan.status.message or "")


def test_abort_terminates_the_running_step_run() -> None:
    rollout = a_canary(
        at_analysis_step(abort=True, canary={"currentStepAnalysisRunStatus": {"name": f"demo-{NEW_HASH}-2-1"}})
    )
    plan = decide(observed=observe(rollout, (run_view("Running"),)), now=NOW)
    assert TerminateAnalysisRun(f"demo-{NEW_HASH}-2-1") in plan.actions


def test_bluegreen_pre_promotion_holds_the_switch_until_it_passes() -> None:
    def rollout(status: dict[str, Any]) -> dict[str, Any]:
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Rollout",
            "metadata": {
                "name": "demo",
                "namespace": "ns",
                "uid": "uid",
                "generation": 1,
                "annotations": {"rollout.argoproj.io/revision": "2"},
            },
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "demo"}},
                "template": copy.deepcopy(NEW),
                "strategy": {"blueGreen": {"activeService": "active", "prePromotionAnalysis": STEP_ANALYSIS}},
            },
            "status": status,
        }

    def observed(status: dict[str, Any], runs: tuple[AnalysisRunView, ...]) -> Observed:
        raw = rollout(status)
        model = api.parse_rollout(raw, check=False)
        assert not isinstance(model, list)
        return Observed(
            rollout=model,
            raw=raw,
            analysis_runs=runs,
            templates={(False, "error-rate"): TEMPLATE},
            replica_sets=(
                ReplicaSet.from_raw(a_replica_set(OLD_HASH, 1, OLD, 1)),
                ReplicaSet.from_raw(a_replica_set(NEW_HASH, 2, NEW, 1)),
            ),
            services={"active": {"spec": {"selector": {"app": "demo", "rollouts-pod-template-hash": OLD_HASH}}}},
        )

    status = {"stableRS": OLD_HASH, "currentPodHash": NEW_HASH}
    first = decide(observed=observed(status, ()), now=NOW)
    [create] = [a for a in first.actions if isinstance(a, CreateAnalysisRun)]
    assert (
        create.body["metadata"]["name"] == f"demo-{NEW_HASH}-2-pre"
        and create.body["metadata"]["labels"]["rollout-type"] == "PrePromotion"
    )
    assert not [a for a in first.actions if isinstance(a, PointService)]

    name = create.body["metadata"]["name"]
    passed = AnalysisRunView(
        name=name,
        kind="PrePromotion",
        step_index=None,
        pod_hash=NEW_HASH,
        phase="Successful",
        message="",
        terminating=False,
    )
    later = decide(
        observed=observed({**status, "blueGreen": {"prePromotionAnalysisRunStatus": {"name": name}}}, (passed,)),
        now=NOW,
    )
    assert [(a.service, a.pod_hash) for a in later.actions if isinstance(a, PointService)] == [("active", NEW_HASH)]
    assert later.status.stable_rs == NEW_HASH


def stored(body: Mapping[str, Any], *, phase: str = "", owner: str = "uid", **spec: Any) -> AnalysisRunView:
    """The run as the API holds it after a create, with its phase, owner and spec changed as asked."""
    run = copy.deepcopy(dict(body))
    run["metadata"]["ownerReferences"][0]["uid"] = owner
    run["spec"].update(spec)
    run["status"] = {"phase": phase} if phase else {}
    return AnalysisRunView.from_raw(run)


@pytest.mark.parametrize(
    ("change", "created"),
    [
        pytest.param({}, None, id="new-run-adopted"),
        pytest.param({"phase": "Running"}, None, id="running-run-adopted"),
        pytest.param({"phase": "Pending"}, None, id="pending-run-adopted"),
        pytest.param({"phase": "Successful"}, ".1", id="finished-run-not-adopted"),
        pytest.param({"phase": "Failed"}, ".1", id="failed-run-not-adopted"),
        pytest.param({"owner": "other-uid"}, ".1", id="other-owner-not-adopted"),
        pytest.param({"terminate": True}, ".1", id="terminated-run-not-adopted"),
        pytest.param({"args": [{"name": "service", "value": "api"}]}, ".1", id="other-spec-not-adopted"),
    ],
)
def test_a_restart_adopts_the_run_it_created_before_recording_it(change: dict[str, Any], created: str | None) -> None:
    """Killed between creating a run and writing the status that names it, the controller finds the run again
    (unfinished, same spec, same owner) instead of creating `<name>.1` next to it; anything else is a new run."""
    first = decide(observed=observe(a_canary(at_analysis_step())), now=NOW)
    [create] = [a for a in first.actions if isinstance(a, CreateAnalysisRun)]
    name = create.body["metadata"]["name"]
    again = decide(observed=observe(a_canary(at_analysis_step()), (stored(create.body, **change),)), now=NOW)
    creates = [a.body["metadata"]["name"] for a in again.actions if isinstance(a, CreateAnalysisRun)]
    assert creates == ([] if created is None else [name + created])
    assert step_run(again) == name + (created or "")


def test_a_name_another_owners_run_holds_is_skipped() -> None:
    """Only our own runs are in `analysis_runs`; a run of another owner (a deleted Rollout's, not yet collected) at
    the name is seen by name, so the new run goes to `<name>.1` instead of colliding on every reconcile."""
    first = decide(observed=observe(a_canary(at_analysis_step())), now=NOW)
    [create] = [a for a in first.actions if isinstance(a, CreateAnalysisRun)]
    name = create.body["metadata"]["name"]
    foreign = stored(create.body, owner="deleted-rollout-uid", phase="Running")
    observed = replace(
        observe(a_canary(at_analysis_step())), run_named=lambda found: foreign if found == name else None
    )
    again = decide(observed=observed, now=NOW)
    assert [a.body["metadata"]["name"] for a in again.actions if isinstance(a, CreateAnalysisRun)] == [name + ".1"]
    assert step_run(again) == name + ".1"
