"""The AnalysisRun controller: informers feed a work queue; a reconcile is schedule → measure → settle → one write.

Glue only: what is due and what the status becomes are decided by `analysis.decide` (pure); here we read Secrets,
call the providers for the due measurements (sequentially, in the worker), judge their results with
`analysis.assess`, write the status with one merge patch on /status when it changed, record events, garbage-collect
old Jobs and delete runs whose ttlStrategy expired.
"""

from __future__ import annotations

import base64
import binascii
import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry

from analysis import decide
from analysis.conditions import BoundedJudge, Judge, judged
from analysis.metrics import AnalysisRunMetrics
from analysis.providers import base
from analysis.providers.registry import Providers, UnsupportedProvider
from rollouts.api import AnalysisRunStatus, Measurement
from rollouts.api.gotext import format_time, parse_time
from rollouts.api.labels import RUN_NAME_ANNOTATION, RUN_NAMESPACE_ANNOTATION, RUN_UID_LABEL
from rollouts.api.tolerant import tolerate
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.kube.events import EventRecorder
from rollouts.kube.informers import SharedInformers
from rollouts.kube.patches import merge_patch
from rollouts.machinery.clock import Clock
from rollouts.machinery.controller import Controller, Result
from rollouts.machinery.informer import wait_for_all
from rollouts.machinery.keys import ObjectKey, key_of
from rollouts.machinery.workqueue import WorkQueue
from rollouts.plan.names import INSTANCE_ID_LABEL
from rollouts.plan.runspec import args as arguments

_log = logging.getLogger("analysis.controller")
RunLog = logging.LoggerAdapter[logging.Logger]
"""Log lines about one run carry `analysisrun=<namespace>/<name>`."""

JUDGED_KINDS = frozenset({"prometheus", "web"})
"""Providers whose results go through successCondition/failureCondition (a Job's own outcome is its verdict)."""
STATUS_KEYS = frozenset(field.alias or name for name, field in AnalysisRunStatus.model_fields.items())
"""Status keys we own; any other key (from a newer Argo, say) is never removed by our patch."""


def run_selector(instance_id: str) -> str:
    """Argo's instance-id rule: with an id, only runs labelled with it; without, only unlabelled runs."""
    return f"{INSTANCE_ID_LABEL}={instance_id}" if instance_id else f"!{INSTANCE_ID_LABEL}"


