"""A plain `promote` and promotion windows (issue 17): it clears every pause condition, the PromotionWindow one
too, yet a step the window holds stays held (the controller holds it again and says so); it still releases an
ordinary `pause: {}` step, and the traffic step after it waits for the window. Only `--override-window` lets a
held step through. The promote is applied as the plugin's (and Argo's) own patches; the clock is `decide`'s `now`.
Pure: no API."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from test_canary_decide import NEW_HASH, NOW, OLD_HASH, a_canary, observe, targets, updating
from test_windows_gates import HELD, HELD_AT, OPENS_TOMORROW, reasons, with_windows

from plugin import intents
from rollouts.plan.decide import decide

STEPS = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]
PAUSED_STEP = [{"reason": "CanaryPauseStep", "startTime": "2026-01-01T11:00:00Z"}]


def merged(target: Any, patch: Any) -> Any:
    """A JSON merge patch applied (RFC 7386: null removes a key)."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merged(result.get(key), value)
    return result


def promoted(rollout: dict[str, Any]) -> dict[str, Any]:
    """The Rollout as the API server stores it after `kubectl argo rollouts promote` (no --full)."""
    for change in intents.promote(rollout).changes:
        assert change.kind == "merge"
        rollout = merged(rollout, change.body)
    return rollout


def held_at(index: int, conditions: list[dict[str, Any]], override: str | None = None) -> dict[str, Any]:
    status = updating(STEPS, index, pauseConditions=conditions, controllerPause=True)
    return with_windows(a_canary(STEPS, status), OPENS_TOMORROW, override)


@pytest.mark.parametrize(
    ("index", "conditions", "new", "override", "later", "moves"),
    [
        pytest.param(2, HELD, 2, None, 0, False, id="held-before-setWeight-50-stays-held"),
        pytest.param(0, HELD, 0, None, 0, False, id="held-at-the-start-stays-held"),
        pytest.param(4, HELD, 5, None, 0, False, id="held-before-the-full-promotion-stays-held"),
        pytest.param(2, HELD, 2, f"{OLD_HASH}/2{HELD_AT}", 0, False, id="an-override-of-another-update-does-not-count"),
        pytest.param(2, HELD, 2, None, 21, True, id="window-opened-moves"),
    ],
)
def test_a_plain_promote_does_not_pass_a_held_step(
    index: int, conditions: list[dict[str, Any]], new: int, override: str | None, later: int, moves: bool
) -> None:
    rollout = promoted(held_at(index, conditions, override))
    assert not rollout["status"].get("pauseConditions"), "the promote cleared the hold"
    plan = decide(observed=observe(rollout, old=10 - new, new=new), now=NOW + timedelta(hours=later))
    assert plan.status.stable_rs == OLD_HASH
    assert plan.status.current_step_index == index
    if moves:
        assert targets(plan).get("new") == 5, "on to 50%"
        assert reasons(plan) == [] and not plan.status.controller_pause
        return
    assert targets(plan) == {}, "the canary keeps its traffic"
    assert reasons(plan) == ["PromotionWindow"] and plan.status.controller_pause
    assert plan.requeue_after == 21 * 3600
    notes = [e.message for e in plan.events if e.reason == "PromotionWindowClosed"]
    assert notes and "--override-window" in notes[0], notes


def test_a_plain_promote_releases_a_pause_step_and_the_next_weight_waits() -> None:
    rollout = promoted(held_at(1, PAUSED_STEP))
    plan = decide(observed=observe(rollout, old=8, new=2), now=NOW)
    assert plan.status.current_step_index == 2, "the pause step is done"
    assert reasons(plan) == ["PromotionWindow"] and plan.status.controller_pause
    assert targets(plan) == {}, "setWeight 50 waits for the window"


