"""Behaviour differences Argo Rollouts' own e2e suite found, each pinned as a plain table test of `decide`.

Argo is the reference: its controller writes `status.canary` and `status.blueGreen` for both strategies (Argo CD's
resource actions index them), and a blue-green Rollout's ready and available counts are the active ReplicaSet's.
"""

from __future__ import annotations

from typing import Any

import pytest
from bluegreen_scenes import (
    BLUE_HASH,
    NOW,
    a_replica_set,
    a_rollout,
    observe,
)

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
