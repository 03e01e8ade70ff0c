"""Record Kubernetes Events on objects, as `kubectl describe` and Argo's e2e tooling read them.

Events are sent in the background (as client-go's broadcaster does): a reconcile never waits for an Event before its
next write, such as the ReplicaSet create that a "RolloutUpdated" Event announces. A few sender threads share the
work; all Events of one object go through the same sender, so they reach the server in the order they were recorded.
A reconcile holds its Events (`held`) until its first write is out: on a small control plane an Event sent first
would reach etcd ahead of the write it announces (the ReplicaSet create after "RolloutUpdated").
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from rollouts.kube import errors, resources
from rollouts.kube.client import Kube

_log = logging.getLogger(__name__)
COMPONENT = "rollouts-controller"
MAX_PENDING = 1000
"""Events waiting to be sent; past this (the API server is down or very slow) new ones are dropped, with a warning."""
SENDERS = 4


class EventRecorder:
    """Creates one core/v1 Event per call, in the background. Failures are logged, never raised: best effort."""

    def __init__(
        self,
        kube: Kube,
        now: Callable[[], datetime],
        *,
        on_event: Callable[[Mapping[str, Any], str, str], None] | None = None,
    ) -> None:
        self.kube = kube
        self.now = now
        self.on_event = on_event
        self._senders = [_Sender(self._send, index) for index in range(SENDERS)]
        self._held = threading.local()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Events this thread records inside the block go to the senders when it ends, in order: a write made
        inside it does not queue behind them at the server. A block inside another one leaves them to the outer."""
        if getattr(self._held, "events", None) is not None:
            yield
            return
        self._held.events = []
        try:
            yield
        finally:
            events, self._held.events = self._held.events, None
            for event in events:
                self._enqueue(event)

    def record(self, obj: Mapping[str, Any], *, reason: str, message: str, type: str = "Normal") -> None:
        event = _event(obj, reason, message, type, self.now())
        if self.on_event is not None:
            self.on_event(obj, reason, type)
        held: list[dict[str, Any]] | None = getattr(self._held, "events", None)
        if held is not None:
            held.append(event)
        else:
            self._enqueue(event)

    def _enqueue(self, event: dict[str, Any]) -> None:
        if sum(sender.pending() for sender in self._senders) >= MAX_PENDING:
            _log.warning(
                "event %s on %s not recorded: %d events wait to be sent", event["reason"], _where(event), MAX_PENDING
            )
            return
        self._senders[hash(_where(event)) % len(self._senders)].add(event)

    def flush(self, timeout: float) -> bool:
        """Wait until every Event recorded so far has been sent (or refused); False when `timeout` passed first."""
        deadline = time.monotonic() + timeout
        return all(sender.flush(deadline - time.monotonic()) for sender in self._senders)

    def _send(self, event: dict[str, Any]) -> None:
        try:
            self.kube.create(resources.EVENTS, event["metadata"]["namespace"], event)
        except (errors.NotLeader, errors.NamespaceTerminating) as error:
            # Refused on purpose (not the leader; the namespace is going away): the reconcile's own error says so.
            _log.debug("event %s on %s not recorded: %s", event["reason"], _where(event), error)
        except errors.ApiError as error:
            _log.warning("could not record event %s on %s: %s", event["reason"], _where(event), error)


class _Sender:
    """One thread sending its Events one at a time, in order; started with the first Event."""

    def __init__(self, send: Callable[[dict[str, Any]], None], index: int) -> None:
        self._send, self._name = send, f"event-sender-{index}"
        self._pending: deque[dict[str, Any]] = deque()
        self._sending = False
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None

    def pending(self) -> int:
        return len(self._pending)

    def add(self, event: dict[str, Any]) -> None:
        with self._changed:
            self._pending.append(event)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
            self._changed.notify_all()

    def flush(self, timeout: float) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: not self._pending and not self._sending, max(timeout, 0.0))

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._pending))
                event = self._pending.popleft()
                self._sending = True
            try:
                self._send(event)
            finally:
                with self._changed:
                    self._sending = False
                    self._changed.notify_all()


def _event(obj: Mapping[str, Any], reason: str, message: str, type: str, now: datetime) -> dict[str, Any]:
    metadata = obj.get("metadata") or {}
    namespace = metadata.get("namespace") or "default"
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{metadata.get('name')}.{uuid.uuid4().hex[:16]}", "namespace": namespace},
        "involvedObject": {
            "apiVersion": obj.get("apiVersion"),
            "kind": obj.get("kind"),
            "name": metadata.get("name"),
            "namespace": namespace,
            "uid": metadata.get("uid"),
            "resourceVersion": metadata.get("resourceVersion"),
        },
        "reason": reason,
        "message": message,
        "type": type,
        "source": {"component": COMPONENT},
        "reportingComponent": COMPONENT,
        "firstTimestamp": stamp,
        "lastTimestamp": stamp,
        "count": 1,
    }


def _where(event: Mapping[str, Any]) -> str:
    involved = event.get("involvedObject") or {}
    return f"{involved.get('namespace')}/{involved.get('name')}"
