"""Check raw objects of our five kinds and report every problem with the path of the field at fault.

Pure, and never raises on bad input: `validate(obj)` returns a list of FieldError (empty when the object is fine) and
`parse(obj)` returns the typed model or that list. Covers pydantic type errors (as camelCase paths with [i] indexes),
Argo's semantic rules, a subset of Kubernetes' pod template rules (containers, quantities, selectors), and features
this controller does not implement (FieldError.kind UNSUPPORTED). One module per kind (rollout, canary, analysis,
experiment), plus the pod template and error helpers they share.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from rollouts.api.analysis import AnalysisRun, AnalysisTemplate, ClusterAnalysisTemplate
from rollouts.api.common import KubeModel
from rollouts.api.experiment import Experiment
from rollouts.api.labels import API_VERSION
from rollouts.api.rollout import Rollout
from rollouts.api.validation.analysis import check_analysis_run, check_analysis_template
from rollouts.api.validation.canary import STEP_MESSAGE
from rollouts.api.validation.errors import INVALID, UNSUPPORTED, Errors, FieldError, from_pydantic, show
from rollouts.api.validation.experiment import check_experiment
from rollouts.api.validation.rollout import WORKLOAD_TEMPLATE_MESSAGE, check_rollout_spec, check_workload_template

__all__ = [
    "INVALID",
    "KINDS",
    "STEP_MESSAGE",
    "UNSUPPORTED",
    "WORKLOAD_TEMPLATE_MESSAGE",
    "FieldError",
    "check_rollout",
    "check_workload_template",
    "parse",
    "parse_analysis_run",
    "parse_analysis_template",
    "parse_cluster_analysis_template",
    "parse_experiment",
    "parse_rollout",
    "validate",
]


KINDS: dict[str, type[KubeModel]] = {
    "Rollout": Rollout,
    "AnalysisTemplate": AnalysisTemplate,
    "ClusterAnalysisTemplate": ClusterAnalysisTemplate,
    "AnalysisRun": AnalysisRun,
    "Experiment": Experiment,
}
"""Our kinds by name."""


Model = TypeVar("Model", bound=KubeModel)


def validate(obj: Any) -> list[FieldError]:
    """Every problem with a raw object of one of our kinds (dispatching on `kind`); [] when it is fine."""
    return _check(obj, semantic=True)[1]


def parse(obj: Any, *, check: bool = True) -> KubeModel | list[FieldError]:
    """The typed model of a raw object, or its problems. With check=False only type errors count (for viewers
    that must show an object even when its spec is invalid)."""
    model, errors = _check(obj, semantic=check)
    return errors if errors or model is None else model


def parse_rollout(obj: Any, *, check: bool = True) -> Rollout | list[FieldError]:
    """`parse` for an object that must be a Rollout."""
    return _parse_kind(obj, Rollout, check)


def check_rollout(obj: Any) -> tuple[Rollout | None, list[FieldError]]:
    """One parse of a Rollout: its model (None when fields have the wrong types) and every problem with it."""
    if isinstance(obj, Mapping) and obj.get("kind") != Rollout.__name__:
        return None, [FieldError("kind", f"must be {Rollout.__name__}, got {show(obj.get('kind'))}")]
    model, errors = _check(obj, semantic=True)
    return (model if isinstance(model, Rollout) else None), errors


def parse_analysis_template(obj: Any, *, check: bool = True) -> AnalysisTemplate | list[FieldError]:
    """`parse` for an object that must be an AnalysisTemplate."""
    return _parse_kind(obj, AnalysisTemplate, check)


def parse_cluster_analysis_template(obj: Any, *, check: bool = True) -> ClusterAnalysisTemplate | list[FieldError]:
    """`parse` for an object that must be a ClusterAnalysisTemplate."""
    return _parse_kind(obj, ClusterAnalysisTemplate, check)


def parse_analysis_run(obj: Any, *, check: bool = True) -> AnalysisRun | list[FieldError]:
    """`parse` for an object that must be an AnalysisRun."""
    return _parse_kind(obj, AnalysisRun, check)


def parse_experiment(obj: Any, *, check: bool = True) -> Experiment | list[FieldError]:
    """`parse` for an object that must be an Experiment."""
    return _parse_kind(obj, Experiment, check)


def _parse_kind(obj: Any, model: type[Model], check: bool) -> Model | list[FieldError]:
    if isinstance(obj, Mapping) and obj.get("kind") != model.__name__:
        return [FieldError("kind", f"must be {model.__name__}, got {show(obj.get('kind'))}")]
    result = parse(obj, check=check)
    assert isinstance(result, list | model)
    return result


def _check(obj: Any, *, semantic: bool) -> tuple[KubeModel | None, list[FieldError]]:
    if not isinstance(obj, Mapping):
        return None, [FieldError("", "an object must be a mapping")]
    kind = obj.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        return None, [FieldError("kind", f"unknown kind {show(kind)}; expected one of {', '.join(KINDS)}")]
    errors = Errors()
    if obj.get("apiVersion") != API_VERSION:
        errors.invalid("apiVersion", f"must be {API_VERSION}, got {show(obj.get('apiVersion'))}")
    try:
        model = KINDS[kind].model_validate(obj)
    except ValidationError as exc:
        return None, [*errors, *from_pydantic(exc)]
    if semantic:
        try:
            _SEMANTIC[kind](errors, model, obj)
        except Exception as exc:  # a bug in a rule must not take the controller down
            errors.invalid("", f"internal validation error: {exc!r}")
    return model, list(errors)


_SEMANTIC: dict[str, Callable[[Errors, Any, Any], None]] = {
    "Rollout": check_rollout_spec,
    "AnalysisTemplate": check_analysis_template,
    "ClusterAnalysisTemplate": check_analysis_template,
    "AnalysisRun": check_analysis_run,
    "Experiment": check_experiment,
}
