"""A pod template as Go's ``json.Marshal`` writes a decoded ``core/v1 PodTemplateSpec``: the bytes Argo
Rollouts hashes.

Pure. ``podtemplate_fields.json`` (generated from k8s.io/api by ``rollouts/cluster/gobuild/podtemplate``)
lists every struct reachable from PodTemplateSpec with its fields in declaration order. Decoding follows
Kubernetes' JSON decoder: keys match case-sensitively, unknown keys are dropped, ``null`` and values of the
wrong type leave the Go zero value. Encoding follows ``encoding/json``: struct fields in order, ``omitempty``
drops false, 0, "", nil pointers and empty slices and maps (never structs), ``omitzero`` drops zero values,
embedded structs are inlined, map keys are sorted, strings are HTML-escaped, and Quantity, IntOrString, Time
and FieldsV1 use their own encodings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import Any

from rollouts.plan.goquantity import quantity_json

Kind = str | dict[str, Any]
_MISSING = object()
_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_SCALARS = {"string": str, "bool": bool, "int": int}


@cache
def field_table() -> dict[str, Any]:
    """The generated table: ``{"root": type name, "types": {type name: [field, ...]}}``."""
    text = resources.files(__package__).joinpath("podtemplate_fields.json").read_text(encoding="utf-8")
    table: dict[str, Any] = json.loads(text)
    return table


def pod_template_json(template: Mapping[str, Any] | None) -> bytes:
    """Go's ``json.Marshal`` of the PodTemplateSpec that ``json.Unmarshal`` makes of ``template``.

    Raises ValueError naming the field where Go's decoding fails outright (an unparseable quantity, a
    fractional IntOrString, a malformed time); Argo cannot read such a Rollout at all.
    """
    kind = {"struct": field_table()["root"]}
    return _encode(kind, _decode(kind, template, "template")).encode("utf-8")


# --- decoding: JSON values to Go values ----------------------------------------------------------------------
# A Go value is represented as: str/bool/int for scalars, None for nil pointers, slices and maps, a list or
# dict for non-nil ones, a dict of field name to value for structs, and the JSON text for custom kinds.


def _decode(kind: Kind, raw: Any, path: str) -> Any:
    if isinstance(kind, str):
        return _decode_leaf(kind, raw, path)
    ((shape, inner),) = kind.items()
    if shape == "struct":
        return _decode_struct(inner, raw if isinstance(raw, Mapping) else {}, path)
    if shape == "pointer":
        return None if raw is None or raw is _MISSING else _decode(inner, raw, path)
    if shape == "slice":
        return [_decode(inner, item, f"{path}[{i}]") for i, item in enumerate(raw)] if isinstance(raw, list) else None
    if shape == "map":
        return (
            {key: _decode(inner, value, f"{path}.{key}") for key, value in raw.items()}
            if isinstance(raw, Mapping)
            else None
        )
    raise ValueError(f"{path}: unknown kind {kind!r} in podtemplate_fields.json")


def _decode_struct(type_name: str, raw: Mapping[str, Any], path: str) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for field in field_table()["types"][type_name]:
        if field.get("inline"):
            decoded.update(_decode(field["kind"], raw, path))
        else:
            decoded[field["name"]] = _decode(field["kind"], raw.get(field["name"], _MISSING), f"{path}.{field['name']}")
    return decoded


def _decode_leaf(kind: str, raw: Any, path: str) -> Any:
    present = raw is not None and raw is not _MISSING
    if kind in _SCALARS:
        if kind == "int" and isinstance(raw, float) and raw.is_integer():
            raw = int(raw)  # what the API server stores for 2.0
        wanted = _SCALARS[kind]
        fits = isinstance(raw, wanted) and (wanted is bool or not isinstance(raw, bool))
        return raw if fits else wanted()
    try:
        if kind == "quantity":
            return quantity_json(raw if present else None)
        if kind == "intorstring":
            return _int_or_string_json(raw if present else 0)
        if kind == "time":
            return _time_json(raw) if present else None
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    if kind == "rawjson":
        return raw if present else None
    raise ValueError(f"{path}: unknown kind {kind!r} in podtemplate_fields.json")


def _int_or_string_json(raw: Any) -> str:
    if isinstance(raw, str):
        return _string_json(raw)
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool) and -(2**31) <= raw < 2**31:
        return str(raw)
    raise ValueError(f"expected a string or a 32-bit integer, got {raw!r}")


def _time_json(raw: Any) -> str:
    """metav1.Time: RFC 3339 in, whole seconds in UTC out."""
    if not isinstance(raw, str):
        raise ValueError(f"expected an RFC 3339 time, got {raw!r}")
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise ValueError(f"expected an RFC 3339 time, got {raw!r}") from None
    if moment.tzinfo is None:
        raise ValueError(f"expected an RFC 3339 time with a zone, got {raw!r}")
    return '"' + moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") + '"'


# --- encoding: Go values to JSON text ------------------------------------------------------------------------


def _encode(kind: Kind, value: Any) -> str:
    if isinstance(kind, str):
        return _encode_leaf(kind, value)
    ((shape, inner),) = kind.items()
    if shape == "struct":
        return "{" + ",".join(_struct_members(inner, value)) + "}"
    if value is None:
        return "null"
    if shape == "pointer":
        return _encode(inner, value)
    if shape == "slice":
        return "[" + ",".join(_encode(inner, item) for item in value) + "]"
    return "{" + ",".join(f"{_string_json(key)}:{_encode(inner, value[key])}" for key in sorted(value)) + "}"


def _struct_members(type_name: str, value: dict[str, Any]) -> list[str]:
    members: list[str] = []
    for field in field_table()["types"][type_name]:
        kind = field["kind"]
        if field.get("inline"):
            members += _struct_members(kind["struct"], value)
            continue
        item = value[field["name"]]
        if (field.get("omitempty") and _is_empty(kind, item)) or (field.get("omitzero") and _is_zero(kind, item)):
            continue
        members.append(f"{_string_json(field['name'])}:{_encode(kind, item)}")
    return members


def _encode_leaf(kind: str, value: Any) -> str:
    if kind == "string":
        return _string_json(value)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "int":
        return str(value)
    if kind == "time" and value is None:
        return "null"
    if kind == "rawjson":
        return "null" if value is None else _any_json(value)
    return str(value)  # quantity, intorstring and time were encoded while decoding


def _is_empty(kind: Kind, value: Any) -> bool:
    """encoding/json's omitempty: false, 0, "", nil pointers, empty slices and maps; never a struct."""
    if isinstance(kind, dict):
        if "pointer" in kind:
            return value is None
        return "struct" not in kind and not value  # a nil or empty slice or map
    if kind in _SCALARS:
        return value in ("", 0, False)
    return False  # Quantity, IntOrString, Time and FieldsV1 are structs


def _is_zero(kind: Kind, value: Any) -> bool:
    """encoding/json's omitzero: the zero value, or IsZero() where the type has one (metav1.Time)."""
    if kind == "time":
        return value is None
    raise ValueError(f"omitzero on a {kind!r} field: teach rollouts.plan.gojson about it")


def _string_json(text: str) -> str:
    encoded = json.dumps(text, ensure_ascii=False)
    return "".join(_HTML_ESCAPES.get(char, char) for char in encoded)


def _any_json(value: Any) -> str:
    """Compact JSON of an arbitrary value, keys in their original order (raw JSON kept by FieldsV1)."""
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{_string_json(key)}:{_any_json(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_any_json(item) for item in value) + "]"
    if isinstance(value, str):
        return _string_json(value)
    return json.dumps(value)
