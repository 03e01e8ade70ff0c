"""One informer per kind, over every namespace, shared by every browser: the only way the dashboard reads.

Each informer lists once and then follows a watch (`rollouts.machinery.informer`), so a page refresh or a
hundred open tabs cost the API server nothing. Every change is announced to listeners by namespace, which
is all the live view needs to know to fetch again from these caches.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.kube.listwatch import ResourceListWatch
from rollouts.kube.resources import Resource
from rollouts.machinery.clock import RealClock
from rollouts.machinery.informer import Informer, wait_for_all

_log = logging.getLogger(__name__)

KINDS: dict[str, Resource] = {
    "rollouts": resources.ROLLOUTS,
    "replicasets": resources.REPLICASETS,
    "pods": resources.PODS,
    "analysisruns": resources.ANALYSIS_RUNS,
    "experiments": resources.EXPERIMENTS,
    "namespaces": resources.NAMESPACES,
}
NAMESPACE_INDEX = "namespace"
SYNC_SECONDS = 60.0

Listener = Callable[[str], None]
"""Called on the informer's thread with the namespace that changed; must not block."""


def _namespace_of(obj: dict[str, Any]) -> list[str]:
    namespace = (obj.get("metadata") or {}).get("namespace")
    return [namespace] if namespace else []


class Cache:
    def __init__(self, kube: Kube) -> None:
        clock = RealClock()
        self.informers = {
            kind: Informer(
                ResourceListWatch(kube, resource),
                name=f"dashboard-{kind}",
                clock=clock,
                indexers={NAMESPACE_INDEX: _namespace_of},
            )
            for kind, resource in KINDS.items()
        }
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        for kind, informer in self.informers.items():
            announce = self._announcer(kind)
            informer.add_handler(on_add=announce, on_update=self._update_announcer(announce), on_delete=announce)

    def start(self, stop: threading.Event, *, timeout: float = SYNC_SECONDS) -> None:
        for informer in self.informers.values():
            informer.start(stop)
        wait_for_all(self.informers.values(), stop, timeout)

    def subscribe(self, listener: Listener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def in_namespace(self, kind: str, namespace: str) -> list[dict[str, Any]]:
        return self.informers[kind].store.by_index(NAMESPACE_INDEX, namespace)

    def namespaces(self) -> list[str]:
        names = {str((ns.get("metadata") or {}).get("name") or "") for ns in self.informers["namespaces"].store.list()}
        return sorted(name for name in names if name)

    def _announcer(self, kind: str) -> Callable[[dict[str, Any]], None]:
        return lambda obj: self._changed(kind, obj)

    @staticmethod
    def _update_announcer(
        announce: Callable[[dict[str, Any]], None],
    ) -> Callable[[dict[str, Any], dict[str, Any]], None]:
        return lambda _old, new: announce(new)

    def _changed(self, kind: str, obj: dict[str, Any]) -> None:
        metadata = obj.get("metadata") or {}
        namespace = str(metadata.get("name") if kind == "namespaces" else metadata.get("namespace") or "")
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(namespace)
