"""Check manifests offline, as `lint -f FILE` does: every problem of every Argo object in a multi-document YAML.

Pure: text in, `Finding`s out. Each object of one of our kinds (Rollout, AnalysisTemplate,
ClusterAnalysisTemplate, AnalysisRun, Experiment) goes through the project's validator `rollouts.api.validate`
and a strict field check (a misspelt field is an error, as Argo's strict decoding makes it); other documents
(Services, Ingresses, ...) are skipped. Findings the validator marks "unsupported" (valid for Argo, not implemented
by this controller) are warnings; all others are errors.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any

import yaml

from rollouts.api.labels import GROUP


@dataclass(frozen=True)
class Finding:
    """One problem: which object (`Kind/name`), where in it, and whether it fails the lint."""

    subject: str
    problem: str
    error: bool = True

    def __str__(self) -> str:
        prefix = "" if self.error else "warning: "
        return f"{prefix}{self.subject}: {self.problem}"


def lint_text(text: str, *, source: str = "<input>") -> list[Finding]:
    """Every finding in a (multi-document) YAML text, in document order."""
    from rollouts import api  # deferred: the models take a moment to build, and only lint needs them

    try:
        documents = [doc for doc in yaml.safe_load_all(text) if doc is not None]
    except yaml.YAMLError as error:
        return [Finding(source, f"invalid YAML: {error}")]
    findings: list[Finding] = []
    for index, document in enumerate(documents):
        if not isinstance(document, dict):
            findings.append(
                Finding(f"{source}[{index}]", f"a manifest must be a mapping, got {type(document).__name__}")
            )
            continue
        kind = str(document.get("kind") or "")
        group = str(document.get("apiVersion") or "").partition("/")[0]
        if group != GROUP or kind not in api.KINDS:
            continue
        subject = f"{kind}/{(document.get('metadata') or {}).get('name') or '<unnamed>'}"
        for path in unknown_fields(api.KINDS[kind], document):
            findings.append(Finding(subject, f"{path}: unknown field"))
        for problem in api.validate(document):
            findings.append(Finding(subject, str(problem), error=problem.kind != api.UNSUPPORTED))
    return findings


# ---- strict decoding -------------------------------------------------------------------------------------------


def unknown_fields(model: type, data: Any, path: str = "") -> list[str]:
    """Paths of keys that the pydantic `model` (and the models inside it) does not declare.

    Free-form parts (pod templates, selectors, plugin config: plain dicts in the models) are not checked, nor
    models that accept extra keys (object metadata).
    """
    if not isinstance(data, dict) or not hasattr(model, "model_fields"):
        return []
    declared = {(info.alias or name): info.annotation for name, info in model.model_fields.items()}
    allows_extra = getattr(model, "model_config", {}).get("extra") == "allow"
    found: list[str] = []
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        if key not in declared:
            if not allows_extra:
                found.append(where)
            continue
        found += _check_value(declared[key], value, where)
    return found


def _check_value(annotation: Any, value: Any, where: str) -> list[str]:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _check_value(typing.get_args(annotation)[0], value, where)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        models = [arg for arg in options if hasattr(arg, "model_fields")]
        # Only a clear case is checked: the value is an object and exactly one model could hold it.
        if isinstance(value, dict) and len(models) == 1 and not any(_is_mapping(arg) for arg in options):
            return unknown_fields(models[0], value, where)
        if isinstance(value, list) and len(options) == 1:
            return _check_value(options[0], value, where)
        return []
    if origin is list and isinstance(value, list):
        (item,) = typing.get_args(annotation) or (Any,)
        return [
            problem for index, entry in enumerate(value) for problem in _check_value(item, entry, f"{where}[{index}]")
        ]
    if hasattr(annotation, "model_fields"):
        return unknown_fields(annotation, value, where)
    return []


def _is_mapping(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _is_mapping(typing.get_args(annotation)[0])
    return origin is dict or annotation is dict
