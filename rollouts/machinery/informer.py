"""Mirror one kind of object into a local read-only cache by list+watch, and tell handlers what changed.

The reflector loop:

1. list → replace the store, telling handlers about every add, update and delete against
   what the store held before (so a relist after a 410 reports objects that vanished meanwhile);
2. watch from the list's resourceVersion, applying events in order. Every event, bookmarks
   included, moves our resourceVersion forward; bookmarks change nothing else;
3. the stream ended (server timeout): watch again from the last resourceVersion;
4. 410 Gone (a `GoneError`, anything with `.status == 410`, or an ERROR event with code 410):
   our resourceVersion is too old, so relist;
5. anything else: log, back off (0.2 s doubling to 5 s) and retry. Nothing kills the thread.

Handlers run on the informer thread, after the store is updated, one at a time. They should
only map the object to a key and enqueue it: no API calls, no waiting.
Objects are plain dicts shared with every reader. NEVER modify them: copy first. They are stored slimmed
(rollouts.machinery.slim): no managedFields.
This module does not import `kubernetes`; `rollouts.kube` implements `ListerWatcher`.
"""

from __future__ import annotations

import builtins
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, Protocol

from rollouts.machinery.clock import Clock
from rollouts.machinery.keys import ObjectKey, key_of
from rollouts.machinery.slim import slim
from rollouts.machinery.store import IndexFunc, RawObject, Store, index_by_label, index_by_owner_uid

__all__ = [
    "GoneError",
    "IndexFunc",
    "Informer",
    "ListerWatcher",
    "Store",
    "WatchEvent",
    "index_by_label",
    "index_by_owner_uid",
    "wait_for_all",
]

_log = logging.getLogger(__name__)

EventType = Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]

_WATCH_TIMEOUT_SECONDS = 300
"""Ask the server to end each watch after this long; we then re-watch from the last resourceVersion."""
_BACKOFF_FIRST = 0.2
_BACKOFF_MAX = 5.0
_SHORT_WATCH_SECONDS = 1.0
"""A stream that ends this quickly with no events is treated as a failure, to avoid a hot loop."""


@dataclass(frozen=True)
class WatchEvent:
    """One event of a watch stream. For ERROR, `object` is a Status (e.g. {"code": 410, ...})."""

    type: EventType
    object: RawObject


class GoneError(Exception):
    """The resourceVersion we asked for is too old (HTTP 410 Gone): the cache must be relisted."""


class ListerWatcher(Protocol):
    """The I/O seam of an informer: one resource, maybe one namespace."""

    def list(self) -> tuple[builtins.list[RawObject], str]:
        """Every object, and the collection's resourceVersion to watch from."""
        ...

    def watch(self, resource_version: str, timeout_seconds: int) -> Iterator[WatchEvent]:
        """Changes after `resource_version`, with bookmarks; signals 410 by GoneError or an ERROR event."""
        ...


OnAdd = Callable[[RawObject], None]
OnUpdate = Callable[[RawObject, RawObject], None]
"""Called with (old, new)."""
OnDelete = Callable[[RawObject], None]
"""Called with the last state seen (from the DELETED event, or the store when a relist found it gone)."""


@dataclass(frozen=True)
class _Handler:
    on_add: OnAdd | None
    on_update: OnUpdate | None
    on_delete: OnDelete | None


class _StreamError(Exception):
    """The watch stream carried an ERROR event other than 410."""


