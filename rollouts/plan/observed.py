"""What the controller saw: a frozen snapshot of a Rollout and the objects around it. Pure data.

Vocabulary used everywhere (code, status, CLI):
- the *new* ReplicaSet runs the current pod template (its hash is `status.currentPodHash`);
- the *stable* ReplicaSet is the last fully promoted one (`status.stableRS`);
- *old* ReplicaSets are every other one the Rollout owns;
- blue-green's *active* Service serves production, its *preview* Service the newest ReplicaSet;
- canary's *stable*/*canary* Services select the stable and new ReplicaSets.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from rollouts.api import AnalysisPhase, Rollout
from rollouts.api.gotext import parse_time_or_none as parse_time
from rollouts.api.labels import (
    DESIRED_REPLICAS_ANNOTATION,
    HASH_LABEL,
    REVISION_ANNOTATION,
    RUN_TYPE_LABEL,
    SCALE_DOWN_DEADLINE_ANNOTATION,
    STEP_INDEX_LABEL,
)
from rollouts.plan.collisions import spec_text
from rollouts.plan.experiments.view import ExperimentView
from rollouts.plan.workload import Workload


@dataclass(frozen=True)
class ReplicaSet:
    """A read-only projection of a ReplicaSet owned by the Rollout."""

    name: str
    uid: str
    hash: str
    revision: int
    replicas: int
    """spec.replicas: what we asked for."""
    current: int
    """status.replicas: pods that exist."""
    ready: int
    available: int
    template: Mapping[str, Any]
    annotations: Mapping[str, str]
    created: str
    deleting: bool
    fully_observed: bool
    """The ReplicaSet controller has seen the latest spec (its counts are current)."""

    @property
    def scale_down_deadline(self) -> datetime | None:
        return parse_time(self.annotations.get(SCALE_DOWN_DEADLINE_ANNOTATION))

    @property
    def desired_replicas(self) -> int | None:
        try:
            return int(self.annotations[DESIRED_REPLICAS_ANNOTATION])
        except (KeyError, ValueError):
            return None

    @property
    def saturated_at(self) -> int:
        """Pods that are both requested and available (what "fully available at N" means)."""
        return min(self.replicas, self.available)

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> ReplicaSet:
        metadata = raw.get("metadata") or {}
        spec = raw.get("spec") or {}
        status = raw.get("status") or {}
        annotations = metadata.get("annotations") or {}
        try:
            revision = int(annotations.get(REVISION_ANNOTATION, "0"))
        except ValueError:
            revision = 0
        return cls(
            name=metadata.get("name", ""),
            uid=metadata.get("uid", ""),
            hash=(metadata.get("labels") or {}).get(HASH_LABEL, ""),
            revision=revision,
            replicas=int(1 if spec.get("replicas") is None else spec["replicas"]),
            current=int(status.get("replicas") or 0),
            ready=int(status.get("readyReplicas") or 0),
            available=int(status.get("availableReplicas") or 0),
            template=spec.get("template") or {},
            annotations=annotations,
            created=metadata.get("creationTimestamp", ""),
            deleting=bool(metadata.get("deletionTimestamp")),
            fully_observed=int(status.get("observedGeneration") or 0) >= int(metadata.get("generation") or 0),
        )


@dataclass(frozen=True)
class Pod:
    """A read-only projection of a pod of one of the Rollout's ReplicaSets."""

    name: str
    hash: str
    created: str
    ready: bool
    deleting: bool

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> Pod:
        metadata = raw.get("metadata") or {}
        conditions = (raw.get("status") or {}).get("conditions") or []
        return cls(
            name=metadata.get("name", ""),
            hash=(metadata.get("labels") or {}).get(HASH_LABEL, ""),
            created=metadata.get("creationTimestamp", ""),
            ready=any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions),
            deleting=bool(metadata.get("deletionTimestamp")),
        )


_COMPLETED_RUN = frozenset(phase.value for phase in AnalysisPhase if phase.completed)


