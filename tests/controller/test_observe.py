"""observe() over in-memory caches, and the info-level story of status changes: table tests, no cluster.

Aspects: one parse gives the model and its validation errors together; wrong field types are problems, not a
snapshot; every referenced object missing from the caches is reported at the field that names it; Istio without
its API; the rollouts index files a Rollout under what it refers to.
"""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.controller.execute import describe_changes
from rollouts.controller.observe import (
    AnalysisObjects,
    Caches,
    RoutedObjects,
    observe,
    pod_change_seen,
    rollout_references,
)
from rollouts.kube import resources
from rollouts.machinery.keys import ObjectKey
from rollouts.machinery.store import Store
from rollouts.plan.observed import Observed


def a_rollout(strategy: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "r", "namespace": "ns", "uid": "u1", "generation": 1},
        "spec": {
            "selector": {"matchLabels": {"app": "a"}},
            "template": {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "a", "image": "a"}]}},
            "strategy": strategy,
            **spec,
        },
    }


def stored(*names: str, kind: str = "Service") -> Store:
    store = Store()
    for name in names:
        store._put(ObjectKey("ns", name), {"kind": kind, "metadata": {"namespace": "ns", "name": name}})
    return store


def caches(services: Store, *, routed: RoutedObjects | None = None, templates: Store | None = None) -> Caches:
    analysis = AnalysisObjects(
        runs=Store({"owner": lambda _o: []}), templates=templates or Store(), cluster_templates=None
    )
    owner, pod_hash = {"owner": lambda _o: []}, {"pod-hash": lambda _o: []}
    return Caches(Store(owner), services, Store(pod_hash), routed=routed, analysis=analysis)


CANARY = {"canary": {"stableService": "stable", "canaryService": "canary", "steps": [{"setWeight": 10}]}}
ISTIO = {
    "canary": {
        "stableService": "stable",
        "canaryService": "canary",
        "trafficRouting": {"istio": {"virtualService": {"name": "vs"}}},
        "steps": [{"setWeight": 10}],
    }
}
STEP_ANALYSIS = {"canary": {"steps": [{"analysis": {"templates": [{"templateName": "rate"}]}}]}}
NO_ISTIO = "spec.strategy.canary.trafficRouting.istio: the cluster has no Istio API"

CASES: list[tuple[str, dict[str, Any], Caches, list[str]]] = [
    ("everything there", CANARY, caches(stored("stable", "canary")), []),
    (
        "a missing Service is named at its field",
        CANARY,
        caches(stored("stable")),
        ['spec.strategy.canary.canaryService: Service "canary" not found'],
    ),
    ("istio without its API", ISTIO, caches(stored("stable", "canary")), [NO_ISTIO]),
    (
        "istio with its API but no VirtualService",
        ISTIO,
        caches(
            stored("stable", "canary"),
            routed=RoutedObjects({resources.VIRTUAL_SERVICES: Store(), resources.DESTINATION_RULES: Store()}),
        ),
        ['spec.strategy.canary.trafficRouting.istio.virtualService.name: VirtualService "vs" not found'],
    ),
    (
        "a missing template is named at its step",
        STEP_ANALYSIS,
        caches(stored()),
        ['spec.strategy.canary.steps[0].analysis.templates[0].templateName: AnalysisTemplate "rate" not found'],
    ),
]


