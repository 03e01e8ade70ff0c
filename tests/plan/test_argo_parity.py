"""Behaviour differences Argo Rollouts' own e2e suite found, each pinned as a plain table test of `decide`.

Argo is the reference: its controller writes `status.canary` and `status.blueGreen` for both strategies (Argo CD's
resource actions index them), and a blue-green Rollout's ready and available counts are the active ReplicaSet's.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from bluegreen_scenes import (
    BLUE,
    BLUE_HASH,
    NOW,
    YELLOW,
    YELLOW_HASH,
    a_replica_set,
    a_rollout,
    observe,
    stable_status,
    updating,
)

from rollouts.plan.actions import CreateReplicaSet
from rollouts.plan.decide import decide, unreadable


def canary_rollout() -> dict[str, Any]:
    rollout = a_rollout(revision=None)
    rollout["spec"]["strategy"] = {"canary": {"steps": [{"setWeight": 50}]}}
    return rollout


@pytest.mark.parametrize(
    "observed",
    [
        pytest.param(lambda: observe(a_rollout(revision=None)), id="blue-green-first-deploy"),
        pytest.param(lambda: observe(a_rollout(), a_replica_set(BLUE_HASH, 1)), id="blue-green-deployed"),
        pytest.param(lambda: observe(canary_rollout()), id="canary-first-deploy"),
        pytest.param(
            lambda: observe(canary_rollout(), a_replica_set(BLUE_HASH, 1)),
            id="canary-deployed",
        ),
        pytest.param(
            lambda: observe({**a_rollout(), "spec": {**a_rollout()["spec"], "strategy": {}}}), id="invalid-spec"
        ),
    ],
)
def test_both_strategy_statuses_are_always_objects(observed: Any) -> None:
    written = decide(observed=observed(), now=NOW).status.to_dict()
    assert isinstance(written.get("canary"), dict), written
    assert isinstance(written.get("blueGreen"), dict), written


def test_an_unreadable_rollout_still_writes_both_strategy_statuses() -> None:
    written = unreadable(raw={"metadata": {"name": "demo"}}, problems=["spec.replicas: bad"], now=NOW).status
    assert written.to_dict()["canary"] == {} and written.to_dict()["blueGreen"] == {}


def test_blue_green_ready_and_available_count_the_active_replica_set_only() -> None:
    # Preview (yellow) is up at 2 beside the active (blue) at 2: Argo reports 2 ready, not 4.
    rollout = a_rollout(template=YELLOW, status=stable_status(currentPodHash=YELLOW_HASH), autoPromotionEnabled=False)
    observed = observe(
        rollout,
        a_replica_set(BLUE_HASH, 1, available=2),
        a_replica_set(YELLOW_HASH, 2, template=YELLOW, available=1),
        active=BLUE_HASH,
        preview=YELLOW_HASH,
    )
    status = decide(observed=observed, now=NOW).status
    assert (status.replicas, status.ready_replicas, status.available_replicas) == (4, 2, 2)
    assert status.updated_replicas == 2


def test_blue_green_without_an_active_replica_set_counts_them_all() -> None:
    observed = observe(a_rollout(revision=None, status={"currentPodHash": BLUE_HASH}), a_replica_set(BLUE_HASH, 1))
    status = decide(observed=observed, now=NOW).status
    assert (status.ready_replicas, status.available_replicas) == (2, 2)


@pytest.mark.parametrize("strategy", ["blueGreen", "canary"])
def test_aborting_a_fully_promoted_rollout_clears_the_abort_and_stays_healthy(strategy: str) -> None:
    rollout = a_rollout(status=stable_status(abort=True))
    if strategy == "canary":
        rollout = {**rollout, "spec": {**rollout["spec"], "strategy": {"canary": {"steps": [{"setWeight": 50}]}}}}
    observed = observe(rollout, a_replica_set(BLUE_HASH, 1), active=BLUE_HASH, preview=BLUE_HASH)
    plan = decide(observed=observed, now=NOW)
    assert not plan.status.abort and not plan.status.aborted_at
    assert plan.status.phase == "Healthy", plan.status.message
    assert "RolloutAborted" not in [event.reason for event in plan.events]


def test_a_web_url_from_a_secret_is_not_validated_while_masked() -> None:
    # Argo's TestBackgroundAnalysisWithArgs: the URL is a Secret's value, masked until measured.
    from analysis.decide import schedule

    run = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisRun",
        "metadata": {"name": "run", "namespace": "shop", "uid": "u"},
        "spec": {
            "args": [{"name": "url", "valueFrom": {"secretKeyRef": {"name": "web", "key": "url"}}}],
            "metrics": [{"name": "web", "provider": {"web": {"url": "{{args.url}}"}}}],
        },
    }
    due = schedule(run=run, now=NOW)
    assert due.run is not None, due.status


def test_a_tls_only_virtual_service_accepts_named_http_routes_and_sets_the_tls_weights() -> None:
    # Argo's TestIstioHostSplitOnlyTls: `routes` names an HTTP route, the VirtualService has only `tls`.
    from rollouts.api.rollout import IstioVirtualService, TLSRoute
    from rollouts.traffic import istio

    entries = [{"destination": {"host": "web-stable"}, "weight": 100}, {"destination": {"host": "web-canary"}}]
    vs = {
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"hosts": ["web"], "tls": [{"match": [{"port": 3000, "sniHosts": ["web"]}], "route": entries}]},
    }
    ref = IstioVirtualService(name="web", routes=["primary"], tls_routes=[TLSRoute(port=3000, sni_hosts=["web"])])
    keys = istio.SplitKeys(canary_host="web-canary", stable_host="web-stable")
    assert istio.validate_references(vs, ref, keys) == []
    operations = istio.virtual_service_ops(vs, ref=ref, split=istio.WeightSplit.of(10, keys))
    assert {"op": "add", "path": "/spec/tls/0/route/1/weight", "value": 10} in operations


def _announced(plan: Any) -> list[str]:
    """The events of a plan that creates a ReplicaSet, in the order the executor records them."""
    (create,) = [action for action in plan.actions if isinstance(action, CreateReplicaSet)]
    return [
        *(event.reason for event in plan.leading_events),
        "NewReplicaSetCreated",
        *(event.reason for event in create.announce),
        *(event.reason for event in plan.events),
    ]


@pytest.mark.parametrize(
    ("observed", "expected"),
    [
        # Argo's TestRolloutAbortRetryPromote: RolloutUpdated, NewReplicaSetCreated, RolloutNotCompleted, then the
        # scale-up (ScalingReplicaSet), for the first revision and for the next.
        pytest.param(lambda: observe(canary_rollout()), ["RolloutNotCompleted"], id="canary-first-deploy"),
        pytest.param(
            lambda: observe(
                {
                    **canary_rollout(),
                    "spec": {**canary_rollout()["spec"], "template": YELLOW},
                    "status": stable_status(),
                },
                a_replica_set(BLUE_HASH, 1),
            ),
            ["RolloutNotCompleted"],
            id="canary-update",
        ),
        # Argo's TestBlueGreenUpdate: a blue-green first deploy completes at once, so it is never "not completed".
        pytest.param(lambda: observe(a_rollout(revision=None)), [], id="blue-green-first-deploy"),
        pytest.param(
            lambda: observe(updating(), a_replica_set(BLUE_HASH, 1)), ["RolloutNotCompleted"], id="blue-green-update"
        ),
    ],
)
def test_a_new_revision_is_announced_around_its_replica_set(observed: Any, expected: list[str]) -> None:
    plan = decide(observed=observed(), now=NOW)
    assert [type(action).__name__ for action in plan.actions][0] == "CreateReplicaSet"
    assert "AnnotateRollout" in [type(action).__name__ for action in plan.actions]
    assert _announced(plan) == ["RolloutUpdated", "NewReplicaSetCreated", *expected]


def test_a_canary_first_deploy_is_stable_before_it_is_available() -> None:
    # Argo's TestRolloutBadToBadUpdate: a first revision that never becomes available is still promoted ("Initial
    # deploy"), so the next update surges from it (maxSurge 1: one new pod, the four old ones stay).
    rollout = canary_rollout()
    rollout["spec"]["strategy"] = {"canary": {"maxSurge": 1, "maxUnavailable": 0}}
    rollout["status"] = {"currentPodHash": BLUE_HASH}
    rollout["metadata"]["annotations"] = {"rollout.argoproj.io/revision": "1"}
    plan = decide(observed=observe(rollout, a_replica_set(BLUE_HASH, 1, available=0)), now=NOW)
    assert plan.status.stable_rs == BLUE_HASH
    assert [event.reason for event in plan.events] == ["RolloutCompleted"]
    assert plan.status.phase == "Progressing"


def test_the_replica_set_create_is_the_first_write_of_an_update() -> None:
    # Argo's createDesiredReplicaSet creates the ReplicaSet, then sets the Rollout's revision annotation: the
    # create is the reaction to a template change, the annotation one round trip later.
    plan = decide(observed=observe(a_rollout(revision=None)), now=NOW)
    assert [type(action).__name__ for action in plan.actions] == ["CreateReplicaSet", "AnnotateRollout"]


def test_a_canary_step_does_not_wait_for_a_stable_that_never_became_available() -> None:
    # Argo's TestRolloutBadToGoodSetWeightUpdate: the stable's pods crash; once the canary holds its 50% and the
    # stable its share (existing, not available), setWeight is done, as Argo counts the stable's pods created.
    rollout = canary_rollout()
    rollout["spec"]["replicas"] = 4
    steps = [{"setWeight": 50}, {"pause": {"duration": "5s"}}]
    rollout["spec"]["strategy"] = {"canary": {"maxSurge": 1, "maxUnavailable": 0, "steps": steps}}
    rollout["spec"]["template"] = YELLOW
    rollout["metadata"]["annotations"] = {"rollout.argoproj.io/revision": "2"}
    rollout["status"] = {"stableRS": BLUE_HASH, "currentPodHash": YELLOW_HASH, "currentStepIndex": 0}
    crashing = a_replica_set(BLUE_HASH, 1, available=0)
    canary = a_replica_set(YELLOW_HASH, 2, template=YELLOW)
    plan = decide(observed=observe(rollout, crashing, canary), now=NOW)
    assert plan.status.current_step_index == 1
    assert "RolloutStepCompleted" in [event.reason for event in plan.events]


def test_a_canary_first_deploy_carries_the_stable_metadata_before_it_completes() -> None:
    # Argo's TestCanarySuite/TestEphemeralMetadata: nothing stable yet means the new ReplicaSet is the stable one.
    rollout = canary_rollout()
    rollout["spec"]["strategy"]["canary"].update(
        stableMetadata={"labels": {"role": "stable"}}, canaryMetadata={"labels": {"role": "canary"}}
    )
    replica_set = a_replica_set(BLUE_HASH, 1, available=1, template=copy.deepcopy(BLUE))
    replica_set["spec"]["template"]["metadata"]["labels"]["role"] = "stable"
    replica_set["metadata"]["annotations"]["rollout.argoproj.io/ephemeral-metadata"] = '{"labels":{"role":"stable"}}'
    plan = decide(observed=observe(rollout, replica_set), now=NOW)
    assert not [a for a in plan.actions if type(a).__name__ == "SetPodMetadata"]
