"""What Argo's controller reads of a Rollout whose pod template Go's strict decoding refuses.

Pure. Argo turns each Rollout its informer receives into a Go struct with the strict unstructured converter. When
that fails on a value that a Kubernetes type's own decoder refuses (a quantity such as ``memory: invalid``, an
int-or-string port of ``1.5`` or ``true``, a template timestamp that is not RFC 3339), Argo writes the object out as
JSON, with map keys sorted, reads it back with ``encoding/json`` and keeps whatever that produced. That decoder stops
at the first such value: everything before it in sorted key order is kept, the value itself is left at its zero (a
resource map simply lacks the entry), and everything after it is never read. So ``requests: {memory: invalid}``
becomes no requests at all, and a later ``ephemeralContainers`` list is gone too.

`tolerate_rollout(raw)` does the same to a raw Rollout and names the field where reading stopped. The custom-typed
fields are those of a pod template (the only part of a Rollout the CRD schema does not check); type mismatches
elsewhere are refused by the API server before a controller sees them. One deliberate difference: Argo also loses
the Rollout's ``status`` (it sorts after ``spec``), which makes every reconcile look like the first; we keep it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rollouts.api.gotext import parse_time
from rollouts.api.quantity import parse_quantity

_DROP = object()
"""The failed value leaves no key behind (a map entry that is never set, a time left at zero)."""

_CONTAINERS = r"spec\.(?:initContainers|containers|ephemeralContainers)\[\]"
_HANDLER_PORT = r"(?:httpGet|tcpSocket)\.port"
_HANDLERS = r"(?:livenessProbe|readinessProbe|startupProbe|lifecycle\.(?:postStart|preStop))"
_PORT = rf"{_CONTAINERS}\.{_HANDLERS}\.{_HANDLER_PORT}"
_CLAIM = r"spec\.volumes\[\]\.ephemeral\.volumeClaimTemplate"
_RULES: tuple[tuple[re.Pattern[str], str, object], ...] = tuple(
    (re.compile(pattern), kind, zero)
    for pattern, kind, zero in (
        (rf"{_CONTAINERS}\.resources\.(?:requests|limits)\.[^.]+", "quantity", _DROP),
        (r"spec\.resources\.(?:requests|limits)\.[^.]+", "quantity", _DROP),
        (r"spec\.overhead\.[^.]+", "quantity", _DROP),
        (rf"{_CLAIM}\.spec\.resources\.(?:requests|limits)\.[^.]+", "quantity", _DROP),
        (r"spec\.volumes\[\]\.emptyDir\.sizeLimit", "quantity", "0"),
        (_PORT, "intorstring", 0),
        (rf"(?:{_CLAIM}\.)?metadata\.(?:creationTimestamp|deletionTimestamp)", "time", _DROP),
    )
)


def tolerate_rollout(raw: Mapping[str, Any]) -> tuple[Mapping[str, Any], str | None]:
    """``raw`` as Argo reads it, and None; or, when its pod template holds a value Go cannot decode, what Argo's
    lenient decoding keeps of the spec and the problem (``spec.template...: invalid quantity "invalid"``)."""
    spec = raw.get("spec")
    template = spec.get("template") if isinstance(spec, Mapping) else None
    if not isinstance(spec, Mapping) or not isinstance(template, Mapping):
        return raw, None
    kept, problem = _keep(template, "", "spec.template")
    if problem is None:
        return raw, None
    # Keys of the spec that sort after "template" are never read (workloadRef, and anything unknown).
    tolerated = {key: value for key, value in spec.items() if key < "template"}
    tolerated["template"] = kept
    return {**raw, "spec": tolerated}, problem


def _keep(value: Any, path: str, shown: str) -> tuple[Any, str | None]:
    """What Go decodes of ``value`` at ``path`` (in the template, list indices as ``[]``; ``shown`` is the full path
    with indices), and where and why it stopped, if it did."""
    if isinstance(value, Mapping):
        kept: dict[str, Any] = {}
        for key in sorted(value):  # code point order is the byte order of UTF-8, which is how Go sorts
            child_path, child_shown = (f"{path}.{key}" if path else key), f"{shown}.{key}"
            rule = _rule(child_path)
            if rule is not None:
                kind, zero = rule
                problem = _refusal(kind, value[key])
                if problem is not None:
                    if zero is not _DROP:
                        kept[key] = zero
                    return kept, f"{child_shown}: {problem}"
                kept[key] = value[key]
                continue
            kept[key], stopped = _keep(value[key], child_path, child_shown)
            if stopped is not None:
                return kept, stopped
        return kept, None
    if isinstance(value, list):
        items: list[Any] = []
        for i, item in enumerate(value):
            child, stopped = _keep(item, f"{path}[]", f"{shown}[{i}]")
            items.append(child)  # Go has already grown the slice to hold the element it was decoding
            if stopped is not None:
                return items, stopped
        return items, None
    return value, None


def _rule(path: str) -> tuple[str, object] | None:
    for pattern, kind, zero in _RULES:
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
