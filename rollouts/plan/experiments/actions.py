"""What an Experiment reconcile asks the executor to do, and what it observed. Pure data."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rollouts.api import AnalysisTemplate, ClusterAnalysisTemplate
from rollouts.plan.actions import EventNote

Raw = Mapping[str, Any]
TemplateLookup = Callable[[str, bool], AnalysisTemplate | ClusterAnalysisTemplate | None]


@dataclass(frozen=True)
class CreateObject:
    """Create a ReplicaSet, Service or AnalysisRun (an existing one with the same name is ours: idempotent)."""

    kind: str
    body: Mapping[str, Any]


@dataclass(frozen=True)
class ScaleTemplate:
    """Set a template ReplicaSet's replicas and annotations (None removes one) with one patch."""

    name: str
    replicas: int
    annotations: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class DeleteService:
    name: str


@dataclass(frozen=True)
class TerminateRun:
    name: str


ExperimentAction = CreateObject | ScaleTemplate | DeleteService | TerminateRun


@dataclass(frozen=True)
class ExperimentObserved:
    """An Experiment and what it owns, from the informer caches."""

    experiment: Raw
    replica_sets: Mapping[str, Raw]
    """Template name → its ReplicaSet."""
    services: Mapping[str, Raw]
    """Service name → Service owned by the experiment."""
    runs: Mapping[str, Raw]
    """AnalysisRun name → AnalysisRun owned by the experiment."""
    lookup: TemplateLookup
    now: datetime
    run_named: Callable[[str], Raw | None] = field(default=lambda name: None)
    """Any AnalysisRun in the namespace by name, ours or not: a name taken by another owner's run is skipped."""


@dataclass
class ExperimentPlan:
    status: dict[str, Any]
    actions: list[ExperimentAction] = field(default_factory=list)
    events: list[EventNote] = field(default_factory=list)
    requeue_after: float | None = None

    def wake_in(self, seconds: float) -> None:
        seconds = max(seconds, 0.0)
        self.requeue_after = seconds if self.requeue_after is None else min(self.requeue_after, seconds)