@dataclass(frozen=True)
class AnalysisRunView:
    """A read-only projection of an AnalysisRun the Rollout owns."""

    name: str
    kind: str
    """rollout-type label: Step, Background, PrePromotion or PostPromotion."""
    step_index: int | None
    pod_hash: str
    phase: str
    message: str
    terminating: bool
    created: str = ""
    owner_uid: str = ""
    """uid of the controlling owner (the Rollout that created the run)."""
    spec: str = ""
    """The run's spec as canonical JSON (`spec_text`), to tell whether an existing run is the one we would create."""

    @classmethod
    def from_raw(cls, raw: Mapping[str, Any]) -> AnalysisRunView:
        metadata = raw.get("metadata") or {}
        labels = metadata.get("labels") or {}
        status = raw.get("status") or {}
        owner: Mapping[str, Any] = next(
            (ref for ref in metadata.get("ownerReferences") or [] if ref.get("controller")), {}
        )
        try:
            step_index: int | None = int(labels[STEP_INDEX_LABEL])
        except (KeyError, ValueError):
            step_index = None
        return cls(
            name=metadata.get("name", ""),
            kind=labels.get(RUN_TYPE_LABEL, ""),
            step_index=step_index,
            pod_hash=labels.get(HASH_LABEL, ""),
            phase=str(status.get("phase") or ""),
            message=str(status.get("message") or ""),
            terminating=bool((raw.get("spec") or {}).get("terminate")),
            created=metadata.get("creationTimestamp", ""),
            owner_uid=str(owner.get("uid") or ""),
            spec=spec_text(raw.get("spec") or {}),
        )

    @property
    def finished(self) -> bool:
        return self.phase in _COMPLETED_RUN


class RolloutIdentity:
    """Name, namespace, uid, generation and status of the Rollout in `self.raw` (the object as read)."""

    raw: Mapping[str, Any]

    @property
    def name(self) -> str:
        return str(self.raw["metadata"]["name"])

    @property
    def namespace(self) -> str:
        return str(self.raw["metadata"].get("namespace", ""))

    @property
    def uid(self) -> str:
        return str(self.raw["metadata"].get("uid", ""))

    @property
    def generation(self) -> int:
        return int(self.raw["metadata"].get("generation") or 0)

    @property
    def status(self) -> Mapping[str, Any]:
        return self.raw.get("status") or {}


@dataclass(frozen=True)
class Observed(RolloutIdentity):
    """Everything one reconcile of one Rollout looks at."""

    rollout: Rollout
    raw: Mapping[str, Any]
    """The Rollout as read (generation, uid, annotations, raw status)."""
    replica_sets: tuple[ReplicaSet, ...] = ()
    services: Mapping[str, Mapping[str, Any] | None] = field(default_factory=dict)
    """Services the strategy names, by name; None when missing."""
    pods: tuple[Pod, ...] = ()
    """Pods of the owned ReplicaSets."""
    analysis_runs: tuple[AnalysisRunView, ...] = ()
    """AnalysisRuns the Rollout owns."""
    experiments: tuple[ExperimentView, ...] = ()
    """Experiments the Rollout owns (its experiment steps)."""
    templates: Mapping[tuple[bool, str], Any] = field(default_factory=dict)
    """Analysis templates the Rollout references (nested ones too), by (cluster scope, name)."""
    workload: Workload | None = None
    """The Deployment `spec.workloadRef` names (its template is already in `rollout`); None without one."""
    spec_errors: tuple[str, ...] = ()
    """Validation messages ("<path>: <message>"); non-empty means InvalidSpec."""
    run_named: Callable[[str], AnalysisRunView | None] = field(default=lambda name: None)
    """Any AnalysisRun in the namespace by name, ours or not: a name another owner's run holds is not ours to use."""
    experiment_named: Callable[[str], ExperimentView | None] = field(default=lambda name: None)
    """Any Experiment in the namespace by name, ours or not."""

    def replica_set_by_hash(self, pod_hash: str | None) -> ReplicaSet | None:
        if not pod_hash:
            return None
        return next((rs for rs in self.replica_sets if rs.hash == pod_hash and not rs.deleting), None)
