"""kwok's pods behave as their spec says (rollouts/cluster/pod_stages.py), on the real local cluster.

Aspects: a Job whose command sleeps then exits 1 fails after the sleep, one that exits 0 succeeds; a readiness
probe's initial delay (and a postStart sleep, as Argo's E2E_POD_DELAY injects) holds Ready back that long; a
readiness gate holds Ready until its condition is set; an image that cannot be pulled and an executable that does
not exist never become Ready; a preStop sleep delays the pod's removal; a plain pod is Ready at once, as before.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from helpers import wait_until
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube


def a_job(name: str, script: str) -> dict[str, Any]:
    container = {"name": "main", "image": "alpine:3.8", "command": ["sh", "-c"], "args": [script]}
    template = {"spec": {"restartPolicy": "Never", "containers": [container]}}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {"backoffLimit": 0, "template": template},
    }


def a_pod(name: str, **container: Any) -> dict[str, Any]:
    spec = {"containers": [{"name": "main", "image": "nginx:1.19-alpine", **container}]}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def job_outcome(kube: Kube, namespace: str, name: str) -> str | None:
    conditions = kube.get(resources.JOBS, namespace, name).get("status", {}).get("conditions") or []
    return next((c["type"] for c in conditions if c["type"] in ("Complete", "Failed") and c["status"] == "True"), None)


def job_pod(kube: Kube, namespace: str, name: str) -> dict[str, Any]:
    pods, _ = kube.list(resources.PODS, namespace, label_selector=f"job-name={name}")
    assert len(pods) == 1, f"one pod for Job {name}, found {len(pods)}"
    return pods[0]


def seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def is_ready(pod: dict[str, Any]) -> bool:
    conditions = pod.get("status", {}).get("conditions") or []
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def test_job_fails_after_its_sleep_with_its_exit_code(kube: Kube, namespace: str) -> None:
    kube.create(resources.JOBS, namespace, a_job("fails", "sleep 2; exit 1"))
    assert wait_until(lambda: job_outcome(kube, namespace, "fails"), timeout=30, what="Job finished") == "Failed"
    pod = job_pod(kube, namespace, "fails")
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (pod["status"]["phase"], terminated["exitCode"], terminated["reason"]) == ("Failed", 1, "Error")
    assert 2 <= seconds_between(pod["status"]["startTime"], terminated["finishedAt"]) < 10


def test_job_that_exits_0_succeeds(kube: Kube, namespace: str) -> None:
    kube.create(resources.JOBS, namespace, a_job("succeeds", "echo done && exit 0"))
    assert wait_until(lambda: job_outcome(kube, namespace, "succeeds"), timeout=30, what="Job finished") == "Complete"
    pod = job_pod(kube, namespace, "succeeds")
    assert pod["status"]["phase"] == "Succeeded"
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] == 0


def test_readiness_waits_for_the_probe_delay_and_post_start_sleep(kube: Kube, namespace: str) -> None:
    probe = {"initialDelaySeconds": 2, "httpGet": {"path": "/", "port": 80}}
    post_start = {"postStart": {"exec": {"command": ["sleep", "1"]}}}
    kube.create(resources.PODS, namespace, a_pod("slow", readinessProbe=probe, lifecycle=post_start))
    kube.create(resources.PODS, namespace, a_pod("plain"))
    running = wait_until(lambda: _running(kube, namespace, "slow"), timeout=30, what="slow pod Running")
    assert not is_ready(running), "not Ready while the probe's initial delay runs"
    wait_until(lambda: is_ready(kube.get(resources.PODS, namespace, "plain")), timeout=10, what="plain pod Ready")
    ready = wait_until(lambda: _ready_condition(kube, namespace, "slow"), timeout=30, what="slow pod Ready")
    assert seconds_between(running["status"]["startTime"], ready["lastTransitionTime"]) >= 3


def test_readiness_gate_holds_ready_until_its_condition_is_true(kube: Kube, namespace: str) -> None:
    gated = a_pod("gated")
    gated["spec"]["readinessGates"] = [{"conditionType": "argoproj.io/e2e-readiness"}]
    kube.create(resources.PODS, namespace, gated)
    pod = wait_until(lambda: _running(kube, namespace, "gated"), timeout=30, what="gated pod Running")
    time.sleep(1)  # kwok would have made it Ready by now if the gate did not hold
    assert not is_ready(kube.get(resources.PODS, namespace, "gated"))
    condition = {"type": "argoproj.io/e2e-readiness", "status": "True"}
    pod["status"]["conditions"].append(condition)
    kube.replace(resources.PODS, namespace, "gated", pod, subresource="status")
    wait_until(lambda: is_ready(kube.get(resources.PODS, namespace, "gated")), timeout=10, what="gated pod Ready")


def test_missing_images_and_executables_never_become_ready(kube: Kube, namespace: str) -> None:
    kube.create(resources.PODS, namespace, a_pod("no-image", image="argoproj/rollouts-demo:does-not-exist"))
    kube.create(resources.PODS, namespace, a_pod("no-command", command=["/bad-command"]))
    waiting = {
        name: wait_until(lambda name=name: _waiting_reason(kube, namespace, name), timeout=30, what=f"{name} waiting")
        for name in ("no-image", "no-command")
    }
    assert waiting == {"no-image": "ImagePullBackOff", "no-command": "CrashLoopBackOff"}
    time.sleep(2)  # and they stay so
    pods = {name: kube.get(resources.PODS, namespace, name) for name in waiting}
    assert {name: (pod["status"]["phase"], is_ready(pod)) for name, pod in pods.items()} == {
        "no-image": ("Pending", False),
        "no-command": ("Running", False),
    }


def test_pre_stop_sleep_delays_removal(kube: Kube, namespace: str) -> None:
    pre_stop = {"preStop": {"exec": {"command": ["sleep", "3"]}}}
    kube.create(resources.PODS, namespace, a_pod("lingers", lifecycle=pre_stop))
    wait_until(lambda: is_ready(kube.get(resources.PODS, namespace, "lingers")), timeout=30, what="pod Ready")
    deleted = time.monotonic()
    kube.delete(resources.PODS, namespace, "lingers")
    wait_until(lambda: _gone(kube, namespace, "lingers"), timeout=30, what="pod gone")
    # deletionTimestamp has one-second resolution, so the 3 s end up between 2 and 3 s after the delete call.
    assert time.monotonic() - deleted >= 2


def _running(kube: Kube, namespace: str, name: str) -> dict[str, Any] | None:
    pod = kube.get(resources.PODS, namespace, name)
    return pod if pod.get("status", {}).get("phase") == "Running" else None


def _ready_condition(kube: Kube, namespace: str, name: str) -> dict[str, Any] | None:
    conditions = kube.get(resources.PODS, namespace, name).get("status", {}).get("conditions") or []
    return next((c for c in conditions if c["type"] == "Ready" and c["status"] == "True"), None)


def _waiting_reason(kube: Kube, namespace: str, name: str) -> str | None:
    statuses = kube.get(resources.PODS, namespace, name).get("status", {}).get("containerStatuses") or []
    return next((s["state"]["waiting"]["reason"] for s in statuses if "waiting" in s.get("state", {})), None)


def _gone(kube: Kube, namespace: str, name: str) -> bool:
    try:
        kube.get(resources.PODS, namespace, name)
    except errors.NotFound:
        return True
    return False
