"""`decide` for a Rollout moved from blue-green to canary (Argo's TestBlueGreenToCanary), as plain tables.

The blue-green status the Rollout still carries (status.blueGreen.activeSelector) must not make the canary count
only the old active ReplicaSet's pods: a canary's ready and available replicas are those of all its ReplicaSets.
"""

from __future__ import annotations

from bluegreen_scenes import BLUE_HASH, NOW, YELLOW, YELLOW_HASH, a_replica_set, a_rollout, observe, stable_status

from rollouts.plan.decide import decide


def test_a_canary_counts_all_replica_sets_though_a_blue_green_active_selector_is_left() -> None:
    rollout = a_rollout(template=YELLOW, status=stable_status(currentPodHash=YELLOW_HASH))
    rollout["spec"]["strategy"] = {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}}
    observed = observe(
        rollout, a_replica_set(BLUE_HASH, 1, replicas=1), a_replica_set(YELLOW_HASH, 2, replicas=1, template=YELLOW)
    )
    plan = decide(observed=observed, now=NOW)
    status = plan.status
    assert (status.replicas, status.updated_replicas, status.ready_replicas, status.available_replicas) == (2, 1, 2, 2)
    assert status.selector == "app=demo"
