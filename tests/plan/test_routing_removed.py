"""A canary whose trafficRouting was removed after a promotion (Argo's TestIstioSubsetSplit): the old ReplicaSet
that was waiting out scaleDownDelaySeconds behind the router is scaled down at once, as Argo does without a
router; behind a router it keeps waiting. Pure table test."""

from __future__ import annotations

import pytest
from test_canary_decide import NEW, NEW_HASH, NOW, OLD, OLD_HASH, a_canary, a_replica_set, service_on

from rollouts import api
from rollouts.plan.actions import ScaleReplicaSet
from rollouts.plan.decide import decide
from rollouts.plan.observed import Observed, ReplicaSet

DEADLINE = "2026-01-01T12:00:20Z"  # 20 s after NOW


@pytest.mark.parametrize(("routed", "scaled_down"), [(False, True), (True, False)])
def test_a_scale_down_deadline_only_holds_behind_a_router(routed: bool, scaled_down: bool) -> None:
    rollout = a_canary([{"setWeight": 10}], {"stableRS": NEW_HASH, "currentPodHash": NEW_HASH}, routed=routed)
    old = a_replica_set(OLD_HASH, 1, OLD, 10)
    old["metadata"]["annotations"]["scale-down-deadline"] = DEADLINE
    model = api.parse_rollout(rollout, check=False)
    assert not isinstance(model, list)
    observed = Observed(
        rollout=model,
        raw=rollout,
        replica_sets=(ReplicaSet.from_raw(old), ReplicaSet.from_raw(a_replica_set(NEW_HASH, 2, NEW, 10))),
        services={"stable": service_on(NEW_HASH), "canary": service_on(NEW_HASH)},
    )
    plan = decide(observed=observed, now=NOW)
    scaled = [a for a in plan.actions if isinstance(a, ScaleReplicaSet) and a.name == f"demo-{OLD_HASH}"]
    assert [a.replicas for a in scaled] == ([0] if scaled_down else [])
