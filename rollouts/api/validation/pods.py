"""Checks of pod templates and selectors: a subset of Kubernetes' own rules (containers, quantities, selectors)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rollouts.api import selectors
from rollouts.api.quantity import parse_quantity
from rollouts.api.validation.errors import Errors, dig, show

_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def check_selector(errors: Errors, path: str, selector: Any) -> bool:
    """Check a required, non-empty selector; True when it is usable for matching."""
    if selector is None:
        errors.invalid(path, "required")
        return False
    problems = selectors.selector_problems(selector)
    for where, message in problems:
        errors.invalid(f"{path}.{where}" if where else path, message)
    if not problems and selectors.is_empty(selector):
        errors.invalid(path, "empty selector is invalid: it would select all pods")
        return False
    return not problems


def check_pod_template(errors: Errors, path: str, template: Any, selector: Any = None, *, job: bool = False) -> None:
    if not isinstance(template, Mapping):
        errors.invalid(path, "required" if template is None else "must be an object")
        return
    labels = dig(template, "metadata", "labels")
    if labels is not None and (not isinstance(labels, Mapping) or not all(isinstance(v, str) for v in labels.values())):
        errors.invalid(f"{path}.metadata.labels", "must be a map of strings")
        labels = None
    if selector is not None and not selectors.matches(selector, labels):
        errors.invalid(f"{path}.metadata.labels", "`selector` does not match template `labels`")
    spec = template.get("spec")
    if not isinstance(spec, Mapping):
        errors.invalid(f"{path}.spec", "required" if spec is None else "must be an object")
        return
    _pod_spec(errors, f"{path}.spec", spec, job=job)


def _pod_spec(errors: Errors, path: str, spec: Mapping[str, Any], *, job: bool) -> None:
    if not spec.get("containers"):
        errors.invalid(f"{path}.containers", "at least one container is required")
    names: set[str] = set()
    for list_name in _CONTAINER_LISTS:
        containers = spec.get(list_name)
        if containers is None:
            continue
        if not isinstance(containers, list):
            errors.invalid(f"{path}.{list_name}", "must be a list")
            continue
        for i, container in enumerate(containers):
            where = f"{path}.{list_name}[{i}]"
            if not isinstance(container, Mapping):
                errors.invalid(where, "must be an object")
                continue
            name = container.get("name")
            if not isinstance(name, str) or not name:
                errors.invalid(f"{where}.name", "required")
            elif name in names:
                errors.invalid(f"{where}.name", f"duplicate container name {show(name)}")
            else:
                names.add(name)
            if not container.get("image"):
                errors.invalid(f"{where}.image", "required")
            _resources(errors, f"{where}.resources", container.get("resources"))
    _resources(errors, f"{path}.resources", spec.get("resources"))
    _quantities(errors, f"{path}.overhead", spec.get("overhead"))
    volumes = spec.get("volumes") or []
    if not isinstance(volumes, list) or not all(isinstance(v, Mapping) for v in volumes):
        errors.invalid(f"{path}.volumes", "must be a list of objects")
        volumes = []
    for i, volume in enumerate(volumes):
        size = dig(volume, "emptyDir", "sizeLimit")
        if size is not None:
            _quantity(errors, f"{path}.volumes[{i}].emptyDir.sizeLimit", size)
    if job and spec.get("restartPolicy") not in ("Never", "OnFailure"):
        errors.invalid(f"{path}.restartPolicy", "a Job's pods need restartPolicy Never or OnFailure")


def _resources(errors: Errors, path: str, resources: Any) -> None:
    if resources is None:
        return
    if not isinstance(resources, Mapping):
        errors.invalid(path, "must be an object")
        return
    for key in ("requests", "limits"):
        _quantities(errors, f"{path}.{key}", resources.get(key))


def _quantities(errors: Errors, path: str, values: Any) -> None:
    if values is None:
        return
    if not isinstance(values, Mapping):
        errors.invalid(path, "must be a map of quantities")
        return
    for name, value in values.items():
        _quantity(errors, f"{path}.{name}", value)


def _quantity(errors: Errors, path: str, value: Any) -> None:
    try:
        parse_quantity(value)
    except ValueError as exc:
        errors.invalid(path, str(exc))


def is_empty(value: Any) -> bool:
    """True when a (pod template) value holds nothing but empty containers and nulls."""
    if isinstance(value, Mapping):
        return all(is_empty(v) for v in value.values())
    if isinstance(value, list):
        return all(is_empty(v) for v in value)
    return value is None or value == ""
