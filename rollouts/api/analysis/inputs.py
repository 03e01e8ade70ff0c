"""What an analysis takes in: arguments and where their values come from, template references, dry-run and
retention rules, and the metadata of the runs a Rollout or Experiment creates. Pure data."""

from __future__ import annotations

from rollouts.api.common import KubeModel, PodTemplateMetadata


class SecretKeyRef(KubeModel):
    """A key of a Secret in the AnalysisRun's namespace."""

    name: str
    """Name of the Secret."""
    key: str
    """Key within the Secret's data."""


class FieldRef(KubeModel):
    """A field of the owning Rollout, e.g. `metadata.labels['env']` or `status.canary.weights.canary.weight`."""

    field_path: str
    """Path of the field: downward-API syntax for metadata.*, otherwise a dotted path into the Rollout."""


class ValueFrom(KubeModel):
    """Where an argument's value comes from when it is not given literally. Set exactly one field."""

    secret_key_ref: SecretKeyRef | None = None
    """Read the value from a Secret key when the measurement is taken (templates and runs only)."""
    field_ref: FieldRef | None = None
    """Read the value from a field of the owning Rollout when the run is created."""
    pod_template_hash_value: str | None = None
    """Use the pod template hash of the Stable or Latest ReplicaSet."""


class Argument(KubeModel):
    """A named input of an analysis, substituted into metrics as `{{args.<name>}}`."""

    name: str
    """Argument name."""
    value: str | None = None
    """Literal value. Leave empty (with no valueFrom) to require the caller to supply it."""
    value_from: ValueFrom | None = None
    """Take the value from a Secret, a Rollout field or a pod template hash instead."""


class AnalysisTemplateRef(KubeModel):
    """A reference to an AnalysisTemplate, or with clusterScope to a ClusterAnalysisTemplate."""

    template_name: str | None = None
    """Name of the referenced template."""
    cluster_scope: bool | None = None
    """Reference a ClusterAnalysisTemplate instead of an AnalysisTemplate in the same namespace."""


class DryRun(KubeModel):
    """Run matching metrics without letting their result affect the run's phase."""

    metric_name: str
    """Regular expression matched against metric names (use `.*` for all)."""


class MeasurementRetention(KubeModel):
    """Keep more (or fewer) measurements than the default 10 for matching metrics."""

    metric_name: str
    """Regular expression matched against metric names."""
    limit: int
    """Number of most recent measurements to keep; 0 means the default."""


class AnalysisRunMetadata(PodTemplateMetadata):
    """Extra labels and annotations for the AnalysisRuns a Rollout or Experiment creates."""
