"""The informer's reflector logic, driven by a scripted ListerWatcher.

The script is not a fake API server: it plays back canned list results and watch streams
(events, exceptions, 410s) in order and records the resourceVersions it was asked to watch from.
Once the script is used up, watch() blocks until the test stops the informer, so "the script is
idle" means "every scripted event has been applied and announced".

Aspects: the initial list and sync; watch events and the store; bookmarks move only the
resourceVersion; 410 in all three forms relists and announces vanished objects; stream end
re-watches from the last resourceVersion; other failures back off (0.2 s, doubling) and resume
the watch; indexers; resync; broken handlers do not stop the informer.
Excluded: HTTP, JSON decoding, real timeouts (that is rollouts.kube's job).
"""

import threading
from collections import deque
from collections.abc import Iterator
from typing import Any

import pytest

from rollouts.machinery import clock as clocks
from rollouts.machinery import informer as informers
from rollouts.machinery.keys import ObjectKey

Script = list[informers.WatchEvent | Exception]


class ScriptedListerWatcher:
    def __init__(
        self,
        stop: threading.Event,
        *,
        lists: list[tuple[list[dict[str, Any]], str] | Exception],
        watches: list[Script] = (),  # type: ignore[assignment]
    ) -> None:
        self._stop = stop
        self._lists = deque(lists)
        self._watches = deque(watches)
        self._changed = threading.Condition()
        self.list_calls = 0
        self.watched_from: list[str] = []
        self.idle = threading.Event()

    def list(self) -> tuple[list[dict[str, Any]], str]:
        with self._changed:
            self.list_calls += 1
            self._changed.notify_all()
            response = self._lists.popleft()
        if isinstance(response, Exception):
            raise response
        return response

    def watch(self, resource_version: str, timeout_seconds: int) -> Iterator[informers.WatchEvent]:
        with self._changed:
            self.watched_from.append(resource_version)
            self._changed.notify_all()
            script = self._watches.popleft() if self._watches else None
        if script is None:
            self.idle.set()
            self._stop.wait()
            return
        for item in script:
            if isinstance(item, Exception):
                raise item
            yield item

    def wait_for_watches(self, count: int, timeout: float = 2.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.watched_from) >= count, timeout)


class Recorder:
    """Handlers that write down what they were told, as (verb, name, resourceVersion...)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, ...]] = []
        self._changed = threading.Condition()

    def attach(self, informer: informers.Informer) -> None:
        informer.add_handler(on_add=self.on_add, on_update=self.on_update, on_delete=self.on_delete)

    def on_add(self, obj: dict[str, Any]) -> None:
        self._note("add", name(obj), rv(obj))

    def on_update(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self._note("update", name(new), rv(old), rv(new))

    def on_delete(self, obj: dict[str, Any]) -> None:
        self._note("delete", name(obj), rv(obj))

    def _note(self, *entry: str) -> None:
        with self._changed:
            self.seen.append(entry)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 2.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.seen) >= count, timeout)


def an_object(name: str, rv: str, *, labels: dict[str, str] | None = None, owner: str | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"namespace": "default", "name": name, "resourceVersion": rv}
    if labels:
        metadata["labels"] = labels
    if owner:
        metadata["ownerReferences"] = [{"kind": "Rollout", "name": "owner", "uid": owner}]
    return {"kind": "ReplicaSet", "metadata": metadata}


def name(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["name"])


def rv(obj: dict[str, Any]) -> str:
    return str(obj["metadata"]["resourceVersion"])


def event(kind: str, obj: dict[str, Any]) -> informers.WatchEvent:
    return informers.WatchEvent(kind, obj)  # type: ignore[arg-type]


def bookmark(resource_version: str) -> informers.WatchEvent:
    return informers.WatchEvent("BOOKMARK", {"kind": "ReplicaSet", "metadata": {"resourceVersion": resource_version}})


def stored(informer: informers.Informer) -> dict[str, str]:
    return {name(obj): rv(obj) for obj in informer.store.list()}


class ApiStatusError(Exception):
    """Looks like kubernetes' ApiException: a `.status` attribute and nothing else in common."""

    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def start(
    lw: ScriptedListerWatcher, clock: clocks.Clock, stop: threading.Event, recorder: Recorder, **kwargs: Any
) -> informers.Informer:
    informer = informers.Informer(lw, name="replicasets", clock=clock, **kwargs)
    recorder.attach(informer)
    informer.start(stop)
    return informer


