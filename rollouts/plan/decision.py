"""What a strategy decided in one reconcile, before the common status bookkeeping. Pure data."""

from __future__ import annotations

from dataclasses import dataclass, field

from rollouts.api import RolloutStatus
from rollouts.plan.actions import Action, EventNote


@dataclass
class Decision:
    """A strategy's output. `status` starts as the reset baseline and is replaced as the strategy decides."""

    status: RolloutStatus
    actions: list[Action] = field(default_factory=list)
    events: list[EventNote] = field(default_factory=list)
    wake: float | None = None
    completed_reason: str | None = None
    """Set when the new ReplicaSet became stable in this reconcile ("Completed blue-green update", …)."""
    abort_reason: str | None = None
    """Why the strategy aborted the update in this reconcile (e.g. the failed analysis), for the condition."""
    now_text: str = ""
    """The reconcile's time as an RFC 3339 string, for stamps the strategy writes."""

    def wake_in(self, seconds: float) -> None:
        seconds = max(seconds, 0.0)
        self.wake = seconds if self.wake is None else min(self.wake, seconds)

    def update(self, **fields: object) -> None:
        self.status = self.status.model_copy(update=fields)