class Informer:
    """A list+watch reflector feeding a `Store` and notifying handlers. See the module docstring."""

    def __init__(
        self,
        lister_watcher: ListerWatcher,
        *,
        name: str,
        clock: Clock,
        resync_seconds: float | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        keep: Callable[[RawObject], RawObject] | None = None,
    ) -> None:
        """`keep`: what of each object to cache, when its readers need only part of it (client-go's transform)."""
        self.name = name
        self.store = Store(indexers)
        self.keep = keep
        self._lw = lister_watcher
        self._clock = clock
        self._resync_seconds = resync_seconds
        self._handlers: list[_Handler] = []
        self._started = False
        self._thread: threading.Thread | None = None
        self._synced = threading.Event()
        self._resource_version = ""
        self._dispatch = threading.Lock()
        """Held while changing the store and calling handlers, so handlers see changes one at a time, in order."""

    def add_handler(
        self,
        *,
        on_add: OnAdd | None = None,
        on_update: OnUpdate | None = None,
        on_delete: OnDelete | None = None,
    ) -> None:
        """Register callbacks. They should only enqueue keys. Register before `run()`."""
        if self._started:
            raise RuntimeError(f"informer {self.name}: add handlers before starting it")
        self._handlers.append(_Handler(on_add, on_update, on_delete))

    def has_synced(self) -> bool:
        """Whether the first list has been stored and announced to handlers."""
        return self._synced.is_set()

    def wait_for_sync(self, timeout: float | None = None) -> bool:
        """Block (real time) until `has_synced()`, or `timeout` seconds; return `has_synced()`."""
        return self._synced.wait(timeout)

    def resync_every(self, seconds: float) -> None:
        """Re-announce every object at least this often (the shortest period asked for wins). Before `start()`."""
        if self._started:
            raise RuntimeError(f"informer {self.name}: set the resync period before starting it")
        self._resync_seconds = min(seconds, self._resync_seconds or seconds)

    def start(self, stop: threading.Event) -> threading.Thread:
        """Run the informer on a daemon thread until `stop` is set. Starting it again (a shared informer) does
        nothing more."""
        if self._thread is None:
            self._started = True
            self._thread = threading.Thread(target=self.run, args=(stop,), name=f"informer-{self.name}", daemon=True)
            self._thread.start()
        return self._thread

    def run(self, stop: threading.Event) -> None:
        """List, then watch, until `stop` is set. Never raises."""
        self._started = True
        if self._resync_seconds:
            threading.Thread(
                target=self._resync_loop,
                args=(self._resync_seconds, stop),
                name=f"informer-{self.name}-resync",
                daemon=True,
            ).start()
        must_list = True
        delay = _BACKOFF_FIRST
        while not stop.is_set():
            try:
                if must_list:
                    self._list()
                    must_list = False
                    delay = _BACKOFF_FIRST
                started = self._clock.monotonic()
                if self._watch(stop):
                    # A healthy stream ended (server-side timeout): resume from the last
                    # resourceVersion at once, and let the next failure start small again.
                    delay = _BACKOFF_FIRST
                    continue
                if self._clock.monotonic() - started >= _SHORT_WATCH_SECONDS:
                    # A quiet stream ended by the server's timeout: nothing wrong, resume at once.
                    continue
                _log.warning(
                    "informer %s: watch ended at once with no events; retrying in %.1fs",
                    self.name,
                    delay,
                    extra={"informer": self.name},
                )
            except Exception as err:
                if _is_gone(err) and not must_list:
                    # Our resourceVersion fell out of the server's window; only a fresh list
                    # can tell us what we missed, deletions included. (A 410 from list itself
                    # is just a failure: relisting at once would spin.)
                    _log.info(
                        "informer %s: resourceVersion %r is gone (%s); relisting",
                        self.name,
                        self._resource_version,
                        err,
                        extra={"informer": self.name},
                    )
                    must_list = True
                    continue
                self._log_failure(err, "list" if must_list else "watch", delay)
            if self._clock.sleep(delay, stop):
                break
            delay = min(delay * 2, _BACKOFF_MAX)

    def _log_failure(self, err: Exception, what: str, delay: float) -> None:
        # An API error (it carries a `.status`, even 0 for "unreachable") is the server's state, not our bug: one line.
        if getattr(err, "status", None) is not None:
            _log.warning("informer %s: %s failed: %s; retrying in %.1fs", self.name, what, err, delay)
        else:
            _log.exception("informer %s: %s failed; retrying in %.1fs", self.name, what, delay)

    def _list(self) -> None:
        objs, resource_version = self._lw.list()
        fresh = {key: self._slim(obj) for obj in objs if (key := self._key(obj)) is not None}
        with self._dispatch:
            added, updated, deleted = self.store._replace(fresh)
            self._resource_version = resource_version
            for obj in added:
                self._emit_add(obj)
            for old, new in updated:
                self._emit_update(old, new)
            for obj in deleted:
                self._emit_delete(obj)
        self._synced.set()
        _log.info(
            "informer %s: listed %d objects at resourceVersion %r (+%d ~%d -%d)",
            self.name,
            len(objs),
            resource_version,
            len(added),
            len(updated),
            len(deleted),
            extra={"informer": self.name},
        )

    def _watch(self, stop: threading.Event) -> int:
        """Apply one watch stream; return how many events it carried."""
        stream = self._lw.watch(self._resource_version, _WATCH_TIMEOUT_SECONDS)
        seen = 0
        try:
            for event in stream:
                if stop.is_set():
                    break
                self._apply(event)
                seen += 1
        finally:
            # Leaving early (stop, error) must release the HTTP connection behind the stream.
            close = getattr(stream, "close", None)
            if close is not None:
                close()
        return seen

    def _apply(self, event: WatchEvent) -> None:
        if event.type == "ERROR":
            if event.object.get("code") == 410:
                raise GoneError(event.object.get("message") or "resourceVersion too old")
            raise _StreamError(f"watch ERROR event: {event.object}")
        key = None if event.type == "BOOKMARK" else self._key(event.object)
        if key is None:
            pass
        elif event.type in ("ADDED", "MODIFIED"):
            obj = self._slim(event.object)
            with self._dispatch:
                # Not stored when our own write, already cached, is newer: the event that follows it is announced.
                old, stored = self.store._put(key, obj)
                if stored and old is None:
                    self._emit_add(obj)
                elif stored and old is not None:
                    self._emit_update(old, obj)
        elif event.type == "DELETED":
            with self._dispatch:
                self.store._delete(key)
                self._emit_delete(event.object)
        else:
            _log.warning("informer %s: ignoring watch event type %r", self.name, event.type)
        # Every event, bookmarks included, says "you have seen everything up to here".
        resource_version = (event.object.get("metadata") or {}).get("resourceVersion")
        if resource_version:
            self._resource_version = resource_version

    def _resync_loop(self, seconds: float, stop: threading.Event) -> None:
        while not self._clock.sleep(seconds, stop):
            if not self.has_synced():
                continue
            # Re-announce every object as an update, so keys whose timers were lost get reconciled.
            with self._dispatch:
                for obj in self.store.list():
                    self._emit_update(obj, obj)

    def _slim(self, obj: RawObject) -> RawObject:
        return slim(self.keep(obj) if self.keep is not None else obj)

    def _key(self, obj: RawObject) -> ObjectKey | None:
        try:
            return key_of(obj)
        except ValueError:
            # Skipping beats wedging: retrying would replay the same malformed object forever.
            _log.warning("informer %s: skipping object without a name: %.200r", self.name, obj)
            return None

    def _emit_add(self, obj: RawObject) -> None:
        for handler in self._handlers:
            if handler.on_add is not None:
                self._call(handler.on_add, obj)

    def _emit_update(self, old: RawObject, new: RawObject) -> None:
        for handler in self._handlers:
            if handler.on_update is not None:
                self._call(handler.on_update, old, new)

    def _emit_delete(self, obj: RawObject) -> None:
        for handler in self._handlers:
            if handler.on_delete is not None:
                self._call(handler.on_delete, obj)

    def _call(self, func: Callable[..., None], *args: RawObject) -> None:
        try:
            func(*args)
        except Exception:
            # A broken handler must not stop the cache from following the server.
            _log.exception("informer %s: handler %r failed", self.name, func, extra={"informer": self.name})


def _is_gone(err: Exception) -> bool:
    """410 Gone, however it arrived. Duck-typed `.status` lets `rollouts.kube` signal it without importing us."""
    return isinstance(err, GoneError) or getattr(err, "status", None) == 410


def wait_for_all(informers: Iterable[Informer], stop: threading.Event, timeout: float) -> bool:
    """Wait until every informer has listed once. False when `stop` was set first (shutting down: do not start
    workers); raises TimeoutError when an informer cannot list within `timeout` (e.g. forbidden)."""
    deadline = time.monotonic() + timeout
    for informer in informers:
        while not informer.wait_for_sync(0.2):  # short waits, so a shutdown is never held up by a failing list
            if stop.is_set():
                return False
            if time.monotonic() > deadline:
                raise TimeoutError(f"informer {informer.name} did not sync within {timeout}s")
    return True