def test_initial_list_fills_the_store_announces_adds_and_watches_from_the_list_rv(
    clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder
) -> None:
    lw = ScriptedListerWatcher(stop, lists=[([an_object("a", "5"), an_object("b", "7")], "10")])
    informer = start(lw, clock, stop, recorder)

    assert informer.wait_for_sync(2)
    assert lw.idle.wait(2)
    assert recorder.seen == [("add", "a", "5"), ("add", "b", "7")]
    assert stored(informer) == {"a": "5", "b": "7"}
    assert informer.store.get(ObjectKey("default", "a")) == an_object("a", "5")
    assert informer.store.get(ObjectKey("default", "zzz")) is None
    assert lw.watched_from == ["10"]


def test_watch_events_update_the_store_in_order(
    clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder
) -> None:
    lw = ScriptedListerWatcher(
        stop,
        lists=[([an_object("a", "5"), an_object("b", "7")], "10")],
        watches=[
            [
                event("ADDED", an_object("c", "11")),
                event("MODIFIED", an_object("a", "12")),
                event("DELETED", an_object("b", "13")),
                event("MODIFIED", an_object("d", "14")),  # never saw it added: still an add
            ]
        ],
    )
    informer = start(lw, clock, stop, recorder)

    assert lw.idle.wait(2)
    assert recorder.seen[2:] == [
        ("add", "c", "11"),
        ("update", "a", "5", "12"),
        ("delete", "b", "13"),
        ("add", "d", "14"),
    ]
    assert stored(informer) == {"a": "12", "c": "11", "d": "14"}
    assert lw.watched_from == ["10", "14"]


def test_bookmark_moves_the_resource_version_and_nothing_else(
    clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder
) -> None:
    lw = ScriptedListerWatcher(
        stop, lists=[([an_object("a", "5")], "10")], watches=[[bookmark("20")], [bookmark("25"), bookmark("30")]]
    )
    informer = start(lw, clock, stop, recorder)

    assert lw.idle.wait(2)
    assert lw.watched_from == ["10", "20", "30"]
    assert recorder.seen == [("add", "a", "5")]
    assert stored(informer) == {"a": "5"}


@pytest.mark.parametrize(
    "gone",
    [
        pytest.param(informers.GoneError("too old resource version: 11 (15)"), id="gone-exception"),
        pytest.param(
            informers.WatchEvent("ERROR", {"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"}),
            id="error-event-410",
        ),
        pytest.param(ApiStatusError(410), id="exception-with-status-410"),
    ],
)
def test_gone_relists_and_announces_what_changed_meanwhile(
    clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder, gone: informers.WatchEvent | Exception
) -> None:
    lw = ScriptedListerWatcher(
        stop,
        lists=[
            ([an_object("a", "5"), an_object("b", "7"), an_object("same", "8")], "10"),
            ([an_object("a", "15"), an_object("c", "14"), an_object("same", "8")], "20"),
        ],
        watches=[[event("MODIFIED", an_object("a", "11")), gone]],
    )
    informer = start(lw, clock, stop, recorder)

    assert lw.idle.wait(2), "a 410 relists at once, without backing off"
    assert lw.list_calls == 2
    assert lw.watched_from == ["10", "20"]
    assert stored(informer) == {"a": "15", "c": "14", "same": "8"}
    assert sorted(recorder.seen[4:]) == [
        ("add", "c", "14"),
        ("delete", "b", "7"),
        ("update", "a", "11", "15"),
    ], "unchanged objects are not announced"


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param([RuntimeError("connection reset")], id="exception"),
        pytest.param([informers.WatchEvent("ERROR", {"kind": "Status", "code": 500})], id="error-event-500"),
        pytest.param([ApiStatusError(503)], id="exception-with-status-503"),
        pytest.param([], id="stream-ended-at-once-empty"),
    ],
)
def test_watch_failure_backs_off_then_resumes_from_the_last_rv(
    clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder, failure: Script
) -> None:
    lw = ScriptedListerWatcher(
        stop,
        lists=[([an_object("a", "5")], "10")],
        watches=[[event("MODIFIED", an_object("a", "11"))], failure],
    )
    start(lw, clock, stop, recorder)

    assert clock.wait_for_waiters(1)
    assert lw.watched_from == ["10", "11"]
    clock.advance(0.2)
    assert lw.idle.wait(2)
    assert lw.watched_from == ["10", "11", "11"]
    assert lw.list_calls == 1, "a resumable watch does not need a relist"


