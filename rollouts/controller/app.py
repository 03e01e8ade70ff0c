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
from rollouts.controller.observe import HASH_INDEX, AnalysisObjects, RoutedObjects, MANAGED_BY_INDEX, OWNER_INDEX, controller_owner_uid, managed_by_key, observe, pod_hash_key
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.kube.events import EventRecorder
from rollouts.kube.listwatch import ResourceListWatch
from rollouts.kube.resources import Resource
from rollouts.machinery.clock import Clock
from rollouts.machinery.controller import Controller, Result
from rollouts.machinery.informer import Informer, wait_for_all
from rollouts.machinery.keys import ObjectKey, key_of
from rollouts.machinery.workqueue import WorkQueue
from rollouts.plan import decide as planner
from rollouts.plan.actions import Plan
from rollouts.plan.names import HASH_LABEL, INSTANCE_ID_LABEL, MANAGED_BY_ANNOTATION

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


def routed_names(rollout: Mapping[str, Any]) -> set[str]:
    """Names of the VirtualServices and DestinationRule a Rollout routes through (in its own namespace)."""
    istio_routing = ((((rollout.get("spec") or {}).get("strategy") or {}).get("canary") or {}).get("trafficRouting") or {}).get("istio") or {}
    refs = [istio_routing.get("virtualService") or {}, *(istio_routing.get("virtualServices") or []), istio_routing.get("destinationRule") or {}]
    return {str(ref["name"]).partition(".")[0] for ref in refs if isinstance(ref, dict) and ref.get("name")}


def template_names(node: Any) -> set[str]:
    """Every `templateName` anywhere under a Rollout's strategy."""
    if isinstance(node, Mapping):
        found = {str(node["templateName"])} if "templateName" in node else set()
        for value in node.values():
            found |= template_names(value)
        return found
    if isinstance(node, list):
        return set().union(*(template_names(item) for item in node)) if node else set()
    return set()


