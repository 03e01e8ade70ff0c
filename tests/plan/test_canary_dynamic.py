"""`decide` for a canary going back to stable: an abort (with and without dynamicStableScale) and, with
dynamicStableScale, a template rolled back to the stable one in the middle of an update.

Aspects: an aborted dynamicStableScale canary steps the stable back up one setWeight at a time, moves traffic only as
the stable's available pods can take it, and keeps the canary's pods and Service until then (Argo's e2e
TestCanaryDynamicStableScale, step by step); a rollback to stable leaves the interrupted canary its pods, traffic and
Service until the stable is whole (TestCanaryDynamicStableScaleRollbackToStable); a basic canary's abort scales each
ReplicaSet once, within maxSurge (TestReduceWeightAndHonorMaxUnavailable). Pure: no API.
"""

from __future__ import annotations

import copy
from typing import Any

from test_canary_decide import NEW, NEW_HASH, NOW, OLD, OLD_HASH, a_canary, a_replica_set, service_on, updating

from rollouts import api
from rollouts.plan.actions import Plan, PointService, RouteTraffic, ScaleReplicaSet
from rollouts.plan.decide import decide
from rollouts.plan.observed import Observed, ReplicaSet

STEPS: list[Any] = [{"setWeight": 25}, {"pause": {}}, {"setWeight": 75}, {"pause": {}}]


def weights(canary: int, canary_hash: str = NEW_HASH, stable_hash: str = OLD_HASH) -> dict[str, Any]:
    return {
        "canary": {
            "weights": {
                "canary": {"weight": canary, "podTemplateHash": canary_hash, "serviceName": "canary"},
                "stable": {"weight": 100 - canary, "podTemplateHash": stable_hash, "serviceName": "stable"},
            }
        }
    }


def scene(
    rollout: dict[str, Any],
    *,
    old: tuple[int, int],
    new: tuple[int, int],
    canary_service: str = NEW_HASH,
    old_revision: int = 1,
) -> Observed:
    """`old` and `new` are (spec.replicas, available) of the stable and the canary ReplicaSet."""
    model = api.parse_rollout(rollout, check=False)
    assert not isinstance(model, list)
    return Observed(
        rollout=model,
        raw=rollout,
        analysis_runs=(),
        replica_sets=(
            ReplicaSet.from_raw(a_replica_set(OLD_HASH, old_revision, OLD, old[0], old[1])),
            ReplicaSet.from_raw(a_replica_set(NEW_HASH, 2, NEW, new[0], new[1])),
        ),
        services={"stable": service_on(OLD_HASH), "canary": service_on(canary_service)},
    )


def aborted_dynamic(routed_weight: int, **canary: Any) -> dict[str, Any]:
    rollout = a_canary(
        STEPS,
        updating(STEPS, 3, abort=True, **weights(routed_weight)),
        routed=True,
        dynamicStableScale=True,
        **canary,
    )
    rollout["spec"]["replicas"] = 4
    return rollout


def scaled(plan: Plan) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for action in plan.actions:
        if isinstance(action, ScaleReplicaSet):
            found.setdefault("new" if action.name.endswith(NEW_HASH) else "old", []).append(action.replicas)
    return found


def routes(plan: Plan) -> list[tuple[int, bool]]:
    return [(a.split.canary_weight, a.release) for a in plan.actions if isinstance(a, RouteTraffic)]


def pointed(plan: Plan) -> dict[str, str]:
    return {a.service: a.pod_hash for a in plan.actions if isinstance(a, PointService)}


def test_dynamic_abort_grows_the_stable_one_step_back_and_keeps_the_traffic_it_cannot_carry() -> None:
    plan = decide(observed=scene(aborted_dynamic(75), old=(1, 1), new=(3, 3)), now=NOW)
    assert scaled(plan) == {"old": [3]}, "stable sized for the previous step (25% canary), the canary keeps 3"
    assert routes(plan) == [(75, False)], "one stable pod cannot carry more than 25%"
    assert "canary" not in pointed(plan)


