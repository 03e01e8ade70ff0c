"""The informer's cache: a thread-safe map of key → latest object, with named secondary indexes.

Indexes follow client-go's Indexers: an index name maps to a function from an object to the values it is filed
under (an owner's uid, the keys of the objects a Rollout refers to, ...). `by_index` / `keys_by_index` answer
"which objects are filed under this value" without scanning the store. Every write (add, update, delete, relist,
write-back) refiles the object under the same lock, so readers never see an index out of step with the objects.
"""

from __future__ import annotations

import builtins
import logging
import threading
from collections.abc import Callable, Mapping
from typing import Any

from rollouts.machinery.keys import ObjectKey, key_of
from rollouts.machinery.slim import slim

__all__ = ["IndexFunc", "RawObject", "Store", "index_by_label", "index_by_owner_uid"]

_log = logging.getLogger(__name__)

RawObject = dict[str, Any]
IndexFunc = Callable[[RawObject], builtins.list[str]]
"""Maps an object to the index values it is found under (e.g. its owners' uids)."""


class Store:
    """A thread-safe map of key → latest object, with optional secondary indexes.

    Only its informer writes to it. Readers get the stored dicts themselves: read-only.
    """

    def __init__(self, indexers: Mapping[str, IndexFunc] | None = None) -> None:
        self._lock = threading.Lock()
        self._objects: dict[ObjectKey, RawObject] = {}
        self._indexers = dict(indexers or {})
        self._indexes: dict[str, dict[str, set[ObjectKey]]] = {name: {} for name in self._indexers}
        self._indexed: dict[ObjectKey, dict[str, builtins.list[str]]] = {}
        """The values each key is filed under, so removal does not depend on re-running index funcs."""

    def get(self, key: ObjectKey) -> RawObject | None:
        with self._lock:
            return self._objects.get(key)

    def list(self) -> builtins.list[RawObject]:
        with self._lock:
            return builtins.list(self._objects.values())

    def by_index(self, index_name: str, value: str) -> builtins.list[RawObject]:
        """Objects filed under `value` in `index_name`, ordered by key."""
        with self._lock:
            return [self._objects[key] for key in self._keys_under(index_name, value)]

    def keys_by_index(self, index_name: str, value: str) -> builtins.list[ObjectKey]:
        """Keys of the objects filed under `value` in `index_name`, sorted."""
        with self._lock:
            return self._keys_under(index_name, value)

    def indexer(self, index_name: str) -> IndexFunc | None:
        """The function behind a named index, if there is one."""
        with self._lock:
            return self._indexers.get(index_name)

    def add_indexer(self, index_name: str, func: IndexFunc) -> None:
        """Add a named index and file every object already stored under it."""
        with self._lock:
            if index_name in self._indexers:
                raise ValueError(f"index {index_name!r} exists already")
            self._indexers[index_name] = func
            self._indexes[index_name] = {}
            for key, obj in self._objects.items():
                values = _index_values(index_name, func, obj)
                self._indexed.setdefault(key, {})[index_name] = values
                for value in values:
                    self._indexes[index_name].setdefault(value, set()).add(key)

    def _keys_under(self, index_name: str, value: str) -> builtins.list[ObjectKey]:
        if index_name not in self._indexes:
            raise KeyError(f"no index {index_name!r}; have {sorted(self._indexes)}")
        return sorted(self._indexes[index_name].get(value, ()))

    def write_back(self, obj: RawObject) -> bool:
        """Keep what our own write returned, unless the cache already holds a newer version.

        Without this, a reconcile triggered before the watch delivers our write would act on the object as it
        was before it. resourceVersions are opaque, but the apiserver's are etcd revisions: compare them as
        integers, and when either is not one, leave the cache to the watch.
        """
        key = key_of(obj)
        with self._lock:
            current = self._objects.get(key)
            if current is not None and not _is_newer(obj, current):
                return False
            obj = slim(obj)
            self._unfile(key)
            self._file(key, obj)
            return True

    def forget(self, key: ObjectKey, uid: str | None) -> bool:
        """Drop an object we just deleted (with this uid), so a reconcile that runs before the watch reports the
        deletion does not see it, and delete it again."""
        with self._lock:
            current = self._objects.get(key)
            if current is None or (current.get("metadata") or {}).get("uid") != uid:
                return False
            self._unfile(key)
            return True

    # The write side, for the informer only.

    def _put(self, key: ObjectKey, obj: RawObject) -> tuple[RawObject | None, bool]:
        """(what was stored before, whether `obj` now is). An event older than what our own write left here
        (`write_back`) is not stored: readers would see our write undone until the watch caught up."""
        with self._lock:
            current = self._objects.get(key)
            if current is not None and _is_newer(current, obj):
                return current, False
            old = self._unfile(key)
            self._file(key, obj)
            return old, True

    def _delete(self, key: ObjectKey) -> RawObject | None:
        with self._lock:
            return self._unfile(key)

    def _replace(
        self, fresh: Mapping[ObjectKey, RawObject]
    ) -> tuple[builtins.list[RawObject], builtins.list[tuple[RawObject, RawObject]], builtins.list[RawObject]]:
        """Swap in a fresh list; return (added, updated as (old, new), deleted) against the old contents."""
        added: builtins.list[RawObject] = []
        updated: builtins.list[tuple[RawObject, RawObject]] = []
        with self._lock:
            deleted = [self._objects[key] for key in self._objects if key not in fresh]
            for key in builtins.list(self._objects):
                if key not in fresh:
                    self._unfile(key)
            for key, obj in fresh.items():
                old = self._unfile(key)
                self._file(key, obj)
                if old is None:
                    added.append(obj)
                elif old != obj:
                    updated.append((old, obj))
        return added, updated, deleted

    def _file(self, key: ObjectKey, obj: RawObject) -> None:
        self._objects[key] = obj
        values = {name: _index_values(name, func, obj) for name, func in self._indexers.items()}
        self._indexed[key] = values
        for name, vals in values.items():
            for value in vals:
                self._indexes[name].setdefault(value, set()).add(key)

    def _unfile(self, key: ObjectKey) -> RawObject | None:
        old = self._objects.pop(key, None)
        for name, vals in self._indexed.pop(key, {}).items():
            for value in vals:
                bucket = self._indexes[name].get(value)
                if bucket is not None:
                    bucket.discard(key)
                    if not bucket:
                        del self._indexes[name][value]
        return old


def index_by_owner_uid(obj: RawObject) -> builtins.list[str]:
    """Index function: the uids in `metadata.ownerReferences` (find a Rollout's ReplicaSets)."""
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return [ref["uid"] for ref in refs if ref.get("uid")]


def index_by_label(label: str) -> IndexFunc:
    """Index function factory: the value of one label, if set."""

    def values(obj: RawObject) -> builtins.list[str]:
        labels = (obj.get("metadata") or {}).get("labels") or {}
        return [labels[label]] if label in labels else []

    return values


def _index_values(name: str, func: IndexFunc, obj: RawObject) -> builtins.list[str]:
    try:
        return builtins.list(func(obj))
    except Exception:
        # One odd object must not wedge the informer; it is simply not found under this index.
        _log.exception("index %s failed for %s", name, key_of(obj))
        return []


def _is_newer(candidate: RawObject, current: RawObject) -> bool:
    try:
        return int(candidate["metadata"]["resourceVersion"]) > int(current["metadata"]["resourceVersion"])
    except (KeyError, TypeError, ValueError):
        return False