def has_api(kube: Kube, resource: Resource) -> bool:
    """Whether the cluster serves `resource` (checked once at start: Istio's CRDs are optional)."""
    try:
        found = kube.raw("GET", f"/apis/{resource.group}/{resource.version}")
    except errors.ApiError:
        return False
    return any(item.get("name") == resource.plural for item in found.get("resources") or [])


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
        self.services = Informer(
            ResourceListWatch(kube, resources.SERVICES, namespace=namespace), name="services", clock=clock,
            indexers={MANAGED_BY_INDEX: managed_by_key},
        )  # fmt: skip
        self.pods = Informer(
            ResourceListWatch(kube, resources.PODS, namespace=namespace, label_selector=HASH_LABEL),
            name="pods", clock=clock, indexers={HASH_INDEX: pod_hash_key},
        )  # fmt: skip
        self.routed: RoutedObjects | None = None
        self.routed_informers: tuple[Informer, ...] = ()
        if has_api(kube, resources.VIRTUAL_SERVICES):
            virtual_services = Informer(ResourceListWatch(kube, resources.VIRTUAL_SERVICES, namespace=namespace), name="virtualservices", clock=clock)
            destination_rules = Informer(ResourceListWatch(kube, resources.DESTINATION_RULES, namespace=namespace), name="destinationrules", clock=clock)
            self.routed = RoutedObjects(virtual_services.store, destination_rules.store)
            self.routed_informers = (virtual_services, destination_rules)
        self.analysis_runs = Informer(
            ResourceListWatch(kube, resources.ANALYSIS_RUNS, namespace=namespace, label_selector=rollout_selector(settings.instance_id)),
            name="analysisruns", clock=clock, indexers={OWNER_INDEX: controller_owner_uid},
        )  # fmt: skip
        self.analysis_templates = Informer(ResourceListWatch(kube, resources.ANALYSIS_TEMPLATES, namespace=namespace), name="analysistemplates", clock=clock)
        # A namespaced controller may not read cluster-scoped objects: no ClusterAnalysisTemplates then (as in Argo).
        self.cluster_templates = (
            Informer(ResourceListWatch(kube, resources.CLUSTER_ANALYSIS_TEMPLATES), name="clusteranalysistemplates", clock=clock) if namespace is None else None
        )
        self.analysis = AnalysisObjects(self.analysis_runs.store, self.analysis_templates.store, self.cluster_templates.store if self.cluster_templates else None)
        self.service_queue: WorkQueue[ObjectKey] = WorkQueue(clock=clock, metrics=metrics.queue_metrics("services"))
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=clock, metrics=metrics.queue_metrics("rollouts"))
        metrics.watch_queue("rollouts", self.queue.stats)
        metrics.watch_rollouts(self.rollouts.store.list)
        self.recorder = EventRecorder(kube, clock.now, on_event=metrics.on_event)
        lookup = self.routed.lookup if self.routed is not None else (lambda _resource, _namespace, _name: None)
        self.executor = Executor(kube, self.recorder, self.rollouts.store, self.replica_sets.store, self.services.store, lookup=lookup)
        self.workers = Controller("rollouts", self.queue, self.reconcile, workers=settings.rollout_threads, clock=clock)
        self.service_workers = Controller("services", self.service_queue, self.reconcile_service, workers=2, clock=clock)
        self._wire_handlers()

    # ---- event handlers: map to Rollout keys and enqueue, nothing else -----------------------------------------

    def _wire_handlers(self) -> None:
        self.rollouts.add_handler(on_add=self._enqueue, on_update=self._on_rollout_update, on_delete=self._on_rollout_delete)
        owner = self._enqueue_owner
        self.replica_sets.add_handler(on_add=owner, on_update=lambda old, new: owner(new), on_delete=owner)
        self.services.add_handler(on_add=self._on_service, on_update=lambda old, new: self._on_service(new), on_delete=self._enqueue_referrers)
        pod = self._enqueue_pod_owner
        self.pods.add_handler(on_add=pod, on_update=lambda old, new: pod(new), on_delete=pod)
        self.analysis_runs.add_handler(on_add=owner, on_update=lambda old, new: owner(new), on_delete=owner)
        for informer in (self.analysis_templates, *((self.cluster_templates,) if self.cluster_templates else ())):
            template = self._enqueue_template_users
            informer.add_handler(on_add=template, on_update=lambda old, new, template=template: template(new), on_delete=template)
        for informer in self.routed_informers:
            routed = self._enqueue_routing
            informer.add_handler(on_add=routed, on_update=lambda old, new, routed=routed: routed(new), on_delete=routed)

    def _enqueue(self, obj: Mapping[str, Any]) -> None:
        self.queue.add(key_of(obj))

    def _on_rollout_update(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        # Our own status write comes back through the watch with the version we already hold: nothing to do.
        # A resync hands over the very same object: that one is meant to be reconciled.
        if old is new or (old.get("metadata") or {}).get("resourceVersion") != (new.get("metadata") or {}).get("resourceVersion"):
            self._enqueue(new)
            self._enqueue_managed_services(new)

    def _on_rollout_delete(self, rollout: Mapping[str, Any]) -> None:
        self._enqueue(rollout)
        self._enqueue_managed_services(rollout)

    def _enqueue_managed_services(self, rollout: Mapping[str, Any]) -> None:
        # A Service the Rollout no longer names (or a deleted Rollout's) must lose our selector key.
        key = key_of(rollout)
        for service in self.services.store.by_index(MANAGED_BY_INDEX, f"{key.namespace}/{key.name}"):
            self.service_queue.add(key_of(service))

    def _on_service(self, service: Mapping[str, Any]) -> None:
        self._enqueue_referrers(service)
        if managed_by_key(service):
            self.service_queue.add(key_of(service))

    def _enqueue_routing(self, obj: Mapping[str, Any]) -> None:
        # Someone changed a VirtualService or DestinationRule: the Rollouts routing through it re-check it.
        metadata = obj.get("metadata") or {}
        namespace, name = metadata.get("namespace", ""), metadata.get("name")
        for rollout in self.rollouts.store.list():
            if (rollout.get("metadata") or {}).get("namespace") == namespace and name in routed_names(rollout):
                self._enqueue(rollout)

    def _enqueue_template_users(self, template: Mapping[str, Any]) -> None:
        # A template appeared or changed: Rollouts that name it may now be valid, or need it for their next run.
        name = (template.get("metadata") or {}).get("name")
        for rollout in self.rollouts.store.list():
            if name in template_names((rollout.get("spec") or {}).get("strategy")):
                self._enqueue(rollout)

    def _enqueue_pod_owner(self, pod: Mapping[str, Any]) -> None:
        # Pods matter to a Rollout only for restarts and role metadata; map them through their ReplicaSet.
        metadata = pod.get("metadata") or {}
        for ref in metadata.get("ownerReferences") or []:
            if ref.get("kind") == "ReplicaSet" and (rs := self.replica_sets.store.get(ObjectKey(metadata.get("namespace", ""), str(ref.get("name"))))):
                self._enqueue_owner(rs)

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
        analysis = (self.analysis_runs, self.analysis_templates, *((self.cluster_templates,) if self.cluster_templates else ()))
        informers = (self.pods, self.replica_sets, self.services, *self.routed_informers, *analysis, self.rollouts)
        for informer in informers:
            informer.start(stop)
        if not wait_for_all(informers, stop, sync_timeout):
            return
        self.workers.start()
        self.service_workers.start()
        _log.info("rollout controller started with %d workers", self.settings.rollout_threads)

    def stop(self, timeout: float = 30.0) -> None:
        self.workers.stop(timeout)
        self.service_workers.stop(timeout)

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
        observed = observe(raw, replica_sets=self.replica_sets.store, services=self.services.store, pods=self.pods.store, routed=self.routed, analysis=self.analysis)
        now = self.clock.now()
        if isinstance(observed, list):
            return planner.unreadable(raw=raw, problems=observed, now=now)
        return planner.decide(observed=observed, now=now)


    def reconcile_service(self, key: ObjectKey) -> Result | None:
        """Drop our selector key and annotation from a Service its Rollout no longer names (or that lost its Rollout)."""
        service = self.services.store.get(key)
        rollout_name = ((service or {}).get("metadata", {}).get("annotations") or {}).get(MANAGED_BY_ANNOTATION)
        if service is None or not rollout_name:
            return None
        rollout = self.rollouts.store.get(ObjectKey(key.namespace, rollout_name))
        if rollout is None:
            try:  # not ours to see (another instance id)? Only a Rollout that is really gone releases the Service.
                rollout = self.kube.get(resources.ROLLOUTS, key.namespace, rollout_name)
            except errors.NotFound:
                rollout = None
        if rollout is not None and not (rollout.get("metadata") or {}).get("deletionTimestamp") and key.name in services_named_by(rollout):
            return None
        patch = {"metadata": {"annotations": {MANAGED_BY_ANNOTATION: None}}, "spec": {"selector": {HASH_LABEL: None}}}
        self.services.store.write_back(self.kube.patch(resources.SERVICES, key.namespace, key.name, patch))
        _log.info("released Service %s from Rollout %s", key, rollout_name)
        return None


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
