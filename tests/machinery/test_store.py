"""The store's named indexes, as tables: after a sequence of writes, which keys each index value finds.

Aspects: add, update (refiles), delete, relist (replace), write-back (refiles only a newer version), an index added
to a filled store, a failing index function, and concurrent writers and readers.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from rollouts.machinery.keys import ObjectKey
from rollouts.machinery.store import RawObject, Store


def obj(name: str, version: str, *refs: str) -> RawObject:
    """An object in namespace "ns" whose `refs` annotation lists what it refers to (comma-separated)."""
    annotations = {"refs": ",".join(refs)} if refs else {}
    return {"metadata": {"namespace": "ns", "name": name, "resourceVersion": version, "annotations": annotations}}


def refers_to(raw: RawObject) -> list[str]:
    value = raw["metadata"]["annotations"].get("refs")
    return value.split(",") if value else []


def key(name: str) -> ObjectKey:
    return ObjectKey("ns", name)


def put(store: Store, raw: RawObject) -> None:
    store._put(key(raw["metadata"]["name"]), raw)


Op = tuple[str, Any]
CASES: list[tuple[str, list[Op], dict[str, list[str]]]] = [
    ("add files under every value", [("put", obj("a", "1", "s1", "s2"))], {"s1": ["a"], "s2": ["a"], "s3": []}),
    (
        "two objects under one value, sorted by key",
        [("put", obj("b", "1", "s1")), ("put", obj("a", "1", "s1"))],
        {"s1": ["a", "b"]},
    ),
    (
        "an update refiles: the old value no longer finds it",
        [("put", obj("a", "1", "s1")), ("put", obj("a", "2", "s2"))],
        {"s1": [], "s2": ["a"]},
    ),
    (
        "a delete unfiles",
        [("put", obj("a", "1", "s1")), ("put", obj("b", "1", "s1")), ("delete", "a")],
        {"s1": ["b"]},
    ),
    (
        "a relist refiles what changed and unfiles what vanished",
        [
            ("put", obj("a", "1", "s1")),
            ("put", obj("b", "1", "s1")),
            ("replace", [obj("b", "5", "s2"), obj("c", "5", "s1")]),
        ],
        {"s1": ["c"], "s2": ["b"]},
    ),
    (
        "a newer write-back refiles",
        [("put", obj("a", "1", "s1")), ("write_back", obj("a", "2", "s2"))],
        {"s1": [], "s2": ["a"]},
    ),
    (
        "an older write-back changes nothing",
        [("put", obj("a", "3", "s1")), ("write_back", obj("a", "2", "s2"))],
        {"s1": ["a"], "s2": []},
    ),
    ("an object with no values is in no bucket", [("put", obj("a", "1"))], {"": []}),
]


@pytest.mark.parametrize(("ops", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_index_after_writes(ops: list[Op], expected: dict[str, list[str]]) -> None:
    store = Store({"refs": refers_to})
    for op, arg in ops:
        if op == "put":
            put(store, arg)
        elif op == "delete":
            store._delete(key(arg))
        elif op == "replace":
            store._replace({key(raw["metadata"]["name"]): raw for raw in arg})
        elif op == "write_back":
            store.write_back(arg)
    for value, names in expected.items():
        assert store.keys_by_index("refs", value) == [key(name) for name in names], value
        assert [raw["metadata"]["name"] for raw in store.by_index("refs", value)] == names


def test_an_index_added_later_files_what_is_stored() -> None:
    store = Store()
    put(store, obj("a", "1", "s1"))
    store.add_indexer("refs", refers_to)
    assert store.keys_by_index("refs", "s1") == [key("a")]
    put(store, obj("a", "2", "s2"))
    assert (store.keys_by_index("refs", "s1"), store.keys_by_index("refs", "s2")) == ([], [key("a")])
    with pytest.raises(ValueError, match="exists already"):
        store.add_indexer("refs", refers_to)


def test_unknown_index_names_the_ones_there_are() -> None:
    with pytest.raises(KeyError, match=r"no index 'nope'; have \['refs'\]"):
        Store({"refs": refers_to}).keys_by_index("nope", "x")


def test_a_failing_index_function_files_nothing_and_keeps_the_object() -> None:
    def broken(raw: RawObject) -> list[str]:
        raise RuntimeError("odd object")

    store = Store({"broken": broken, "refs": refers_to})
    put(store, obj("a", "1", "s1"))
    assert store.get(key("a")) is not None
    assert store.keys_by_index("refs", "s1") == [key("a")]


def test_concurrent_writers_and_readers_never_see_a_dangling_index() -> None:
    store = Store({"refs": refers_to})
    done = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        for version in range(2000):
            put(store, obj(f"o{version % 7}", str(version), f"s{version % 3}"))
            if version % 5 == 0:
                store._delete(key(f"o{version % 7}"))
        done.set()

    def read() -> None:
        try:
            while not done.is_set():
                for value in ("s0", "s1", "s2"):
                    assert all(value in refers_to(raw) for raw in store.by_index("refs", value))
        except BaseException as error:  # surfaced below: a thread's failure must fail the test
            errors.append(error)

    threads = [threading.Thread(target=write), *(threading.Thread(target=read) for _ in range(2))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
