"""The Rollout controller process: informers feed a work queue, workers reconcile, one leader acts.

Wiring only. Handlers map events to Rollout keys and enqueue them: a Rollout is found from an object it refers to
by the rollouts cache's references index (see rollouts.plan.references), never by scanning every Rollout. Nothing
here decides anything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rollouts.api import Rollout
from rollouts.controller.execute import Executor
from rollouts.controller.metrics import ControllerMetrics
from rollouts.controller.observe import (
    HASH_INDEX,
    MANAGED_BY_INDEX,
    OWNER_INDEX,
    REFERENCES_INDEX,
    AnalysisObjects,
    Caches,
    RoutedObjects,
    controller_owner_uid,
    malformed_rewrite,
    managed_by_key,
    observe,
    pod_change_seen,
    pod_hash_key,
    pod_view,
    references_of_raw,
    rollout_references,
)
from rollouts.controller.routing import release
from rollouts.controller.routing.apis import ROUTED_PROBE_SECONDS, routed_apis, serves
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.kube.events import EventRecorder
from rollouts.kube.informers import SharedInformers
from rollouts.kube.listwatch import ResourceListWatch
from rollouts.kube.resources import Resource
from rollouts.machinery.clock import Clock
from rollouts.machinery.controller import Controller, Result
from rollouts.machinery.informer import Informer, wait_for_all
from rollouts.machinery.keys import ObjectKey, key_of
from rollouts.machinery.optional import OptionalInformers
from rollouts.machinery.store import IndexFunc, Store
from rollouts.machinery.workqueue import WorkQueue
from rollouts.plan import decide as planner
from rollouts.plan.actions import Plan
from rollouts.plan.names import HASH_LABEL, INSTANCE_ID_LABEL, MANAGED_BY_ANNOTATION
from rollouts.plan.references import SERVICE, WORKLOAD, References, reference_key

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


class RolloutController:
    """Owns the informers, the queue and the workers for Rollouts."""

    def __init__(
        self,
        kube: Kube,
        settings: Settings,
        clock: Clock,
        metrics: ControllerMetrics,
        informers: SharedInformers | None = None,
    ) -> None:
        self.kube, self.settings, self.clock, self.metrics = kube, settings, clock, metrics
        # Shared with the other controllers and the notifier: one watch per kind for the process.
        self.informers = informers or SharedInformers(kube, clock, settings.namespace)
        ours, owned = rollout_selector(settings.instance_id), {OWNER_INDEX: controller_owner_uid}
        self.rollouts = self._informer(
            resources.ROLLOUTS,
            "rollouts",
            label_selector=ours,
            indexers={REFERENCES_INDEX: rollout_references},
            resync_seconds=settings.resync_seconds,
        )
        self.replica_sets = self._informer(
            resources.REPLICASETS, "replicasets", label_selector=HASH_LABEL, indexers=owned
        )
        self.services = self._informer(resources.SERVICES, "services", indexers={MANAGED_BY_INDEX: managed_by_key})
        self.pods = self.informers.informer(
            resources.PODS, "pods", label_selector=HASH_LABEL, indexers={HASH_INDEX: pod_hash_key}, keep=pod_view
        )
        self.analysis_runs = self._informer(
            resources.ANALYSIS_RUNS, "analysisruns", label_selector=ours, indexers=owned
        )
        self.experiments = self._informer(resources.EXPERIMENTS, "experiments", label_selector=ours, indexers=owned)
        self.analysis_templates = self._informer(resources.ANALYSIS_TEMPLATES, "analysistemplates")
        self.deployments = self._informer(resources.DEPLOYMENTS, "deployments")  # workloadRef templates
        # A namespaced controller may not read cluster-scoped objects: no ClusterAnalysisTemplates then (as in Argo).
        self.cluster_templates = (
            self._informer(resources.CLUSTER_ANALYSIS_TEMPLATES, "clusteranalysistemplates")
            if settings.namespace is None
            else None
        )
        cluster = self.cluster_templates.store if self.cluster_templates else None
        self.analysis = AnalysisObjects(self.analysis_runs.store, self.analysis_templates.store, cluster)
        # The routers' APIs (Istio's, SMI's, ... CRDs) are optional and may be installed or removed while we run.
        self._routed_stores: dict[str, dict[Resource, Store]] = {}
        self._routed_lock = threading.Lock()
        self.routed_apis = [self._optional(name, kinds) for name, kinds in routed_apis().items()]
        self.routed: RoutedObjects | None = None
        self.service_queue: WorkQueue[ObjectKey] = WorkQueue(clock=clock, metrics=metrics.queue_metrics("services"))
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=clock, metrics=metrics.queue_metrics("rollouts"))
        metrics.watch_queue("rollouts", self.queue.stats)
        metrics.watch_rollouts(self.rollouts.store.list)
        self.recorder = EventRecorder(kube, clock.now, on_event=metrics.on_event)
        self.executor = self._executor()
        self.workers = Controller("rollouts", self.queue, self.reconcile, workers=settings.rollout_threads, clock=clock)
        self.service_workers = Controller(
            "services", self.service_queue, self.reconcile_service, workers=2, clock=clock
        )
        self._wire_handlers()

    def _informer(
        self,
        resource: Resource,
        name: str,
        *,
        label_selector: str | None = None,
        indexers: Mapping[str, IndexFunc] | None = None,
        resync_seconds: float | None = None,
    ) -> Informer:
        return self.informers.informer(
            resource, name, label_selector=label_selector, indexers=indexers, resync_seconds=resync_seconds
        )

    # ---- event handlers: map to Rollout keys and enqueue, nothing else -----------------------------------------

    def _wire_handlers(self) -> None:
        self.rollouts.add_handler(
            on_add=self._on_rollout_add, on_update=self._on_rollout_update, on_delete=self._on_rollout_delete
        )
        owner = self._enqueue_owner
        for informer in (self.replica_sets, self.analysis_runs, self.experiments):
            informer.add_handler(on_add=owner, on_update=lambda _old, new: owner(new), on_delete=owner)
        service = self._on_service
        self.services.add_handler(on_add=service, on_update=lambda _old, new: service(new), on_delete=service)
        pod = self._enqueue_pod_owner
        self.pods.add_handler(on_add=pod, on_update=self._on_pod_update, on_delete=pod)
        self._wire_referred(self.analysis_templates, "AnalysisTemplate")
        self._wire_referred(self.deployments, WORKLOAD)
        if self.cluster_templates is not None:
            self._wire_referred(self.cluster_templates, "ClusterAnalysisTemplate")

    def _wire_referred(self, informer: Informer, kind: str) -> None:
        """Any change to an object a Rollout refers to by name re-enqueues that Rollout (it may become valid, or
        need the object for its next step)."""

        def referrers(obj: Mapping[str, Any]) -> None:
            self._enqueue_referrers(kind, obj)

        informer.add_handler(on_add=referrers, on_update=lambda _old, new: referrers(new), on_delete=referrers)

    def _enqueue(self, obj: Mapping[str, Any]) -> None:
        self.queue.add(key_of(obj))

    def _on_rollout_update(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        # Our own status write comes back through the watch with the version we already hold: nothing to do.
        # A resync hands over the very same object: that one is meant to be reconciled.
        old_version = (old.get("metadata") or {}).get("resourceVersion")
        if old is new or old_version != (new.get("metadata") or {}).get("resourceVersion"):
            self._enqueue(new)
            self._enqueue_managed_services(new)
            if (rule := release.destination_rule_of(old)) and rule != release.destination_rule_of(new):
                self.service_queue.add(ObjectKey(key_of(old).namespace, rule))  # no longer named: hand it back

    def _on_rollout_add(self, rollout: Mapping[str, Any]) -> None:
        key = key_of(rollout)  # Argo's first event on every Rollout it sees, at creation and at its own start
        message = f"Rollout resource added to informer: {key.namespace}/{key.name}"
        self.recorder.record(rollout, reason="RolloutAddedToInformer", message=message)
        self._enqueue(rollout)

    def _on_rollout_delete(self, rollout: Mapping[str, Any]) -> None:
        key = key_of(rollout)
        self.recorder.record(
            rollout, reason="RolloutDeleted", message=f"Rollout {key.name}/{key.namespace} is deleted."
        )
        self._enqueue(rollout)
        self._enqueue_managed_services(rollout)
        if rule := release.destination_rule_of(rollout):
            self.service_queue.add(ObjectKey(key_of(rollout).namespace, rule))

    def _enqueue_managed_services(self, rollout: Mapping[str, Any]) -> None:
        # A Service the Rollout no longer names (or a deleted Rollout's) must lose our selector key.
        key = key_of(rollout)
        for service in self.services.store.keys_by_index(MANAGED_BY_INDEX, f"{key.namespace}/{key.name}"):
            self.service_queue.add(service)

    def _on_service(self, service: Mapping[str, Any]) -> None:
        self._enqueue_referrers(SERVICE, service)
        if managed_by_key(service):
            self.service_queue.add(key_of(service))

    def _enqueue_referrers(self, kind: str, obj: Mapping[str, Any]) -> None:
        key = key_of(obj)
        for rollout in self.rollouts.store.keys_by_index(
            REFERENCES_INDEX, reference_key(kind, key.namespace, key.name)
        ):
            self.queue.add(rollout)

    def _enqueue_kind_users(self, *kinds: str) -> None:
        for kind in kinds:
            for rollout in self.rollouts.store.keys_by_index(REFERENCES_INDEX, kind):
                self.queue.add(rollout)

    def _enqueue_pod_owner(self, pod: Mapping[str, Any]) -> None:
        # Pods matter to a Rollout only for restarts and role metadata; map them through their ReplicaSet.
        metadata = pod.get("metadata") or {}
        for ref in metadata.get("ownerReferences") or []:
            if ref.get("kind") != "ReplicaSet":
                continue
            if rs := self.replica_sets.store.get(ObjectKey(metadata.get("namespace", ""), str(ref.get("name")))):
                self._enqueue_owner(rs)

    def _on_pod_update(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        if pod_change_seen(old, new):  # not for the conditions a pod passes on its way to Ready
            self._enqueue_pod_owner(new)

    def _enqueue_owner(self, obj: Mapping[str, Any]) -> None:
        metadata = obj.get("metadata") or {}
        for ref in metadata.get("ownerReferences") or []:
            if ref.get("controller") and ref.get("kind") == "Rollout":
                self.queue.add(ObjectKey(metadata.get("namespace", ""), str(ref.get("name"))))

    # ---- the routers' APIs, whose CRDs may come and go ------------------------------------------------------

    def _optional(self, name: str, kinds: tuple[Resource, ...]) -> OptionalInformers:
        def make() -> tuple[Informer, ...]:
            made = []
            for kind in kinds:
                # Not shared: made again each time the API comes back, after the old one stopped.
                watch = ResourceListWatch(self.kube, kind, namespace=self.settings.namespace)
                informer = Informer(watch, name=f"{kind.plural}.{kind.group}", clock=self.clock)
                self._wire_referred(informer, kind.kind)
                if kind == resources.DESTINATION_RULES:  # a marked rule may have lost its Rollout meanwhile
                    informer.add_handler(on_add=self._on_rule, on_update=lambda _old, new: self._on_rule(new))
                made.append(informer)
            return tuple(made)

        def on_change(informers: tuple[Informer, ...] | None) -> None:
            stores = dict(zip(kinds, (informer.store for informer in informers), strict=True)) if informers else {}
            with self._routed_lock:  # each API's probe runs on its own thread
                self._routed_stores = {**self._routed_stores, name: stores}
                merged = {kind: store for found in self._routed_stores.values() for kind, store in found.items()}
                self.routed = RoutedObjects(merged)
            self._enqueue_kind_users(*(kind.kind for kind in kinds))

        def interval() -> float:
            in_use = any(self.rollouts.store.keys_by_index(REFERENCES_INDEX, kind.kind) for kind in kinds)
            return ROUTED_PROBE_SECONDS[0] if in_use else ROUTED_PROBE_SECONDS[1]

        def served() -> bool | None:
            return serves(self.kube, *kinds)

        return OptionalInformers(
            name, served=served, make=make, on_change=on_change, interval=interval, clock=self.clock
        )

    def _executor(self) -> Executor:
        stores = (self.rollouts.store, self.replica_sets.store, self.services.store)
        return Executor(self.kube, self.recorder, *stores, lookup=self._lookup, remember=self._remember)

    def _remember(self, resource: Resource, written: Mapping[str, Any]) -> None:
        routed = self.routed
        store = routed.stores.get(resource) if routed is not None else None
        if store is not None:
            store.write_back(dict(written))

    def _lookup(self, resource: Resource, namespace: str, name: str) -> Mapping[str, Any] | None:
        routed = self.routed
        return routed.lookup(resource, namespace, name) if routed is not None else None

    # ---- lifecycle -------------------------------------------------------------------------------------------

    def start(self, stop: threading.Event, sync_timeout: float = 60.0) -> None:
        templates = (self.analysis_templates, *((self.cluster_templates,) if self.cluster_templates else ()))
        informers = (
            self.pods,
            self.replica_sets,
            self.services,
            self.analysis_runs,
            self.experiments,
            self.deployments,
            *templates,
            self.rollouts,
        )
        for informer in informers:
            informer.start(stop)
        for optional in self.routed_apis:
            optional.start(stop)
        if not wait_for_all(informers, stop, sync_timeout):
            return
        self.workers.start()
        self.service_workers.start()
        _log.info("rollout controller started with %d workers", self.settings.rollout_threads)

    def stop(self, timeout: float = 30.0) -> None:
        self.workers.stop(timeout)
        self.service_workers.stop(timeout)
        self.recorder.flush(min(timeout, 5.0))  # the last reconciles' Events, still on their way

    # ---- reconcile -------------------------------------------------------------------------------------------

    def reconcile(self, key: ObjectKey) -> Result | None:
        raw = self.rollouts.store.get(key)
        if raw is None or (raw.get("metadata") or {}).get("deletionTimestamp"):
            return None  # deleted: owned ReplicaSets go with it by garbage collection
        if (rewrite := malformed_rewrite(raw)) is not None:  # as Argo's first full Update of the Rollout does
            _log.warning("malformed spec (%s): writing it back as read", rewrite[1], extra={"rollout": str(key)})
            raw = self.kube.patch(resources.ROLLOUTS, key.namespace, key.name, rewrite[0], kind="json")
            self.rollouts.store.write_back(raw)
        started = time.monotonic()
        try:
            plan = self.executor.carry_out(key, raw, self._plan)
        except Exception:
            self.metrics.reconcile_error.labels(key.namespace, key.name).inc()
            raise
        finally:
            self.metrics.reconcile.labels(key.namespace, key.name).observe(time.monotonic() - started)
        _log.debug(
            "reconciled: %d actions, phase %s", len(plan.actions), plan.status.phase, extra={"rollout": str(key)}
        )
        return Result(requeue_after=plan.requeue_after)

    def _plan(self, raw: Mapping[str, Any]) -> tuple[Plan, Rollout | None]:
        caches = Caches(
            self.replica_sets.store,
            self.services.store,
            self.pods.store,
            self.routed,
            self.analysis,
            self.experiments.store,
            self.deployments.store,
        )
        observed = observe(raw, caches)
        if isinstance(observed, list):
            return planner.unreadable(raw=raw, problems=observed, now=self.clock.now()), None
        return planner.decide(observed=observed, now=self.clock.now()), observed.rollout

    def _on_rule(self, rule: Mapping[str, Any]) -> None:
        if release.managing_rollout(rule):
            self.service_queue.add(key_of(rule))

    def reconcile_service(self, key: ObjectKey) -> Result | None:
        """Drop our selector key and annotation from a Service its Rollout no longer names (or that lost its
        Rollout), and our hash labels and annotation from such a DestinationRule of the same key."""
        release.release_rule(self.kube, self._lookup, key, lambda name, names: self._still_named(key, name, names))
        service = self.services.store.get(key)
        rollout_name = ((service or {}).get("metadata", {}).get("annotations") or {}).get(MANAGED_BY_ANNOTATION)
        if service is None or not rollout_name:
            return None
        if self._still_named(key, rollout_name, lambda named: key.name in named.services):
            return None
        patch = {"metadata": {"annotations": {MANAGED_BY_ANNOTATION: None}}, "spec": {"selector": {HASH_LABEL: None}}}
        self.services.store.write_back(self.kube.patch(resources.SERVICES, key.namespace, key.name, patch))
        _log.info("released Service %s from Rollout %s", key, rollout_name)
        return None

    def _still_named(self, key: ObjectKey, rollout_name: str, names_it: Callable[[References], bool]) -> bool:
        """Whether the Rollout exists and names the object (True when unreadable: never act on a guess)."""
        rollout = self.rollouts.store.get(ObjectKey(key.namespace, rollout_name))
        if rollout is None:
            try:  # not ours to see (another instance id)? Only a Rollout that is really gone releases the object.
                rollout = self.kube.get(resources.ROLLOUTS, key.namespace, rollout_name)
            except errors.NotFound:
                return False
        if (rollout.get("metadata") or {}).get("deletionTimestamp"):
            return False
        named = references_of_raw(rollout)
        return named is None or names_it(named)
