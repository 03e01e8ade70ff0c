"""A Rollout's phase from its spec and status alone (`conditions.phase_of`), pinned to Argo's rules (its
CalculateRolloutPhase): the first rule that holds wins. The same function serves the controller and the plugin,
so a status written by Argo's controller (no phase of ours) reads the same in `kubectl rollouts`.
"""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.api import RolloutSpec, RolloutStatus
from rollouts.plan.conditions import phase_of

CANARY: dict[str, Any] = {"replicas": 3, "strategy": {"canary": {"steps": [{"setWeight": 50}]}}}
ROUTED: dict[str, Any] = {
    "replicas": 3,
    "strategy": {"canary": {"trafficRouting": {"istio": {"virtualService": {"name": "vs"}}}}},
}
BLUE_GREEN: dict[str, Any] = {"replicas": 3, "strategy": {"blueGreen": {"activeService": "active"}}}
POST_ANALYSIS: dict[str, Any] = {
    "replicas": 3,
    "strategy": {
        "blueGreen": {"activeService": "active", "postPromotionAnalysis": {"templates": [{"templateName": "t"}]}}
    },
}
DONE: dict[str, Any] = {
    "replicas": 3,
    "updatedReplicas": 3,
    "availableReplicas": 3,
    "stableRS": "b",
    "currentPodHash": "b",
}
UPDATING = {**DONE, "stableRS": "a"}
SWITCHED = {**UPDATING, "blueGreen": {"activeSelector": "b"}}


def condition(kind: str, reason: str, message: str = "why", status: str = "True") -> dict[str, str]:
    return {"type": kind, "status": status, "reason": reason, "message": message}


def case(spec: dict[str, Any], status: dict[str, Any], phase: str, message: str, name: str) -> Any:
    return pytest.param(spec, status, phase, message, id=name)


CASES = [
    case(
        CANARY,
        {**DONE, "conditions": [condition("InvalidSpec", "InvalidSpec", "bad")]},
        "Degraded",
        "InvalidSpec: bad",
        "invalid-spec",
    ),
    case(
        CANARY,
        {**DONE, "conditions": [condition("InvalidSpec", "x", "bad", "False")]},
        "Degraded",
        "InvalidSpec: bad",
        "invalid-spec-any-status",
    ),
    case(
        CANARY,
        {**DONE, "conditions": [condition("Progressing", "RolloutAborted", "stop", "False")]},
        "Degraded",
        "RolloutAborted: stop",
        "aborted",
    ),
    case(
        CANARY,
        {**DONE, "conditions": [condition("Progressing", "ProgressDeadlineExceeded", "late", "False")]},
        "Degraded",
        "ProgressDeadlineExceeded: late",
        "deadline",
    ),
    case(
        CANARY,
        {
            **DONE,
            "conditions": [
                condition("Progressing", "RolloutAborted", "stop"),
                condition("InvalidSpec", "InvalidSpec", "bad"),
            ],
        },
        "Degraded",
        "RolloutAborted: stop",
        "first-condition-wins",
    ),
    case(
        CANARY,
        {
            **DONE,
            "conditions": [
                condition("Progressing", "NewReplicaSetAvailable"),
                condition("Available", "AvailableReason"),
            ],
        },
        "Healthy",
        "",
        "healthy-conditions",
    ),
    case(
        {**CANARY, "paused": True},
        {**DONE, "pauseConditions": [{"reason": "CanaryPauseStep"}]},
        "Paused",
        "manually paused",
        "manual-pause-first",
    ),
    case(
        CANARY,
        {**UPDATING, "pauseConditions": [{"reason": "CanaryPauseStep"}]},
        "Paused",
        "CanaryPauseStep",
        "pause-condition",
    ),
    case(
        {**CANARY, "restartAt": "2026-01-01T10:00:00Z"}, DONE, "Progressing", "rollout is restarting", "restart-pending"
    ),
    case(
        {**CANARY, "restartAt": "2026-01-01T10:00:00Z"},
        {**DONE, "restartedAt": "2026-01-01T10:00:00+00:00"},
        "Healthy",
        "",
        "restart-done-same-instant",
    ),
    case(CANARY, {**DONE, "updatedReplicas": 2}, "Progressing", "more replicas need to be updated", "updating"),
    case(
        {"strategy": {"canary": {}}},
        {"currentPodHash": "b", "stableRS": "b"},
        "Progressing",
        "more replicas need to be updated",
        "replicas-default-one",
    ),
    case(
        CANARY,
        {**DONE, "availableReplicas": 2},
        "Progressing",
        "updated replicas are still becoming available",
        "becoming-available",
    ),
    case(CANARY, {**DONE, "replicas": 4}, "Progressing", "old replicas are pending termination", "old-replicas"),
    case(ROUTED, {**DONE, "replicas": 6}, "Healthy", "", "routed-old-replicas-kept-up"),
    case(ROUTED, {**UPDATING, "replicas": 6}, "Progressing", "waiting for all steps to complete", "routed-steps"),
    case(CANARY, UPDATING, "Progressing", "waiting for all steps to complete", "steps"),
    case(
        CANARY,
        {**DONE, "stableRS": None, "currentPodHash": None},
        "Progressing",
        "waiting for all steps to complete",
        "no-stable-yet",
    ),
    case(CANARY, DONE, "Healthy", "", "canary-healthy"),
    case(BLUE_GREEN, UPDATING, "Progressing", "active service cutover pending", "no-active-selector"),
    case(
        BLUE_GREEN,
        {**UPDATING, "blueGreen": {"activeSelector": "a"}},
        "Progressing",
        "active service cutover pending",
        "active-on-old",
    ),
    case(
        BLUE_GREEN, {**DONE, "replicas": 6, "blueGreen": {"activeSelector": "b"}}, "Healthy", "", "old-replicas-kept-up"
    ),
    case(
        BLUE_GREEN,
        SWITCHED,
        "Progressing",
        "waiting for post-promotion verification to complete",
        "switched-no-analysis",
    ),
    case(POST_ANALYSIS, SWITCHED, "Progressing", "waiting for analysis to complete", "post-analysis-not-started"),
    case(
        POST_ANALYSIS,
        {**SWITCHED, "blueGreen": {"activeSelector": "b", "postPromotionAnalysisRunStatus": {"status": "Running"}}},
        "Progressing",
        "waiting for analysis to complete",
        "post-analysis-running",
    ),
    case(
        POST_ANALYSIS,
        {**SWITCHED, "blueGreen": {"activeSelector": "b", "postPromotionAnalysisRunStatus": {"status": "Successful"}}},
        "Progressing",
        "waiting for post-promotion verification to complete",
        "post-analysis-done",
    ),
    case(BLUE_GREEN, {**DONE, "blueGreen": {"activeSelector": "b"}}, "Healthy", "", "blue-green-healthy"),
    case({"replicas": 1}, {"updatedReplicas": 1, "availableReplicas": 1}, "Healthy", "", "no-strategy"),
]


@pytest.mark.parametrize(("spec", "status", "phase", "message"), CASES)
def test_phase_of(spec: dict[str, Any], status: dict[str, Any], phase: str, message: str) -> None:
    assert phase_of(RolloutSpec.model_validate(spec), RolloutStatus.model_validate(status)) == (phase, message)
