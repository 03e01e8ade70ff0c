"""What a reconcile decided to do: actions for the executor, the desired status, events and a wake-up time.

Pure data. The executor runs actions in order (order is semantic: scale up before switching a Service), stops
at the first failure, then writes the status once, and only if it changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rollouts.api import RolloutStatus


@dataclass(frozen=True)
class CreateReplicaSet:
    body: Mapping[str, Any]
    revision: int
    announce: tuple[EventNote, ...] = ()
    """Recorded once the ReplicaSet exists: after Argo's NewReplicaSetCreated, before its scale-up from 0."""


@dataclass(frozen=True)
class ScaleReplicaSet:
    """Set spec.replicas and edit annotations (None removes one) with one patch."""

    name: str
    replicas: int
    previous: int
    revision: int
    annotations: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class AnnotateReplicaSet:
    name: str
    annotations: Mapping[str, str | None]


@dataclass(frozen=True)
class DeleteReplicaSet:
    name: str
    uid: str


@dataclass(frozen=True)
class PointService:
    """Make a Service select one pod-template hash (None: stop managing it and drop the hash key)."""

    service: str
    pod_hash: str | None
    previous: str | None


@dataclass(frozen=True)
class AnnotateRollout:
    annotations: Mapping[str, str]


@dataclass(frozen=True)
class ScaleDeployment:
    """Set spec.replicas of the Deployment a workloadRef Rollout took its template from."""

    name: str
    replicas: int
    previous: int


@dataclass(frozen=True)
class SetPodMetadata:
    """Change a ReplicaSet's pod-template metadata and its running pods' in place (None removes a key)."""

    replica_set: str
    labels: Mapping[str, str | None]
    annotations: Mapping[str, str | None]
    record: str | None
    """New value of the ReplicaSet's ephemeral-metadata annotation (None removes it)."""
    pods: tuple[str, ...]


@dataclass(frozen=True)
class EvictPod:
    name: str


@dataclass(frozen=True)
class CreateAnalysisRun:
    body: Mapping[str, Any]


@dataclass(frozen=True)
class CreateExperiment:
    body: Mapping[str, Any]


@dataclass(frozen=True)
class TerminateExperiment:
    name: str


@dataclass(frozen=True)
class TerminateAnalysisRun:
    """Ask a run to stop measuring (spec.terminate); its phase is then decided from what it has."""

    name: str


@dataclass(frozen=True)
class DeleteAnalysisRun:
    name: str


@dataclass(frozen=True)
class AdditionalDestination:
    """An experiment template's share of the traffic during an experiment step (Argo's WeightDestination): its
    Service, its pods' hash (for a DestinationRule subset) and its weight."""

    service_name: str
    pod_template_hash: str
    weight: int


@dataclass(frozen=True)
class TrafficSplit:
    """Weights for the traffic router: canary and stable pod hashes and their shares, plus managed routes."""

    canary_hash: str
    stable_hash: str
    canary_weight: int
    stable_weight: int
    header_routes: tuple[Any, ...] = ()
    """SetHeaderRoute steps in force (by name, in step order)."""
    mirror_routes: tuple[Any, ...] = ()
    """SetMirrorRoute steps in force."""
    stable_ping_pong: str | None = None
    """With ping-pong Services: which of the pair serves stable for this split ("ping" or "pong")."""
    additional: tuple[AdditionalDestination, ...] = ()
    """Experiment templates' shares, already taken out of ``stable_weight``; () outside an experiment step."""


@dataclass(frozen=True)
class RouteTraffic:
    """Make the traffic router send `split` (writes only what differs)."""

    split: TrafficSplit
    release: bool = False
    """The update is over (completed, aborted, or nothing to update): routers send everything to stable and hand
    back what they made for the update (a canary Ingress, managed routes)."""


Action = (
    CreateReplicaSet
    | ScaleReplicaSet
    | AnnotateReplicaSet
    | DeleteReplicaSet
    | PointService
    | AnnotateRollout
    | ScaleDeployment
    | RouteTraffic
    | SetPodMetadata
    | EvictPod
    | CreateAnalysisRun
    | TerminateAnalysisRun
    | DeleteAnalysisRun
    | CreateExperiment
    | TerminateExperiment
)


@dataclass(frozen=True)
class EventNote:
    """A Kubernetes Event to record on the Rollout (Argo's reason strings)."""

    reason: str
    message: str
    type: str = "Normal"


@dataclass(frozen=True)
class Plan:
    actions: tuple[Action, ...]
    status: RolloutStatus
    requeue_after: float | None = None
    """Seconds until something time-based is due (pause end, scale-down, progress deadline)."""
    events: tuple[EventNote, ...] = ()
    leading_events: tuple[EventNote, ...] = ()
    """Recorded before the actions: Argo announces a new revision before it creates its ReplicaSet."""
