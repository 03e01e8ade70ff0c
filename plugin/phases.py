"""The phase a client reports for a Rollout, and where a canary stands (step, set weight). Pure.

`rollout_phase` is Argo's client-side rule: trust the controller's `status.phase` only once it has observed the
current generation (and the referenced workload's) and has reacted to a resume; until then the rollout is
Progressing. When no controller wrote a phase, `calculate_phase` applies the controller's own rules.
"""

from __future__ import annotations

from plugin import raw
from plugin.raw import Obj

WORKLOAD_GENERATION_ANNOTATION = "rollout.argoproj.io/workload-generation"
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
    """The controller's phase rules, first match wins (Argo's CalculateRolloutPhase)."""
    spec, status = raw.spec(rollout), raw.status(rollout)
    for condition in status.get("conditions") or []:
        if condition.get("type") == "InvalidSpec":
            return "Degraded", f"InvalidSpec: {condition.get('message', '')}"
        if condition.get("reason") in ("RolloutAborted", "ProgressDeadlineExceeded"):
            return "Degraded", f"{condition['reason']}: {condition.get('message', '')}"
    if spec.get("paused"):
        return "Paused", "manually paused"
    for pause in status.get("pauseConditions") or []:
        return "Paused", str(pause.get("reason") or "")
    restart_at = spec.get("restartAt")
    if restart_at and not raw.same_time(restart_at, status.get("restartedAt")):
        return "Progressing", "rollout is restarting"
    updated, available = raw.as_int(status.get("updatedReplicas")), raw.as_int(status.get("availableReplicas"))
    if updated < raw.desired_replicas(spec):
        return "Progressing", "more replicas need to be updated"
    if available < updated:
        return "Progressing", "updated replicas are still becoming available"
    fully_promoted = bool(status.get("stableRS")) and status.get("stableRS") == status.get("currentPodHash")
    blue_green = raw.blue_green(rollout)
    if blue_green is not None:
        active = ((status.get("blueGreen") or {}).get("activeSelector")) or ""
        if not active or active != status.get("currentPodHash"):
            return "Progressing", "active service cutover pending"
        if not fully_promoted:
            post = (status.get("blueGreen") or {}).get("postPromotionAnalysisRunStatus") or {}
            if blue_green.get("postPromotionAnalysis") and post.get("status") not in (
                "Successful",
                "Failed",
                "Error",
                "Inconclusive",
            ):
                return "Progressing", "waiting for analysis to complete"
            return "Progressing", "waiting for post-promotion verification to complete"
    elif (canary := raw.canary(rollout)) is not None:
        if not canary.get("trafficRouting") and raw.as_int(status.get("replicas")) > updated:
            return "Progressing", "old replicas are pending termination"
        if not fully_promoted:
            return "Progressing", "waiting for all steps to complete"
    return "Healthy", ""


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
