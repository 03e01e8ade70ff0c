"""Our pod-template hash against Argo Rollouts' own controller, on the real local control plane.

Argo's controller (built by the conformance harness, cached under ~/.cache/rollouts/bin/argo-rollouts-*) runs
with an instance id on one namespace; we apply Rollouts with varied templates, read the
`rollouts-pod-template-hash` Argo wrote on each ReplicaSet, and compute ours from the stored Rollout.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from helpers import wait_until

from rollouts.cluster import processes
from rollouts.cluster.build import cache_root
from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.plan.hashing import HASH_LABEL, pod_template_hash

INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
ARGO_RELEASE = "v1.10.2"


def container(**fields: Any) -> dict[str, Any]:
    return {"name": "app", "image": "argoproj/rollouts-demo:blue", **fields}


# name -> pod spec (the template's labels are added per Rollout)
SPECS: dict[str, dict[str, Any]] = {
    "plain": {"containers": [container()]},
    "resources": {
        "containers": [
            container(resources={"requests": {"cpu": "1.5", "memory": "0.5Gi"}, "limits": {"cpu": 2, "memory": "1024Mi"}}),
            {"name": "side", "image": "busybox", "resources": {"requests": {"cpu": "100m", "memory": "1Gi", "ephemeral-storage": "1.500"}}},
        ]
    },
    "probes": {
        "containers": [
            container(
                ports=[{"name": "http", "containerPort": 8080}, {"containerPort": 9090, "protocol": "UDP", "hostPort": 0}],
                livenessProbe={"httpGet": {"path": "/healthz", "port": "http", "httpHeaders": [{"name": "X", "value": "<&>"}]}},
                readinessProbe={"tcpSocket": {"port": 8080}, "initialDelaySeconds": 0, "periodSeconds": 5},
                startupProbe={"exec": {"command": ["true"]}, "failureThreshold": 30},
                lifecycle={"preStop": {"sleep": {"seconds": 5}}},
            )
        ]
    },
    "volumes": {
        "containers": [container(volumeMounts=[{"name": "scratch", "mountPath": "/scratch"}, {"name": "config", "mountPath": "/config", "readOnly": True}])],
        "volumes": [
            {"name": "scratch", "emptyDir": {}},
            {"name": "memory", "emptyDir": {"medium": "Memory", "sizeLimit": "0.5Gi"}},
            {"name": "config", "configMap": {"name": "app-config", "defaultMode": 420, "items": [{"key": "a", "path": "a.txt"}]}},
            {"name": "secret", "secret": {"secretName": "app-secret", "optional": False}},
            {"name": "downward", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
            {
                "name": "projected",
                "projected": {"sources": [{"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}}, {"configMap": {"name": "c"}}]},
            },
        ],
    },
    "env": {
        "containers": [
            container(
                env=[
                    {"name": "EMPTY", "value": ""},
                    {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "CPU", "valueFrom": {"resourceFieldRef": {"containerName": "app", "resource": "limits.cpu", "divisor": "1m"}}},
                    {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "s", "key": "p", "optional": True}}},
                ],
                envFrom=[{"configMapRef": {"name": "env"}, "prefix": "CFG_"}],
            )
        ]
    },
    "empty-fields": {
        "containers": [container(env=[], command=[], args=["--port", "8080"], resources={}, securityContext={})],
        "initContainers": [],
        "nodeSelector": {},
        "securityContext": {},
        "affinity": None,
        "hostNetwork": False,
        "terminationGracePeriodSeconds": 0,
        "automountServiceAccountToken": False,
    },
    "scheduling": {
        "containers": [container()],
        "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}],
        "affinity": {
            "nodeAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 1, "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]}}
                ]
            }
        },
        "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"x": "y"}}}],
        "priorityClassName": "",
        "dnsConfig": {"options": [{"name": "ndots", "value": "2"}]},
    },
}

METADATA: dict[str, dict[str, Any]] = {
    "plain": {},
    "resources": {"annotations": {"note": "ünïcode ✓ <b>&</b>", "empty": ""}},
    "empty-fields": {"annotations": {}, "creationTimestamp": None},
}


@pytest.fixture
def argo_controller(cluster: LocalCluster, crds: None, namespace: str, tmp_path: Path) -> Iterator[str]:
    """Argo's controller on `namespace` with a fresh instance id; yields that id."""
    binaries = sorted(cache_root().glob(f"bin/argo-rollouts-{ARGO_RELEASE}_*/argo-rollouts-controller"))
    if not binaries:
        pytest.fail(f"Argo Rollouts {ARGO_RELEASE}'s controller is not built; build it with the conformance harness (tests/conformance/build.py)")
    instance_id = f"hash-{uuid.uuid4().hex[:8]}"
    metrics, healthz = processes.free_ports(2)
    command = [str(binaries[-1]), f"--kubeconfig={cluster.kubeconfig}", f"--instance-id={instance_id}", f"--namespace={namespace}"]
    command += ["--leader-elect=false", f"--metricsPort={metrics}", f"--healthzPort={healthz}"]
    with (tmp_path / "argo-controller.log").open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=processes.die_with_parent)
    try:
        yield instance_id
    finally:
        processes.terminate_group(process.pid)
        process.wait(30)


def a_rollout(name: str, spec: dict[str, Any], instance_id: str) -> dict[str, Any]:
    metadata = {**METADATA.get(name, {}), "labels": {"app": name}}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "labels": {INSTANCE_LABEL: instance_id}},
        "spec": {
            "replicas": 0,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": metadata, "spec": spec},
            "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}},
        },
    }


def test_our_hash_is_the_one_argos_controller_writes(kube: Kube, namespace: str, argo_controller: str) -> None:
    for name, spec in SPECS.items():
        kube.create(resources.ROLLOUTS, namespace, a_rollout(name, spec, argo_controller))

    def argo_hashes() -> dict[str, str] | None:
        items, _ = kube.list(resources.REPLICASETS, namespace)
        found = {rs["metadata"]["ownerReferences"][0]["name"]: rs["metadata"]["labels"][HASH_LABEL] for rs in items}
        return found if found.keys() == SPECS.keys() else None

    theirs = wait_until(argo_hashes, timeout=90, interval=0.5, what="Argo's controller to create a ReplicaSet per Rollout")
    ours = {}
    for name in SPECS:
        stored = kube.get(resources.ROLLOUTS, namespace, name)
        ours[name] = pod_template_hash(stored["spec"]["template"], collision_count=(stored.get("status") or {}).get("collisionCount"))
    assert ours == theirs
