"""The Rollout controller process: informers feed a work queue, workers reconcile, one leader acts.

Wiring only. Handlers map events to Rollout keys and enqueue them; nothing here decides anything.
"""

from __future__ import annotations

import http.server
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from prometheus_client import make_wsgi_app
from wsgiref.simple_server import WSGIRequestHandler, make_server

from rollouts import __version__
from rollouts.controller.execute import Executor
from rollouts.controller.metrics import ControllerMetrics
from rollouts.controller.observe import OWNER_INDEX, controller_owner_uid, observe
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.kube.events import EventRecorder
from rollouts.kube.listwatch import ResourceListWatch
from rollouts.machinery.clock import Clock
from rollouts.machinery.controller import Controller, Result
from rollouts.machinery.informer import Informer
from rollouts.machinery.keys import ObjectKey, key_of
from rollouts.machinery.workqueue import WorkQueue
from rollouts.plan import decide as planner
from rollouts.plan.actions import Plan
from rollouts.plan.names import HASH_LABEL, INSTANCE_ID_LABEL

_log = logging.getLogger("rollouts.controller")


@dataclass(frozen=True)
class Settings:
    namespace: str | None = None
    """Watch only this namespace (None: all namespaces)."""
    instance_id: str = ""
    rollout_threads: int = 10
    resync_seconds: float = 900.0


def rollout_selector(instance_id: str) -> str:
    """Argo's instance-id rule: with an id, only objects labelled with it; without, only unlabelled objects."""
    return f"{INSTANCE_ID_LABEL}={instance_id}" if instance_id else f"!{INSTANCE_ID_LABEL}"


def services_named_by(rollout: Mapping[str, Any]) -> set[str]:
    strategy = (rollout.get("spec") or {}).get("strategy") or {}
    names = set()
    for kind, fields in (("blueGreen", ("activeService", "previewService")), ("canary", ("stableService", "canaryService"))):
        for field_name in fields:
            if value := (strategy.get(kind) or {}).get(field_name):
                names.add(str(value))
    return names


