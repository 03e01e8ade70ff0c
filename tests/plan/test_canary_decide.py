"""`decide` for canary Rollouts, as tables: replica targets, weights, step bookkeeping and run history.

Aspects: basic canary targets per setWeight; traffic-routed targets with and without dynamicStableScale; weight is
only raised once the canary is scaled for it; abort routes back first; edited steps restart the update; finished
AnalysisRuns beyond the history limits are deleted, current ones never. Pure: no API.
"""

from __future__ import annotations

import copy
import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts import api
from rollouts.plan import hashing, steps
from rollouts.plan.actions import CreateAnalysisRun, DeleteAnalysisRun, RouteTraffic, ScaleReplicaSet
from rollouts.plan.decide import decide
from rollouts.plan.observed import AnalysisRunView, Observed, ReplicaSet

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
OLD = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:1"}]}}
NEW = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:2"}]}}
OLD_HASH, NEW_HASH = hashing.pod_template_hash(OLD), hashing.pod_template_hash(NEW)


def a_replica_set(
    pod_hash: str, revision: int, template: dict[str, Any], replicas: int, available: int | None = None
) -> dict[str, Any]:
    available = replicas if available is None else available
    return {
        "metadata": {
            "name": f"demo-{pod_hash}",
            "uid": f"uid-{pod_hash}",
            "generation": 1,
            "labels": {"rollouts-pod-template-hash": pod_hash},
            "annotations": {
                "rollout.argoproj.io/revision": str(revision),
                "rollout.argoproj.io/desired-replicas": "10",
            },
        },
        "spec": {"replicas": replicas, "template": template},
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "readyReplicas": available,
            "availableReplicas": available,
        },
    }


def a_canary(step_list: list[Any], status: dict[str, Any], *, routed: bool = False, **canary: Any) -> dict[str, Any]:
    strategy: dict[str, Any] = {"steps": step_list, **canary}
    if routed:
        strategy.update(
            stableService="stable", canaryService="canary", trafficRouting={"istio": {"virtualService": {"name": "vs"}}}
        )
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
            "replicas": 10,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": copy.deepcopy(NEW),
            "strategy": {"canary": strategy},
        },
        "status": status,
    }


def service_on(pod_hash: str) -> dict[str, Any]:
    return {"spec": {"selector": {"app": "demo", "rollouts-pod-template-hash": pod_hash}}}


def observe(rollout: dict[str, Any], old: int, new: int, *, runs: tuple[AnalysisRunView, ...] = ()) -> Observed:
    model = api.parse_rollout(rollout, check=False)
    assert not isinstance(model, list)
    return Observed(
        rollout=model,
        raw=rollout,
        analysis_runs=runs,
        replica_sets=(
            ReplicaSet.from_raw(a_replica_set(OLD_HASH, 1, OLD, old)),
            ReplicaSet.from_raw(a_replica_set(NEW_HASH, 2, NEW, new)),
        ),
        services={"stable": service_on(OLD_HASH), "canary": service_on(NEW_HASH)},
    )


def updating(step_list: list[Any], index: int, **extra: Any) -> dict[str, Any]:
    step_hash = steps.steps_hash([api.CanaryStep.model_validate(s) for s in step_list])
    return {
        "stableRS": OLD_HASH,
        "currentPodHash": NEW_HASH,
        "currentStepIndex": index,
        "currentStepHash": step_hash,
        **extra,
    }


def targets(plan: Any) -> dict[str, int]:
    return {
        ("new" if a.name.endswith(NEW_HASH) else "old"): a.replicas
        for a in plan.actions
        if isinstance(a, ScaleReplicaSet)
    }


def routed(plan: Any) -> list[int]:
    return [a.split.canary_weight for a in plan.actions if isinstance(a, RouteTraffic)]


@pytest.mark.parametrize(
    ("weight", "expected"),
    [
        pytest.param(20, {"new": 2, "old": 8}, id="setWeight-20-of-10-replicas"),
        pytest.param(100, {"new": 3, "old": 8}, id="setWeight-100-limited-by-surge-and-unavailable"),
    ],
)
def test_basic_canary_moves_within_surge(weight: int, expected: dict[str, int]) -> None:
    step_list = [{"setWeight": weight}, {"pause": {}}]
    plan = decide(observed=observe(a_canary(step_list, updating(step_list, 0)), old=10, new=0), now=NOW)
    assert targets(plan) == expected


def wants_weights(**weights: Any) -> dict[str, Any]:
    return {
        "canary": {"weights": {"canary": {"weight": weights["canary"]}, "stable": {"weight": 100 - weights["canary"]}}}
    }


@pytest.mark.parametrize(
    ("dynamic", "expected_old"),
    [
        pytest.param(False, 10, id="stable-stays-full"),
        pytest.param(True, 5, id="dynamicStableScale-shrinks-stable-with-its-share"),
    ],
)
def test_traffic_routed_targets(dynamic: bool, expected_old: int) -> None:
    step_list = [{"setWeight": 50}, {"pause": {}}]
    rollout = a_canary(
        step_list,
        updating(step_list, 0, **wants_weights(canary=50)),
        routed=True,
        **({"dynamicStableScale": True} if dynamic else {}),
    )
    plan = decide(observed=observe(rollout, old=10, new=5), now=NOW)
    assert targets(plan).get("old", 10) == expected_old
    assert routed(plan) == [50]


