"""Name an object by namespace and name. This key is what the queue carries and reconcile receives.

Pure: no I/O. A key says *which* object to look at, never *what* it looked like, so the
reconciler always reads the current state from the cache.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ObjectKey", "key_of"]


@dataclass(frozen=True, order=True)
class ObjectKey:
    """Where an object lives. `namespace` is "" for cluster-scoped objects.

    >>> str(ObjectKey("prod", "checkout"))
    'prod/checkout'
    >>> str(ObjectKey("", "istio-system"))
    'istio-system'
    """

    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @classmethod
    def parse(cls, text: str) -> ObjectKey:
        """The inverse of `str()`: "ns/name" or "name" (cluster-scoped)."""
        namespace, _, name = text.rpartition("/")
        if not name or "/" in namespace:
            raise ValueError(f"expected 'namespace/name' or 'name', got {text!r}")
        return cls(namespace, name)


def key_of(obj: Mapping[str, Any]) -> ObjectKey:
    """The key of a raw API object, read from its metadata."""
    metadata = obj.get("metadata") or {}
    name = metadata.get("name")
    if not name:
        raise ValueError(f"object has no metadata.name: kind={obj.get('kind')!r}")
    return ObjectKey(metadata.get("namespace") or "", name)
