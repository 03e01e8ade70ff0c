"""The local control plane is a real Kubernetes: controllers act, the scheduler binds, kwok runs pods.

Aspects: ReplicaSet → Running/Ready pods and readyReplicas; scale-down removes pods; garbage collection of
dependents; EndpointSlices with ready endpoints; a CRD becomes Established and serves create, status merge
patch and watch; a Job completes; `rollouts cluster up/down` as a user runs them, leaving no process behind,
and a killed owner process takes its cluster with it.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

from helpers import wait_until
from rollouts.cluster.local import LocalCluster, iter_component_pids
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.kube.resources import Resource


def a_replicaset(name: str, replicas: int) -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app", "image": "registry.local/app:1"}]}},
        },
    }


def pods_of(kube: Kube, namespace: str, app: str) -> list[dict]:
    items, _ = kube.list(resources.PODS, namespace, label_selector=f"app={app}")
    return [pod for pod in items if not pod["metadata"].get("deletionTimestamp")]


def is_ready(pod: dict) -> bool:
    conditions = pod.get("status", {}).get("conditions") or []
    return pod.get("status", {}).get("phase") == "Running" and any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def test_replicaset_pods_become_ready_and_scale_down(kube: Kube, namespace: str) -> None:
    kube.create(resources.REPLICASETS, namespace, a_replicaset("web", 3))

    def all_three_ready() -> list[dict]:
        pods = pods_of(kube, namespace, "web")
        return pods if len(pods) == 3 and all(is_ready(pod) for pod in pods) else []

    # kwok readies pods one at a time: wait for all three, not for the first ready one.
    ready = wait_until(all_three_ready, what="3 ready pods")
    assert all(pod["spec"].get("nodeName", "").startswith("kwok-node-") for pod in ready)
    wait_until(lambda: kube.get(resources.REPLICASETS, namespace, "web").get("status", {}).get("readyReplicas") == 3, what="readyReplicas == 3")

    kube.patch(resources.REPLICASETS, namespace, "web", {"spec": {"replicas": 1}})
    wait_until(lambda: len(kube.list(resources.PODS, namespace, label_selector="app=web")[0]) == 1, what="2 pods deleted")
    wait_until(lambda: kube.get(resources.REPLICASETS, namespace, "web").get("status", {}).get("replicas") == 1, what="status.replicas == 1")


def test_deleting_an_owner_garbage_collects_its_pods(kube: Kube, namespace: str) -> None:
    owner = kube.create(resources.REPLICASETS, namespace, a_replicaset("owner", 2))
    wait_until(lambda: len(pods_of(kube, namespace, "owner")) == 2, what="2 pods")
    assert all(pod["metadata"]["ownerReferences"][0]["uid"] == owner["metadata"]["uid"] for pod in pods_of(kube, namespace, "owner"))

    kube.delete(resources.REPLICASETS, namespace, "owner", propagation="Background")
    wait_until(lambda: not kube.list(resources.PODS, namespace, label_selector="app=owner")[0], what="dependent pods garbage-collected")


def test_service_gets_endpointslices_with_ready_endpoints(kube: Kube, namespace: str) -> None:
    kube.create(resources.REPLICASETS, namespace, a_replicaset("backend", 2))
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "backend"},
        "spec": {"selector": {"app": "backend"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    kube.create(resources.SERVICES, namespace, service)

    def ready_endpoints() -> list[dict]:
        slices, _ = kube.list(resources.ENDPOINT_SLICES, namespace, label_selector="kubernetes.io/service-name=backend")
        endpoints = [e for s in slices for e in s.get("endpoints") or []]
        return [e for e in endpoints if e.get("conditions", {}).get("ready")] if len(endpoints) == 2 else []

    endpoints = wait_until(ready_endpoints, what="2 ready endpoints")
    assert all(endpoint["addresses"][0].startswith("10.244.") for endpoint in endpoints)


WIDGETS = Resource("demo.rollouts.test", "v1", "widgets", "Widget")


def test_crd_established_with_status_patch_and_watch(kube: Kube, cluster: LocalCluster, namespace: str) -> None:
    crd = {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.demo.rollouts.test"},
        "spec": {
            "group": "demo.rollouts.test",
            "scope": "Namespaced",
            "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}},
                }
            ],
        },
    }
    try:
        kube.create(resources.CRDS, None, crd)
    except errors.AlreadyExists:
        pass  # a reused cluster from an earlier run
    wait_until(
        lambda: any(
            c["type"] == "Established" and c["status"] == "True"
            for c in kube.get(resources.CRDS, None, "widgets.demo.rollouts.test").get("status", {}).get("conditions") or []
        ),
        what="CRD Established",
    )
    wait_until(lambda: _served(kube), what="widgets served")

    created = kube.create(WIDGETS, namespace, {"apiVersion": "demo.rollouts.test/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {"size": 1}})
    seen: list[tuple[str, dict]] = []
    watching = threading.Event()

    def watch() -> None:
        watching.set()
        for kind, obj in kube.watch(WIDGETS, namespace, resource_version=created["metadata"]["resourceVersion"], timeout_seconds=10):
            seen.append((kind, obj))
            if obj.get("status", {}).get("phase") == "Ready":
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    watching.wait(5)
    patched = kube.patch(WIDGETS, namespace, "w", {"status": {"phase": "Ready"}}, subresource="status")
    assert patched["status"] == {"phase": "Ready"}
    assert patched["spec"] == {"size": 1}, "a status patch must not touch spec"
    # The status subresource ignores spec changes: spec stays as created.
    kube.patch(WIDGETS, namespace, "w", {"spec": {"size": 2}, "status": {"phase": "Other"}}, subresource="status")
    assert kube.get(WIDGETS, namespace, "w")["spec"] == {"size": 1}
    watcher.join(15)
    assert ("MODIFIED", "Ready") in [(kind, obj.get("status", {}).get("phase")) for kind, obj in seen]


def _served(kube: Kube) -> bool:
    try:
        kube.list(WIDGETS, "default")
        return True
    except errors.NotFound:
        return False


def test_job_pod_completes_and_job_succeeds(kube: Kube, namespace: str) -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "once"},
        "spec": {"backoffLimit": 0, "template": {"spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "registry.local/job:1"}]}}},
    }
    kube.create(resources.JOBS, namespace, job)

    def complete() -> dict | None:
        status = kube.get(resources.JOBS, namespace, "once").get("status", {})
        done = any(c["type"] == "Complete" and c["status"] == "True" for c in status.get("conditions") or [])
        return status if done else None

    status = wait_until(complete, what="Job Complete")
    assert status.get("succeeded") == 1
    pods, _ = kube.list(resources.PODS, namespace, label_selector="job-name=once")
    assert [pod["status"]["phase"] for pod in pods] == ["Succeeded"]


def _rollouts_cli() -> list[str]:
    return [sys.executable, "-m", "rollouts.cli"]


def test_cluster_up_and_down_as_a_user_leaves_no_process(tmp_path: Path) -> None:
    directory = tmp_path / "user-cluster"
    up = subprocess.run([*_rollouts_cli(), "cluster", "up", "--dir", str(directory)], capture_output=True, text=True, timeout=180)
    assert up.returncode == 0, up.stderr
    assert f"export KUBECONFIG={directory / 'kubeconfig'}" in up.stdout
    pids = list(iter_component_pids(directory))
    try:
        assert len(pids) == 5
        user = LocalCluster(directory)
        nodes = user.kubectl("get", "nodes", "--no-headers").stdout.splitlines()
        assert len(nodes) == 3 and all(" Ready " in line for line in nodes), nodes
        env = subprocess.run([*_rollouts_cli(), "cluster", "env", "--dir", str(directory)], capture_output=True, text=True)
        assert env.stdout == up.stdout
    finally:
        down = subprocess.run([*_rollouts_cli(), "cluster", "down", "--dir", str(directory)], capture_output=True, text=True, timeout=60)
    assert down.returncode == 0, down.stderr
    assert [pid for pid in pids if _alive(pid)] == []


def test_killed_owner_takes_its_cluster_down(tmp_path: Path) -> None:
    directory = tmp_path / "owned-cluster"
    owner_script = textwrap.dedent(
        f"""
        import sys, time
        from rollouts.cluster.local import LocalCluster
        LocalCluster({str(directory)!r}).up(progress=lambda _l: None, bound_to_parent=True)
        print("up", flush=True)
        time.sleep(600)
        """
    )
    owner = subprocess.Popen([sys.executable, "-c", owner_script], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None and owner.stdout.readline().strip() == "up"
        pids = list(iter_component_pids(directory))
        assert len(pids) == 5 and all(_alive(pid) for pid in pids)
    finally:
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    wait_until(lambda: not [pid for pid in pids if _alive(pid)], timeout=15, what="components to die with their owner")


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"

