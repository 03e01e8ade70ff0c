"""Label, annotation and metadata keys, with Argo Rollouts' exact spelling: the one place they are defined.

Other tools (Argo's own controller and kubectl plugin, Argo CD) read and write the same keys, so none may differ
from Argo's by a character.
"""

__all__ = [
    "API_VERSION",
    "DESIRED_REPLICAS_ANNOTATION",
    "EPHEMERAL_METADATA_ANNOTATION",
    "EXPERIMENT_NAME_ANNOTATION",
    "EXPERIMENT_TEMPLATE_ANNOTATION",
    "GROUP",
    "HASH_LABEL",
    "INSTANCE_ID_LABEL",
    "JOB_NAMESPACE_KEY",
    "JOB_NAME_KEY",
    "MANAGED_BY_ANNOTATION",
    "METRIC_NAME_ANNOTATION",
    "OVERRIDE_WINDOW_ANNOTATION",
    "PROMOTION_WINDOWS_ANNOTATION",
    "REVISION_ANNOTATION",
    "REVISION_HISTORY_ANNOTATION",
    "RUN_NAMESPACE_ANNOTATION",
    "RUN_NAME_ANNOTATION",
    "RUN_TYPE_LABEL",
    "RUN_UID_LABEL",
    "SCALE_DOWN_DEADLINE_ANNOTATION",
    "STEP_INDEX_LABEL",
    "VERSION",
    "WORKLOAD_GENERATION_ANNOTATION",
]

# --- the API group of every Argo kind -----------------------------------------------------------------------------------

GROUP = "argoproj.io"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"

# --- ReplicaSets, pods and the objects that select them -------------------------------------------------------------

HASH_LABEL = "rollouts-pod-template-hash"
"""Pod template hash on ReplicaSets, their pods, Service selectors, DestinationRule subsets and AnalysisRuns."""
REVISION_ANNOTATION = "rollout.argoproj.io/revision"
"""Revision number of a Rollout and of each of its ReplicaSets."""
REVISION_HISTORY_ANNOTATION = "rollout.argoproj.io/revision-history"
"""Earlier revisions a ReplicaSet served (when a rollback reused it)."""
DESIRED_REPLICAS_ANNOTATION = "rollout.argoproj.io/desired-replicas"
"""spec.replicas of the Rollout when the ReplicaSet was last scaled."""
EPHEMERAL_METADATA_ANNOTATION = "rollout.argoproj.io/ephemeral-metadata"
"""canary/stable/active/preview metadata last applied to a ReplicaSet's pods."""
SCALE_DOWN_DEADLINE_ANNOTATION = "scale-down-deadline"  # no prefix, as in Argo
"""RFC 3339 time after which an old ReplicaSet is scaled down."""
WORKLOAD_GENERATION_ANNOTATION = "rollout.argoproj.io/workload-generation"
"""Generation of the workloadRef Deployment a Rollout last took its template from."""

# --- objects the controller manages or owns -------------------------------------------------------------------------

MANAGED_BY_ANNOTATION = "argo-rollouts.argoproj.io/managed-by-rollouts"
"""Name of the Rollout that manages a Service, VirtualService or DestinationRule."""
INSTANCE_ID_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
"""The `--instance-id` of the controller that handles an object."""
EXPERIMENT_NAME_ANNOTATION = "experiment.argoproj.io/name"
"""Name of the Experiment that owns a ReplicaSet or an AnalysisRun."""
EXPERIMENT_TEMPLATE_ANNOTATION = "experiment.argoproj.io/template-name"
"""Template name of an Experiment's ReplicaSet."""

# --- promotion windows (our own: Argo's CRD has no field for them) ---------------------------------------------------

PROMOTION_WINDOWS_ANNOTATION = "rollouts.argoproj.io/promotion-windows"
"""When a Rollout may shift traffic (rollouts.api.windows reads it)."""
OVERRIDE_WINDOW_ANNOTATION = "rollouts.argoproj.io/promotion-window-override"
"""Set by `kubectl rollouts promote --override-window` to "<pod hash>/<step index or promote>@<the hold's
startTime>": that one hold goes through (the annotation stays; a later hold of the same step has another time)."""

# --- AnalysisRuns and their Jobs ------------------------------------------------------------------------------------

RUN_TYPE_LABEL = "rollout-type"
"""Why a Rollout created an AnalysisRun: Step, Background, PrePromotion or PostPromotion."""
STEP_INDEX_LABEL = "step-index"
"""Index of the canary step that created an AnalysisRun."""
RUN_UID_LABEL = "analysisrun.argoproj.io/uid"
"""UID of the AnalysisRun a measurement Job belongs to."""
RUN_NAME_ANNOTATION = "analysisrun.argoproj.io/name"
"""Name of the AnalysisRun a measurement Job belongs to."""
RUN_NAMESPACE_ANNOTATION = "analysisrun.argoproj.io/namespace"
"""Namespace of the AnalysisRun a measurement Job belongs to."""
METRIC_NAME_ANNOTATION = "analysisrun.argoproj.io/metric-name"
"""Metric a measurement Job measures."""
JOB_NAME_KEY = "job-name"
"""Measurement metadata key: name of the measurement's Job."""
JOB_NAMESPACE_KEY = "job-namespace"
"""Measurement metadata key: namespace of the measurement's Job."""