def test_backoff_doubles_across_consecutive_failures(
    clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder
) -> None:
    boom = RuntimeError("boom")
    lw = ScriptedListerWatcher(stop, lists=[([], "10")], watches=[[boom], [boom]])
    start(lw, clock, stop, recorder)

    assert clock.wait_for_waiters(1)
    clock.advance(0.2)
    assert lw.wait_for_watches(2)
    assert clock.wait_for_waiters(1)
    clock.advance(0.2)
    assert not lw.wait_for_watches(3, timeout=0.05), "second backoff is 0.4s"
    clock.advance(0.2)
    assert lw.idle.wait(2)


def test_list_failure_backs_off_and_lists_again(
    clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder
) -> None:
    lw = ScriptedListerWatcher(stop, lists=[ApiStatusError(500), ([an_object("a", "5")], "10")])
    informer = start(lw, clock, stop, recorder)

    assert clock.wait_for_waiters(1)
    assert not informer.has_synced()
    clock.advance(0.2)
    assert informer.wait_for_sync(2)
    assert lw.idle.wait(2)
    assert recorder.seen == [("add", "a", "5")]


def test_indexes_follow_updates_and_deletes(clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder) -> None:
    lw = ScriptedListerWatcher(
        stop,
        lists=[
            (
                [
                    an_object("rs1", "1", owner="uid-1", labels={"app": "x"}),
                    an_object("rs2", "2", owner="uid-1", labels={"app": "y"}),
                    an_object("rs3", "3", owner="uid-2"),
                ],
                "10",
            )
        ],
        watches=[
            [
                event("MODIFIED", an_object("rs2", "11", owner="uid-1", labels={"app": "x"})),
                event("DELETED", an_object("rs1", "12", owner="uid-1", labels={"app": "x"})),
            ]
        ],
    )
    informer = start(
        lw,
        clock,
        stop,
        recorder,
        indexers={"owner": informers.index_by_owner_uid, "app": informers.index_by_label("app")},
    )
    assert lw.idle.wait(2)

    def names(index: str, value: str) -> list[str]:
        return [name(obj) for obj in informer.store.by_index(index, value)]

    assert names("owner", "uid-1") == ["rs2"]
    assert names("owner", "uid-2") == ["rs3"]
    assert names("app", "x") == ["rs2"]
    assert names("app", "y") == []
    with pytest.raises(KeyError, match="no index 'nope'"):
        informer.store.by_index("nope", "x")


def test_resync_reannounces_every_object(clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder) -> None:
    lw = ScriptedListerWatcher(stop, lists=[([an_object("a", "5"), an_object("b", "7")], "10")])
    start(lw, clock, stop, recorder, resync_seconds=30)
    assert lw.idle.wait(2)
    assert clock.wait_for_waiters(1)  # the resync timer

    clock.advance(30)
    assert recorder.wait_for(4)
    assert recorder.seen[2:] == [("update", "a", "5", "5"), ("update", "b", "7", "7")]


