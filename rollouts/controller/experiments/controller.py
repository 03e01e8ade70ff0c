"""The Experiment controller: informers feed a work queue; a reconcile observes the caches, asks the pure
`rollouts.plan.experiments.decide`, runs its actions in order, records its events and writes the status once.

Creates are idempotent (an object that already exists is ours: it is named after the experiment and owned by it),
so a restart mid-reconcile creates nothing twice.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Mapping
from typing import Any

from rollouts import api
from rollouts.api import AnalysisTemplate, ClusterAnalysisTemplate, Experiment
from rollouts.api.labels import (
    EXPERIMENT_NAME_ANNOTATION,
    EXPERIMENT_TEMPLATE_ANNOTATION,
    HASH_LABEL,
    INSTANCE_ID_LABEL,
)
from rollouts.api.tolerant import tolerate
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.kube.events import EventRecorder
from rollouts.kube.informers import SharedInformers
from rollouts.kube.patches import merge_patch
from rollouts.machinery.clock import Clock
from rollouts.machinery.controller import Controller, Result
from rollouts.machinery.informer import Informer, wait_for_all
from rollouts.machinery.keys import ObjectKey, key_of
from rollouts.machinery.store import index_by_owner_uid
from rollouts.machinery.workqueue import WorkQueue
from rollouts.plan import experiments as plan
from rollouts.plan.experiments import conditions

_log = logging.getLogger("rollouts.experiments")
_OWNER = "experiment-owner"
_KINDS = {"ReplicaSet": resources.REPLICASETS, "Service": resources.SERVICES, "AnalysisRun": resources.ANALYSIS_RUNS}
STATUS_KEYS = frozenset(field.alias or name for name, field in api.ExperimentStatus.model_fields.items())
"""Status keys we own; any other key is never removed by our patch."""


def _selector(instance_id: str) -> str:
    return f"{INSTANCE_ID_LABEL}={instance_id}" if instance_id else f"!{INSTANCE_ID_LABEL}"


class ExperimentController:
    """Owns the Experiment informers, the queue and the workers for Experiments."""

    def __init__(
        self,
        kube: Kube,
        *,
        clock: Clock,
        namespace: str | None = None,
        instance_id: str = "",
        workers: int = 10,
        resync_seconds: float = 900.0,
        informers: SharedInformers | None = None,
    ) -> None:
        self.kube, self.clock, self.workers_count = kube, clock, workers
        owned = {_OWNER: index_by_owner_uid}
        shared = informers or SharedInformers(kube, clock, namespace)  # the Rollout controller's, in the process

        def informer(resource: resources.Resource, name: str, selector: str | None = None, **kwargs: Any) -> Informer:
            return shared.informer(resource, name, label_selector=selector, **kwargs)

        self.experiments = informer(
            resources.EXPERIMENTS, "experiments", _selector(instance_id), resync_seconds=resync_seconds
        )
        self.replica_sets = informer(resources.REPLICASETS, "experiment-replicasets", HASH_LABEL, indexers=owned)
        # Every Service and the instance's runs, as the Rollout controller watches them (one watch for both).
        self.services = informer(resources.SERVICES, "experiment-services", indexers=owned)
        self.runs = informer(resources.ANALYSIS_RUNS, "experiment-analysisruns", _selector(instance_id), indexers=owned)
        self.templates = informer(resources.ANALYSIS_TEMPLATES, "experiment-analysistemplates")
        self.cluster_templates = (
            None if namespace else informer(resources.CLUSTER_ANALYSIS_TEMPLATES, "experiment-clusteranalysistemplates")
        )
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=clock)
        self.recorder = EventRecorder(kube, clock.now)
        self.workers = Controller("experiments", self.queue, self.reconcile, workers=workers, clock=clock)
        self.experiments.add_handler(on_add=self._enqueue, on_update=lambda old, new: self._enqueue(new))
        for owned_informer in (self.replica_sets, self.services, self.runs):
            owned_informer.add_handler(
                on_add=self._enqueue_owner,
                on_update=lambda old, new: self._enqueue_owner(new),
                on_delete=self._enqueue_owner,
            )

    def _informers(self) -> list[Informer]:
        found = [self.replica_sets, self.services, self.runs, self.templates, self.experiments]
        return found + ([self.cluster_templates] if self.cluster_templates is not None else [])

    def _enqueue(self, experiment: Mapping[str, Any]) -> None:
        self.queue.add(key_of(experiment))

    def _enqueue_owner(self, obj: Mapping[str, Any]) -> None:
        metadata = obj.get("metadata") or {}
        for ref in metadata.get("ownerReferences") or []:
            if ref.get("controller") and ref.get("kind") == "Experiment":
                self.queue.add(ObjectKey(str(metadata.get("namespace", "")), str(ref.get("name"))))

    def start(self, stop: threading.Event, sync_timeout: float = 60.0) -> None:
        """Start the informers (until `stop` is set), wait for their first list, then start the workers."""
        for informer in self._informers():
            informer.start(stop)
        if not wait_for_all(self._informers(), stop, sync_timeout):
            return
        self.workers.start()
        _log.info("experiment controller started with %d workers", self.workers_count)

    def stop(self, timeout: float = 30.0) -> bool:
        return self.workers.stop(timeout)

    # ---- reconcile -------------------------------------------------------------------------------------------

    def reconcile(self, key: ObjectKey) -> Result | None:
        raw = self.experiments.store.get(key)
        if raw is None or (raw.get("metadata") or {}).get("deletionTimestamp"):
            return None  # deleted: what it owns goes with it by garbage collection
        log = logging.LoggerAdapter(_log, {"experiment": str(key)})
        parsed = api.parse_experiment(tolerate(raw)[0])  # a pod template Go cannot decode is read as Argo reads it
        now = self.clock.now()
        previous = dict(raw.get("status") or {})
        if isinstance(parsed, list):
            decided = conditions.invalid(previous, str(raw["metadata"]["name"]), str(parsed[0]), now)
        else:
            decided = plan.decide(self._observe(raw, parsed), parsed)
        for action in decided.actions:
            self._execute(raw, action, log)
        self._write_status(raw, decided.status)
        for note in decided.events:
            self.recorder.record(raw, reason=note.reason, message=note.message, type=note.type)
        if decided.status.get("phase") != previous.get("phase"):
            log.info("experiment phase %s: %s", decided.status.get("phase"), decided.status.get("message") or "")
        return Result(requeue_after=decided.requeue_after)

    def _observe(self, raw: Mapping[str, Any], model: Experiment) -> plan.ExperimentObserved:
        metadata = raw["metadata"]
        uid, namespace, name = str(metadata.get("uid", "")), str(metadata.get("namespace", "")), str(metadata["name"])
        replica_sets = {}
        for rs in self.replica_sets.store.by_index(_OWNER, uid):
            annotations = rs["metadata"].get("annotations") or {}
            if annotations.get(EXPERIMENT_NAME_ANNOTATION) == name and annotations.get(EXPERIMENT_TEMPLATE_ANNOTATION):
                replica_sets[str(annotations[EXPERIMENT_TEMPLATE_ANNOTATION])] = rs
        services = {str(s["metadata"]["name"]): s for s in self.services.store.by_index(_OWNER, uid)}
        runs = {str(r["metadata"]["name"]): r for r in self.runs.store.by_index(_OWNER, uid)}

        def lookup(template: str, cluster: bool) -> AnalysisTemplate | ClusterAnalysisTemplate | None:
            store = self.cluster_templates if cluster else self.templates
            found = store.store.get(ObjectKey("" if cluster else namespace, template)) if store is not None else None
            # A miss ends the Experiment in Error for good: confirm it with the API, the template's watch may lag.
            if found is None and store is not None:
                found = self._read_template(template, "" if cluster else namespace)
            parsed = api.parse(tolerate(found)[0], check=False) if found is not None else None
            return parsed if isinstance(parsed, AnalysisTemplate | ClusterAnalysisTemplate) else None

        def run_named(run: str) -> Mapping[str, Any] | None:
            return self.runs.store.get(ObjectKey(namespace, run))

        return plan.ExperimentObserved(raw, replica_sets, services, runs, lookup, self.clock.now(), run_named)

    def _read_template(self, name: str, namespace: str) -> dict[str, Any] | None:
        resource = resources.ANALYSIS_TEMPLATES if namespace else resources.CLUSTER_ANALYSIS_TEMPLATES
        try:
            return self.kube.get(resource, namespace or None, name)
        except errors.NotFound:
            return None

    def _execute(
        self, raw: Mapping[str, Any], action: plan.ExperimentAction, log: logging.LoggerAdapter[logging.Logger]
    ) -> None:
        namespace = str(raw["metadata"].get("namespace", ""))
        if isinstance(action, plan.CreateObject):
            try:
                self.kube.create(_KINDS[action.kind], namespace, dict(action.body))
                log.info("created %s %s", action.kind, action.body["metadata"]["name"])
            except errors.AlreadyExists:
                pass  # created by an earlier reconcile whose write we have not seen yet
        elif isinstance(action, plan.ScaleTemplate):
            patch: dict[str, Any] = {"spec": {"replicas": action.replicas}}
            if action.annotations:
                patch["metadata"] = {"annotations": dict(action.annotations)}
            self.kube.patch(resources.REPLICASETS, namespace, action.name, patch)
        elif isinstance(action, plan.DeleteService):
            with contextlib.suppress(errors.NotFound):  # already gone
                self.kube.delete(resources.SERVICES, namespace, action.name)
        else:
            self.kube.patch(resources.ANALYSIS_RUNS, namespace, action.name, {"spec": {"terminate": True}})

    def _write_status(self, raw: Mapping[str, Any], desired: Mapping[str, Any]) -> None:
        patch = merge_patch(raw.get("status") or {}, desired, removable=STATUS_KEYS)
        if patch is None:
            return
        metadata = raw["metadata"]
        updated = self.kube.patch(
            resources.EXPERIMENTS, metadata.get("namespace"), metadata["name"], {"status": patch}, subresource="status"
        )
        updated.setdefault("kind", resources.EXPERIMENTS.kind)
        updated.setdefault("apiVersion", resources.EXPERIMENTS.api_version)
        self.experiments.store.write_back(updated)
