"""How a run ends and how long it lives after: Error on a bad spec, completion events, ttlStrategy.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from analysis import assess
from analysis.decide.schedule import invalid, ttl_strategy
from analysis.decide.state import Outcome, Schedule, time_or
from rollouts.api.types import format_time
from rollouts.plan.actions import EventNote


def errored(status: dict[str, Any], schedule: Schedule, now: datetime) -> Outcome:
    status.update(phase=assess.ERROR, message=schedule.problem, startedAt=schedule.started_at)
    status["completedAt"] = status.get("completedAt") or format_time(now)
    return Outcome(status, (run_completed(assess.ERROR),), ttl_wait(status, schedule.ttl, now))


def spec_error(*, run: Mapping[str, Any], message: str, now: datetime) -> Outcome:
    """The run ends in Error with `message` (e.g. a secret argument the controller could not read)."""
    status = run.get("status") or {}
    started_at = status.get("startedAt") or format_time(now)
    return errored(dict(status), invalid(status, started_at, message, ttl_strategy(run)), now)


def after_completion(status: dict[str, Any], ttl: Mapping[str, Any] | None, now: datetime) -> Outcome:
    wait = ttl_wait(status, ttl, now)
    if wait is not None and wait <= 0:
        return Outcome(status, expired=True)
    return Outcome(status, requeue_after=wait)


def ttl_seconds(phase: str | None, ttl: Mapping[str, Any] | None) -> int | None:
    """Seconds a completed run lives: secondsAfterSuccess / secondsAfterFailure for those phases, else
    secondsAfterCompletion; None when the strategy says nothing for this phase."""
    if not ttl:
        return None
    if phase == assess.SUCCESSFUL and ttl.get("secondsAfterSuccess") is not None:
        return int(ttl["secondsAfterSuccess"])
    if phase == assess.FAILED and ttl.get("secondsAfterFailure") is not None:
        return int(ttl["secondsAfterFailure"])
    if ttl.get("secondsAfterCompletion") is not None:
        return int(ttl["secondsAfterCompletion"])
    return None


def ttl_wait(status: Mapping[str, Any], ttl: Mapping[str, Any] | None, now: datetime) -> float | None:
    seconds = ttl_seconds(status.get("phase"), ttl)
    completed_at = status.get("completedAt")
    if seconds is None or not completed_at:
        return None
    return (time_or(completed_at, now) + timedelta(seconds=seconds) - now).total_seconds()


def run_completed(phase: str) -> EventNote:
    kind = "Warning" if phase in (assess.ERROR, assess.FAILED) else "Normal"
    return EventNote(f"AnalysisRun{phase}", f"Analysis Completed. Result: {phase}", kind)
