"""Whether promotion windows let traffic move at `now`, and if not, when they will.

A window is open at t when its cron schedule fired in (t - duration, t]. Traffic may move when no allow window is
listed or one is open, and no deny window is open. Pure: apscheduler's CronTrigger computes fire times from the
`now` passed in; nothing reads the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rollouts.api import PauseCondition
from rollouts.api.gotext import format_duration, format_time
from rollouts.api.labels import OVERRIDE_WINDOW_ANNOTATION, PROMOTION_WINDOWS_ANNOTATION
from rollouts.api.windows import PromotionWindows, Window, WindowError, parse
from rollouts.plan.actions import EventNote
from rollouts.plan.decision import Decision
from rollouts.plan.observed import Observed

PROMOTION_WINDOW_PAUSE = "PromotionWindow"
"""Our pause reason (Argo's PauseCondition shape): held before a traffic shift until a window opens."""

HORIZON = timedelta(days=366)
"""How far ahead to look for the next opening before saying the windows never open."""
_MAX_FIRES = 10_000
"""Fire times walked through for one window and instant (a schedule every minute with a day's duration: 1440)."""
_TICK = timedelta(microseconds=1)
"""Fire times are whole seconds; a tick past an instant asks for the first fire strictly after it."""


@dataclass(frozen=True)
class Verdict:
    open: bool
    opens_at: datetime | None = None
    """When closed: the first instant the windows let traffic move (None: not within HORIZON)."""


def open_until(window: Window, at: datetime) -> datetime | None:
    """The end of the window's run that covers `at` (overlapping runs join), None when it is closed at `at`."""
    end: datetime | None = None
    fire = window.trigger.get_next_fire_time(None, at - window.duration + _TICK)
    for _ in range(_MAX_FIRES):
        if fire is None or fire > (at if end is None else end):
            break
        end = fire + window.duration  # a run starting before the current one ends extends it
        fire = window.trigger.get_next_fire_time(None, fire + _TICK)
    return end


def _next_start(window: Window, after: datetime) -> datetime | None:
    start: datetime | None = window.trigger.get_next_fire_time(None, after + _TICK)
    return start


def _blocked(windows: PromotionWindows, at: datetime) -> list[datetime | None]:
    """Empty when traffic may move at `at`; otherwise the instants at which that could change."""
    denied = [end for window in windows.deny if (end := open_until(window, at)) is not None]
    if denied:
        return list(denied)
    if not windows.allow or any(open_until(window, at) is not None for window in windows.allow):
        return []
    return [_next_start(window, at) for window in windows.allow]


def verdict(windows: PromotionWindows | None, now: datetime) -> Verdict:
    """Open or closed at `now`; when closed, when it opens next (walking deny ends and allow starts)."""
    if windows is None:
        return Verdict(open=True)
    at = now
    for _ in range(_MAX_FIRES):
        changes = _blocked(windows, at)
        if not changes:
            return Verdict(open=at == now, opens_at=None if at == now else at)
        upcoming = [moment for moment in changes if moment is not None and moment > at]
        if not upcoming or min(upcoming) - now > HORIZON:
            return Verdict(open=False)
        at = min(upcoming)
    return Verdict(open=False)


def configured(observed: Observed) -> bool:
    """Whether the Rollout has promotion windows (valid or not)."""
    return PROMOTION_WINDOWS_ANNOTATION in (observed.rollout.metadata.annotations or {})


def holds(decision: Decision, observed: Observed, now: datetime, *, gate: str, promoted: bool = False) -> bool:
    """Whether the windows hold the traffic shift named `gate` ("<pod hash>/<step index>" or "<pod hash>/promote").

    Held: a PromotionWindow pause condition and a wake-up when the window opens. Released (window open, or
    `promote --override-window` naming this gate and this hold's start, so a later hold is not passed by the same
    annotation): the condition goes, an override is recorded as an event.
    `promoted`: a plain promote cleared the hold; held again, the event says that it takes --override-window.
    """
    annotations = observed.rollout.metadata.annotations or {}
    try:
        windows = parse(annotations)
    except WindowError:
        windows = None  # reported as InvalidSpec by validation; never reached by a valid spec
    result = verdict(windows, now)
    conditions = decision.status.pause_conditions or []
    hold = next((c for c in conditions if c.reason == PROMOTION_WINDOW_PAUSE), None)
    held = hold is not None
    overridden = hold is not None and annotations.get(OVERRIDE_WINDOW_ANNOTATION) == f"{gate}@{hold.start_time or ''}"
    if result.open or overridden:
        if held:
            rest = [c for c in conditions if c.reason != PROMOTION_WINDOW_PAUSE]
            decision.update(pause_conditions=rest or None, controller_pause=bool(rest) or None)
        if not result.open:
            note = f"Promotion window overridden: {gate} goes through while the windows are closed"
            decision.events.append(EventNote("PromotionWindowOverridden", note))
        return False
    if not held:
        pause = PauseCondition(reason=PROMOTION_WINDOW_PAUSE, start_time=format_time(now))
        decision.update(pause_conditions=[*conditions, pause], controller_pause=True)
        message = closed_message(result, now)
        if promoted:
            message += "; a plain promote does not release this step, promote --override-window does"
        decision.events.append(EventNote("PromotionWindowClosed", message))
    if result.opens_at is not None:
        decision.wake_in((result.opens_at - now).total_seconds())
    return True


def closed_message(result: Verdict, now: datetime) -> str:
    if result.opens_at is None:
        return "Outside the promotion windows: no window opens within a year"
    wait = format_duration(result.opens_at - now.replace(microsecond=0))
    return f"Outside the promotion windows: traffic moves again at {format_time(result.opens_at)} (in {wait})"
