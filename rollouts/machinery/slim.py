"""What a cache keeps of an object: all that readers use, without the bulk nobody here reads.

The server attaches `metadata.managedFields` (server-side apply's record of who set each field) to every object;
it is often as large as the rest of the object, and no reader uses it. The JSON keys are interned, so the
thousands of cached objects share one "metadata", one "containers", ... instead of one string each.
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["DROPPED_METADATA", "slim"]

DROPPED_METADATA = frozenset({"managedFields"})


def slim(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of `obj` to cache: keys interned, `DROPPED_METADATA` left out. `obj` itself is not changed."""
    copy: dict[str, Any] = {}
    for key, value in obj.items():
        if key == "metadata" and isinstance(value, dict):
            value = {name: field for name, field in value.items() if name not in DROPPED_METADATA}
        copy[sys.intern(key)] = _interned(value)
    return copy


def _interned(value: Any) -> Any:
    if isinstance(value, dict):
        return {sys.intern(key) if isinstance(key, str) else key: _interned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_interned(item) for item in value]
    return value