def test_weight_waits_until_the_canary_is_scaled_for_it() -> None:
    step_list = [{"setWeight": 50}, {"pause": {}}]
    plan = decide(
        observed=observe(
            a_canary(step_list, updating(step_list, 0, **wants_weights(canary=0)), routed=True), old=10, new=1
        ),
        now=NOW,
    )
    assert targets(plan) == {"new": 5}
    assert routed(plan) == [0], "no traffic beyond what the canary's ready pods can take"
    assert not any(action.release for action in plan.actions if isinstance(action, RouteTraffic))


def test_abort_routes_everything_back_before_anything_else() -> None:
    step_list = [{"setWeight": 50}, {"pause": {}}]
    rollout = a_canary(step_list, updating(step_list, 1, abort=True, **wants_weights(canary=50)), routed=True)
    plan = decide(observed=observe(rollout, old=10, new=5), now=NOW)
    assert isinstance(plan.actions[0], RouteTraffic) and plan.actions[0].split.canary_weight == 0
    assert plan.actions[0].release, "the update is over: routers hand back what they made for it"
    assert plan.status.current_step_index == 0


def test_promotion_routes_once_with_both_sides_on_the_new_version() -> None:
    """The reconcile that makes the canary stable sends one route: all traffic to it, both subsets on its hash.
    (The last step's own route must not follow and put the stable side back on the old hash.)"""
    step_list = [{"setWeight": 50}, {"pause": {}}]
    rollout = a_canary(step_list, updating(step_list, 2, **wants_weights(canary=100)), routed=True)
    plan = decide(observed=observe(rollout, old=10, new=10), now=NOW)
    assert plan.status.stable_rs == NEW_HASH
    splits = [a.split for a in plan.actions if isinstance(a, RouteTraffic)]
    assert [(s.canary_hash, s.stable_hash, s.canary_weight) for s in splits] == [(NEW_HASH, NEW_HASH, 0)]


def test_edited_steps_restart_the_update() -> None:
    old_steps, new_steps = [{"setWeight": 20}, {"pause": {}}], [{"setWeight": 10}, {"pause": {}}, {"setWeight": 50}]
    rollout = a_canary(
        new_steps,
        updating(
            old_steps,
            2,
            pauseConditions=[{"reason": "CanaryPauseStep", "startTime": "2026-01-01T11:00:00Z"}],
            controllerPause=True,
        ),
    )
    plan = decide(observed=observe(rollout, old=8, new=2), now=NOW)
    assert plan.status.current_step_index == 0
    assert plan.status.current_step_hash == steps.steps_hash([api.CanaryStep.model_validate(s) for s in new_steps])
    assert not plan.status.pause_conditions


def test_run_history_keeps_the_newest_and_never_the_current() -> None:
    def run(name: str, phase: str, created: str, pod_hash: str = NEW_HASH) -> AnalysisRunView:
        return AnalysisRunView(
            name=name,
            kind="Step",
            step_index=0,
            pod_hash=pod_hash,
            phase=phase,
            message="",
            terminating=False,
            created=created,
        )

    history = tuple(run(f"ok-{n}", "Successful", f"2026-01-01T00:00:0{n}Z") for n in range(4)) + (
        run("bad-1", "Failed", "2026-01-01T00:00:05Z"),
        run("gone", "Successful", "2026-01-01T00:00:06Z", pod_hash="deleted-rs"),
        run("current", "Successful", "2026-01-01T00:00:00Z"),
    )
    step_list = [{"setWeight": 20}, {"pause": {}}]
    status = updating(step_list, 1, canary={"currentStepAnalysisRunStatus": {"name": "current"}})
    rollout = a_canary(step_list, status)
    rollout["spec"]["analysis"] = {"successfulRunHistoryLimit": 2, "unsuccessfulRunHistoryLimit": 1}
    plan = decide(observed=observe(rollout, old=8, new=2, runs=history), now=NOW)
    deleted = sorted(a.name for a in plan.actions if isinstance(a, DeleteAnalysisRun))
    assert deleted == ["gone", "ok-0", "ok-1"], (
        "newest two successful kept (ok-3, ok-2), the only failure kept, current never touched"
    )


def test_full_promotion_lifts_an_abort_and_skips_the_background_analysis() -> None:
    """Argo's e2e TestCanaryPromoteFull: abort, then promote --full; the Rollout goes on to Healthy and the
    background analysis (from a startingStep never reached) is not started by jumping past it."""
    step_list: list[Any] = [{"pause": {"duration": "24h"}}, {"pause": {}}]
    status = updating(step_list, 0, abort=True, abortedAt="2026-01-01T11:00:00Z", promoteFull=True)
    rollout = a_canary(step_list, status, analysis={"templates": [{"templateName": "sleep"}], "startingStep": 2})
    template = api.parse_analysis_template(
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AnalysisTemplate",
            "metadata": {"name": "sleep"},
            "spec": {"metrics": [{"name": "m", "provider": {"web": {"url": "http://example.test"}}}]},
        }
    )
    observed = dataclasses.replace(observe(rollout, old=10, new=0), templates={(False, "sleep"): template})
    plan = decide(observed=observed, now=NOW)
    assert not plan.status.abort and plan.status.phase != "Degraded"
    assert targets(plan)["new"] > 0
    assert not [a for a in plan.actions if isinstance(a, CreateAnalysisRun)]
