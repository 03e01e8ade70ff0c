"""rollbackWindow as tables: which rollbacks are within the window, and what `decide` does with one.

Aspects: a template back to a ReplicaSet older than stable, with fewer than N ReplicaSets created between the two,
skips every step, pause and analysis (and an abort) and is promoted once available ("Rollback within window");
outside the window, without a window, or to a ReplicaSet newer than stable, the steps run as usual. ReplicaSets of
Experiments do not count. Blue-green: within the window the switch skips the pause. Pure: no API.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts import api
from rollouts.plan import hashing, rollback, steps
from rollouts.plan.actions import CreateAnalysisRun, PointService, ScaleReplicaSet, TerminateAnalysisRun
from rollouts.plan.decide import decide
from rollouts.plan.observed import AnalysisRunView, Observed, ReplicaSet

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
REVISIONS = ("one", "two", "three", "four", "five")
TEMPLATES = {
    rev: {"metadata": {"labels": {"app": "demo", "rev": rev}}, "spec": {"containers": [{"name": "app", "image": "x"}]}}
    for rev in REVISIONS
}
HASHES = {rev: hashing.pod_template_hash(template) for rev, template in TEMPLATES.items()}
STEPS: list[dict[str, Any]] = [
    {"setWeight": 50},
    {"analysis": {"templates": [{"templateName": "check"}]}},
]
BACKGROUND = {"templates": [{"templateName": "check"}]}
ROUTED = {
    "stableService": "stable",
    "canaryService": "canary",
    "trafficRouting": {"istio": {"virtualService": {"name": "vs"}}},
}


def a_replica_set(
    rev: str, *, replicas: int, revision: int | None = None, extra_annotations: dict[str, str] | None = None
) -> ReplicaSet:
    order = REVISIONS.index(rev) + 1
    return ReplicaSet.from_raw(
        {
            "metadata": {
                "name": f"demo-{HASHES[rev]}",
                "uid": f"uid-{rev}",
                "generation": 1,
                "creationTimestamp": f"2026-01-01T0{order}:00:00Z",
                "labels": {"rollouts-pod-template-hash": HASHES[rev]},
                "annotations": {
                    "rollout.argoproj.io/revision": str(revision or order),
                    "rollout.argoproj.io/desired-replicas": "4",
                    **(extra_annotations or {}),
                },
            },
            "spec": {"replicas": replicas, "template": TEMPLATES[rev]},
            "status": {
                "observedGeneration": 1,
                "replicas": replicas,
                "readyReplicas": replicas,
                "availableReplicas": replicas,
            },
        }
    )


def a_rollout(
    to: str, stable: str, *, window: int | None, status: dict[str, Any] | None = None, **canary: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "replicas": 4,
        "selector": {"matchLabels": {"app": "demo"}},
        "template": copy.deepcopy(TEMPLATES[to]),
        "strategy": {"canary": {"steps": STEPS, **canary}},
    }
    if window is not None:
        spec["rollbackWindow"] = {"revisions": window}
    step_hash = steps.steps_hash([api.CanaryStep.model_validate(step) for step in STEPS])
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "demo", "namespace": "ns", "uid": "uid", "generation": 2},
        "spec": spec,
        "status": status
        or {
            "stableRS": HASHES[stable],
            "currentPodHash": HASHES[stable],
            "currentStepIndex": len(STEPS),
            "currentStepHash": step_hash,
        },
    }


def observe(rollout: dict[str, Any], *replica_sets: ReplicaSet, runs: tuple[AnalysisRunView, ...] = ()) -> Observed:
    model = api.parse_rollout(rollout, check=False)
    assert not isinstance(model, list)
    return Observed(rollout=model, raw=rollout, replica_sets=replica_sets, analysis_runs=runs)


def history(stable: str, *, replicas: dict[str, int] | None = None, newest: str = "") -> tuple[ReplicaSet, ...]:
    """ReplicaSets one to `stable`, created in that order; stable runs 4 pods, the others none. `newest` was rolled
    back to: it already has the newest revision number (the reconcile before gave it)."""
    upto = REVISIONS[: REVISIONS.index(stable) + 1]
    counts = {rev: 4 if rev == stable else 0 for rev in upto} | (replicas or {})
    bumped = {newest: len(upto) + 1} if newest else {}
    return tuple(a_replica_set(rev, replicas=counts[rev], revision=bumped.get(rev)) for rev in upto)


@pytest.mark.parametrize(
    ("window", "back_to", "stable", "within"),
    [
        pytest.param(2, "two", "four", True, id="one-between-window-2"),
        pytest.param(2, "three", "four", True, id="previous-revision-window-2"),
        pytest.param(1, "three", "four", True, id="previous-revision-window-1"),
        pytest.param(1, "two", "four", False, id="one-between-window-1"),
        pytest.param(2, "two", "five", False, id="two-between-window-2"),
        pytest.param(None, "three", "four", False, id="no-window"),
        pytest.param(0, "three", "four", False, id="window-0-is-off"),
        pytest.param(2, "four", "four", False, id="back-to-stable-is-no-window-rollback"),
    ],
)
def test_which_rollbacks_are_within_the_window(window: int | None, back_to: str, stable: str, within: bool) -> None:
    replica_sets = history(stable)
    observed = observe(a_rollout(back_to, stable, window=window), *replica_sets)
    by_rev = dict(zip(REVISIONS, replica_sets, strict=False))
    assert rollback.within_window(observed, by_rev[back_to], by_rev[stable]) is within


def test_a_newer_replica_set_is_an_update_not_a_rollback() -> None:
    """The template is a ReplicaSet created after stable (stable was rolled back to earlier): steps run."""
    replica_sets = history("three")
    observed = observe(a_rollout("three", "two", window=5), *replica_sets)
    assert not rollback.within_window(observed, replica_sets[2], replica_sets[1])


def test_experiment_replica_sets_do_not_count() -> None:
    experiment = a_replica_set("three", replicas=0, extra_annotations={rollback.EXPERIMENT_NAME_ANNOTATION: "exp"})
    replica_sets = (a_replica_set("one", replicas=0), a_replica_set("two", replicas=0), experiment)
    stable = a_replica_set("four", replicas=4)
    observed = observe(a_rollout("two", "four", window=1), *replica_sets, stable)
    assert rollback.within_window(observed, replica_sets[1], stable)


def _decide(observed: Observed) -> Any:
    return decide(observed=observed, now=NOW)


def _scales(plan: Any) -> dict[str, int]:
    names = {f"demo-{pod_hash}": rev for rev, pod_hash in HASHES.items()}
    return {names[a.name]: a.replicas for a in plan.actions if isinstance(a, ScaleReplicaSet)}


def test_within_the_window_every_step_and_analysis_is_skipped() -> None:
    replica_sets = history("four", replicas={"two": 1}, newest="two")
    observed = observe(a_rollout("two", "four", window=2, analysis=BACKGROUND, **ROUTED), *replica_sets)
    plan = _decide(observed)
    assert plan.status.current_step_index == len(STEPS), "no step runs"
    assert plan.status.current_pod_hash == HASHES["two"]
    assert _scales(plan) == {"two": 4}, "straight to full size (weight 100)"
    assert not [a for a in plan.actions if isinstance(a, CreateAnalysisRun)], "no step or background analysis"
    assert ("SkipSteps", rollback.SKIP_STEPS_MESSAGE) in [(e.reason, e.message) for e in plan.events]


def test_outside_the_window_the_steps_run() -> None:
    replica_sets = history("five", replicas={"two": 1}, newest="two")
    plan = _decide(observe(a_rollout("two", "five", window=2, **ROUTED), *replica_sets))
    assert plan.status.current_step_index == 0
    assert _scales(plan) == {"two": 2}, "setWeight 50 of 4 replicas"
    assert "SkipSteps" not in [e.reason for e in plan.events]


def _rolling_back(**extra: Any) -> dict[str, Any]:
    step_hash = steps.steps_hash([api.CanaryStep.model_validate(step) for step in STEPS])
    return {
        "stableRS": HASHES["four"],
        "currentPodHash": HASHES["two"],
        "currentStepIndex": len(STEPS),
        "currentStepHash": step_hash,
        **extra,
    }


def test_once_available_the_rollback_is_promoted_within_window() -> None:
    replica_sets = history("four", replicas={"two": 4, "four": 0}, newest="two")
    plan = _decide(observe(a_rollout("two", "four", window=2, status=_rolling_back()), *replica_sets))
    assert plan.status.stable_rs == HASHES["two"]
    completed = [e.message for e in plan.events if e.reason == "RolloutCompleted"]
    assert completed == [f"Rollout completed update to revision 5 ({HASHES['two']}): Rollback within window"]


def test_an_abort_or_pause_does_not_hold_a_rollback_within_the_window() -> None:
    paused = [{"reason": "CanaryPauseStep", "startTime": "2026-01-01T11:00:00Z"}]
    status = _rolling_back(abort=True, pauseConditions=paused, currentStepIndex=0, controllerPause=True)
    replica_sets = history("four", replicas={"two": 2}, newest="two")
    plan = _decide(observe(a_rollout("two", "four", window=2, status=status, **ROUTED), *replica_sets))
    assert not plan.status.abort and not plan.status.pause_conditions and not plan.status.controller_pause
    assert plan.status.current_step_index == len(STEPS)
    assert _scales(plan) == {"two": 4}


def test_running_analysis_of_the_superseded_update_is_terminated() -> None:
    run = AnalysisRunView(
        name="demo-four-bg", kind="Background", step_index=None, pod_hash=HASHES["four"], phase="Running",
        message="", terminating=False,
    )  # fmt: skip
    replica_sets = history("four", replicas={"two": 1}, newest="two")
    plan = _decide(observe(a_rollout("two", "four", window=2), *replica_sets, runs=(run,)))
    assert TerminateAnalysisRun("demo-four-bg") in plan.actions


# ---- blue-green ---------------------------------------------------------------------------------------------------


def a_blue_green(to: str, stable: str, *, window: int | None, current: str | None = None) -> dict[str, Any]:
    rollout = a_rollout(to, stable, window=window)
    rollout["spec"]["strategy"] = {"blueGreen": {"activeService": "active", "autoPromotionEnabled": False}}
    rollout["status"] = {
        "stableRS": HASHES[stable],
        "currentPodHash": HASHES[current or stable],
        "blueGreen": {"activeSelector": HASHES[stable]},
    }
    return rollout


def _observe_blue_green(rollout: dict[str, Any], replica_sets: tuple[ReplicaSet, ...], active: str) -> Observed:
    observed = observe(rollout, *replica_sets)
    service = {"spec": {"selector": {"app": "demo", "rollouts-pod-template-hash": HASHES[active]}}}
    return Observed(rollout=observed.rollout, raw=observed.raw, replica_sets=replica_sets, services={"active": service})


@pytest.mark.parametrize(
    ("window", "paused"),
    [
        pytest.param(2, False, id="within-window-no-pause"),
        pytest.param(1, True, id="outside-window-the-preview-pauses"),
    ],
)
def test_blue_green_rollback_within_the_window_skips_the_pause(window: int, paused: bool) -> None:
    replica_sets = history("four", replicas={"two": 4}, newest="two")
    rollout = a_blue_green("two", "four", window=window, current="two")
    plan = _decide(_observe_blue_green(rollout, replica_sets, active="four"))
    assert bool(plan.status.pause_conditions) is paused
    assert (plan.status.stable_rs == HASHES["two"]) is not paused


def test_blue_green_rollback_within_the_window_switches_and_completes() -> None:
    replica_sets = history("four", replicas={"two": 4}, newest="two")
    rollout = a_blue_green("two", "four", window=2, current="two")
    plan = _decide(_observe_blue_green(rollout, replica_sets, active="four"))
    assert ("active", HASHES["two"]) in [(a.service, a.pod_hash) for a in plan.actions if isinstance(a, PointService)]
    assert plan.status.stable_rs == HASHES["two"]
    completed = [e.message for e in plan.events if e.reason == "RolloutCompleted"]
    assert completed == [f"Rollout completed update to revision 5 ({HASHES['two']}): Rollback within window"]
