"""JSON merge patches (RFC 7386) computed as the difference of two documents. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def merge_patch(
    current: Mapping[str, Any], desired: Mapping[str, Any], *, removable: frozenset[str] | None = None
) -> dict[str, Any] | None:
    """A merge patch turning `current` into `desired`; None when they are equal (then nothing is written).

    Top-level keys only `current` has are removed (null) when `removable` is None or names them, so a field we
    do not model (written by a newer tool) survives. Nested objects are diffed; lists are replaced whole.
    """
    patch: dict[str, Any] = {}
    for key in current.keys() - desired.keys():
        if removable is None or key in removable:
            patch[key] = None
    for key, value in desired.items():
        old = current.get(key)
        if isinstance(value, Mapping) and isinstance(old, Mapping):
            nested = merge_patch(old, value)
            if nested is not None:
                patch[key] = nested
        elif old != value:
            patch[key] = value
    return patch or None


def apply_merge_patch(current: Mapping[str, Any], patch: Mapping[str, Any] | None) -> dict[str, Any]:
    """`current` with a merge patch applied, as the API server applies it: null removes, objects merge, anything
    else replaces. `apply_merge_patch(a, merge_patch(a, b))` is `b`, bar the keys `merge_patch` kept."""
    result = dict(current)
    for key, value in (patch or {}).items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = apply_merge_patch(result[key], value)
        else:
            result[key] = value
    return result
