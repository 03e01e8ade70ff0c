"""Promotion windows in the blue-green decision: the switch to the preview waits for a window (or an override
naming it). The clock is driven through `decide`'s `now`. Pure: no API."""

from __future__ import annotations

from typing import Any

import pytest
from bluegreen_scenes import BLUE_HASH, NOW, YELLOW, YELLOW_HASH, a_rollout, observe_both, stable_status
from test_windows_gates import HELD, HELD_AT, OPEN_NOW, OPENS_TOMORROW, reasons, with_windows

from rollouts.plan.actions import PointService
from rollouts.plan.decide import decide


def bluegreen(windows: str, override: str | None = None, **status_extra: Any) -> Any:
    # a user cleared the BlueGreenPause; an override comes once the window holds the switch
    held = {"pauseConditions": HELD} if override else {}
    status = stable_status(currentPodHash=YELLOW_HASH, controllerPause=True, **held, **status_extra)
    rollout = with_windows(a_rollout(template=YELLOW, status=status, autoPromotionEnabled=False), windows, override)
    return observe_both(rollout, active=BLUE_HASH, preview=YELLOW_HASH)


@pytest.mark.parametrize(
    ("windows", "override", "switched"),
    [
        pytest.param(OPENS_TOMORROW, None, False, id="closed-holds-the-switch"),
        pytest.param(OPEN_NOW, None, True, id="open-switches"),
        pytest.param(OPENS_TOMORROW, f"{YELLOW_HASH}/promote{HELD_AT}", True, id="override-switches"),
    ],
)
def test_blue_green_promotion_waits_for_a_window(windows: str, override: str | None, switched: bool) -> None:
    plan = decide(observed=bluegreen(windows, override), now=NOW)
    switch = [a for a in plan.actions if isinstance(a, PointService) and a.service == "active"]
    assert bool(switch) is switched
    assert (plan.status.stable_rs == YELLOW_HASH) is switched
    if not switched:
        assert reasons(plan) == ["PromotionWindow"]
        assert plan.requeue_after == 21 * 3600


@pytest.mark.parametrize(
    ("override", "switched"),
    [
        pytest.param(None, False, id="closed-holds-the-switch"),
        pytest.param(f"{YELLOW_HASH}/promote{HELD_AT}", True, id="override-switches"),
    ],
)
def test_promote_full_waits_for_a_window_too(override: str | None, switched: bool) -> None:
    plan = decide(observed=bluegreen(OPENS_TOMORROW, override, promoteFull=True), now=NOW)
    switch = [a for a in plan.actions if isinstance(a, PointService) and a.service == "active"]
    assert bool(switch) is switched
    assert (plan.status.stable_rs == YELLOW_HASH) is switched
    if not switched:
        assert reasons(plan) == ["PromotionWindow"]


def test_a_plain_promote_held_by_a_window_is_told_about_override_window() -> None:
    # the user cleared the BlueGreenPause with a plain promote; the window holds the switch and the event says what does
    plan = decide(observed=bluegreen(OPENS_TOMORROW), now=NOW)
    notes = [e.message for e in plan.events if e.reason == "PromotionWindowClosed"]
    assert notes and "--override-window" in notes[0], notes
