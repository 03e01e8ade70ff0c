"""Building blocks shared by every kind: the KubeModel base, object metadata, conditions and passthrough types.

Kubernetes-native sub-objects that we do not model (pod templates, label selectors, Job specs, free plugin config)
are plain dicts kept exactly as written, and marked `x-kubernetes-preserve-unknown-fields` in the CRDs.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, WithJsonSchema
from pydantic.alias_generators import to_camel

FreeObject = Annotated[dict[str, Any], WithJsonSchema({"type": "object", "x-kubernetes-preserve-unknown-fields": True})]
"""Any JSON object, kept verbatim (unknown fields survive a round trip)."""

JSONValue = Annotated[Any, WithJsonSchema({"x-kubernetes-preserve-unknown-fields": True})]
"""Any JSON value (object, list, string, number, bool), kept verbatim."""

PodTemplateSpec = FreeObject
"""A core/v1 PodTemplateSpec ({metadata, spec}), kept verbatim."""

LabelSelector = FreeObject
"""A meta/v1 LabelSelector ({matchLabels, matchExpressions}), kept verbatim; see `rollouts.api.selectors`."""


class KubeModel(BaseModel):
    """Base of every API struct: snake_case in Python, camelCase on the wire, immutable, documented fields.

    Dump with `to_dict()` so that only what the user wrote comes back (aliases on, unset fields left out).
    """

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        use_attribute_docstrings=True,
        extra="ignore",
        frozen=True,
    )

    def to_dict(self) -> dict[str, Any]:
        """The wire form: camelCase keys, JSON-compatible values, fields that were never set left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class ObjectMeta(KubeModel):
    """Standard object metadata. The common fields are typed; every other field is kept as written."""

    model_config = ConfigDict(extra="allow")

    name: str | None = None
    """Name of the object, unique within its namespace."""
    generate_name: str | None = None
    """Prefix the API server uses to generate a unique name when `name` is empty."""
    namespace: str | None = None
    """Namespace of the object; empty for cluster-scoped kinds."""
    uid: str | None = None
    """Unique identifier assigned by the API server."""
    resource_version: str | None = None
    """Opaque version for optimistic concurrency and watches."""
    generation: int | None = None
    """Sequence number of the desired state (spec); bumped by the API server on spec changes."""
    creation_timestamp: str | None = None
    """RFC 3339 time the object was created."""
    deletion_timestamp: str | None = None
    """RFC 3339 time after which the object will be deleted; set when deletion was requested."""
    labels: dict[str, str] | None = None
    """Labels for selecting and grouping objects."""
    annotations: dict[str, str] | None = None
    """Non-identifying metadata for tools and controllers."""
    owner_references: list[dict[str, Any]] | None = None
    """Objects this object depends on (garbage collection, controller ownership)."""
    finalizers: list[str] | None = None
    """Keys that must be removed before the object is deleted."""


class PodTemplateMetadata(KubeModel):
    """Labels and annotations merged into the pods of a ReplicaSet (or into a generated object)."""

    labels: dict[str, str] | None = None
    """Labels to add."""
    annotations: dict[str, str] | None = None
    """Annotations to add."""


class Condition(KubeModel):
    """One observation of an object's state, in the shape Argo uses for Rollouts and Experiments."""

    type: str | None = None
    """Condition type, for example Progressing, Available, Paused, Healthy, Completed, InvalidSpec."""
    status: str | None = None
    """True, False or Unknown."""
    last_update_time: str | None = None
    """RFC 3339 time the condition was last written."""
    last_transition_time: str | None = None
    """RFC 3339 time the status last changed."""
    reason: str | None = None
    """Machine-readable CamelCase reason for the last transition."""
    message: str | None = None
    """Human-readable details about the last transition."""
