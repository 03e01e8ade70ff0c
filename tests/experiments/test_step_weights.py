"""Weighted experiment templates through `rollouts.plan.decide`, as tables: when the traffic split carries the
templates' shares (the step's Experiment is Running), what stable gets, what `status.canary.weights` records, and
when the shares go (the Experiment finished or is terminating, the step is over, abort, full promotion). Pure."""

from __future__ import annotations

from typing import Any

import pytest

from experiments.test_step import NAME, NEW, NEW_HASH, NOW, OLD, OLD_HASH, replica_set
from rollouts import api
from rollouts.plan import steps
from rollouts.plan.actions import AdditionalDestination, RouteTraffic, TrafficSplit
from rollouts.plan.decide import decide
from rollouts.plan.experiments.view import ExperimentView, TemplateDestination
from rollouts.plan.observed import Observed

WEIGHTED = {
    "experiment": {
        "templates": [
            {"name": "exp-canary", "specRef": "canary", "weight": 20},
            {"name": "exp-baseline", "specRef": "stable", "weight": 5},
            {"name": "unweighted", "specRef": "stable"},
        ]
    }
}
STEPS = [{"setWeight": 20}, WEIGHTED, {"pause": {}}]
ROUTING = {"istio": {"virtualService": {"name": "vs", "routes": ["primary"]}}}


def observe(index: int, experiment: ExperimentView | None, **status: Any) -> Observed:
    raw = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "demo", "namespace": "ns", "uid": "uid", "generation": 1},
        "spec": {
            "replicas": 10,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": NEW,
            "strategy": {
                "canary": {
                    "stableService": "stable",
                    "canaryService": "canary",
                    "trafficRouting": ROUTING,
                    "steps": STEPS,
                }
            },
        },
        "status": {
            "stableRS": OLD_HASH,
            "currentPodHash": NEW_HASH,
            "currentStepIndex": index,
            "currentStepHash": steps.steps_hash([api.CanaryStep.model_validate(s) for s in STEPS]),
            "canary": {"currentExperiment": NAME} if experiment else {},
            **status,
        },
    }
    model = api.parse_rollout(raw, check=False)
    assert not isinstance(model, list)
    services = {
        name: {"metadata": {"name": name}, "spec": {"selector": {"rollouts-pod-template-hash": pod_hash}}}
        for name, pod_hash in (("stable", OLD_HASH), ("canary", NEW_HASH))
    }
    return Observed(
        rollout=model,
        raw=raw,
        replica_sets=(replica_set(OLD_HASH, 1, OLD, 10), replica_set(NEW_HASH, 2, NEW, 2)),
        experiments=(experiment,) if experiment else (),
        services=services,
    )


def running(phase: str = "Running", *, terminating: bool = False) -> ExperimentView:
    templates = (
        TemplateDestination("exp-canary", f"{NAME}-exp-canary", "h-canary", "Running"),
        TemplateDestination("exp-baseline", f"{NAME}-exp-baseline", "h-baseline", "Running"),
        TemplateDestination("unweighted", "", "h-unweighted", "Running"),
    )
    return ExperimentView(
        name=NAME,
        pod_hash=NEW_HASH,
        phase=phase,
        message="",
        terminating=terminating,
        created="",
        templates=templates,
        owner_uid="uid",
    )


SHARES = (
    AdditionalDestination(f"{NAME}-exp-canary", "h-canary", 20),
    AdditionalDestination(f"{NAME}-exp-baseline", "h-baseline", 5),
)


def routed(observed: Observed) -> tuple[TrafficSplit, api.RolloutStatus]:
    plan = decide(observed=observed, now=NOW)
    (route,) = [action for action in plan.actions if isinstance(action, RouteTraffic)]
    return route.split, plan.status


def test_a_running_experiment_takes_its_templates_shares_out_of_stables() -> None:
    split, status = routed(observe(1, running()))
    assert (split.canary_weight, split.stable_weight, split.additional) == (20, 55, SHARES)
    weights = status.canary.weights if status.canary else None
    assert weights is not None and weights.stable is not None and weights.stable.weight == 55
    assert [(w.service_name, w.pod_template_hash, w.weight) for w in weights.additional or []] == [
        (f"{NAME}-exp-canary", "h-canary", 20),
        (f"{NAME}-exp-baseline", "h-baseline", 5),
    ]


@pytest.mark.parametrize(
    ("experiment", "status"),
    [
        pytest.param(running("Pending"), {}, id="experiment-not-running-yet"),
        pytest.param(running(terminating=True), {}, id="experiment-terminating"),
        pytest.param(None, {}, id="no-current-experiment"),
        pytest.param(running(), {"abort": True}, id="aborted"),
        pytest.param(running(), {"promoteFull": True}, id="full-promotion"),
    ],
)
def test_no_shares_outside_a_running_experiment(experiment: ExperimentView | None, status: dict[str, Any]) -> None:
    split, plan_status = routed(observe(1, experiment, **status))
    assert split.additional == ()
    weights = plan_status.canary.weights if plan_status.canary else None
    assert weights is not None and not weights.additional


def test_the_shares_go_when_the_experiment_succeeds() -> None:
    split, status = routed(observe(1, running("Successful")))
    assert split.additional == ()
    assert (split.canary_weight, split.stable_weight) == (20, 80)
    assert status.current_step_index == 2