def test_dynamic_abort_moves_traffic_before_shrinking_the_canary() -> None:
    plan = decide(observed=scene(aborted_dynamic(75), old=(3, 3), new=(3, 3)), now=NOW)
    assert scaled(plan) == {"new": [1]}
    assert isinstance(plan.actions[0], RouteTraffic) and plan.actions[0].split.canary_weight == 25
    assert plan.status.canary is not None and plan.status.canary.weights is not None
    assert plan.status.canary.weights.canary is not None and plan.status.canary.weights.canary.weight == 25


def test_dynamic_abort_fills_the_stable_while_the_canary_keeps_its_last_traffic() -> None:
    plan = decide(observed=scene(aborted_dynamic(25), old=(3, 3), new=(1, 1)), now=NOW)
    assert scaled(plan) == {"old": [4]}
    assert routes(plan) == [(25, False)]
    assert "canary" not in pointed(plan), "the canary Service follows only once all traffic is back on stable"


def test_dynamic_abort_hands_everything_back_once_the_stable_is_whole() -> None:
    plan = decide(observed=scene(aborted_dynamic(25), old=(4, 4), new=(1, 1)), now=NOW)
    assert routes(plan)[0] == (0, True) and isinstance(plan.actions[0], RouteTraffic)
    assert scaled(plan) == {"new": [0]}
    assert pointed(plan) == {"canary": OLD_HASH}


def test_dynamic_abort_with_an_explicit_delay_keeps_the_canary_until_the_stable_is_whole() -> None:
    plan = decide(observed=scene(aborted_dynamic(75, abortScaleDownDelaySeconds=30), old=(3, 3), new=(3, 3)), now=NOW)
    assert scaled(plan) == {}
    assert routes(plan) == [(25, False)]


def test_basic_abort_scales_each_replica_set_once_within_surge() -> None:
    step_list: list[Any] = [{"setWeight": 100}, {"pause": {}}]
    rollout = a_canary(step_list, updating(step_list, 1, abort=True), maxSurge=2, maxUnavailable=0)
    rollout["spec"]["replicas"] = 3
    plan = decide(observed=scene(rollout, old=(0, 0), new=(3, 3), canary_service=OLD_HASH), now=NOW)
    assert scaled(plan) == {"old": [2]}, "3 canary + 2 stable is the surge limit; no pod is made only to go again"


def rolled_back(*, old: tuple[int, int], routed_weight: int = 25) -> Observed:
    """The template went back to the stable one (OLD) while the update to NEW was at 25%."""
    status = {"stableRS": OLD_HASH, "currentPodHash": OLD_HASH, "currentStepIndex": 4, **weights(routed_weight)}
    rollout = a_canary(STEPS, status, routed=True, dynamicStableScale=True)
    rollout["spec"]["replicas"] = 4
    rollout["spec"]["template"] = copy.deepcopy(OLD)
    rollout["metadata"]["annotations"]["rollout.argoproj.io/revision"] = "3"
    return scene(rollout, old=old, new=(1, 1), old_revision=3)


def test_dynamic_rollback_to_stable_keeps_the_interrupted_canary_until_the_stable_is_whole() -> None:
    plan = decide(observed=rolled_back(old=(3, 3)), now=NOW)
    assert scaled(plan) == {"old": [4]}, "the interrupted canary is not scaled down yet"
    assert routes(plan) == [(25, False)]
    assert "canary" not in pointed(plan)
    assert plan.status.canary is not None and plan.status.canary.weights is not None
    canary, stable = plan.status.canary.weights.canary, plan.status.canary.weights.stable
    assert canary is not None and (canary.pod_template_hash, canary.weight) == (NEW_HASH, 25)
    assert stable is not None and (stable.pod_template_hash, stable.weight) == (OLD_HASH, 75)


def test_dynamic_rollback_to_stable_finishes_once_the_stable_is_whole() -> None:
    plan = decide(observed=rolled_back(old=(4, 4)), now=NOW)
    assert scaled(plan) == {"new": [0]}
    assert routes(plan) == [(0, True)]
    assert pointed(plan) == {"canary": OLD_HASH}
    assert plan.status.canary is not None and plan.status.canary.weights is not None
    canary = plan.status.canary.weights.canary
    assert canary is not None and (canary.pod_template_hash, canary.weight) == (OLD_HASH, 0)
