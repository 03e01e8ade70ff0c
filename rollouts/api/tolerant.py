"""What Argo's controller reads of an object whose pod template Go's strict decoding refuses.

Pure. Argo turns each object its informers receive into a Go struct with the strict unstructured converter. When
that fails on a value that a Kubernetes type's own decoder refuses (a quantity such as ``memory: invalid``, an
int-or-string port of ``1.5`` or ``true``, a template timestamp that is not RFC 3339), Argo writes the object out as
JSON, with map keys sorted, reads it back with ``encoding/json`` and keeps whatever that produced. That decoder stops
at the first such value: everything before it in sorted key order is kept, the value itself is left at its zero (a
resource map simply lacks the entry), and everything after it is never read. So ``requests: {memory: invalid}``
becomes no requests at all, and a later ``ephemeralContainers`` list is gone too.

`tolerate(raw)` does the same to a raw object of any of Argo's kinds and names the field where reading stopped.
The custom-typed fields it knows are those of pod templates (a Rollout's, an Experiment's, an analysis Job's: the
parts the CRD schemas do not check); type mismatches elsewhere are refused by the API server before a controller
sees them. One deliberate difference: Argo also loses the object's ``status`` (it sorts after ``spec``), which
makes every reconcile look like the first; we keep it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rollouts.api.gotext import parse_time
from rollouts.api.quantity import parse_quantity

_DROP = object()
"""The failed value leaves no key behind (a map entry that is never set, a time left at zero)."""

# Where a PodTemplateSpec holds values of Go types with their own decoders (list indices as "[]").
_CONTAINERS = r"spec\.(?:initContainers|containers|ephemeralContainers)\[\]"
_HANDLER_PORT = r"(?:httpGet|tcpSocket)\.port"
_HANDLERS = r"(?:livenessProbe|readinessProbe|startupProbe|lifecycle\.(?:postStart|preStop))"
_PORT = rf"{_CONTAINERS}\.{_HANDLERS}\.{_HANDLER_PORT}"
_CLAIM = r"spec\.volumes\[\]\.ephemeral\.volumeClaimTemplate"
_POD_TEMPLATE: tuple[tuple[str, str, object], ...] = (
    (rf"{_CONTAINERS}\.resources\.(?:requests|limits)\.[^.]+", "quantity", _DROP),
    (r"spec\.resources\.(?:requests|limits)\.[^.]+", "quantity", _DROP),
    (r"spec\.overhead\.[^.]+", "quantity", _DROP),
    (rf"{_CLAIM}\.spec\.resources\.(?:requests|limits)\.[^.]+", "quantity", _DROP),
    (r"spec\.volumes\[\]\.emptyDir\.sizeLimit", "quantity", "0"),
    (_PORT, "intorstring", 0),
    (rf"(?:{_CLAIM}\.)?metadata\.(?:creationTimestamp|deletionTimestamp)", "time", _DROP),
)
_JOB_TEMPLATE = r"spec\.metrics\[\]\.provider\.job\.spec\.template"
_TEMPLATES = {
    "Rollout": r"spec\.template",
    "Experiment": r"spec\.templates\[\]\.template",
    "AnalysisTemplate": _JOB_TEMPLATE,
    "ClusterAnalysisTemplate": _JOB_TEMPLATE,
    "AnalysisRun": _JOB_TEMPLATE,
}
"""Where each of Argo's kinds (all read through its tolerant informers) holds pod templates."""

Rules = tuple[tuple[re.Pattern[str], str, object], ...]
_RULES: dict[str, Rules] = {
    kind: tuple((re.compile(rf"{root}\.{pattern}"), value_kind, zero) for pattern, value_kind, zero in _POD_TEMPLATE)
    for kind, root in _TEMPLATES.items()
}


def tolerate(raw: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
    """``raw`` as Argo reads it, and None; or, when a pod template in it holds a value Go cannot decode, the object
    with what Argo's lenient decoding keeps of its spec, and the problem (``spec.template...: invalid quantity``)."""
    rules = _RULES.get(str(raw.get("kind")))
    spec = raw.get("spec")
    if rules is None or not isinstance(spec, Mapping):
        return raw, None
    kept, problem = _keep(spec, "spec", "spec", rules)
    return ({**raw, "spec": kept}, problem) if problem is not None else (raw, None)


def _keep(value: Any, path: str, shown: str, rules: Rules) -> tuple[Any, str | None]:
    """What Go decodes of ``value`` at ``path`` (list indices as ``[]``; ``shown`` is the path with indices), and
    where and why it stopped, if it did."""
    if isinstance(value, Mapping):
        kept: dict[str, Any] = {}
        for key in sorted(value):  # code point order is the byte order of UTF-8, which is how Go sorts
            child_path, child_shown = f"{path}.{key}", f"{shown}.{key}"
            rule = _rule(child_path, rules)
            if rule is not None:
                kind, zero = rule
                problem = _refusal(kind, value[key])
                if problem is not None:
                    if zero is not _DROP:
                        kept[key] = zero
                    return kept, f"{child_shown}: {problem}"
                kept[key] = value[key]
                continue
            kept[key], stopped = _keep(value[key], child_path, child_shown, rules)
            if stopped is not None:
                return kept, stopped
        return kept, None
    if isinstance(value, list):
        items: list[Any] = []
        for i, item in enumerate(value):
            child, stopped = _keep(item, f"{path}[]", f"{shown}[{i}]", rules)
            items.append(child)  # Go has already grown the slice to hold the element it was decoding
            if stopped is not None:
                return items, stopped
        return items, None
    return value, None


def _rule(path: str, rules: Rules) -> tuple[str, object] | None:
    for pattern, kind, zero in rules:
        if pattern.fullmatch(path):
            return kind, zero
    return None


def _refusal(kind: str, value: Any) -> str | None:
    """Why Go's decoder for ``kind`` refuses ``value`` (None when it accepts it; JSON null always is)."""
    if value is None:
        return None
    if kind == "quantity":
        try:
            parse_quantity(value.strip() if isinstance(value, str) else value)
        except ValueError as exc:
            return str(exc)
        return None
    if kind == "intorstring":
        if isinstance(value, str) or (type(value) is int and -(2**31) <= value < 2**31):
            return None
        return f"cannot read {value!r} as an int32 or a string"
    try:
        parse_time(value)
    except ValueError as exc:
        return str(exc)
    return None
