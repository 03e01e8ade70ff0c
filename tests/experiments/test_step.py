"""A canary experiment step through `rollouts.plan.decide`, as tables: the Experiment it creates (baseline from
stable, canary from canary, metadata, service for weights, resolved args), what each experiment phase does to the
Rollout (wait, next step, abort with the experiment's message, pause InconclusiveExperiment), and the termination
of experiments that are not the current step's. Pure: no API."""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts import api
from rollouts.plan import hashing, steps
from rollouts.plan.actions import CreateExperiment, TerminateExperiment
from rollouts.plan.decide import decide
from rollouts.plan.experiments.view import ExperimentView
from rollouts.plan.observed import Observed, ReplicaSet

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
OLD = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:1"}]}}
NEW = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:2"}]}}
OLD_HASH, NEW_HASH = hashing.pod_template_hash(OLD), hashing.pod_template_hash(NEW)
EXPERIMENT_STEP = {
    "experiment": {
        "duration": "1m",
        "templates": [
            {"name": "baseline", "specRef": "stable"},
            {"name": "canary", "specRef": "canary", "replicas": 2, "metadata": {"labels": {"role": "exp"}}},
        ],
        "analyses": [
            {
                "name": "compare",
                "templateName": "compare",
                "args": [{"name": "stable-hash", "valueFrom": {"podTemplateHashValue": "Stable"}}],
            }
        ],
    }
}
STEPS = [{"setWeight": 20}, EXPERIMENT_STEP, {"pause": {}}]
NAME = f"demo-{NEW_HASH}-2-1"


def replica_set(pod_hash: str, revision: int, template: dict[str, Any], replicas: int) -> ReplicaSet:
    return ReplicaSet.from_raw(
        {
            "metadata": {
                "name": f"demo-{pod_hash}",
                "generation": 1,
                "labels": {"rollouts-pod-template-hash": pod_hash},
                "annotations": {"rollout.argoproj.io/revision": str(revision)},
            },
            "spec": {"replicas": replicas, "template": template},
            "status": {"observedGeneration": 1, "replicas": replicas, "availableReplicas": replicas},
        }
    )


def observe(index: int, experiments: tuple[ExperimentView, ...] = (), **status: Any) -> Observed:
    step_hash = steps.steps_hash([api.CanaryStep.model_validate(s) for s in STEPS])
    raw = {
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
            "replicas": 10,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": copy.deepcopy(NEW),
            "strategy": {"canary": {"steps": STEPS}},
        },
        "status": {
            "stableRS": OLD_HASH,
            "currentPodHash": NEW_HASH,
            "currentStepIndex": index,
            "currentStepHash": step_hash,
            **status,
        },
    }
    model = api.parse_rollout(raw, check=False)
    assert not isinstance(model, list)
    return Observed(
        rollout=model,
        raw=raw,
        replica_sets=(replica_set(OLD_HASH, 1, OLD, 8), replica_set(NEW_HASH, 2, NEW, 2)),
        experiments=experiments,
    )


def experiment(phase: str, message: str = "", name: str = NAME) -> ExperimentView:
    return ExperimentView(name=name, pod_hash=NEW_HASH, phase=phase, message=message, terminating=False, created="")


def test_the_step_creates_its_experiment_from_the_stable_and_canary_templates() -> None:
    plan = decide(observed=observe(1), now=NOW)
    (created,) = [a for a in plan.actions if isinstance(a, CreateExperiment)]
    body = created.body
    assert body["metadata"]["name"] == NAME
    assert body["metadata"]["labels"]["rollouts-pod-template-hash"] == NEW_HASH
    assert body["metadata"]["ownerReferences"][0]["kind"] == "Rollout"
    baseline, canary = body["spec"]["templates"]
    assert baseline["template"] == OLD
    assert baseline["selector"]["matchLabels"] == {"app": "demo", "rollouts-pod-template-hash": OLD_HASH}
    assert canary["replicas"] == 2
    assert canary["template"]["metadata"]["labels"] == {"app": "demo", "role": "exp"}
    assert canary["selector"]["matchLabels"]["role"] == "exp"
    assert body["spec"]["analyses"][0]["args"] == [{"name": "stable-hash", "value": OLD_HASH}]
    assert plan.status.canary is not None and plan.status.canary.current_experiment == NAME
    assert plan.status.current_step_index == 1