@pytest.mark.parametrize(("strategy", "given", "problems"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_observe_reports_missing_references(strategy: dict[str, Any], given: Caches, problems: list[str]) -> None:
    observed = observe(a_rollout(strategy), given)
    assert isinstance(observed, Observed)
    assert [error for error in observed.spec_errors if not error.startswith(tuple(problems))] == []
    assert len(observed.spec_errors) == len(problems)


def test_one_parse_gives_the_model_and_its_semantic_errors() -> None:
    observed = observe(a_rollout(CANARY, replicas=-1), caches(stored("stable", "canary")))
    assert isinstance(observed, Observed)
    assert observed.rollout.spec.replicas == -1
    assert any(error.startswith("spec.replicas") for error in observed.spec_errors)


def test_wrong_field_types_are_problems_not_a_snapshot() -> None:
    problems = observe(a_rollout(CANARY, replicas="many"), caches(stored("stable", "canary")))
    assert isinstance(problems, list) and problems[0].startswith("spec.replicas")


def test_the_rollouts_index_files_references_and_kinds() -> None:
    assert rollout_references(a_rollout(ISTIO)) == [
        "Service/ns/canary",
        "Service/ns/stable",
        "VirtualService/ns/vs",
        "Service",
        "VirtualService",
    ]
    assert rollout_references(a_rollout(CANARY, replicas="many")) == []


STORY: list[tuple[str, dict[str, Any], dict[str, Any], list[str]]] = [
    ("nothing changed", {"phase": "Healthy"}, {"phase": "Healthy"}, []),
    (
        "a step and its weight",
        {"currentStepIndex": 0, "canary": {"weights": {"canary": {"weight": 0}}}},
        {"currentStepIndex": 1, "canary": {"weights": {"canary": {"weight": 10}}}},
        ["step: 0 -> 1", "canary weight: 0 -> 10"],
    ),
    (
        "a pause, with the phase's message",
        {"phase": "Progressing"},
        {"phase": "Paused", "message": "CanaryPauseStep", "pauseConditions": [{"reason": "CanaryPauseStep"}]},
        ["paused: CanaryPauseStep", "phase: Progressing -> Paused (CanaryPauseStep)"],
    ),
    (
        "a promotion resumes",
        {"pauseConditions": [{"reason": "CanaryPauseStep"}]},
        {},
        ["paused: CanaryPauseStep -> none"],
    ),
    (
        "an analysis verdict and the abort it causes",
        {"canary": {"currentStepAnalysisRunStatus": {"name": "run", "status": "Running"}}},
        {"abort": True, "canary": {"currentStepAnalysisRunStatus": {"name": "run", "status": "Failed"}}},
        ["aborted: true", "step analysis: Running -> Failed"],
    ),
    ("replica counts are not a story", {"readyReplicas": 1}, {"readyReplicas": 2}, []),
]


@pytest.mark.parametrize(("before", "after", "lines"), [c[1:] for c in STORY], ids=[c[0] for c in STORY])
def test_describe_changes(before: dict[str, Any], after: dict[str, Any], lines: list[str]) -> None:
    assert describe_changes(before, after) == lines


def a_pod(*conditions: tuple[str, str], **metadata: Any) -> dict[str, Any]:
    meta = {"name": "p", "namespace": "ns", "labels": {"rollouts-pod-template-hash": "h1"}, **metadata}
    return {"metadata": meta, "status": {"conditions": [{"type": kind, "status": value} for kind, value in conditions]}}


@pytest.mark.parametrize(
    ("old", "new", "seen"),
    [
        # Scheduling and container start: the plan cannot see them, so they reconcile nothing.
        (a_pod(), a_pod(("PodScheduled", "True")), False),
        (a_pod(("PodScheduled", "True")), a_pod(("PodScheduled", "True"), ("ContainersReady", "True")), False),
        (a_pod(resourceVersion="1"), a_pod(resourceVersion="2", annotations={"note": "x"}), False),
        # What the plan reads of a pod: readiness, deletion, its hash.
        (a_pod(("Ready", "False")), a_pod(("Ready", "True")), True),
        (a_pod(("Ready", "True")), a_pod(("Ready", "True"), deletionTimestamp="2026-12-03T00:00:00Z"), True),
        (a_pod(), a_pod(labels={"rollouts-pod-template-hash": "h2"}), True),
    ],
)
def test_a_pod_update_matters_only_when_the_plan_sees_it(old: dict[str, Any], new: dict[str, Any], seen: bool) -> None:
    assert pod_change_seen(old, new) is seen
