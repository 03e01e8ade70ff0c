"""The Experiment's conditions: InvalidSpec while its spec is invalid, and Progressing (progressing, running,
completed) with Argo's reasons and messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rollouts.api import Condition
from rollouts.plan import conditions
from rollouts.plan.actions import EventNote
from rollouts.plan.experiments.actions import ExperimentPlan


def _put(
    status: dict[str, Any], kind: str, state: str, reason: str, message: str, now: datetime, *, touch: bool
) -> None:
    existing = [Condition.model_validate(c) for c in status.get("conditions") or []]
    updated = conditions.put(existing, kind, state, reason, message, now, touch=touch)
    status["conditions"] = [c.to_dict() for c in updated]


def invalid(previous: dict[str, Any], name: str, problem: str, now: datetime) -> ExperimentPlan:
    """Only the InvalidSpec condition changes: nothing is created while the spec is invalid."""
    message = f'The Experiment "{name}" is invalid: {problem}'
    status = dict(previous)
    known = any(c.get("type") == conditions.INVALID_SPEC for c in previous.get("conditions") or [])
    _put(status, conditions.INVALID_SPEC, "True", conditions.INVALID_SPEC, message, now, touch=False)
    events = [] if known else [EventNote(conditions.INVALID_SPEC, message, "Warning")]
    return ExperimentPlan(status=status, events=events)


def progressing(status: dict[str, Any], previous: dict[str, Any], name: str, *, running: bool, now: datetime) -> None:
    """Argo's Progressing condition: False/ExperimentCompleted once Successful, True/ReplicaSetUpdated while
    ReplicaSet counts move, True/NewReplicaSetAvailable while running for its duration."""
    status["conditions"] = [c for c in status.get("conditions") or [] if c.get("type") != conditions.INVALID_SPEC]
    if status.get("phase") == "Successful":
        _put(
            status,
            conditions.PROGRESSING,
            "False",
            "ExperimentCompleted",
            f'Experiment "{name}" has successfully ran and completed.',
            now,
            touch=False,
        )
    elif _moved(status, previous):
        _put(
            status,
            conditions.PROGRESSING,
            "True",
            conditions.RS_UPDATED,
            f'Experiment "{name}" is progressing.',
            now,
            touch=True,
        )
    elif running:
        _put(
            status,
            conditions.PROGRESSING,
            "True",
            conditions.NEW_RS_AVAILABLE,
            f'Experiment "{name}" is running.',
            now,
            touch=False,
        )
    if not status["conditions"]:
        del status["conditions"]


_COUNTS = ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas")


def _moved(status: dict[str, Any], previous: dict[str, Any]) -> bool:
    before = {ts.get("name"): ts for ts in previous.get("templateStatuses") or []}
    for ts in status.get("templateStatuses") or []:
        old = before.get(ts.get("name"))
        if old is None or any((old.get(key) or 0) != (ts.get(key) or 0) for key in _COUNTS):
            return True
    return False
