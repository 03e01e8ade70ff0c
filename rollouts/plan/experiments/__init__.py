"""The Experiment controller's decisions: ReplicaSets and Services per template, AnalysisRuns per analysis, phase.

Pure: `decide(observed, now)` → actions, the desired status, events and when to look again. Modules: `manifests`
(the objects an Experiment creates), `templates` (one template's ReplicaSet and status), `analyses` (one analysis'
run and status), `decide` (the experiment's phase, as Argo assesses it).
"""

from rollouts.plan.experiments import manifests
from rollouts.plan.experiments.actions import (
    CreateObject,
    DeleteService,
    ExperimentAction,
    ExperimentObserved,
    ExperimentPlan,
    ScaleTemplate,
    TerminateRun,
)
from rollouts.plan.experiments.decide import decide

__all__ = [
    "CreateObject",
    "DeleteService",
    "ExperimentAction",
    "ExperimentObserved",
    "ExperimentPlan",
    "ScaleTemplate",
    "TerminateRun",
    "decide",
    "manifests",
]
