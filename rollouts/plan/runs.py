"""AnalysisRuns from a Rollout's point of view: which run serves a slot, how to create it, what its phase means.

Slots: a canary step's analysis (`Step`, per step index), canary background analysis (`Background`), blue-green
pre- and post-promotion analysis (`PrePromotion`, `PostPromotion`). The Rollout's status names the current run
of each slot; a run that is missing (or was aborted) is created again. Runs are named
`<rollout>-<pod hash>-<revision>[-<step index>|-pre|-post]` and labelled as Argo labels them.

Pure: no I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from rollouts.api import AnalysisPhase, Argument, PauseCondition, RolloutAnalysis, RolloutAnalysisRunStatus
from rollouts.api.labels import API_VERSION, HASH_LABEL, INSTANCE_ID_LABEL, REVISION_ANNOTATION, STEP_INDEX_LABEL
from rollouts.api.labels import RUN_TYPE_LABEL as TYPE_LABEL
from rollouts.plan import collisions, workload
from rollouts.plan.actions import Action, CreateAnalysisRun, DeleteAnalysisRun, EventNote, TerminateAnalysisRun
from rollouts.plan.decision import Decision
from rollouts.plan.observed import AnalysisRunView, Observed, ReplicaSet
from rollouts.plan.runspec import templates as run_templates
from rollouts.plan.runspec.args import resolve_field_path

Kind = Literal["Step", "Background", "PrePromotion", "PostPromotion"]
Verdict = Literal["wait", "pass", "fail", "inconclusive"]

INCONCLUSIVE_PAUSE = "InconclusiveAnalysisRun"
_INFIX = {"PrePromotion": "pre", "PostPromotion": "post", "Background": None}
_UNFINISHED = ("", *(phase.value for phase in AnalysisPhase if not phase.completed))
_ABORT_TEXT = {
    "Step": "Step-based analysis",
    "Background": "Background analysis",
    "PrePromotion": "Blue/green pre-promotion analysis",
    "PostPromotion": "Blue/green post-promotion analysis",
}


@dataclass(frozen=True)
class Slot:
    kind: Kind
    analysis: RolloutAnalysis
    step_index: int | None = None


def current(observed: Observed, reference: RolloutAnalysisRunStatus | None) -> AnalysisRunView | None:
    """The run the status names for a slot, if it still exists."""
    if reference is None or not reference.name:
        return None
    return next((run for run in observed.analysis_runs if run.name == reference.name), None)


def verdict(run: AnalysisRunView | None) -> Verdict:
    phase = run.phase if run is not None else ""
    if phase == "Successful":
        return "pass"
    if phase in ("Failed", "Error"):
        return "fail"
    if phase == "Inconclusive":
        return "inconclusive"
    return "wait"


def reference(run: AnalysisRunView) -> RolloutAnalysisRunStatus:
    return RolloutAnalysisRunStatus(name=run.name, status=run.phase or None, message=run.message or None)


def ensure(
    decision: Decision,
    observed: Observed,
    slot: Slot,
    *,
    new: ReplicaSet,
    stable_hash: str | None,
    existing: AnalysisRunView | None,
) -> AnalysisRunView | None:
    """The slot's run, or a CreateAnalysisRun action for it (None until it exists). Bad templates or args
    become an abort-worthy failure recorded on the decision (no traceback, nothing created)."""
    if existing is not None:
        return existing
    try:
        spec = run_spec(observed, slot, new=new, stable_hash=stable_hash)
    except ValueError as error:  # TemplateError, ArgumentError: the spec cannot be built
        decision.events.append(
            EventNote("AnalysisRunError", f"{_ABORT_TEXT[slot.kind]} cannot start: {error}", "Warning")
        )
        decision.update(abort=True)
        return None
    owned = {run.name: run for run in observed.analysis_runs}
    name, adopted = collisions.place(
        lambda name: owned.get(name) or observed.run_named(name),
        _base_name(observed, slot, new),
        owner_uid=observed.uid,
        spec=spec,
        separator=".",
    )
    if adopted is not None:
        return adopted
    decision.actions.append(CreateAnalysisRun(run_manifest(observed, slot, new=new, name=name, spec=spec)))
    return AnalysisRunView(
        name=name,
        kind=slot.kind,
        step_index=slot.step_index,
        pod_hash=new.hash,
        phase="",
        message="",
        terminating=False,
    )


def judge(decision: Decision, kind: Kind, run: AnalysisRunView) -> bool:
    """Act on a run's verdict: Failed or Error aborts (with the run's message), Inconclusive pauses the rollout
    until a person decides; True when it passed."""
    found = verdict(run)
    if found == "fail":
        decision.update(abort=True)
        decision.abort_reason = failure_message(kind, run)
    elif found == "inconclusive" and not decision.status.controller_pause:
        pauses = decision.status.pause_conditions or []
        if not any(pause.reason == INCONCLUSIVE_PAUSE for pause in pauses):
            pause = PauseCondition(reason=INCONCLUSIVE_PAUSE, start_time=decision.now_text)
            decision.update(pause_conditions=[*pauses, pause], controller_pause=True)
    return found == "pass"


def terminate(decision: Decision, run: AnalysisRunView | None) -> None:
    """Stop a run we no longer need (its verdict no longer matters)."""
    if run is not None and not run.terminating and run.phase in _UNFINISHED:
        decision.actions.append(TerminateAnalysisRun(run.name))


def failure_message(slot_kind: Kind, run: AnalysisRunView) -> str:
    detail = f": {run.message}" if run.message else ""
    return f"{_ABORT_TEXT[slot_kind]} phase {run.phase.lower() if run.phase else 'error'}{detail}"


def run_spec(observed: Observed, slot: Slot, *, new: ReplicaSet, stable_hash: str | None) -> dict[str, Any]:
    """A slot's run spec: merged template metrics with the Rollout's args resolved (ValueError when it cannot be)."""
    args = [
        resolve_argument(arg, observed, new_hash=new.hash, stable_hash=stable_hash) for arg in slot.analysis.args or []
    ]
    return run_templates.build_run_spec(
        slot.analysis.templates or [],
        lambda name, cluster: observed.templates.get((cluster, name)),
        args=args,
        dry_run=slot.analysis.dry_run or [],
        measurement_retention=slot.analysis.measurement_retention or [],
    ).to_dict()


def run_manifest(observed: Observed, slot: Slot, *, new: ReplicaSet, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The AnalysisRun for a slot, labelled, annotated and owned as Argo does it."""
    metadata = slot.analysis.analysis_run_metadata
    labels = {
        **(observed.rollout.spec.selector or {}).get("matchLabels", {}),
        **((metadata.labels or {}) if metadata else {}),
        HASH_LABEL: new.hash,
        TYPE_LABEL: slot.kind,
    }
    if slot.kind == "Step":
        labels[STEP_INDEX_LABEL] = str(slot.step_index)
    if instance := (observed.raw["metadata"].get("labels") or {}).get(INSTANCE_ID_LABEL):
        labels[INSTANCE_ID_LABEL] = instance
    annotations = {**((metadata.annotations or {}) if metadata else {}), REVISION_ANNOTATION: str(new.revision)}
    return {
        "apiVersion": API_VERSION,
        "kind": "AnalysisRun",
        "metadata": {
            "name": name,
            "namespace": observed.namespace,
            "labels": labels,
            "annotations": annotations,
            "ownerReferences": [
                {
                    "apiVersion": API_VERSION,
                    "kind": "Rollout",
                    "name": observed.name,
                    "uid": observed.uid,
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": spec,
    }


def resolve_argument(arg: Argument, observed: Observed, *, new_hash: str, stable_hash: str | None) -> Argument:
    """Rollout-side argument values: fieldRef from the Rollout, podTemplateHashValue Stable or Latest."""
    source = arg.value_from
    if source is None:
        return arg
    if source.field_ref is not None and source.field_ref.field_path:
        rollout = workload.resolved_raw(observed)  # a workloadRef Rollout's fields include its Deployment's template
        return Argument(name=arg.name, value=resolve_field_path(rollout, source.field_ref.field_path))
    if source.pod_template_hash_value is not None:
        chosen = {"Stable": stable_hash, "Latest": new_hash}.get(source.pod_template_hash_value)
        if chosen is None:
            where = f"args.{arg.name}.valueFrom.podTemplateHashValue"
            raise ValueError(f"{where}: expected Stable or Latest, got {source.pod_template_hash_value!r}")
        return Argument(name=arg.name, value=chosen)
    return arg  # secretKeyRef: resolved by the AnalysisRun controller at measurement time


def _base_name(observed: Observed, slot: Slot, new: ReplicaSet) -> str:
    base = f"{observed.name}-{new.hash}-{new.revision}"
    infix = str(slot.step_index) if slot.kind == "Step" else _INFIX[slot.kind]
    return f"{base}-{infix}" if infix else base


def history_actions(observed: Observed, keep_names: set[str]) -> list[Action]:
    """Delete finished runs beyond the history limits (newest kept), never the current ones."""
    spec = observed.rollout.spec
    live_hashes = {rs.hash for rs in observed.replica_sets if not rs.deleting}
    done = sorted(
        (run for run in observed.analysis_runs if run.name not in keep_names and run.phase not in _UNFINISHED),
        key=lambda run: run.created,
        reverse=True,
    )
    actions: list[Action] = []
    # Runs of ReplicaSets that are gone go first, and do not count against the limits.
    actions += [DeleteAnalysisRun(run.name) for run in done if run.pod_hash not in live_hashes]
    kept = [run for run in done if run.pod_hash in live_hashes]
    successful = [run for run in kept if run.phase == "Successful"]
    unsuccessful = [run for run in kept if run.phase != "Successful"]
    for runs, limit in (
        (successful, spec.effective_successful_run_history_limit),
        (unsuccessful, spec.effective_unsuccessful_run_history_limit),
    ):
        actions += [DeleteAnalysisRun(run.name) for run in runs[limit:]]
    return actions
