"""Promotion windows in the canary decision: held before a traffic shift with a PromotionWindow
pause and a wake-up when the window opens, released when it opens or by `promote --override-window`, never in the
way of an abort. The clock is driven through `decide`'s `now`. Pure: no API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from test_canary_decide import NEW_HASH, NOW, a_canary, observe, targets, updating

from rollouts.api.labels import OVERRIDE_WINDOW_ANNOTATION, PROMOTION_WINDOWS_ANNOTATION
from rollouts.plan.decide import decide

# NOW is 2026-01-01 12:00 UTC.
OPENS_TOMORROW = 'allow: [{schedule: "0 9 * * *", duration: 1h}]'  # next opening 2026-01-02 09:00: 21 hours away
OPEN_NOW = 'allow: [{schedule: "0 12 * * *", duration: 1h}]'
DENY_NOW = 'deny: [{schedule: "0 12 * * *", duration: 30m}]'
HELD = [{"reason": "PromotionWindow", "startTime": "2026-01-01T11:00:00Z"}]
HELD_AT = "@2026-01-01T11:00:00Z"  # an override names the hold by its start
TWO_WEIGHTS = [{"setWeight": 20}, {"setWeight": 50}]


def with_windows(rollout: dict[str, Any], windows: str, override: str | None = None) -> dict[str, Any]:
    annotations = rollout["metadata"]["annotations"]
    annotations[PROMOTION_WINDOWS_ANNOTATION] = windows
    if override is not None:
        annotations[OVERRIDE_WINDOW_ANNOTATION] = override
    return rollout


def reasons(plan: Any) -> list[str | None]:
    return [c.reason for c in plan.status.pause_conditions or ()]


@pytest.mark.parametrize(
    ("windows", "new_target", "pauses", "wake"),
    [
        pytest.param(OPENS_TOMORROW, None, ["PromotionWindow"], 21 * 3600, id="closed-holds-the-first-weight"),
        pytest.param(DENY_NOW, None, ["PromotionWindow"], 30 * 60, id="deny-window-holds-until-it-ends"),
        pytest.param(OPEN_NOW, 2, [], None, id="open-moves"),
    ],
)
def test_an_update_starts_only_inside_a_window(
    windows: str, new_target: int | None, pauses: list[str], wake: float | None
) -> None:
    rollout = with_windows(a_canary(TWO_WEIGHTS, updating(TWO_WEIGHTS, 0)), windows)
    plan = decide(observed=observe(rollout, old=10, new=0), now=NOW)
    assert targets(plan).get("new") == new_target
    assert reasons(plan) == pauses
    assert plan.requeue_after == wake
    if pauses:
        assert plan.status.phase == "Paused"
        closed = [e.message for e in plan.events if e.reason == "PromotionWindowClosed"]
        assert closed and "traffic moves again at" in closed[0]


def test_a_finished_step_waits_before_the_next_weight() -> None:
    rollout = with_windows(a_canary(TWO_WEIGHTS, updating(TWO_WEIGHTS, 0)), OPENS_TOMORROW)
    plan = decide(observed=observe(rollout, old=8, new=2), now=NOW)
    assert plan.status.current_step_index == 1
    assert reasons(plan) == ["PromotionWindow"]
    assert targets(plan) == {}, "still at 20%: nothing scales"


@pytest.mark.parametrize(
    ("now", "override", "released", "event"),
    [
        pytest.param(NOW, None, False, None, id="still-closed"),
        pytest.param(NOW + timedelta(hours=21), None, True, None, id="window-opened"),
        pytest.param(
            NOW, f"{NEW_HASH}/1{HELD_AT}", True, "PromotionWindowOverridden", id="override-lets-this-step-through"
        ),
        pytest.param(NOW, f"{NEW_HASH}/0{HELD_AT}", False, None, id="an-override-for-another-step-does-not"),
    ],
)
def test_a_held_step_moves_when_the_window_opens_or_is_overridden(
    now: Any, override: str | None, released: bool, event: str | None
) -> None:
    status = updating(TWO_WEIGHTS, 1, pauseConditions=HELD, controllerPause=True)
    rollout = with_windows(a_canary(TWO_WEIGHTS, status), OPENS_TOMORROW, override)
    plan = decide(observed=observe(rollout, old=8, new=2), now=now)
    assert (reasons(plan) == []) is released
    assert ("new" in targets(plan)) is released, "released: the canary grows toward 50%"
    assert (event in [e.reason for e in plan.events]) if event else True


def test_steps_that_shift_no_traffic_are_not_held() -> None:
    step_list = [{"setWeight": 20}, {"pause": {"duration": 60}}]
    rollout = with_windows(a_canary(step_list, updating(step_list, 0)), OPENS_TOMORROW)
    plan = decide(observed=observe(rollout, old=8, new=2), now=NOW)
    assert plan.status.current_step_index == 1
    assert reasons(plan) == [] and plan.requeue_after == 0, "on to the pause step at once"


def test_an_abort_is_never_held() -> None:
    status = updating(TWO_WEIGHTS, 1, pauseConditions=HELD, controllerPause=True, abort=True)
    rollout = with_windows(a_canary(TWO_WEIGHTS, status), OPENS_TOMORROW)
    plan = decide(observed=observe(rollout, old=8, new=2), now=NOW)
    assert targets(plan) == {"new": 0, "old": 10}
