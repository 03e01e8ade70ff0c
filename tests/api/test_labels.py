"""rollouts.api.labels is the one home of Argo's label, annotation and metadata keys."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from rollouts.api import labels

REPO = Path(__file__).resolve().parents[2]

# Argo Rollouts' spelling of each key (pkg/apis/rollouts/v1alpha1 and its controllers).
ARGO_KEYS = {
    "HASH_LABEL": "rollouts-pod-template-hash",
    "REVISION_ANNOTATION": "rollout.argoproj.io/revision",
    "REVISION_HISTORY_ANNOTATION": "rollout.argoproj.io/revision-history",
    "DESIRED_REPLICAS_ANNOTATION": "rollout.argoproj.io/desired-replicas",
    "EPHEMERAL_METADATA_ANNOTATION": "rollout.argoproj.io/ephemeral-metadata",
    "SCALE_DOWN_DEADLINE_ANNOTATION": "scale-down-deadline",
    "WORKLOAD_GENERATION_ANNOTATION": "rollout.argoproj.io/workload-generation",
    "MANAGED_BY_ANNOTATION": "argo-rollouts.argoproj.io/managed-by-rollouts",
    "INSTANCE_ID_LABEL": "argo-rollouts.argoproj.io/controller-instance-id",
    "EXPERIMENT_TEMPLATE_ANNOTATION": "experiment.argoproj.io/template-name",
    "RUN_TYPE_LABEL": "rollout-type",
    "STEP_INDEX_LABEL": "step-index",
    "RUN_UID_LABEL": "analysisrun.argoproj.io/uid",
    "RUN_NAME_ANNOTATION": "analysisrun.argoproj.io/name",
    "RUN_NAMESPACE_ANNOTATION": "analysisrun.argoproj.io/namespace",
    "METRIC_NAME_ANNOTATION": "analysisrun.argoproj.io/metric-name",
    "JOB_NAME_KEY": "job-name",
    "JOB_NAMESPACE_KEY": "job-namespace",
    "EXPERIMENT_NAME_ANNOTATION": "experiment.argoproj.io/name",
    "GROUP": "argoproj.io",
    "VERSION": "v1alpha1",
    "API_VERSION": "argoproj.io/v1alpha1",
}
# Ours, in Argo's annotation namespace (Argo's CRD has no field for promotion windows).
OUR_KEYS = {
    "PROMOTION_WINDOWS_ANNOTATION": "rollouts.argoproj.io/promotion-windows",
    "OVERRIDE_WINDOW_ANNOTATION": "rollouts.argoproj.io/promotion-window-override",
}



def test_keys_are_argos() -> None:
    assert {name: getattr(labels, name) for name in labels.__all__} == ARGO_KEYS | OUR_KEYS


def _code_strings(path: Path) -> set[str]:
    """String constants in code, docstrings left out."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    strings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            strings.add(node.value)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            strings.discard(node.value.value)  # attribute docstrings
    return strings


SHORT_WORDS = {"job-name", "v1alpha1", "argoproj.io"}
"""Values that also appear as plain text for other reasons (a Job's own label, any Argo kind's apiVersion parts)."""

SOURCES = sorted(
    path.relative_to(REPO).as_posix()
    for package in ("rollouts", "analysis", "plugin")
    for path in (REPO / package).rglob("*.py")
)


@pytest.mark.parametrize("source", [s for s in SOURCES if s != "rollouts/api/labels.py"])
def test_keys_are_defined_once(source: str) -> None:
    copies = _code_strings(REPO / source) & set((ARGO_KEYS | OUR_KEYS).values()) - SHORT_WORDS
    assert copies == set(), f"{source} spells {sorted(copies)}: import them from rollouts.api.labels"
