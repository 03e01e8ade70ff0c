"""Caches keep objects without managedFields, with interned keys, and never change what they were handed."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from typing import Any

from rollouts.machinery import clock as clocks
from rollouts.machinery import informer as informers
from rollouts.machinery.keys import ObjectKey
from rollouts.machinery.slim import slim
from rollouts.machinery.store import Store


def replica_set(name: str, version: str) -> dict[str, Any]:
    text = json.dumps(
        {
            "kind": "ReplicaSet",
            "metadata": {
                "namespace": "default",
                "name": name,
                "resourceVersion": version,
                "labels": {"rollouts-pod-template-hash": "abc"},
                "managedFields": [{"manager": "rollouts-controller", "fieldsV1": {"f:spec": {"f:replicas": {}}}}],
            },
            "spec": {"replicas": 1, "template": {"spec": {"containers": [{"name": "app", "image": "demo"}]}}},
        }
    )
    decoded: dict[str, Any] = json.loads(text)  # fresh key strings, as every watch line gives
    return decoded


class OneListThenIdle:
    def __init__(self, stop: threading.Event, listed: list[dict[str, Any]], events: list[informers.WatchEvent]):
        self.stop, self.listed, self.events = stop, listed, events

    def list(self) -> tuple[list[dict[str, Any]], str]:
        return self.listed, "1"

    def watch(self, resource_version: str, timeout_seconds: int) -> Iterator[informers.WatchEvent]:
        yield from self.events
        self.events = []
        self.stop.wait()


def test_slim_drops_managed_fields_and_leaves_the_original_alone() -> None:
    original = replica_set("a", "1")
    before = copy.deepcopy(original)
    slimmed = slim(original)
    assert "managedFields" not in slimmed["metadata"]
    assert original == before
    del before["metadata"]["managedFields"]
    assert slimmed == before


def test_slimmed_objects_share_their_key_strings() -> None:
    first, second = slim(replica_set("a", "1")), slim(replica_set("b", "2"))
    assert [id(key) for key in first] == [id(key) for key in second]
    assert [id(key) for key in first["spec"]["template"]["spec"]["containers"][0]] == [
        id(key) for key in second["spec"]["template"]["spec"]["containers"][0]
    ]


def test_the_informer_stores_and_announces_slim_objects(stop: threading.Event) -> None:
    added = replica_set("b", "3")
    lister = OneListThenIdle(stop, [replica_set("a", "2")], [informers.WatchEvent("ADDED", added)])
    informer = informers.Informer(lister, name="replicasets", clock=clocks.RealClock())
    announced: list[dict[str, Any]] = []
    both = threading.Event()

    def on_add(obj: dict[str, Any]) -> None:
        announced.append(obj)
        if len(announced) == 2:
            both.set()

    informer.add_handler(on_add=on_add)
    informer.start(stop)
    assert both.wait(5)
    assert [obj["metadata"]["name"] for obj in announced] == ["a", "b"]
    assert all("managedFields" not in obj["metadata"] for obj in announced)
    assert all("managedFields" not in obj["metadata"] for obj in informer.store.list())
    assert "managedFields" in added["metadata"]  # the event's own object is untouched


def test_write_back_stores_a_slim_object() -> None:
    store = Store()
    store.write_back(replica_set("a", "5"))
    stored = store.get(ObjectKey("default", "a"))
    assert stored is not None and "managedFields" not in stored["metadata"]


def test_keep_caches_only_the_part_readers_use(stop: threading.Event) -> None:
    def names_only(obj: dict[str, Any]) -> dict[str, Any]:
        return {"kind": obj["kind"], "metadata": obj["metadata"]}

    lister = OneListThenIdle(stop, [replica_set("a", "2")], [informers.WatchEvent("MODIFIED", replica_set("a", "3"))])
    informer = informers.Informer(lister, name="replicasets", clock=clocks.RealClock(), keep=names_only)
    updated = threading.Event()
    informer.add_handler(on_update=lambda old, new: updated.set())
    informer.start(stop)
    assert updated.wait(5)
    stored = informer.store.get(ObjectKey("default", "a"))
    assert stored is not None and set(stored) == {"kind", "metadata"} and stored["metadata"]["resourceVersion"] == "3"
    assert "managedFields" not in stored["metadata"]
