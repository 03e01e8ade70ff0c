"""The job metric provider on the real local control plane (kwok runs Job pods to completion at once).

Aspects: the Job's name, labels, annotations and owner reference; Complete → Successful; a deadline exceeded
by a pod that can never be scheduled → Failed with the condition's reason; a pod waiting on an image it
cannot pull → Inconclusive; terminate deletes the Job → Inconclusive "Metric Terminated"; adopting a Job of
the same run and refusing one of another; the Job namespace override (no cross-namespace owner); garbage
collection per run and metric; API rejections as Error measurements. Pure tables: job names, poll delays,
verdicts. Excluded: a second cluster via ARGO_ROLLOUTS_ANALYSIS_JOB_KUBECONFIG (not supported).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from helpers import wait_until
from kube_objects import Run

from analysis.providers import job
from analysis.providers.base import MeasureContext, Measurement
from analysis.providers.registry import Providers
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube

UID = "0d5f3c1e-8a4b-4f7e-9c2d-1b6a7e8f9a0b"
NOWHERE = {"rollouts.test/no-such-node": "true"}  # no node has this label: the pod stays Pending


def job_config(*, node_selector: dict | None = None, deadline: int | None = None, **metadata: Any) -> dict:
    pod_spec: dict[str, Any] = {"restartPolicy": "Never", "containers": [{"name": "check", "image": "registry.local/check:1"}]}
    if node_selector:
        pod_spec["nodeSelector"] = node_selector
    spec: dict[str, Any] = {"backoffLimit": 0, "template": {"spec": pod_spec}}
    if deadline is not None:
        spec["activeDeadlineSeconds"] = deadline
    return {"metadata": metadata, "spec": spec}


def ctx(run: Run, metric: str = "check", count: int = 0) -> MeasureContext:
    return MeasureContext(run.namespace, run.name, run.uid, metric, datetime.now(timezone.utc), count)


def resume_until_done(provider: job.JobProvider, config: dict, run: Run, measurement: Measurement, timeout: float = 30) -> Measurement:
    """Resume as the controller would (each time with a fresh `now`) until the measurement leaves Running."""
    latest = measurement

    def done() -> Measurement | None:
        nonlocal latest
        latest = provider.resume(config, ctx(run), latest)
        return latest if latest.phase != "Running" else None

    return wait_until(done, timeout=timeout, interval=0.2, what="the metric Job to finish")


@pytest.fixture
def provider(kube: Kube) -> job.JobProvider:
    return job.JobProvider(kube)


# ---- pure ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("metric", "number", "name"),
    [
        pytest.param("error-rate", 1, f"{UID}.error-rate.1", id="short"),
        pytest.param("a" * 30, 1, f"{UID}.{'a' * 24}.1", id="cut-to-63"),
        pytest.param("a" * 30, 10, f"{UID}.{'a' * 23}.10", id="longer-number-cuts-more"),
        pytest.param("abcdefghijklmnopqrstuvw-xyz", 1, f"{UID}.abcdefghijklmnopqrstuvw.1", id="no-trailing-dash"),
    ],
)
def test_job_name(metric: str, number: int, name: str) -> None:
    assert job.job_name(UID, metric, number) == name
    assert len(name) <= 63


@pytest.mark.parametrize(
    ("elapsed", "delay"),
    [(0, 1), (2, 2), (8, 4), (32, 8), (50, 10), (3600, 10)],
    ids=["start", "2s", "8s", "32s", "50s", "1h"],
)
def test_poll_delay_grows_with_sqrt_and_is_capped(elapsed: int, delay: int) -> None:
    assert job.poll_delay(timedelta(seconds=elapsed)) == timedelta(seconds=delay)


@pytest.mark.parametrize(
    ("conditions", "verdict"),
    [
        pytest.param([], None, id="none"),
        pytest.param([{"type": "SuccessCriteriaMet", "status": "True"}], None, id="success-criteria-not-yet-complete"),
        pytest.param([{"type": "Complete", "status": "True"}], ("Successful", None), id="complete"),
        pytest.param([{"type": "Complete", "status": "False"}], None, id="complete-false"),
        pytest.param([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}],
                     ("Failed", "job j failed: BackoffLimitExceeded: Job has reached the specified backoff limit"), id="failed"),
    ],
)  # fmt: skip
def test_job_verdict(conditions: list[dict], verdict: tuple | None) -> None:
    assert job.job_verdict({"metadata": {"name": "j"}, "status": {"conditions": conditions}}) == verdict


def test_spec_without_template_is_an_error_before_any_api_call() -> None:
    run = Run("default", "run", UID)
    measurement = job.JobProvider(kube=None).run({"spec": {"backoffLimit": 0}}, ctx(run))  # type: ignore[arg-type]
    assert (measurement.phase, measurement.message) == ("Error", "job.spec.template is required (a batch/v1 JobSpec)")


# ---- on the cluster -----------------------------------------------------------------------------------------


def test_job_is_created_for_the_run_and_succeeds(kube: Kube, provider: job.JobProvider, analysis_run: Run) -> None:
    config = job_config(labels={"team": "payments"}, annotations={"note": "smoke"})
    started = ctx(analysis_run, count=2)

    running = provider.run(config, started)

    name = f"{analysis_run.uid}.check.3"
    assert (running.phase, running.metadata) == ("Running", {"job-name": name, "job-namespace": analysis_run.namespace})
    assert running.resume_at == started.now + timedelta(seconds=1)
    created = kube.get(resources.JOBS, analysis_run.namespace, name)
    assert created["metadata"]["labels"] == {"team": "payments", "analysisrun.argoproj.io/uid": analysis_run.uid}
    assert created["metadata"]["annotations"] == {
        "note": "smoke",
        "analysisrun.argoproj.io/name": analysis_run.name,
        "analysisrun.argoproj.io/namespace": analysis_run.namespace,
        "analysisrun.argoproj.io/metric-name": "check",
    }
    assert created["metadata"]["ownerReferences"] == [{
        "apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisRun", "name": analysis_run.name, "uid": analysis_run.uid,
        "controller": True, "blockOwnerDeletion": True,
    }]  # fmt: skip
    assert created["spec"]["template"]["metadata"]["labels"]["analysisrun.argoproj.io/uid"] == analysis_run.uid

    finished = resume_until_done(provider, config, analysis_run, running)

    assert (finished.phase, finished.message, finished.started_at) == ("Successful", None, started.now)
    assert finished.finished_at is not None and finished.resume_at is None


def test_running_job_is_polled_with_a_growing_delay(provider: job.JobProvider, analysis_run: Run) -> None:
    config = job_config(node_selector=NOWHERE)
    running = provider.run(config, ctx(analysis_run))
    later = MeasureContext(analysis_run.namespace, analysis_run.name, analysis_run.uid, "check", running.started_at + timedelta(seconds=8))

    polled = provider.resume(config, later, running)

    assert (polled.phase, polled.resume_at) == ("Running", later.now + timedelta(seconds=4))


def test_deadline_exceeded_fails_the_measurement(provider: job.JobProvider, analysis_run: Run) -> None:
    config = job_config(node_selector=NOWHERE, deadline=1)
    running = provider.run(config, ctx(analysis_run))

    finished = resume_until_done(provider, config, analysis_run, running)

    assert finished.phase == "Failed"
    assert finished.message == f"job {running.metadata['job-name']} failed: DeadlineExceeded: Job was active longer than specified deadline"


def test_image_pull_failure_is_inconclusive(kube: Kube, provider: job.JobProvider, analysis_run: Run) -> None:
    config = job_config(node_selector=NOWHERE)
    running = provider.run(config, ctx(analysis_run))
    job_uid = kube.get(resources.JOBS, analysis_run.namespace, running.metadata["job-name"])["metadata"]["uid"]
    pods = wait_until(
        lambda: kube.list(resources.PODS, analysis_run.namespace, label_selector=f"batch.kubernetes.io/controller-uid={job_uid}")[0],
        what="the Job's pod",
    )
    assert provider.resume(config, ctx(analysis_run), running).phase == "Running"
    # What a kubelet reports for a missing image (kwok never pulls images), written through pods/status.
    waiting = {"reason": "ErrImagePull", "message": 'pull access denied for "registry.local/check:1"'}
    status = {"containerStatuses": [{"name": "check", "image": "registry.local/check:1", "imageID": "", "ready": False, "restartCount": 0, "state": {"waiting": waiting}}]}
    kube.patch(resources.PODS, analysis_run.namespace, pods[0]["metadata"]["name"], {"status": status}, subresource="status")

    finished = provider.resume(config, ctx(analysis_run), running)

    assert finished.phase == "Inconclusive"
    assert finished.message == f'pod {pods[0]["metadata"]["name"]} container check cannot pull its image: ErrImagePull: pull access denied for "registry.local/check:1"'


def test_terminate_deletes_the_job(kube: Kube, provider: job.JobProvider, analysis_run: Run) -> None:
    config = job_config(node_selector=NOWHERE)
    running = provider.run(config, ctx(analysis_run))

    stopped = provider.terminate(config, ctx(analysis_run), running)

    assert (stopped.phase, stopped.message) == ("Inconclusive", "Metric Terminated")
    assert stopped.finished_at is not None and stopped.resume_at is None
    wait_until(lambda: _gone(kube, analysis_run.namespace, running.metadata["job-name"]), what="the Job to be deleted")
    again = provider.terminate(config, ctx(analysis_run), running)
    assert again.phase == "Inconclusive", "terminating twice is fine: the Job is already gone"


def test_same_run_adopts_an_existing_job_and_another_run_does_not(kube: Kube, provider: job.JobProvider, analysis_run: Run) -> None:
    config = job_config()
    first = provider.run(config, ctx(analysis_run))
    adopted = provider.run(config, ctx(analysis_run))
    assert adopted.phase == "Running" and adopted.metadata == first.metadata

    name = job.job_name(analysis_run.uid, "squatter", 1)
    foreign = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": job_config()["spec"]}
    kube.create(resources.JOBS, analysis_run.namespace, foreign)

    refused = provider.run(config, ctx(analysis_run, metric="squatter"))

    assert refused.phase == "Error"
    assert refused.message == f"job {analysis_run.namespace}/{name} already exists and does not belong to AnalysisRun {analysis_run.name} ({analysis_run.uid})"


def test_api_rejection_is_an_error_measurement(provider: job.JobProvider, analysis_run: Run) -> None:
    config = {"spec": {"template": {"spec": {"restartPolicy": "Always", "containers": [{"name": "c", "image": "x"}]}}}}
    measurement = provider.run(config, ctx(analysis_run))
    assert measurement.phase == "Error"
    assert "could not be created" in measurement.message and "restartPolicy" in measurement.message


def test_resume_without_job_is_an_error(provider: job.JobProvider, analysis_run: Run) -> None:
    now = datetime.now(timezone.utc)
    missing = Measurement("Running", now, metadata={"job-name": "nope", "job-namespace": analysis_run.namespace})
    unnamed = Measurement("Running", now)

    assert provider.resume({}, ctx(analysis_run), missing).message == f"job {analysis_run.namespace}/nope not found"
    assert provider.resume({}, ctx(analysis_run), unnamed).message == "job metadata reference missing"


@pytest.fixture
def other_namespace(kube: Kube) -> Iterator[str]:
    name = f"analysis-jobs-{uuid.uuid4().hex[:6]}"
    kube.create(resources.NAMESPACES, None, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    yield name
    kube.delete(resources.NAMESPACES, None, name)


def test_job_namespace_from_the_environment(kube: Kube, analysis_run: Run, other_namespace: str) -> None:
    _, provider = Providers(kube=kube, environ={"ARGO_ROLLOUTS_ANALYSIS_JOB_NAMESPACE": other_namespace}).provider_for({"job": {}})
    config = job_config()

    running = provider.run(config, ctx(analysis_run))

    assert running.metadata["job-namespace"] == other_namespace
    created = kube.get(resources.JOBS, other_namespace, running.metadata["job-name"])
    assert "ownerReferences" not in created["metadata"], "an owner in another namespace would get the Job garbage-collected"
    assert created["metadata"]["annotations"]["analysisrun.argoproj.io/namespace"] == analysis_run.namespace
    assert resume_until_done(provider, config, analysis_run, running).phase == "Successful"


def test_garbage_collect_keeps_the_newest_jobs_of_the_metric(kube: Kube, provider: job.JobProvider, analysis_run: Run) -> None:
    config = job_config()
    names = [provider.run(config, ctx(analysis_run, count=count)).metadata["job-name"] for count in range(4)]
    other = provider.run(config, ctx(analysis_run, metric="other")).metadata["job-name"]

    provider.garbage_collect(config, ctx(analysis_run), keep=2)

    def remaining() -> list[str] | None:
        jobs, _ = kube.list(resources.JOBS, analysis_run.namespace, label_selector=f"analysisrun.argoproj.io/uid={analysis_run.uid}")
        alive = sorted(j["metadata"]["name"] for j in jobs if not j["metadata"].get("deletionTimestamp"))
        return alive if len(alive) == 3 else None

    assert wait_until(remaining, what="two old Jobs deleted") == sorted([names[2], names[3], other])
    with pytest.raises(ValueError, match="keep must be 0 or more"):
        provider.garbage_collect(config, ctx(analysis_run), keep=-1)


def _gone(kube: Kube, namespace: str, name: str) -> bool:
    try:
        kube.get(resources.JOBS, namespace, name)
    except errors.NotFound:
        return True
    return False
