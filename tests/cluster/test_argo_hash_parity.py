"""Our pod-template hash against Argo Rollouts' own controller, on the real local control plane.

Argo's controller (built by the conformance harness, tests/conformance/build.py) runs
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

from conformance.build import ARGO_VERSION, CONTROLLER_BINARY, bin_dir
from helpers import wait_for_phase, wait_until
from rollouts.api.labels import HASH_LABEL
from rollouts.cluster import processes
from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.plan.hashing import pod_template_hash

INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"


def container(**fields: Any) -> dict[str, Any]:
    return {"name": "app", "image": "argoproj/rollouts-demo:blue", **fields}


# name -> pod spec (the template's labels are added per Rollout)
SPECS: dict[str, dict[str, Any]] = {
    "plain": {"containers": [container()]},
    "resources": {
        "containers": [
            container(
                resources={"requests": {"cpu": "1.5", "memory": "0.5Gi"}, "limits": {"cpu": 2, "memory": "1024Mi"}}
            ),
            {
                "name": "side",
                "image": "busybox",
                "resources": {"requests": {"cpu": "100m", "memory": "1Gi", "ephemeral-storage": "1.500"}},
            },
        ]
    },
    "quantity-spellings": {
        "containers": [
            container(
                resources={
                    "requests": {"cpu": "1.500", "memory": "1000Ki", "ephemeral-storage": "0.1Gi"},
                    "limits": {"cpu": "2000m", "memory": "1e9", "ephemeral-storage": "+1Gi"},
                }
            )
        ]
    },
    "probes": {
        "containers": [
            container(
                ports=[
                    {"name": "http", "containerPort": 8080},
                    {"containerPort": 9090, "protocol": "UDP", "hostPort": 0},
                ],
                livenessProbe={
                    "httpGet": {"path": "/healthz", "port": "http", "httpHeaders": [{"name": "X", "value": "<&>"}]}
                },
                readinessProbe={"tcpSocket": {"port": 8080}, "initialDelaySeconds": 0, "periodSeconds": 5},
                startupProbe={"exec": {"command": ["true"]}, "failureThreshold": 30},
                lifecycle={"preStop": {"sleep": {"seconds": 5}}},
            )
        ]
    },
    "volumes": {
        "containers": [
            container(
                volumeMounts=[
                    {"name": "scratch", "mountPath": "/scratch"},
                    {"name": "config", "mountPath": "/config", "readOnly": True},
                ]
            )
        ],
        "volumes": [
            {"name": "scratch", "emptyDir": {}},
            {"name": "memory", "emptyDir": {"medium": "Memory", "sizeLimit": "0.5Gi"}},
            {
                "name": "config",
                "configMap": {"name": "app-config", "defaultMode": 420, "items": [{"key": "a", "path": "a.txt"}]},
            },
            {"name": "secret", "secret": {"secretName": "app-secret", "optional": False}},
            {
                "name": "downward",
                "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]},
            },
            {
                "name": "projected",
                "projected": {
                    "sources": [
                        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}},
                        {"configMap": {"name": "c"}},
                    ]
                },
            },
        ],
    },
    "env": {
        "containers": [
            container(
                env=[
                    {"name": "EMPTY", "value": ""},
                    {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {
                        "name": "CPU",
                        "valueFrom": {
                            "resourceFieldRef": {"containerName": "app", "resource": "limits.cpu", "divisor": "1m"}
                        },
                    },
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
                    {
                        "weight": 1,
                        "preference": {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a", "b"]}]},
                    }
                ]
            }
        },
        "topologySpreadConstraints": [
            {
                "maxSkew": 1,
                "topologyKey": "zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": {"x": "y"}},
            }
        ],
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
    binary = bin_dir() / CONTROLLER_BINARY
    if not binary.is_file():
        pytest.fail(
            f"Argo Rollouts {ARGO_VERSION}'s controller is not built: run `.venv/bin/python -m tests.conformance.build`"
        )
    instance_id = f"hash-{uuid.uuid4().hex[:8]}"
    metrics, healthz = processes.free_ports(2)
    command = [
        str(binary),
        f"--kubeconfig={cluster.kubeconfig}",
        f"--instance-id={instance_id}",
        f"--namespace={namespace}",
    ]
    command += ["--leader-elect=false", f"--metricsPort={metrics}", f"--healthzPort={healthz}"]
    with (tmp_path / "argo-controller.log").open("wb") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=processes.die_with_parent
        )
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

    theirs = wait_until(
        argo_hashes, timeout=90, interval=0.5, what="Argo's controller to create a ReplicaSet per Rollout"
    )
    ours = {}
    for name in SPECS:
        stored = kube.get(resources.ROLLOUTS, namespace, name)
        ours[name] = pod_template_hash(
            stored["spec"]["template"], collision_count=(stored.get("status") or {}).get("collisionCount")
        )
    assert ours == theirs


OLD_STYLE_HASH = "669556b5f9"  # the hash our controller gave this template before it computed Argo's


def test_a_replicaset_with_our_old_style_hash_is_adopted_not_recreated(
    kube: Kube, namespace: str, start_controller: Any
) -> None:
    instance_id = f"old-{uuid.uuid4().hex[:6]}"
    template: dict[str, Any] = {"metadata": {"labels": {"app": "old-hash"}}, "spec": {"containers": [container()]}}
    rollout = a_rollout("old-hash", template["spec"], instance_id)
    rollout["spec"]["replicas"] = 1
    rollout["spec"]["template"] = template
    live = kube.create(resources.ROLLOUTS, namespace, rollout)
    assert pod_template_hash(template) != OLD_STYLE_HASH
    labels = {"app": "old-hash", HASH_LABEL: OLD_STYLE_HASH}
    owner = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": "old-hash",
        "uid": live["metadata"]["uid"],
        "controller": True,
    }
    old = kube.create(
        resources.REPLICASETS,
        namespace,
        {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"old-hash-{OLD_STYLE_HASH}",
                "labels": labels,
                "annotations": {"rollout.argoproj.io/revision": "1"},
                "ownerReferences": [owner],
            },
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {**template, "metadata": {"labels": labels}},
            },
        },
    )

    start_controller(f"--instance-id={instance_id}", "--no-leader-elect")
    healthy = wait_for_phase(kube, namespace, "old-hash", "Healthy")
    assert healthy["status"]["currentPodHash"] == OLD_STYLE_HASH == healthy["status"]["stableRS"]
    items, _ = kube.list(resources.REPLICASETS, namespace)
    assert [rs["metadata"]["uid"] for rs in items] == [old["metadata"]["uid"]], "adopted, nothing new created"