def test_a_step_entered_through_the_window_is_not_pulled_back() -> None:
    """Released (here by an open window) while the canary still scales for the step: the hold is gone for good,
    so a window that closes again meanwhile does not take the step's traffic back."""
    rollout = promoted(held_at(2, HELD))
    released = decide(observed=observe(rollout, old=8, new=2), now=NOW + timedelta(hours=21))
    rollout["status"]["controllerPause"] = released.status.controller_pause
    plan = decide(observed=observe(rollout, old=8, new=5), now=NOW + timedelta(days=1))
    assert reasons(plan) == []
    assert targets(plan).get("new", 5) == 5, "the canary keeps its 50%"


@pytest.mark.parametrize(
    ("index", "conditions", "new", "override", "later", "moves"),
    [
        pytest.param(2, HELD, 2, None, 0, False, id="held-before-setWeight-50"),
        pytest.param(1, PAUSED_STEP, 2, None, 0, False, id="at-a-pause-step"),
        pytest.param(
            2, HELD, 2, f"{NEW_HASH}/2{HELD_AT}", 0, False, id="an-override-of-the-step-is-not-one-of-the-promotion"
        ),
        pytest.param(2, HELD, 2, f"{NEW_HASH}/4{HELD_AT}", 0, True, id="override-naming-the-full-promotion-moves"),
        pytest.param(1, PAUSED_STEP, 2, None, 21, True, id="window-opened-moves"),
    ],
)
def test_promote_full_waits_for_the_window_too(
    index: int, conditions: list[dict[str, Any]], new: int, override: str | None, later: int, moves: bool
) -> None:
    """`promote --full` skips steps and pauses, not the windows: the canary keeps the traffic it has."""
    rollout = held_at(index, conditions, override)
    for change in intents.promote(rollout, full=True).changes:
        rollout = merged(rollout, change.body)
    plan = decide(observed=observe(rollout, old=10 - new, new=new), now=NOW + timedelta(hours=later))
    assert plan.status.stable_rs == OLD_HASH
    if moves:
        assert targets(plan).get("new", 0) > new, "on toward 100%"
        assert "PromotionWindow" not in reasons(plan)
        return
    assert targets(plan) == {}, "the canary keeps its traffic"
    assert "PromotionWindow" in reasons(plan) and plan.status.controller_pause
    assert plan.requeue_after == 21 * 3600


def test_an_override_lets_one_hold_through_not_a_later_one_at_the_same_step() -> None:
    """The annotation stays on the Rollout; after a retry (same pod hash, steps again from the start) the same
    step is held anew, and the old override must not pass it."""
    earlier = held_at(2, [{"reason": "PromotionWindow", "startTime": "2026-01-01T10:00:00Z"}])
    override = intents.override_window(earlier).changes[0].body["metadata"]["annotations"]
    rollout = held_at(2, HELD)
    rollout["metadata"]["annotations"].update(override)
    plan = decide(observed=observe(rollout, old=8, new=2), now=NOW)
    assert reasons(plan) == ["PromotionWindow"] and targets(plan) == {}
    rollout["metadata"]["annotations"].update(
        intents.override_window(rollout).changes[0].body["metadata"]["annotations"]
    )
    plan = decide(observed=observe(rollout, old=8, new=2), now=NOW)
    assert reasons(plan) == [] and targets(plan).get("new") == 5, "the override of this hold passes it"


def test_a_full_promotion_let_through_is_not_held_again_while_it_scales() -> None:
    status = updating(STEPS, len(STEPS), promoteFull=True)  # released: the step index is past the last step
    rollout = with_windows(a_canary(STEPS, status), OPENS_TOMORROW)
    plan = decide(observed=observe(rollout, old=5, new=8), now=NOW)
    assert reasons(plan) == []
    assert targets(plan).get("new", 8) >= 8, "on toward 100%"


def test_without_windows_a_promoted_traffic_step_is_decided_as_before() -> None:
    """controllerPause left by a promote at a traffic step (e.g. after an inconclusive background analysis) is
    Argo's to keep: it stops the same inconclusive run from pausing again."""
    rollout = a_canary(STEPS, updating(STEPS, 2, controllerPause=True))
    plan = decide(observed=observe(rollout, old=8, new=2), now=NOW)
    assert plan.status.controller_pause and reasons(plan) == []
    assert targets(plan).get("new") == 5
