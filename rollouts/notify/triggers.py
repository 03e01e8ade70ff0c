"""From the controller's events to Argo's triggers, and a trigger's conditions to the templates to send. Pure.

Argo evaluates trigger `on-<kebab-case(reason)>` for every event it records (`RolloutStepCompleted` →
`on-rollout-step-completed`). A condition without `when` always sends; one with `when` sends when the expression,
evaluated over `rollout`, is true.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from analysis.expressions import ExpressionError
from rollouts.notify.config import Condition

BUILT_IN = (
    "on-rollout-updated",
    "on-rollout-step-completed",
    "on-rollout-paused",
    "on-rollout-completed",
    "on-rollout-aborted",
    "on-analysis-run-running",
    "on-analysis-run-failed",
    "on-analysis-run-error",
    "on-scaling-replica-set",
)


def trigger_for(reason: str) -> str:
    """Argo's name for the trigger an event reason fires: `on-` and the reason in kebab case."""
    spaced = re.sub(r"(.)([A-Z][a-z]+)", r"\1-\2", reason)
    return "on-" + re.sub(r"([a-z0-9])([A-Z])", r"\1-\2", spaced).lower()


def templates_to_send(
    trigger: str, conditions: tuple[Condition, ...], variables: Mapping[str, Any]
) -> tuple[list[tuple[int, tuple[str, ...]]], list[str]]:
    """(condition number, templates) for every condition that holds, and a problem per condition that failed."""
    chosen: list[tuple[int, tuple[str, ...]]] = []
    problems: list[str] = []
    for number, condition in enumerate(conditions):
        if condition.when is None:
            chosen.append((number, condition.send))
            continue
        try:
            holds = condition.when.evaluate(dict(variables))
        except ExpressionError as error:
            problems.append(f"trigger.{trigger}[{number}].when: {error}")
            continue
        if holds is True:
            chosen.append((number, condition.send))
    return chosen, problems
