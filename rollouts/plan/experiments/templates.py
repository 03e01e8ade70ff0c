"""One experiment template: its ReplicaSet (created, scaled, scaled down after the delay), its Service, and its
status (Progressing → Running → Successful, or Failed past the progress deadline), as Argo keeps them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from rollouts.api import Experiment, ExperimentTemplate
from rollouts.api.gotext import format_time, parse_time_or_none
from rollouts.api.labels import HASH_LABEL, SCALE_DOWN_DEADLINE_ANNOTATION
from rollouts.plan.actions import EventNote
from rollouts.plan.experiments import manifests
from rollouts.plan.experiments.actions import (
    CreateObject,
    DeleteService,
    ExperimentObserved,
    ExperimentPlan,
    Raw,
    ScaleTemplate,
)

COMPLETED = frozenset({"Successful", "Failed", "Error"})
_COUNTS = (
    ("replicas", "replicas"),
    ("updatedReplicas", "replicas"),
    ("readyReplicas", "readyReplicas"),
    ("availableReplicas", "availableReplicas"),
)


@dataclass(frozen=True)
class Moment:
    """What the whole experiment says about every template in this reconcile."""

    terminating: bool
    passed_duration: bool
    finished: bool


def desired_replicas(template: ExperimentTemplate, previous: Raw, moment: Moment) -> int:
    if moment.finished or moment.terminating or previous.get("status") in COMPLETED:
        return 0
    return template.effective_replicas


def reconcile(
    plan: ExperimentPlan, observed: ExperimentObserved, model: Experiment, template: ExperimentTemplate, moment: Moment
) -> dict[str, Any]:
    """The template's new status; actions and events go on `plan`."""
    previous = next(
        (
            ts
            for ts in (observed.experiment.get("status") or {}).get("templateStatuses") or []
            if ts.get("name") == template.name
        ),
        {"name": template.name},
    )
    status = dict(previous)
    now_text = format_time(observed.now)
    desired = desired_replicas(template, previous, moment)
    rs = observed.replica_sets.get(template.name)
    if rs is None:
        if not moment.finished:
            body = manifests.replica_set(
                observed.experiment,
                model,
                template,
                replicas=desired,
                collision_count=_int_or_none(previous.get("collisionCount")),
            )
            plan.actions.append(CreateObject("ReplicaSet", body))
            if desired > 0:
                plan.events.append(
                    EventNote("ScalingReplicaSet", f"Created ReplicaSet {body['metadata']['name']} with size {desired}")
                )
            status["lastTransitionTime"] = now_text
    else:
        _service(plan, observed, template, rs, status, desired)
        if _scale(plan, observed, model, rs, desired):
            status["lastTransitionTime"] = now_text
        if any(action in plan.actions for action in _deletes(observed, rs)):
            status.pop("serviceName", None)
            status.pop("podTemplateHash", None)
    _counts(status, rs, now_text)
    _assess(plan, status, model, template, desired, moment, observed)
    if status.get("status") != previous.get("status"):
        message = f"Template '{template.name}' transitioned from {previous.get('status') or ''} -> {status['status']}"
        if status.get("message"):
            message += f": {status['message']}"
        kind = "Warning" if status["status"] in ("Failed", "Error") else "Normal"
        plan.events.append(EventNote(f"Template{status['status']}", message, kind))
    return status


def _service(
    plan: ExperimentPlan,
    observed: ExperimentObserved,
    template: ExperimentTemplate,
    rs: Raw,
    status: dict[str, Any],
    desired: int,
) -> None:
    if template.service is None or desired == 0:
        return
    body = manifests.service(observed.experiment, template, rs)
    if body is None:
        return
    name = body["metadata"]["name"]
    if name not in observed.services:
        plan.actions.append(CreateObject("Service", body))
    status["serviceName"] = name
    status["podTemplateHash"] = (rs["metadata"].get("labels") or {}).get(HASH_LABEL)


def _scale(plan: ExperimentPlan, observed: ExperimentObserved, model: Experiment, rs: Raw, desired: int) -> bool:
    """Scale the ReplicaSet to `desired`; scaling to 0 waits scaleDownDelaySeconds (the deadline is annotated).
    True when the ReplicaSet's size changes."""
    current = int((rs.get("spec") or {}).get("replicas") or 0)
    annotations = rs["metadata"].get("annotations") or {}
    target, changes = desired, dict[str, str | None]()
    delay = model.spec.effective_scale_down_delay_seconds
    if desired == 0 and current > 0 and delay > 0:
        deadline = parse_time_or_none(annotations.get(SCALE_DOWN_DEADLINE_ANNOTATION))
        if deadline is None:
            deadline = observed.now + timedelta(seconds=delay)
            changes[SCALE_DOWN_DEADLINE_ANNOTATION] = format_time(deadline)
        if deadline > observed.now:
            target = current
            plan.wake_in((deadline - observed.now).total_seconds())
    elif desired > 0 and SCALE_DOWN_DEADLINE_ANNOTATION in annotations:
        changes[SCALE_DOWN_DEADLINE_ANNOTATION] = None
    if target != current or changes:
        plan.actions.append(ScaleTemplate(rs["metadata"]["name"], target, changes))
    if target != current:
        direction = "up" if target > current else "down"
        plan.events.append(
            EventNote(
                "ScalingReplicaSet",
                f"Scaled {direction} ReplicaSet {rs['metadata']['name']} from {current} to {target}",
            )
        )
    available = int((rs.get("status") or {}).get("availableReplicas") or 0)
    if target == 0 and available == 0:
        plan.actions.extend(_deletes(observed, rs))
    return target != current


def _deletes(observed: ExperimentObserved, rs: Raw) -> list[DeleteService]:
    """Deleting the Services that select the ReplicaSet's pods."""
    pod_hash = (rs["metadata"].get("labels") or {}).get(HASH_LABEL)
    return [
        DeleteService(name)
        for name, service in observed.services.items()
        if (service["metadata"].get("labels") or {}).get(HASH_LABEL) == pod_hash
    ]


def _counts(status: dict[str, Any], rs: Raw | None, now_text: str) -> None:
    observed_status = (rs or {}).get("status") or {}
    before = tuple(status.get(key) or 0 for key, _ in _COUNTS)
    for key, source in _COUNTS:
        status[key] = int(observed_status.get(source) or 0)
    if before != tuple(status[key] for key, _ in _COUNTS):
        status["lastTransitionTime"] = now_text


def _assess(
    plan: ExperimentPlan,
    status: dict[str, Any],
    model: Experiment,
    template: ExperimentTemplate,
    desired: int,
    moment: Moment,
    observed: ExperimentObserved,
) -> None:
    if status.get("status") in COMPLETED:
        return  # a completed template never changes its status again
    if desired == status["availableReplicas"]:
        status["status"] = "Successful" if moment.passed_duration or moment.terminating else "Running"
        return
    deadline_seconds = model.spec.effective_progress_deadline_seconds
    since = parse_time_or_none(status.get("lastTransitionTime")) or observed.now
    deadline = since + timedelta(seconds=deadline_seconds)
    if observed.now > deadline:
        status["status"] = "Failed"
        status["message"] = f"Template '{template.name}' exceeded its progressDeadlineSeconds ({deadline_seconds})"
    elif moment.terminating:
        status["status"] = "Successful"
    else:
        status["status"] = "Progressing"
        plan.wake_in((deadline - observed.now).total_seconds() + 1)  # look again once the deadline passed


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None