class AnalysisRunController:
    """Owns the AnalysisRun and metric-Job informers, the queue and the workers for AnalysisRuns."""

    def __init__(
        self,
        kube: Kube,
        *,
        clock: Clock,
        namespace: str | None = None,
        instance_id: str = "",
        workers: int = 10,
        providers: Providers | None = None,
        metrics_registry: CollectorRegistry | None = None,
        resync_seconds: float = 900.0,
        informers: SharedInformers | None = None,
    ) -> None:
        self.kube, self.clock, self.workers_count = kube, clock, workers
        self.providers = providers if providers is not None else Providers(kube=kube)
        self.judge = BoundedJudge()
        shared = informers or SharedInformers(kube, clock, namespace)  # one AnalysisRun watch for the process
        self.runs = shared.informer(
            resources.ANALYSIS_RUNS,
            "analysisruns",
            label_selector=run_selector(instance_id),
            resync_seconds=resync_seconds,
        )
        self.jobs = shared.informer(resources.JOBS, "analysis-jobs", label_selector=RUN_UID_LABEL)
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=clock)
        self.metrics = (
            AnalysisRunMetrics(metrics_registry, self.runs.store.list) if metrics_registry is not None else None
        )
        self.recorder = EventRecorder(kube, clock.now)
        self.workers = Controller("analysisruns", self.queue, self.reconcile, workers=workers, clock=clock)
        self.runs.add_handler(on_add=self._enqueue, on_update=self._on_run_update)
        self.jobs.add_handler(
            on_add=self._enqueue_job_run,
            on_update=lambda old, new: self._enqueue_job_run(new),
            on_delete=self._enqueue_job_run,
        )

    # ---- event handlers: map to AnalysisRun keys and enqueue, nothing else --------------------------------------

    def _enqueue(self, run: Mapping[str, Any]) -> None:
        self.queue.add(key_of(run))

    def _on_run_update(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        # Our own status write comes back through the watch with the version we already hold: nothing to do.
        # A resync hands the same object twice: look again, in case a timer was lost.
        if old is new or (old.get("metadata") or {}).get("resourceVersion") != (new.get("metadata") or {}).get(
            "resourceVersion"
        ):
            self._enqueue(new)

    def _enqueue_job_run(self, job: Mapping[str, Any]) -> None:
        # Only a finished Job changes a measurement; a running one is looked at again at its resumeAt anyway.
        if not _job_finished(job):
            return
        key = _owning_run(job)
        if key is not None:
            self.queue.add(key)

    # ---- lifecycle -------------------------------------------------------------------------------------------

    def start(self, stop: threading.Event, sync_timeout: float = 60.0) -> None:
        """Start the informers (until `stop` is set), wait for their first list, then start the workers."""
        for informer in (self.jobs, self.runs):
            informer.start(stop)
        if not wait_for_all((self.jobs, self.runs), stop, sync_timeout):
            return
        self.workers.start()
        _log.info("analysis run controller started with %d workers", self.workers_count)

    def stop(self, timeout: float = 30.0) -> bool:
        """Stop the workers, letting in-flight reconciles finish (set the `stop` event too, for the informers)."""
        stopped = self.workers.stop(timeout)
        self.judge.close()
        return stopped

    # ---- reconcile -------------------------------------------------------------------------------------------

    def reconcile(self, key: ObjectKey) -> Result | None:
        raw = self.runs.store.get(key)
        if raw is None or (raw.get("metadata") or {}).get("deletionTimestamp"):
            return None  # deleted: its Jobs go with it by garbage collection
        started = time.monotonic()
        try:
            outcome = self._reconcile(raw)
        except Exception:
            if self.metrics is not None:
                self.metrics.reconcile_error.labels(key.namespace, key.name).inc()
            raise
        finally:
            if self.metrics is not None:
                self.metrics.reconcile.labels(key.namespace, key.name).observe(time.monotonic() - started)
        return Result(requeue_after=outcome.requeue_after)

    def _reconcile(self, raw: Mapping[str, Any]) -> decide.Outcome:
        log: RunLog = logging.LoggerAdapter(_log, {"analysisrun": str(key_of(raw))})
        plan = decide.schedule(run=tolerate(raw)[0], now=self.clock.now())  # Go-undecodable values as Argo reads them
        outcome = self._measure_and_settle(raw, plan, log)
        if outcome.expired:
            self._delete(raw, log)
            return decide.Outcome(outcome.status)
        if outcome.trimmed and plan.run is not None:
            self._garbage_collect(raw, plan, outcome.trimmed)
        self._write_status(raw, outcome.status)
        for note in outcome.events:
            self.recorder.record(raw, reason=note.reason, message=note.message, type=note.type)
        if outcome.status.get("phase") != (raw.get("status") or {}).get("phase"):
            log.info("analysis run phase %s: %s", outcome.status.get("phase"), outcome.status.get("message") or "")
        return outcome

    def _measure_and_settle(self, raw: Mapping[str, Any], plan: decide.Schedule, log: RunLog) -> decide.Outcome:
        if not plan.tasks or plan.run is None:
            return decide.settle(schedule=plan, taken={}, now=self.clock.now())
        namespace = str(raw["metadata"].get("namespace", ""))
        read_secret = SecretReader(self.kube, namespace)
        try:
            values = arguments.argument_values(plan.run.spec.args, read_secret=read_secret)
        except arguments.ArgumentError as error:
            return decide.spec_error(run=raw, message=f"{decide.ARGS_UNRESOLVED}: {error}", now=self.clock.now())
        taken = {}
        for task in plan.tasks:
            taken[task.metric.name] = take_measurement(
                raw,
                task,
                providers=self.providers,
                values=values,
                now=self.clock.now,
                read_secret=read_secret,
                log=log,
                judge=self.judge,
            )
        return decide.settle(schedule=plan, taken=taken, now=self.clock.now())

    def _garbage_collect(self, raw: Mapping[str, Any], plan: decide.Schedule, trimmed: Mapping[str, int]) -> None:
        """Let each provider delete what the trimmed measurements left behind (old Jobs); best effort."""
        values = arguments.argument_values(plan.run.spec.args if plan.run else None)  # secrets masked: GC needs none
        for metric, spec in zip(plan.metrics, (raw.get("spec") or {}).get("metrics") or [], strict=False):
            keep = trimmed.get(metric.name)
            if keep is None:
                continue
            try:
                resolved = arguments.substitute(spec, values.values)
                kind, provider = self.providers.provider_for(resolved.get("provider"))
                context = _context(raw, decide.Task(metric, spec, "run"), self.clock.now(), None)
                provider.garbage_collect(resolved["provider"][kind], context, keep)
            except (arguments.ArgumentError, UnsupportedProvider, errors.ApiError) as error:
                _log.warning(
                    "could not garbage-collect old measurements of metric %s: %s",
                    metric.name,
                    error,
                    extra={"analysisrun": str(key_of(raw))},
                )

    def _write_status(self, raw: Mapping[str, Any], desired: Mapping[str, Any]) -> None:
        patch = merge_patch(raw.get("status") or {}, desired, removable=STATUS_KEYS)
        if patch is None:
            return  # nothing changed: no write
        metadata = raw["metadata"]
        updated = self.kube.patch(
            resources.ANALYSIS_RUNS,
            metadata.get("namespace"),
            metadata["name"],
            {"status": patch},
            subresource="status",
        )
        updated.setdefault("kind", resources.ANALYSIS_RUNS.kind)
        updated.setdefault("apiVersion", resources.ANALYSIS_RUNS.api_version)
        self.runs.store.write_back(updated)

    def _delete(self, raw: Mapping[str, Any], log: RunLog) -> None:
        metadata = raw["metadata"]
        try:
            self.kube.delete(
                resources.ANALYSIS_RUNS, metadata.get("namespace"), metadata["name"], uid=metadata.get("uid")
            )
        except errors.NotFound:
            return  # already gone
        log.info("deleted analysis run: its ttlStrategy expired")


class SecretReader:
    """Reads Secret keys in one namespace for secretKeyRef arguments, each Secret at most once per reconcile."""

    def __init__(self, kube: Kube, namespace: str) -> None:
        self.kube, self.namespace = kube, namespace
        self._secrets: dict[str, Mapping[str, Any]] = {}

    def __call__(self, name: str, key: str) -> str:
        if name not in self._secrets:
            try:
                self._secrets[name] = self.kube.get(resources.SECRETS, self.namespace, name)
            except errors.NotFound:
                raise arguments.ArgumentError(f"secret '{name}' not found in namespace {self.namespace}") from None
        data = self._secrets[name].get("data") or {}
        if key not in data:
            raise arguments.ArgumentError(f"key '{key}' does not exist in secret '{name}'")
        try:
            return base64.b64decode(data[key]).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise arguments.ArgumentError(f"key '{key}' of secret '{name}' is not UTF-8 text") from None


# ---- measuring --------------------------------------------------------------------------------------------------


def take_measurement(
    run: Mapping[str, Any],
    task: decide.Task,
    *,
    providers: Providers,
    values: arguments.ArgumentValues,
    now: Callable[[], datetime],
    read_secret: arguments.ReadSecret | None = None,
    log: logging.Logger | RunLog = _log,
    judge: Judge | None = None,
) -> Measurement:
    """Run, resume or terminate one measurement of the raw AnalysisRun `run` and judge its result.

    The metric's args are substituted with `values` (real secret values; they are redacted from the stored
    message and value). Problems with the metric become an Error measurement; transient API errors are raised.
    """
    started = now()
    context = _context(run, task, started, read_secret)
    try:
        spec = arguments.substitute(task.spec, values.values)
        kind, provider = providers.provider_for(spec.get("provider"))
        config = spec["provider"][kind]
        if task.action == "run":
            measured = provider.run(config, context)
        elif task.action == "resume":
            measured = provider.resume(config, context, _to_provider(task.in_flight, started))
        else:
            measured = provider.terminate(config, context, _to_provider(task.in_flight, started))
        if kind in JUDGED_KINDS and task.action != "terminate" and measured.phase == base.SUCCESSFUL:
            measured = (judge or judged)(measured, spec)
    except errors.ApiError:
        raise  # transient (unreachable, 429, 5xx): the work queue retries with backoff
    except (arguments.ArgumentError, UnsupportedProvider, base.ProviderError) as error:
        measured = base.errored(str(error), started)
    except Exception as error:  # a provider bug must not wedge the run: it shows as an Error measurement
        log.exception("metric %s: provider failed", task.metric.name)
        measured = base.errored(f"provider failed: {type(error).__name__}: {error}", started)
    if measured.phase != base.RUNNING:
        measured = measured.replace(finished_at=max(measured.finished_at or started, now()))
    return _to_status(measured, values)


# ---- conversions and small helpers ----------------------------------------------------------------------------


def _context(
    raw: Mapping[str, Any], task: decide.Task, now: datetime, read_secret: arguments.ReadSecret | None
) -> base.MeasureContext:
    metadata = raw["metadata"]
    return base.MeasureContext(
        namespace=str(metadata.get("namespace", "")),
        run_name=str(metadata["name"]),
        run_uid=str(metadata.get("uid", "")),
        metric_name=task.metric.name,
        now=now,
        count=task.taken,
        read_secret=read_secret,
    )


def _to_status(measured: base.Measurement, values: arguments.ArgumentValues) -> Measurement:
    """A provider's measurement as stored in status.metricResults[].measurements[], secrets redacted."""
    return Measurement(
        phase=measured.phase,
        message=values.redact(measured.message),
        started_at=format_time(measured.started_at),
        finished_at=format_time(measured.finished_at) if measured.finished_at else None,
        value=values.redact(measured.value),
        metadata=dict(measured.metadata) or None,
        resume_at=format_time(measured.resume_at) if measured.resume_at else None,
    )


def _to_provider(stored: Measurement | None, now: datetime) -> base.Measurement:
    """A stored in-flight measurement, as a provider resumes or terminates it."""
    stored = stored or Measurement(phase=base.RUNNING)
    return base.Measurement(
        phase=stored.phase or base.RUNNING,  # type: ignore[arg-type]
        started_at=_time(stored.started_at) or now,
        finished_at=_time(stored.finished_at),
        value=stored.value,
        message=stored.message,
        metadata=dict(stored.metadata or {}),
        resume_at=_time(stored.resume_at),
    )


def _time(text: str | None) -> datetime | None:
    try:
        return parse_time(text) if text else None
    except ValueError:
        return None


def _job_finished(job: Mapping[str, Any]) -> bool:
    conditions = (job.get("status") or {}).get("conditions") or []
    return any(c.get("type") in ("Complete", "Failed") and c.get("status") == "True" for c in conditions)


def _owning_run(job: Mapping[str, Any]) -> ObjectKey | None:
    metadata = job.get("metadata") or {}
    for ref in metadata.get("ownerReferences") or []:
        if ref.get("controller") and ref.get("kind") == resources.ANALYSIS_RUNS.kind:
            return ObjectKey(str(metadata.get("namespace", "")), str(ref.get("name")))
    annotations = metadata.get("annotations") or {}
    name = annotations.get(RUN_NAME_ANNOTATION)
    if name:  # a Job in another namespace cannot be owned; the annotations say whose it is
        return ObjectKey(str(annotations.get(RUN_NAMESPACE_ANNOTATION) or metadata.get("namespace", "")), str(name))
    return None
