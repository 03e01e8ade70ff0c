"""JSON Patch (RFC 6902) plumbing shared by every router's pure translation.

A translation returns a list of operations; [] means the object is already as wanted and nothing is sent. Every
operation that addresses an array element by index comes after a ``test`` of what identifies the element, so a
concurrent reorder makes the API server reject the patch (422) instead of writing to the wrong element.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

Operation = dict[str, Any]
"""One RFC 6902 operation: {"op": "test" | "add" | "replace" | "remove", "path": <JSON Pointer>, "value": ...}."""


def test(path: str, value: Any) -> Operation:
    """An operation that writes nothing (so takes no field ownership) and fails the patch when ``path`` differs."""
    return {"op": "test", "path": path, "value": copy.deepcopy(value)}


def escape(token: str) -> str:
    """One JSON Pointer reference token (RFC 6901): '~' is '~0' and '/' is '~1'."""
    return token.replace("~", "~0").replace("/", "~1")


def name_of(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def set_map_entry(obj: Mapping[str, Any], field: str, key: str, value: str | None) -> list[Operation]:
    """Set (or for None remove) ``metadata.<field>[key]``, e.g. one annotation; [] when it already is so."""
    entries = (obj.get("metadata") or {}).get(field)
    path = f"/metadata/{field}"
    if value is None:
        return [{"op": "remove", "path": f"{path}/{escape(key)}"}] if entries and key in entries else []
    if entries is None:
        return [{"op": "add", "path": path, "value": {key: value}}]
    if entries.get(key) == value:
        return []
    return [{"op": "replace" if key in entries else "add", "path": f"{path}/{escape(key)}", "value": value}]


def annotation_ops(obj: Mapping[str, Any], key: str, value: str | None) -> list[Operation]:
    """Set (or for None remove) one annotation of ``obj``; [] when it already is so."""
    return set_map_entry(obj, "annotations", key, value)


def replace_ops(path: str, current: Any, desired: Any, *, present: bool = True) -> list[Operation]:
    """Make the value at ``path`` equal ``desired``, guarded by a test of what was read; [] when it already is.

    ``present`` says whether the key exists at all (an absent key is added, with nothing to test).
    """
    if present and current == desired:
        return []
    if not present:
        return [{"op": "add", "path": path, "value": copy.deepcopy(desired)}]
    return [test(path, current), {"op": "replace", "path": path, "value": copy.deepcopy(desired)}]


def annotations_ops(obj: Mapping[str, Any], wanted: Mapping[str, str | None]) -> list[Operation]:
    """Set each annotation of ``wanted`` (None removes it), leaving every other annotation alone."""
    current = (obj.get("metadata") or {}).get("annotations")
    if current is None:
        added = {key: value for key, value in wanted.items() if value is not None}
        return [{"op": "add", "path": "/metadata/annotations", "value": added}] if added else []
    return [op for key, value in wanted.items() for op in annotation_ops(obj, key, value)]