@pytest.mark.parametrize(
    ("phase", "index", "abort", "pause"),
    [
        ("Running", 1, None, None),
        ("Successful", 2, None, None),
        ("Failed", 1, True, None),
        ("Error", 1, True, None),
        ("Inconclusive", 1, None, "InconclusiveExperiment"),
    ],
)
def test_the_experiment_phase_decides_the_step(phase: str, index: int, abort: bool | None, pause: str | None) -> None:
    plan = decide(observed=observe(1, (experiment(phase, "why"),), canary={"currentExperiment": NAME}), now=NOW)
    assert not [a for a in plan.actions if isinstance(a, CreateExperiment)]
    assert plan.status.current_step_index == index
    assert plan.status.abort is abort
    assert [c.reason for c in plan.status.pause_conditions or []] == ([pause] if pause else [])
    if abort:
        assert "why" in (plan.status.message or "")


def test_an_experiment_that_is_not_the_current_steps_is_terminated() -> None:
    other = experiment("Running", name=f"demo-{NEW_HASH}-2-0")
    plan = decide(observed=observe(2, (other,)), now=NOW)
    assert TerminateExperiment(other.name) in plan.actions


def test_an_experiment_of_a_later_step_is_kept_for_that_step() -> None:
    """Killed after one reconcile went from the setWeight step on to the experiment step and created its Experiment,
    but before the status write naming that step, the controller is back at step 0: the Experiment is the next
    step's, kept for it to adopt, not terminated (its templates would end, its analysis never start)."""
    ahead = experiment("", name=NAME)
    plan = decide(observed=observe(0, (ahead,)), now=NOW)
    assert not [a for a in plan.actions if isinstance(a, TerminateExperiment)]


def test_abort_terminates_the_running_experiment() -> None:
    plan = decide(observed=observe(1, (experiment("Running"),), abort=True), now=NOW)
    assert TerminateExperiment(NAME) in plan.actions


def stored(body: dict[str, Any], *, phase: str = "", owner: str = "uid", **spec: Any) -> ExperimentView:
    """The Experiment as the API holds it after a create, with its phase, owner and spec changed as asked."""
    raw = copy.deepcopy(body)
    raw["metadata"]["ownerReferences"][0]["uid"] = owner
    raw["spec"].update(spec)
    raw["status"] = {"phase": phase} if phase else {}
    return ExperimentView.from_raw(raw)


@pytest.mark.parametrize(
    ("change", "created"),
    [
        pytest.param({}, None, id="new-experiment-adopted"),
        pytest.param({"phase": "Running"}, None, id="running-experiment-adopted"),
        pytest.param({"terminate": True}, None, id="terminate-ignored-as-argo"),
        pytest.param({"phase": "Successful"}, "-1", id="finished-experiment-not-adopted"),
        pytest.param({"phase": "Failed"}, "-1", id="failed-experiment-not-adopted"),
        pytest.param({"owner": "other-uid"}, "-1", id="other-owner-not-adopted"),
        pytest.param({"duration": "5m"}, "-1", id="other-spec-not-adopted"),
    ],
)
def test_a_restart_adopts_the_experiment_it_created_before_recording_it(
    change: dict[str, Any], created: str | None
) -> None:
    """Killed between creating the step's Experiment and writing the status that names it, the controller finds
    it again (unfinished, same spec, same owner) instead of creating `<name>-1` (Argo's counter for Experiments)."""
    [create] = [a for a in decide(observed=observe(1), now=NOW).actions if isinstance(a, CreateExperiment)]
    again = decide(observed=observe(1, (stored(dict(create.body), **change),)), now=NOW)
    creates = [a.body["metadata"]["name"] for a in again.actions if isinstance(a, CreateExperiment)]
    assert creates == ([] if created is None else [NAME + created])
    assert again.status.canary is not None and again.status.canary.current_experiment == NAME + (created or "")
    assert not [a for a in again.actions if isinstance(a, TerminateExperiment)], "the adopted one keeps running"


def test_a_name_another_owners_experiment_holds_is_skipped() -> None:
    """Another owner's Experiment at the step's name (seen by name only) makes ours `<name>-1`."""
    [create] = [a for a in decide(observed=observe(1), now=NOW).actions if isinstance(a, CreateExperiment)]
    foreign = stored(dict(create.body), phase="Running", owner="deleted-rollout-uid")
    observed = dataclasses.replace(observe(1), experiment_named=lambda name: foreign if name == NAME else None)
    again = decide(observed=observed, now=NOW)
    assert [a.body["metadata"]["name"] for a in again.actions if isinstance(a, CreateExperiment)] == [NAME + "-1"]
