"""A deleted object leaves the cache at once (by uid), not only when the watch reports it."""

from __future__ import annotations

from rollouts.machinery.keys import ObjectKey
from rollouts.machinery.store import Store, index_by_owner_uid


def replica_set(uid: str) -> dict:
    metadata = {"namespace": "ns", "name": "rs", "uid": uid, "resourceVersion": "1", "ownerReferences": [{"uid": "o"}]}
    return {"kind": "ReplicaSet", "metadata": metadata}


def test_forget_drops_the_object_and_its_index_entries() -> None:
    store = Store({"owner": index_by_owner_uid})
    store._put(ObjectKey("ns", "rs"), replica_set("u1"))
    assert store.forget(ObjectKey("ns", "rs"), "u1")
    assert store.get(ObjectKey("ns", "rs")) is None
    assert store.by_index("owner", "o") == []


def test_forget_leaves_a_newer_object_of_the_same_name() -> None:
    store = Store()
    store._put(ObjectKey("ns", "rs"), replica_set("u2"))
    assert not store.forget(ObjectKey("ns", "rs"), "u1")
    assert store.get(ObjectKey("ns", "rs")) is not None
