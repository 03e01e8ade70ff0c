"""Kept for the callers outside rollouts/plan that still import label and annotation keys from here;
rollouts.api.labels is their one home."""

from rollouts.api.labels import (
    DESIRED_REPLICAS_ANNOTATION,
    EPHEMERAL_METADATA_ANNOTATION,
    HASH_LABEL,
    INSTANCE_ID_LABEL,
    MANAGED_BY_ANNOTATION,
    REVISION_ANNOTATION,
    REVISION_HISTORY_ANNOTATION,
    SCALE_DOWN_DEADLINE_ANNOTATION,
)

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
