"""An Experiment's reconcile: every template and analysis, then the experiment's phase from the worst of them.

Argo's rules: the experiment is Pending until every template's ReplicaSet is available (then `availableAt` is set
and it is Running); it ends when the duration passed (templates Successful, the analyses decide), when every
analysis with requiredForCompletion succeeded, when an analysis ends Failed, Error or Inconclusive, when a template
fails its progress deadline, or when `spec.terminate` is set. Then its ReplicaSets are scaled to 0 after
scaleDownDelaySeconds, their Services deleted and its running AnalysisRuns terminated.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from rollouts.api import Experiment
from rollouts.api.gotext import format_time, parse_duration, parse_time_or_none
from rollouts.plan.experiments import analyses, templates
from rollouts.plan.experiments import conditions as experiment_conditions
from rollouts.plan.experiments.actions import ExperimentObserved, ExperimentPlan

PHASE_COMPLETED = frozenset({"Successful", "Failed", "Error", "Inconclusive"})
REQUIRED_COMPLETED = "Required AnalysisRuns completed"
_TEMPLATE_ORDER = ("Successful", "Running", "Progressing", "Error", "Failed")
_RUN_ORDER = ("Successful", "Running", "Pending", "Inconclusive", "Error", "Failed")
_TEMPLATE_PHASE = {
    "Progressing": "Pending",
    "Running": "Running",
    "Successful": "Successful",
    "Failed": "Failed",
    "Error": "Error",
}


def decide(observed: ExperimentObserved, model: Experiment) -> ExperimentPlan:
    previous: dict[str, Any] = dict(observed.experiment.get("status") or {})
    plan = ExperimentPlan(status=previous)
    passed, remaining = passed_duration(model, previous, observed)
    moment = templates.Moment(
        terminating=is_terminating(model, previous),
        passed_duration=passed,
        finished=previous.get("phase") in PHASE_COMPLETED,
    )
    if remaining is not None and not moment.terminating:
        plan.wake_in(remaining + 0.1)
    status = dict(previous)
    status["templateStatuses"] = [
        templates.reconcile(plan, observed, model, template, moment) for template in model.spec.templates
    ]
    runs = [
        analyses.reconcile(plan, observed, model, analysis, terminating=moment.terminating)
        for analysis in model.spec.analyses or []
    ]
    if runs:
        status["analysisRuns"] = runs
    plan.status = _phase(status, model, observed)
    running = bool(plan.status.get("availableAt")) and not passed_duration(model, plan.status, observed)[0]
    experiment_conditions.progressing(
        plan.status, previous, model.metadata.name or "", running=running, now=observed.now
    )
    return plan


def is_terminating(model: Experiment, status: dict[str, Any]) -> bool:
    if model.spec.terminate or status.get("phase") in PHASE_COMPLETED:
        return True
    if any(ts.get("status") in ("Failed", "Error") for ts in status.get("templateStatuses") or []):
        return True
    if any(run.get("phase") in ("Failed", "Error", "Inconclusive") for run in status.get("analysisRuns") or []):
        return True
    return required_successful(model, status)


def required_successful(model: Experiment, status: dict[str, Any]) -> bool:
    required = [analysis.name for analysis in model.spec.analyses or [] if analysis.required_for_completion]
    phases = {run.get("name"): run.get("phase") for run in status.get("analysisRuns") or []}
    return bool(required) and all(phases.get(name) == "Successful" for name in required)


def passed_duration(
    model: Experiment, status: dict[str, Any], observed: ExperimentObserved
) -> tuple[bool, float | None]:
    """Whether the duration passed since availableAt, and else the seconds left (None: no duration or not yet
    available)."""
    available = parse_time_or_none(status.get("availableAt"))
    if not model.spec.duration or available is None:
        return False, None
    ends = available + timedelta(seconds=parse_duration(model.spec.duration))
    if observed.now > ends:
        return True, None
    return False, (ends - observed.now).total_seconds()


def _worst(values: list[str], order: tuple[str, ...]) -> str:
    return max(values, key=lambda value: order.index(value) if value in order else 0, default=order[0])


def _phase(status: dict[str, Any], model: Experiment, observed: ExperimentObserved) -> dict[str, Any]:
    phase = status.get("phase") or ""
    if phase == "":
        status["phase"] = "Pending"
        return status
    if phase in PHASE_COMPLETED:
        return status
    template_phase, template_message = _assess_templates(status, model)
    runs_phase, runs_message = _assess_runs(status, model)
    if template_phase == "Running" and not status.get("availableAt"):
        status["availableAt"] = format_time(observed.now)
    if template_phase in ("Successful", "Failed", "Error"):
        defer = runs_phase in PHASE_COMPLETED or any(a.required_for_completion for a in model.spec.analyses or [])
        chosen = (
            (runs_phase, runs_message)
            if template_phase == "Successful" and defer
            else (template_phase, template_message)
        )
    elif runs_phase in PHASE_COMPLETED and runs_phase != "Successful" or required_successful(model, status):
        chosen = (runs_phase, runs_message)
    else:
        chosen = (template_phase, template_message)
    status["phase"], message = chosen
    if message:
        status["message"] = message
    else:
        status.pop("message", None)
    return status


def _assess_templates(status: dict[str, Any], model: Experiment) -> tuple[str, str]:
    by_name = {ts.get("name"): ts for ts in status.get("templateStatuses") or []}
    entries = [by_name.get(template.name) or {"status": "Progressing"} for template in model.spec.templates]
    worst = _worst([str(entry.get("status") or "Progressing") for entry in entries], _TEMPLATE_ORDER)
    message = next((str(entry.get("message") or "") for entry in entries if entry.get("status") == worst), "")
    return _TEMPLATE_PHASE[worst], message


def _assess_runs(status: dict[str, Any], model: Experiment) -> tuple[str, str]:
    by_name = {run.get("name"): run for run in status.get("analysisRuns") or []}
    entries = [by_name.get(analysis.name) or {} for analysis in model.spec.analyses or []]
    worst = _worst([str(entry.get("phase") or "Pending") for entry in entries], _RUN_ORDER)
    message = next(
        (str(entry.get("message") or "") for entry in entries if (entry.get("phase") or "Pending") == worst), ""
    )
    if required_successful(model, status) and _RUN_ORDER.index(worst) <= _RUN_ORDER.index("Pending"):
        return "Successful", REQUIRED_COMPLETED
    return ("Running" if worst == "Pending" else worst), message
