"""A canary experiment step: create the step's Experiment (`<rollout>-<hash>-<revision>-<step>`) from the stable and
canary pod templates, wait for it, and read its phase as Argo does: Successful completes the step, Failed or Error
aborts the update with the experiment's message, Inconclusive pauses it (InconclusiveExperiment). Experiments that
are not the current step's are terminated, as are all of them on abort or full promotion.

Pure: no I/O, no clock. Called from `rollouts.plan.canary`.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from rollouts.api import CanaryStatus, CanaryStep, PauseCondition, RolloutExperimentStep, RolloutExperimentTemplate
from rollouts.api.labels import API_VERSION, HASH_LABEL, INSTANCE_ID_LABEL, REVISION_ANNOTATION
from rollouts.plan import collisions, runs
from rollouts.plan.actions import AdditionalDestination, CreateExperiment, EventNote, TerminateExperiment
from rollouts.plan.decision import Decision
from rollouts.plan.experiments.view import ExperimentView
from rollouts.plan.observed import Observed, ReplicaSet

INCONCLUSIVE_PAUSE = "InconclusiveExperiment"


def experiment_name(observed: Observed, new: ReplicaSet, index: int) -> str:
    return f"{observed.name}-{new.hash}-{new.revision}-{index}"


def run_step(
    decision: Decision,
    observed: Observed,
    step: RolloutExperimentStep,
    *,
    new: ReplicaSet,
    stable: ReplicaSet,
    index: int,
) -> bool:
    """Whether the experiment step is complete; creates the Experiment when it does not exist yet."""
    base = experiment_name(observed, new, index)
    current = _recorded(decision, observed, base)
    if current is None:
        try:
            body = manifest(observed, step, new=new, stable=stable, name=base)
        except ValueError as error:  # an argument that cannot be resolved: the step cannot start
            decision.events.append(EventNote("ExperimentError", f"Experiment step cannot start: {error}", "Warning"))
            decision.update(abort=True)
            decision.abort_reason = str(error)
            return False
        owned = {experiment.name: experiment for experiment in observed.experiments}
        name, current = collisions.place(
            lambda name: owned.get(name) or observed.experiment_named(name),
            base,
            owner_uid=observed.uid,
            spec=body["spec"],
            separator="-",
        )
        if current is None:
            decision.actions.append(CreateExperiment({**body, "metadata": {**body["metadata"], "name": name}}))
            _record(decision, name)
            return False
    if current.phase == "Successful":
        _record(decision, None)  # as Argo: a successful experiment is no longer the current one
        return True
    if current.phase in ("Failed", "Error"):
        decision.update(abort=True)
        decision.abort_reason = current.message or f"Experiment '{current.name}' {current.phase.lower()}"
    elif current.phase == "Inconclusive":
        status = decision.status
        if not status.controller_pause and not any(
            c.reason == INCONCLUSIVE_PAUSE for c in status.pause_conditions or ()
        ):
            pause = PauseCondition(reason=INCONCLUSIVE_PAUSE, start_time=decision.now_text)
            decision.update(pause_conditions=[*(status.pause_conditions or []), pause], controller_pause=True)
    _record(decision, current.name)
    return False


def _recorded(decision: Decision, observed: Observed, base: str) -> ExperimentView | None:
    """The step's Experiment the status names (`base`, or `base-N` after a collision), if it still exists."""
    name = decision.status.canary.current_experiment if decision.status.canary else None
    if not name or not of_step(name, base):
        return None
    return next((experiment for experiment in observed.experiments if experiment.name == name), None)


def of_step(name: str, base: str) -> bool:
    """Whether an Experiment's name is the step's: `base` or `base-N` (Argo's collision counter)."""
    return name == base or (name.startswith(f"{base}-") and name.removeprefix(f"{base}-").isdigit())


def current_name(observed: Observed, step_list: Sequence[CanaryStep], index: int, new: ReplicaSet) -> str | None:
    """The Experiment of the current step, when it is an experiment step."""
    if index < len(step_list) and step_list[index].experiment is not None:
        return experiment_name(observed, new, index)
    return None


def later_names(observed: Observed, step_list: Sequence[CanaryStep], index: int, new: ReplicaSet) -> tuple[str, ...]:
    """The Experiments this revision's later experiment steps would create. One exists only when a reconcile went on
    to that step and was cut short before its status write: the step adopts it when it gets there again."""
    later = range(index + 1, len(step_list))
    return tuple(experiment_name(observed, new, at) for at in later if step_list[at].experiment is not None)


def cancel_others(decision: Decision, observed: Observed, keep: str | None, later: Sequence[str] = ()) -> None:
    """Terminate every running Experiment of the Rollout but the current step's (named `keep`, or `keep-N`) and
    those of later steps (`later`)."""
    for experiment in observed.experiments:
        ours = any(of_step(experiment.name, base) for base in (keep, *later) if base is not None)  # or to adopt
        if not ours and not experiment.terminating and not experiment.finished:
            decision.actions.append(TerminateExperiment(experiment.name))
    if keep is None and decision.status.canary is not None and decision.status.canary.current_experiment:
        _record(decision, None)


