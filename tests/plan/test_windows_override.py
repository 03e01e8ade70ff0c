"""`kubectl rollouts promote --override-window`: the annotation it sends names the held traffic shift exactly as
the decision layer's gate does, so one step (or one blue-green switch) goes through. Pure; no cluster."""

from __future__ import annotations

from typing import Any

import pytest

from plugin import intents
from plugin.intents import Change, Target
from rollouts.api.labels import OVERRIDE_WINDOW_ANNOTATION

HELD = [{"reason": "PromotionWindow", "startTime": "2026-01-01T11:00:00Z"}]


def a_rollout(strategy: dict[str, Any], **status: Any) -> dict[str, Any]:
    return {"metadata": {"name": "demo"}, "spec": {"strategy": strategy}, "status": {"currentPodHash": "abc", **status}}


@pytest.mark.parametrize(
    ("strategy", "gate"),
    [
        pytest.param(
            {"canary": {"steps": [{"setWeight": 20}, {"setWeight": 50}]}},
            "abc/1@2026-01-01T11:00:00Z",
            id="canary-step",
        ),
        pytest.param(
            {"blueGreen": {"activeService": "active"}}, "abc/promote@2026-01-01T11:00:00Z", id="blue-green-switch"
        ),
    ],
)
def test_override_names_the_held_shift(strategy: dict[str, Any], gate: str) -> None:
    intent = intents.override_window(a_rollout(strategy, currentStepIndex=1, pauseConditions=HELD))
    body = {"metadata": {"annotations": {OVERRIDE_WINDOW_ANNOTATION: gate}}}
    assert intent.changes == (Change(Target("Rollout", "demo"), "merge", body),)


def test_override_without_a_window_hold_is_refused() -> None:
    rollout = a_rollout({"canary": {"steps": [{"pause": {}}]}}, pauseConditions=[{"reason": "CanaryPauseStep"}])
    with pytest.raises(intents.IntentError, match="not held by a promotion window"):
        intents.override_window(rollout)


def test_override_of_a_full_promotion_names_the_promotion() -> None:
    """After `promote --full` the decision holds the full promotion (the step index past the last step)."""
    strategy = {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}]}}
    rollout = a_rollout(strategy, currentStepIndex=1, pauseConditions=HELD, promoteFull=True)
    body = intents.override_window(rollout).changes[0].body
    assert body == {"metadata": {"annotations": {OVERRIDE_WINDOW_ANNOTATION: "abc/3@2026-01-01T11:00:00Z"}}}
