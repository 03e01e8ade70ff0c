"""Measure a metric by running a Kubernetes Job; the Job's own outcome is the verdict (metric provider `job`).

Creates, polls, deletes and garbage-collects AnalysisRun Jobs through `rollouts.kube.client.Kube`. Never reads
the clock (`ctx.now` is the time) and evaluates no conditions. A broken metric becomes an Error measurement;
transient API failures (unreachable, 429, 5xx) are raised for the caller's backoff.
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from analysis.decide.state import METRIC_TERMINATED
from analysis.providers.base import (
    ERROR,
    FAILED,
    INCONCLUSIVE,
    RUNNING,
    SUCCESSFUL,
    MeasureContext,
    Measurement,
    Phase,
    ProviderError,
    errored,
)
from rollouts.api.labels import (
    JOB_NAME_KEY,
    JOB_NAMESPACE_KEY,
    METRIC_NAME_ANNOTATION,
    RUN_NAME_ANNOTATION,
    RUN_NAMESPACE_ANNOTATION,
    RUN_UID_LABEL,
)
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube

NAMESPACE_ENV = "ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE"
IMAGE_PULL_FAILURES = frozenset({"ErrImagePull", "ImagePullBackOff", "InvalidImageName"})
MAX_NAME_LENGTH = 63  # the Job controller copies the Job name into a pod label value
MAX_POLL_DELAY = timedelta(seconds=10)
MIN_POLL_DELAY = timedelta(seconds=1)


class JobProvider:
    """One Job per measurement, named `<run uid>.<metric>.<n>`, owned by its AnalysisRun."""

    def __init__(self, kube: Kube, *, namespace: str | None = None) -> None:
        self._kube = kube
        self._namespace = namespace or None  # $ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE, read by the registry

    def run(self, config: Mapping[str, Any], ctx: MeasureContext) -> Measurement:
        namespace = self._namespace or ctx.namespace
        try:
            body = build_job(config, ctx, namespace)
        except ProviderError as error:
            return errored(str(error), ctx.now)
        name = body["metadata"]["name"]
        try:
            self._kube.create(resources.JOBS, namespace, body)
        except errors.AlreadyExists:
            # A retry after a lost reply (or a stale status) lands here; only a Job of this very run is adopted.
            existing = self._kube.get(resources.JOBS, namespace, name)
            if _labels(existing).get(RUN_UID_LABEL) != ctx.run_uid:
                return errored(
                    f"job {namespace}/{name} already exists and does not belong to AnalysisRun {ctx.run_name} ({ctx.run_uid})",
                    ctx.now,
                )
        except errors.ApiError as error:
            _raise_if_transient(error)
            return errored(f"job {namespace}/{name} could not be created: {error.message}", ctx.now)
        return Measurement(
            RUNNING,
            ctx.now,
            metadata={JOB_NAME_KEY: name, JOB_NAMESPACE_KEY: namespace},
            resume_at=ctx.now + poll_delay(timedelta(0)),
        )

    def resume(self, config: Mapping[str, Any], ctx: MeasureContext, measurement: Measurement) -> Measurement:
        if measurement.phase != RUNNING:
            return measurement
        try:
            namespace, name = _reference(measurement, ctx)
            job = self._kube.get(resources.JOBS, namespace, name)
        except ProviderError as error:
            return _finish(measurement, ERROR, str(error), ctx.now)
        except errors.NotFound:
            return _finish(measurement, ERROR, f"job {namespace}/{name} not found", ctx.now)
        verdict = job_verdict(job)
        if verdict is None:
            uid = job.get("metadata", {}).get("uid", "")
            pods, _ = self._kube.list(
                resources.PODS, namespace, label_selector=f"batch.kubernetes.io/controller-uid={uid}"
            )
            stuck = image_pull_failure(pods)
            verdict = (INCONCLUSIVE, stuck) if stuck else None
        if verdict is not None:
            return _finish(measurement, verdict[0], verdict[1], ctx.now)
        return measurement.replace(resume_at=ctx.now + poll_delay(ctx.now - measurement.started_at))

    def terminate(self, config: Mapping[str, Any], ctx: MeasureContext, measurement: Measurement) -> Measurement:
        if measurement.phase != RUNNING:
            return measurement
        try:
            namespace, name = _reference(measurement, ctx)
        except ProviderError as error:
            return _finish(measurement, ERROR, str(error), ctx.now)
        # A Job that already finished keeps its verdict: only work still in flight is cut short.
        try:
            verdict = job_verdict(self._kube.get(resources.JOBS, namespace, name))
        except errors.NotFound:
            verdict = None
        if verdict is not None:
            return _finish(measurement, verdict[0], verdict[1], ctx.now)
        self._delete(namespace, name)
        return _finish(measurement, INCONCLUSIVE, METRIC_TERMINATED, ctx.now)

    def garbage_collect(self, config: Mapping[str, Any], ctx: MeasureContext, keep: int) -> None:
        """Delete all but the newest `keep` Jobs of this run's metric (other metrics' Jobs are left alone)."""
        if keep < 0:
            raise ValueError(f"keep must be 0 or more, got {keep}")
        namespace = self._namespace or ctx.namespace
        jobs, _ = self._kube.list(resources.JOBS, namespace, label_selector=f"{RUN_UID_LABEL}={ctx.run_uid}")
        mine = [job for job in jobs if _annotations(job).get(METRIC_NAME_ANNOTATION) == ctx.metric_name]
        for job in oldest_first(mine)[: max(len(mine) - keep, 0)]:
            self._delete(namespace, job["metadata"]["name"])

    def _delete(self, namespace: str, name: str) -> None:
        with contextlib.suppress(errors.NotFound):  # already gone: the goal of deleting it is met
            self._kube.delete(resources.JOBS, namespace, name, propagation="Foreground")


def job_name(run_uid: str, metric_name: str, number: int) -> str:
    """`<run uid>.<metric>.<n>`, the metric name cut so that the whole is at most 63 characters.

    With a 36-character uid: ("…", "error-rate", 1) → "<uid>.error-rate.1"; a 30-character metric keeps its first
    24 characters at n=1 and its first 23 at n=10; a cut never leaves a trailing "-" or ".".
    """
    suffix = f".{number}"
    room = max(MAX_NAME_LENGTH - len(run_uid) - 1 - len(suffix), 0)
    return f"{run_uid}.{metric_name[:room].rstrip('.-')}{suffix}"


def build_job(config: Mapping[str, Any], ctx: MeasureContext, namespace: str) -> dict[str, Any]:
    """The Job for the next measurement: the metric's spec and metadata plus the labels that tie it to the run."""
    spec = config.get("spec")
    if not isinstance(spec, Mapping) or not isinstance(spec.get("template"), Mapping):
        raise ProviderError("job.spec.template is required (a batch/v1 JobSpec)")
    metadata = config.get("metadata") or {}
    labels = {**_strings(metadata.get("labels"), "job.metadata.labels"), RUN_UID_LABEL: ctx.run_uid}
    annotations = {
        **_strings(metadata.get("annotations"), "job.metadata.annotations"),
        RUN_NAME_ANNOTATION: ctx.run_name,
        RUN_NAMESPACE_ANNOTATION: ctx.namespace,
        METRIC_NAME_ANNOTATION: ctx.metric_name,
    }
    job_spec = copy.deepcopy(dict(spec))
    template = job_spec["template"] = dict(job_spec["template"])
    template_metadata = template["metadata"] = dict(template.get("metadata") or {})
    template_metadata["labels"] = {**(template_metadata.get("labels") or {}), RUN_UID_LABEL: ctx.run_uid}
    job_metadata: dict[str, Any] = {
        "name": job_name(ctx.run_uid, ctx.metric_name, ctx.count + 1),
        "namespace": namespace,
        "labels": labels,
        "annotations": annotations,
    }
    if (
        namespace == ctx.namespace
    ):  # owner references cannot cross namespaces; the garbage collector would delete the Job
        job_metadata["ownerReferences"] = [
            {
                "apiVersion": resources.ANALYSIS_RUNS.api_version,
                "kind": resources.ANALYSIS_RUNS.kind,
                "name": ctx.run_name,
                "uid": ctx.run_uid,
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return {
        "apiVersion": resources.JOBS.api_version,
        "kind": resources.JOBS.kind,
        "metadata": job_metadata,
        "spec": job_spec,
    }


def job_verdict(job: Mapping[str, Any]) -> tuple[Phase, str | None] | None:
    """Complete=True → Successful; Failed=True → Failed with the condition's reason and message; else None."""
    for condition in (job.get("status") or {}).get("conditions") or []:
        if condition.get("status") != "True":
            continue
        if condition.get("type") == "Complete":
            return SUCCESSFUL, None
        if condition.get("type") == "Failed":
            said = ": ".join(part for part in (condition.get("reason"), condition.get("message")) if part)
            return FAILED, f"job {job.get('metadata', {}).get('name')} failed" + (f": {said}" if said else "")
    return None


def image_pull_failure(pods: Sequence[Mapping[str, Any]]) -> str | None:
    """A message for the first container that waits on an image it cannot pull, else None."""
    for pod in pods:
        status = pod.get("status") or {}
        for container in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []):
            waiting = (container.get("state") or {}).get("waiting") or {}
            if waiting.get("reason") in IMAGE_PULL_FAILURES:
                detail = f": {waiting['message']}" if waiting.get("message") else ""
                return f"pod {pod['metadata']['name']} container {container.get('name')} cannot pull its image: {waiting['reason']}{detail}"
    return None


def poll_delay(elapsed: timedelta) -> timedelta:
    """How long to wait before looking at a running Job again: √(2·elapsed seconds), kept within 1 s … 10 s.

    0 s → 1 s, 2 s → 2 s, 8 s → 4 s, 32 s → 8 s, 50 s → 10 s, 1 h → 10 s.
    """
    seconds = math.sqrt(2 * max(elapsed.total_seconds(), 0.0))
    return min(max(timedelta(seconds=seconds), MIN_POLL_DELAY), MAX_POLL_DELAY)


def oldest_first(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Jobs by creation time, then by measurement number (creation times have one-second resolution)."""

    def key(job: dict[str, Any]) -> tuple[str, int]:
        metadata = job.get("metadata") or {}
        number = str(metadata.get("name", "")).rpartition(".")[2]
        return str(metadata.get("creationTimestamp") or ""), int(number) if number.isdigit() else 0

    return sorted(jobs, key=key)


def _reference(measurement: Measurement, ctx: MeasureContext) -> tuple[str, str]:
    name = measurement.metadata.get(JOB_NAME_KEY)
    if not name:
        raise ProviderError("job metadata reference missing")
    return measurement.metadata.get(JOB_NAMESPACE_KEY) or ctx.namespace, name


def _finish(measurement: Measurement, phase: Phase, message: str | None, now: datetime) -> Measurement:
    return measurement.replace(phase=phase, message=message, finished_at=now, resume_at=None)


def _raise_if_transient(error: errors.ApiError) -> None:
    if isinstance(error, errors.Unreachable) or error.status == 429 or error.status >= 500:
        raise error


def _strings(values: Any, field: str) -> dict[str, str]:
    if not values:
        return {}
    if not isinstance(values, Mapping):
        raise ProviderError(f"{field}: expected a map of strings, got {type(values).__name__}")
    return {str(key): str(value) for key, value in values.items()}


def _labels(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("labels") or {}


def _annotations(obj: Mapping[str, Any]) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("annotations") or {}