def weighted_destinations(
    decision: Decision, observed: Observed, step_list: Sequence[CanaryStep], index: int
) -> tuple[AdditionalDestination, ...]:
    """The traffic shares of the current experiment's weighted templates, as Argo gives them: the last experiment
    step at or before ``index`` names the weights, and only while the Experiment the status records is Running
    (its templates' Services and pod hashes come from its status). () otherwise, so the shares go away when the
    step ends, the Experiment finishes, or the update is aborted or fully promoted."""
    if index >= len(step_list):
        return ()
    step = next((s.experiment for s in reversed(step_list[: index + 1]) if s.experiment is not None), None)
    name = decision.status.canary.current_experiment if decision.status.canary else None
    if step is None or not name:
        return ()
    current = next((ex for ex in observed.experiments if ex.name == name), None)
    if current is None or current.phase != "Running" or current.terminating:
        return ()
    weights = {template.name: template.weight for template in step.templates if template.weight is not None}
    return tuple(
        AdditionalDestination(template.service_name, template.pod_template_hash, weights[template.name])
        for template in current.templates
        if template.name in weights and template.service_name
    )


def running(observed: Observed, name: str) -> ExperimentView | None:
    return next((ex for ex in observed.experiments if ex.name == name and not ex.finished), None)


def _record(decision: Decision, name: str | None) -> None:
    canary_status = decision.status.canary or CanaryStatus()
    decision.update(canary=canary_status.model_copy(update={"current_experiment": name}))


def manifest(
    observed: Observed, step: RolloutExperimentStep, *, new: ReplicaSet, stable: ReplicaSet, name: str
) -> dict[str, Any]:
    """The step's Experiment, as Argo builds it. ValueError when an analysis argument cannot be resolved."""
    metadata = observed.raw["metadata"]
    labels = {**(metadata.get("labels") or {}), HASH_LABEL: new.hash}
    spec: dict[str, Any] = {"templates": [_template(observed, t, new=new, stable=stable) for t in step.templates]}
    if step.duration:
        spec["duration"] = step.duration
    if observed.rollout.spec.progress_deadline_seconds is not None:
        spec["progressDeadlineSeconds"] = observed.rollout.spec.progress_deadline_seconds
    if step.scale_down_delay_seconds is not None:
        spec["scaleDownDelaySeconds"] = step.scale_down_delay_seconds
    if step.dry_run:
        spec["dryRun"] = [rule.to_dict() for rule in step.dry_run]
    if step.analysis_run_metadata:
        spec["analysisRunMetadata"] = step.analysis_run_metadata.to_dict()
    if step.analyses:
        spec["analyses"] = [
            {
                **analysis.to_dict(),
                "args": [
                    runs.resolve_argument(arg, observed, new_hash=new.hash, stable_hash=stable.hash).to_dict()
                    for arg in analysis.args or []
                ],
            }
            for analysis in step.analyses
        ]
    if (metadata.get("labels") or {}).get(INSTANCE_ID_LABEL):
        labels[INSTANCE_ID_LABEL] = metadata["labels"][INSTANCE_ID_LABEL]
    owner = {
        "apiVersion": API_VERSION,
        "kind": "Rollout",
        "name": observed.name,
        "uid": observed.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }
    return {
        "apiVersion": API_VERSION,
        "kind": "Experiment",
        "metadata": {
            "name": name,
            "namespace": observed.namespace,
            "labels": labels,
            "annotations": {REVISION_ANNOTATION: str(new.revision)},
            "ownerReferences": [owner],
        },
        "spec": spec,
    }


def _template(
    observed: Observed, step_template: RolloutExperimentTemplate, *, new: ReplicaSet, stable: ReplicaSet
) -> dict[str, Any]:
    source = new if step_template.spec_ref == "canary" else stable
    pod = copy.deepcopy(dict(source.template))
    if step_template.selector is not None:
        selector = copy.deepcopy(dict(step_template.selector))
    else:
        selector = copy.deepcopy(dict(observed.rollout.spec.selector or {}))
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: source.hash}
    extra = step_template.metadata
    if extra is not None and extra.labels:
        pod.setdefault("metadata", {})["labels"] = {**(pod.get("metadata", {}).get("labels") or {}), **extra.labels}
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), **extra.labels}
    if extra is not None and extra.annotations:
        pod.setdefault("metadata", {})["annotations"] = {
            **(pod.get("metadata", {}).get("annotations") or {}),
            **extra.annotations,
        }
    template: dict[str, Any] = {"name": step_template.name, "selector": selector, "template": pod}
    if step_template.replicas is not None:
        template["replicas"] = step_template.replicas
    if observed.rollout.spec.min_ready_seconds:
        template["minReadySeconds"] = observed.rollout.spec.min_ready_seconds
    if step_template.weight is not None or step_template.service is not None:
        template["service"] = (
            {"name": step_template.service.name} if step_template.service and step_template.service.name else {}
        )
    return template
