"""One experiment analysis: its template checked before the ReplicaSets are available, its AnalysisRun created
once they are (or adopted: one the experiment created before a restart, still unfinished and of the same spec;
a finished or different run at the name makes it `<name>.1`, as Argo's collision counter), followed to completion,
and terminated when the experiment ends early."""

from __future__ import annotations

from typing import Any

from rollouts.api import AnalysisTemplateRef, Experiment, ExperimentAnalysis
from rollouts.api.labels import HASH_LABEL
from rollouts.plan import collisions
from rollouts.plan.actions import EventNote
from rollouts.plan.experiments import manifests
from rollouts.plan.experiments.actions import CreateObject, ExperimentObserved, ExperimentPlan, Raw, TerminateRun
from rollouts.plan.runspec.templates import collect

COMPLETED = frozenset({"Successful", "Failed", "Error", "Inconclusive"})


def reconcile(
    plan: ExperimentPlan,
    observed: ExperimentObserved,
    model: Experiment,
    analysis: ExperimentAnalysis,
    *,
    terminating: bool,
) -> dict[str, Any]:
    """The analysis' new status entry; actions and events go on `plan`."""
    status = observed.experiment.get("status") or {}
    previous = next(
        (run for run in status.get("analysisRuns") or [] if run.get("name") == analysis.name), {"name": analysis.name}
    )
    entry = dict(previous)
    if not status.get("availableAt"):
        _verify(entry, observed, analysis)
    elif not previous.get("analysisRun"):
        if not terminating:
            _create(plan, entry, observed, model, analysis)
    elif previous.get("phase") not in COMPLETED:
        _follow(plan, entry, observed, analysis, terminating=terminating)
    if entry.get("phase") and entry.get("phase") != previous.get("phase"):
        message = f"AnalysisRun '{analysis.name}' transitioned from {previous.get('phase') or ''} -> {entry['phase']}"
        if entry.get("message"):
            message += f": {entry['message']}"
        kind = "Warning" if entry["phase"] in ("Failed", "Error", "Inconclusive") else "Normal"
        plan.events.append(EventNote(f"AnalysisRun{entry['phase']}", message, kind))
    return entry


def _verify(entry: dict[str, Any], observed: ExperimentObserved, analysis: ExperimentAnalysis) -> None:
    cluster = bool(analysis.cluster_scope)
    try:
        collect([AnalysisTemplateRef(template_name=analysis.template_name, cluster_scope=cluster)], observed.lookup)
    except ValueError:
        kind = "ClusterAnalysisTemplate" if cluster else "AnalysisTemplate"
        entry["phase"] = "Error"
        entry["message"] = (
            f"{kind} verification failed for analysis '{analysis.name}': {kind.lower()}.argoproj.io \"{analysis.template_name}\" not found"
        )


def _create(
    plan: ExperimentPlan,
    entry: dict[str, Any],
    observed: ExperimentObserved,
    model: Experiment,
    analysis: ExperimentAnalysis,
) -> None:
    try:
        body = manifests.analysis_run(
            observed.experiment, model, analysis, observed.lookup, placeholder_values(observed)
        )
    except ValueError as error:
        entry["phase"] = "Error"
        entry["message"] = f"Failed to create AnalysisRun for analysis '{analysis.name}': {error}"
        return
    name, adopted = collisions.place(
        lambda name: _seen(observed.runs.get(name) or observed.run_named(name)),
        body["metadata"]["name"],
        owner_uid=str(observed.experiment["metadata"].get("uid", "")),
        spec=body["spec"],
        separator=".",
    )
    if adopted is None:
        plan.actions.append(CreateObject("AnalysisRun", {**body, "metadata": {**body["metadata"], "name": name}}))
    entry["phase"] = "Pending"
    entry["analysisRun"] = name


def _seen(run: Raw | None) -> collisions.Seen | None:
    if run is None:
        return None
    return collisions.Seen.from_raw(run, finished=(run.get("status") or {}).get("phase") in COMPLETED)


def _follow(
    plan: ExperimentPlan,
    entry: dict[str, Any],
    observed: ExperimentObserved,
    analysis: ExperimentAnalysis,
    *,
    terminating: bool,
) -> None:
    run = observed.runs.get(str(entry["analysisRun"]))
    if run is None and entry.get("phase") == "Pending" and not entry.get("message"):
        return  # created a moment ago and not in the cache yet: its watch event brings it (and a reconcile)
    if run is None:
        entry["phase"] = "Error"
        entry["message"] = f'analysisrun.argoproj.io "{entry["analysisRun"]}" not found'
        return
    run_status = run.get("status") or {}
    if terminating:
        if run_status.get("phase") not in COMPLETED and not (run.get("spec") or {}).get("terminate"):
            plan.events.append(
                EventNote("AnalysisRunTerminating", f"Terminating {analysis.name} ({entry['analysisRun']})")
            )
            plan.actions.append(TerminateRun(str(entry["analysisRun"])))
        return
    entry["phase"] = run_status.get("phase") or "Pending"
    if run_status.get("message"):
        entry["message"] = run_status["message"]
    else:
        entry.pop("message", None)


def placeholder_values(observed: ExperimentObserved) -> dict[str, str]:
    """Values of `{{templates.<name>.podTemplateHash}}`, `{{templates.<name>.replicaset.name}}` and
    `{{experiment.availableAt}}` / `{{experiment.finishedAt}}` in analysis args."""
    values: dict[str, str] = {}
    for name, rs in observed.replica_sets.items():
        labels = rs["metadata"].get("labels") or {}
        values[f"templates.{name}.podTemplateHash"] = str(labels.get(HASH_LABEL, ""))
        values[f"templates.{name}.replicaset.name"] = str(rs["metadata"]["name"])
    status = observed.experiment.get("status") or {}
    for key in ("availableAt", "finishedAt"):
        if status.get(key):
            values[f"experiment.{key}"] = str(status[key])
    return values
