"""Turn a pydantic JSON Schema into a Kubernetes structural OpenAPI v3 schema, and lint the result.

Pure. Rewrites: inline `$ref`/`$defs`; `anyOf[X, null]` -> X (optional means "not required"); drop `title` and
`default` (the API server must never default a field the user does not own); `const` -> `enum`; untyped nodes and
open maps -> `x-kubernetes-preserve-unknown-fields`. Int-or-string and preserve-unknown markers come from the
field types themselves (`rollouts.api.types.IntOrString`, `rollouts.api.common.FreeObject`).
"""

from __future__ import annotations

from typing import Any

_DROPPED = frozenset({"title", "default", "examples", "$defs"})
_JUNCTORS = ("anyOf", "oneOf", "allOf", "not")
_PRESERVE = "x-kubernetes-preserve-unknown-fields"
_INT_OR_STRING = "x-kubernetes-int-or-string"


def structural(schema: dict[str, Any]) -> dict[str, Any]:
    """The structural form of a pydantic `model_json_schema(by_alias=True)` result (see the module docstring)."""
    return _convert(schema, schema.get("$defs", {}))


def _convert(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    node = _flatten(node, defs)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "const":
            out["enum"] = [value]
        elif key == "properties":
            out["properties"] = {name: _convert(child, defs) for name, child in value.items()}
        elif key == "items":
            out["items"] = _convert(value, defs)
        elif key == "additionalProperties":
            if isinstance(value, dict) and value:
                out["additionalProperties"] = _convert(value, defs)
            elif value is not False:
                out[_PRESERVE] = True
        else:
            out[key] = value
    if "properties" in out and "additionalProperties" in out:
        del out["additionalProperties"]
        out[_PRESERVE] = True
    if "type" not in out and not out.get(_INT_OR_STRING):
        if "properties" in out or "additionalProperties" in out:
            out["type"] = "object"
        else:
            out[_PRESERVE] = True
    return out


def _flatten(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Resolve `$ref` and nullable `anyOf` at the top of `node`; keys next to them (description) win."""
    if "$ref" in node:
        target = defs[node["$ref"].rsplit("/", 1)[-1]]
        siblings = {k: v for k, v in node.items() if k != "$ref"}
        return _flatten({**target, **siblings}, defs)
    if "anyOf" in node:
        branches = [b for b in node["anyOf"] if b != {"type": "null"}]
        if len(branches) != 1:
            raise ValueError(f"cannot express anyOf with {len(branches)} non-null branches structurally: {node}")
        siblings = {k: v for k, v in node.items() if k != "anyOf"}
        branch = _flatten(branches[0], defs)
        return {**branch, **{k: v for k, v in siblings.items() if k != "description" or v}}
    return node


def lint(schema: dict[str, Any], path: str = "") -> list[str]:
    """Where `schema` breaks Kubernetes' structural-schema rules, as "<path>: <problem>" lines; [] when fine.

    Every node needs a type unless it is int-or-string or preserve-unknown; no `$ref`, junctors, defaults, titles,
    or `nullable`; `properties` and `additionalProperties` are exclusive; arrays need `items`.
    """
    problems = []
    where = path or "<root>"
    for key in ("$ref", "default", "title", "nullable", *_JUNCTORS):
        if key in schema:
            problems.append(f"{where}: has {key}")
    if _INT_OR_STRING in schema:
        if "type" in schema:
            problems.append(f"{where}: int-or-string node must not have a type")
    elif "type" not in schema and not schema.get(_PRESERVE):
        problems.append(f"{where}: missing type")
    if "properties" in schema and "additionalProperties" in schema:
        problems.append(f"{where}: both properties and additionalProperties")
    if schema.get("type") == "array" and "items" not in schema:
        problems.append(f"{where}: array without items")
    for name, child in schema.get("properties", {}).items():
        problems += lint(child, f"{path}.{name}")
    if "items" in schema:
        problems += lint(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        problems += lint(schema["additionalProperties"], f"{path}{{}}")
    return problems


def walk(schema: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every (path, node) of a structural schema, depth first; paths look like `.spec.steps[].pause`."""
    nodes = [(path, schema)]
    for name, child in schema.get("properties", {}).items():
        nodes += walk(child, f"{path}.{name}")
    if "items" in schema:
        nodes += walk(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        nodes += walk(schema["additionalProperties"], f"{path}{{}}")
    return nodes