class RolloutController:
    """Owns the informers, the queue and the workers for Rollouts."""

    def __init__(self, kube: Kube, settings: Settings, clock: Clock, metrics: ControllerMetrics) -> None:
        self.kube, self.settings, self.clock, self.metrics = kube, settings, clock, metrics
        namespace = settings.namespace
        self.rollouts = Informer(
            ResourceListWatch(kube, resources.ROLLOUTS, namespace=namespace, label_selector=rollout_selector(settings.instance_id)),
            name="rollouts", clock=clock, resync_seconds=settings.resync_seconds,
        )  # fmt: skip
        self.replica_sets = Informer(
            ResourceListWatch(kube, resources.REPLICASETS, namespace=namespace, label_selector=HASH_LABEL),
            name="replicasets", clock=clock, indexers={OWNER_INDEX: controller_owner_uid},
        )  # fmt: skip
        self.services = Informer(ResourceListWatch(kube, resources.SERVICES, namespace=namespace), name="services", clock=clock)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=clock, metrics=metrics.queue_metrics("rollouts"))
        metrics.watch_queue("rollouts", self.queue.stats)
        metrics.watch_rollouts(self.rollouts.store.list)
        self.recorder = EventRecorder(kube, clock.now, on_event=metrics.on_event)
        self.executor = Executor(kube, self.recorder, self.rollouts.store, self.replica_sets.store, self.services.store)
        self.workers = Controller("rollouts", self.queue, self.reconcile, workers=settings.rollout_threads, clock=clock)
        self._wire_handlers()

    # ---- event handlers: map to Rollout keys and enqueue, nothing else -----------------------------------------

    def _wire_handlers(self) -> None:
        self.rollouts.add_handler(on_add=self._enqueue, on_update=self._on_rollout_update, on_delete=self._enqueue)
        owner = self._enqueue_owner
        self.replica_sets.add_handler(on_add=owner, on_update=lambda old, new: owner(new), on_delete=owner)
        service = self._enqueue_referrers
        self.services.add_handler(on_add=service, on_update=lambda old, new: service(new), on_delete=service)

    def _enqueue(self, obj: Mapping[str, Any]) -> None:
        self.queue.add(key_of(obj))

    def _on_rollout_update(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        # Our own status write comes back through the watch with the version we already hold: nothing to do.
        if (old.get("metadata") or {}).get("resourceVersion") != (new.get("metadata") or {}).get("resourceVersion"):
            self._enqueue(new)

    def _enqueue_owner(self, obj: Mapping[str, Any]) -> None:
        metadata = obj.get("metadata") or {}
        for ref in metadata.get("ownerReferences") or []:
            if ref.get("controller") and ref.get("kind") == "Rollout":
                self.queue.add(ObjectKey(metadata.get("namespace", ""), str(ref.get("name"))))

    def _enqueue_referrers(self, service: Mapping[str, Any]) -> None:
        metadata = service.get("metadata") or {}
        namespace, name = metadata.get("namespace", ""), metadata.get("name")
        for rollout in self.rollouts.store.list():
            if (rollout.get("metadata") or {}).get("namespace") == namespace and name in services_named_by(rollout):
                self._enqueue(rollout)

    # ---- lifecycle -------------------------------------------------------------------------------------------

    def start(self, stop: threading.Event, sync_timeout: float = 60.0) -> None:
        for informer in (self.replica_sets, self.services, self.rollouts):
            informer.start(stop)
        for informer in (self.replica_sets, self.services, self.rollouts):
            if not informer.wait_for_sync(sync_timeout):
                raise RuntimeError(f"informer {informer.name} did not sync within {sync_timeout}s")
        self.workers.start()
        _log.info("rollout controller started with %d workers", self.settings.rollout_threads)

    def stop(self, timeout: float = 30.0) -> None:
        self.workers.stop(timeout)

    # ---- reconcile -------------------------------------------------------------------------------------------

    def reconcile(self, key: ObjectKey) -> Result | None:
        raw = self.rollouts.store.get(key)
        if raw is None or (raw.get("metadata") or {}).get("deletionTimestamp"):
            return None  # deleted: owned ReplicaSets go with it by garbage collection
        log = logging.LoggerAdapter(_log, {"rollout": str(key)})
        started = time.monotonic()
        try:
            plan = self._plan(raw)
            self.executor.run(plan, raw)
        except Exception:
            self.metrics.reconcile_error.labels(key.namespace, key.name).inc()
            raise
        finally:
            self.metrics.reconcile.labels(key.namespace, key.name).observe(time.monotonic() - started)
        log.debug("reconciled: %d actions, phase %s", len(plan.actions), plan.status.phase)
        return Result(requeue_after=plan.requeue_after)

    def _plan(self, raw: Mapping[str, Any]) -> Plan:
        observed = observe(raw, replica_sets=self.replica_sets.store, services=self.services.store)
        now = self.clock.now()
        if isinstance(observed, list):
            return planner.unreadable(raw=raw, problems=observed, now=now)
        return planner.decide(observed=observed, now=now)


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


def serve_metrics(metrics: ControllerMetrics, port: int) -> threading.Thread | None:
    if port == 0:
        return None
    metrics.info.labels(__version__).set(1)
    server = make_server("", port, make_wsgi_app(metrics.registry), handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="metrics", daemon=True)
    thread.start()
    return thread


class _Healthz(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        ok = self.path.rstrip("/") == "/healthz"
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok" if ok else b"not found")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


def serve_healthz(port: int) -> threading.Thread | None:
    if port == 0:
        return None
    server = http.server.ThreadingHTTPServer(("", port), _Healthz)
    thread = threading.Thread(target=server.serve_forever, name="healthz", daemon=True)
    thread.start()
    return thread