def test_a_failing_handler_does_not_stop_the_informer(
    clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder
) -> None:
    lw = ScriptedListerWatcher(
        stop, lists=[([an_object("a", "5")], "10")], watches=[[event("ADDED", an_object("b", "11"))]]
    )
    informer = informers.Informer(lw, name="replicasets", clock=clock)

    def broken(obj: dict[str, Any]) -> None:
        raise ZeroDivisionError("handler bug")

    informer.add_handler(on_add=broken)
    recorder.attach(informer)
    informer.start(stop)

    assert lw.idle.wait(2)
    assert recorder.seen == [("add", "a", "5"), ("add", "b", "11")]
    assert stored(informer) == {"a": "5", "b": "11"}


def test_objects_without_a_name_are_skipped(clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder) -> None:
    nameless = {"kind": "ReplicaSet", "metadata": {"resourceVersion": "11"}}
    lw = ScriptedListerWatcher(
        stop, lists=[([an_object("a", "5"), nameless], "10")], watches=[[event("ADDED", nameless)]]
    )
    informer = start(lw, clock, stop, recorder)

    assert lw.idle.wait(2)
    assert stored(informer) == {"a": "5"}
    assert lw.watched_from == ["10", "11"]


def test_handlers_must_be_added_before_start(
    clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder
) -> None:
    lw = ScriptedListerWatcher(stop, lists=[([], "1")])
    informer = start(lw, clock, stop, recorder)
    with pytest.raises(RuntimeError, match="before starting"):
        informer.add_handler(on_add=print)


def test_stop_ends_the_thread(clock: clocks.FakeClock, stop: threading.Event, recorder: Recorder) -> None:
    lw = ScriptedListerWatcher(stop, lists=[([], "1")])
    informer = informers.Informer(lw, name="replicasets", clock=clock)
    thread = informer.start(stop)
    assert lw.idle.wait(2)
    stop.set()
    thread.join(2)
    assert not thread.is_alive()


@pytest.mark.parametrize(
    ("stored_version", "written_version", "kept"),
    [
        pytest.param("5", "7", "7", id="newer-write-is-kept"),
        pytest.param("9", "7", "9", id="older-write-is-ignored"),
        pytest.param("7", "7", "7", id="same-version-keeps-cache"),
        pytest.param(None, "3", "3", id="unknown-object-is-added"),
        pytest.param("5", "opaque", "5", id="non-numeric-version-left-to-the-watch"),
    ],
)
def test_write_back_keeps_only_newer_versions(stored_version: str | None, written_version: str, kept: str) -> None:
    store = informers.Store()
    if stored_version is not None:
        store._put(
            ObjectKey("ns", "a"), {"metadata": {"namespace": "ns", "name": "a", "resourceVersion": stored_version}}
        )
    store.write_back({"metadata": {"namespace": "ns", "name": "a", "resourceVersion": written_version}})
    stored = store.get(ObjectKey("ns", "a"))
    assert stored is not None and stored["metadata"]["resourceVersion"] == kept


def test_a_watch_event_older_than_our_own_write_does_not_undo_it() -> None:
    # Our patch (rv 20) is written back; the watch then delivers an earlier change (rv 12) it had not sent yet.
    # Readers must keep seeing rv 20: the notifier rebuilt its delivery record from the older copy and sent twice.
    store = informers.Store()
    key = ObjectKey("ns", "a")
    store._put(key, {"metadata": {"namespace": "ns", "name": "a", "resourceVersion": "10"}})
    store.write_back({"metadata": {"namespace": "ns", "name": "a", "resourceVersion": "20"}})
    _, stored_it = store._put(key, {"metadata": {"namespace": "ns", "name": "a", "resourceVersion": "12"}})
    assert not stored_it
    assert (store.get(key) or {})["metadata"]["resourceVersion"] == "20"
    _, stored_it = store._put(key, {"metadata": {"namespace": "ns", "name": "a", "resourceVersion": "21"}})
    assert stored_it and (store.get(key) or {})["metadata"]["resourceVersion"] == "21"
