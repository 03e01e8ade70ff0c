"""The labels and annotations the controller reads and writes, with Argo Rollouts' exact keys."""

from rollouts.plan.hashing import HASH_LABEL

__all__ = [
    "DESIRED_REPLICAS_ANNOTATION",
    "EPHEMERAL_METADATA_ANNOTATION",
    "HASH_LABEL",
    "INSTANCE_ID_LABEL",
    "MANAGED_BY_ANNOTATION",
    "REVISION_ANNOTATION",
    "REVISION_HISTORY_ANNOTATION",
    "SCALE_DOWN_DEADLINE_ANNOTATION",
]

REVISION_ANNOTATION = "rollout.argoproj.io/revision"
REVISION_HISTORY_ANNOTATION = "rollout.argoproj.io/revision-history"
DESIRED_REPLICAS_ANNOTATION = "rollout.argoproj.io/desired-replicas"
EPHEMERAL_METADATA_ANNOTATION = "rollout.argoproj.io/ephemeral-metadata"
SCALE_DOWN_DEADLINE_ANNOTATION = "scale-down-deadline"  # no prefix, as in Argo
MANAGED_BY_ANNOTATION = "argo-rollouts.argoproj.io/managed-by-rollouts"
INSTANCE_ID_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
