"""The phase a client reports for a Rollout, and where a canary stands (step, set weight). Pure.

`rollout_phase` is Argo's client-side rule: trust the controller's `status.phase` only once it has observed the
current generation (and the referenced workload's) and has reacted to a resume; until then the rollout is
Progressing. When no controller wrote a phase, `calculate_phase` applies the controller's own rules (the plan's
`phase_of`, the one function our controller uses too).
"""

from __future__ import annotations

from plugin import raw
from plugin.raw import Obj
from rollouts.api.labels import WORKLOAD_GENERATION_ANNOTATION
from rollouts.plan.replicas import approximate_weight

DONE_PHASES = ("Healthy", "Degraded")
"""Phases after which a rollout needs a person or a new revision to move again."""


def rollout_phase(rollout: Obj) -> tuple[str, str]:
    """(phase, message) as a client should report it.

    The controller's `status.phase` is trusted only once it has observed the current generation and reacted to
    a user's resume (`controllerPause` still set with no pause condition left); until then the rollout is
    Progressing. Status written by a controller that sets no phase gets it computed by `calculate_phase`.
    """
    status = raw.status(rollout)
    if not _generation_observed(rollout):
        return "Progressing", "waiting for rollout spec update to be observed"
    if status.get("controllerPause") and not status.get("pauseConditions"):
        return "Progressing", "waiting for rollout to unpause"
    if not _workload_generation_observed(rollout):
        return "Progressing", "waiting for rollout spec update to be observed for the reference workload"
    if status.get("phase"):
        return str(status["phase"]), str(status.get("message") or "")
    return calculate_phase(rollout)


def calculate_phase(rollout: Obj) -> tuple[str, str]:
    """The controller's own phase rules (`rollouts.plan.conditions.phase_of`, Argo's CalculateRolloutPhase), for a
    status whose controller wrote no phase. A spec or status of the wrong shape is Degraded, naming the field."""
    # Imported here: the typed API costs most of a CLI start-up, and most statuses carry their phase.
    from rollouts.api import API_VERSION, RolloutStatus, parse_rollout
    from rollouts.plan.conditions import phase_of

    typed = parse_rollout(
        {"apiVersion": API_VERSION, "kind": "Rollout", "spec": raw.spec(rollout), "status": raw.status(rollout)},
        check=False,
    )
    if isinstance(typed, list):
        return "Degraded", f"InvalidSpec: {typed[0]}"
    phase, message = phase_of(typed.spec, typed.status or RolloutStatus())
    return phase.value, message


def _generation_observed(rollout: Obj) -> bool:
    observed = raw.status(rollout).get("observedGeneration")
    try:
        observed_number = int(str(observed))
    except ValueError:
        return True  # absent, or an old controller's hash: nothing to compare
    generation = raw.as_int(raw.meta(rollout).get("generation"))
    return observed_number >= generation


def _workload_generation_observed(rollout: Obj) -> bool:
    if not raw.spec(rollout).get("workloadRef"):
        return True
    wanted = (raw.meta(rollout).get("annotations") or {}).get(WORKLOAD_GENERATION_ANNOTATION)
    observed = raw.status(rollout).get("workloadObservedGeneration")
    try:
        return int(str(wanted)) == int(str(observed))
    except ValueError:
        return True


def current_set_weight(rollout: Obj) -> int:
    """The weight the current step asks for: the last setWeight at or before it; 0 when aborted; the maximum
    weight once past the last step (or with no steps)."""
    if raw.status(rollout).get("abort"):
        return 0
    steps, index = canary_steps(rollout), step_index(rollout)
    if not steps or index >= len(steps):
        return max_weight(rollout)
    for step in reversed(steps[: index + 1]):
        if step.get("setWeight") is not None:
            return raw.as_int(step["setWeight"])
    return 0


def actual_weight(rollout: Obj, *, canary_available: int) -> str:
    """The weight the canary actually gets: the router's last canary weight (the set weight until it reports one),
    or without a router the canary's share of available pods; the maximum weight once past the last step."""
    steps, index = canary_steps(rollout), step_index(rollout)
    if not steps or index >= len(steps):
        return str(max_weight(rollout))
    available = raw.as_int(raw.status(rollout).get("availableReplicas"))
    if available <= 0:
        return "0"
    if not (raw.canary(rollout) or {}).get("trafficRouting"):
        return str(
            approximate_weight(
                canary_available=canary_available, total_available=available, max_weight=max_weight(rollout)
            )
        )
    weights = (raw.status(rollout).get("canary") or {}).get("weights")
    if weights:
        return str(raw.as_int((weights.get("canary") or {}).get("weight")))
    return str(current_set_weight(rollout))


def max_weight(rollout: Obj) -> int:
    """100, or the traffic router's `maxTrafficWeight`."""
    routing = (raw.canary(rollout) or {}).get("trafficRouting") or {}
    return raw.as_int(routing.get("maxTrafficWeight"), 100)


def step_text(rollout: Obj) -> str:
    steps, index = canary_steps(rollout), raw.status(rollout).get("currentStepIndex")
    return f"{index}/{len(steps)}" if index is not None and steps else ""


def canary_steps(rollout: Obj) -> list[Obj]:
    return list((raw.canary(rollout) or {}).get("steps") or [])


def step_index(rollout: Obj) -> int:
    return raw.as_int(raw.status(rollout).get("currentStepIndex"))
