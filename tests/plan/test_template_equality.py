"""Template equality ignoring the hash label (rollouts.plan.hashing.templates_equal_ignoring_hash).

We test these aspects: a realistic ReplicaSet template as the API server stores it (templates/stored.yaml) equals
the user's template (templates/user.yaml); each server default on its own; and differences that must still count.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from rollouts.api.labels import HASH_LABEL
from rollouts.plan import hashing

TEMPLATES = Path(__file__).parent / "templates"
USER_TEMPLATE = yaml.safe_load((TEMPLATES / "user.yaml").read_text())

# user.yaml as Kubernetes stores it in a ReplicaSet (the file says how it was produced).
STORED_TEMPLATE = yaml.safe_load((TEMPLATES / "stored.yaml").read_text())


def test_stored_replicaset_template_equals_the_users_template() -> None:
    assert hashing.templates_equal_ignoring_hash(STORED_TEMPLATE, USER_TEMPLATE)
    assert hashing.templates_equal_ignoring_hash(USER_TEMPLATE, STORED_TEMPLATE)


def test_a_template_equals_itself_and_its_stored_form_equals_itself() -> None:
    assert hashing.templates_equal_ignoring_hash(USER_TEMPLATE, copy.deepcopy(USER_TEMPLATE))
    assert hashing.templates_equal_ignoring_hash(STORED_TEMPLATE, copy.deepcopy(STORED_TEMPLATE))


def test_equality_does_not_mutate_its_inputs() -> None:
    user, stored = copy.deepcopy(USER_TEMPLATE), copy.deepcopy(STORED_TEMPLATE)
    hashing.templates_equal_ignoring_hash(stored, user)
    assert (user, stored) == (USER_TEMPLATE, STORED_TEMPLATE)


def pod(**spec: Any) -> dict[str, Any]:
    return {"metadata": {"labels": {"app": "x"}}, "spec": spec}


def container(**fields: Any) -> dict[str, Any]:
    return {"name": "app", "image": "nginx:1.25", **fields}


@pytest.mark.parametrize(
    ("user", "stored"),
    [
        pytest.param(
            pod(containers=[container()]),
            pod(containers=[container(imagePullPolicy="IfNotPresent")]),
            id="pull-policy-tagged",
        ),
        pytest.param(
            pod(containers=[container(image="nginx")]),
            pod(containers=[container(image="nginx", imagePullPolicy="Always")]),
            id="pull-policy-untagged",
        ),
        pytest.param(
            pod(containers=[container(image="nginx:latest")]),
            pod(containers=[container(image="nginx:latest", imagePullPolicy="Always")]),
            id="pull-policy-latest",
        ),
        pytest.param(
            pod(containers=[container(image="localhost:5000/app")]),
            pod(containers=[container(image="localhost:5000/app", imagePullPolicy="Always")]),
            id="pull-policy-registry-port-is-not-a-tag",
        ),
        pytest.param(
            pod(containers=[container(image="registry.example.com/team/app:v2")]),
            pod(containers=[container(image="registry.example.com/team/app:v2", imagePullPolicy="IfNotPresent")]),
            id="pull-policy-registry-tagged",
        ),
        pytest.param(
            pod(containers=[container(image="app@sha256:" + "a" * 64)]),
            pod(containers=[container(image="app@sha256:" + "a" * 64, imagePullPolicy="IfNotPresent")]),
            id="pull-policy-digest",
        ),
        pytest.param(
            pod(containers=[container(image="MyApp")]),
            pod(containers=[container(image="MyApp", imagePullPolicy="IfNotPresent")]),
            id="pull-policy-unparseable",
        ),
        pytest.param(
            pod(containers=[container(readinessProbe={"exec": {"command": ["true"]}, "timeoutSeconds": 0})]),
            pod(
                containers=[
                    container(
                        readinessProbe={
                            "exec": {"command": ["true"]},
                            "timeoutSeconds": 1,
                            "periodSeconds": 10,
                            "successThreshold": 1,
                            "failureThreshold": 3,
                        }
                    )
                ]
            ),
            id="probe-zero-timings-are-defaulted",
        ),
        pytest.param(
            pod(containers=[container(startupProbe={"grpc": {"port": 9000}})]),
            pod(
                containers=[
                    container(
                        startupProbe={
                            "grpc": {"port": 9000, "service": ""},
                            "timeoutSeconds": 1,
                            "periodSeconds": 10,
                            "successThreshold": 1,
                            "failureThreshold": 3,
                        }
                    )
                ]
            ),
            id="grpc-probe",
        ),
        pytest.param(
            pod(
                containers=[
                    container(
                        env=[{"name": "F", "valueFrom": {"fileKeyRef": {"path": "p", "key": "k", "volumeName": "v"}}}]
                    )
                ]
            ),
            pod(
                containers=[
                    container(
                        env=[
                            {
                                "name": "F",
                                "valueFrom": {
                                    "fileKeyRef": {"path": "p", "key": "k", "volumeName": "v", "optional": False}
                                },
                            }
                        ]
                    )
                ]
            ),
            id="file-key-ref-optional",
        ),
        pytest.param(
            pod(containers=[container(resources={"limits": {"cpu": "100m"}})]),
            pod(containers=[container(resources={"limits": {"cpu": "0.1"}})]),
            id="quantity-spelling",
        ),
        pytest.param(
            pod(containers=[container(resources={"requests": {"cpu": "1.0001"}})]),
            pod(containers=[container(resources={"requests": {"cpu": "1001m"}})]),
            id="quantity-rounded-up-to-millis",
        ),
        pytest.param(
            pod(containers=[container(resources={"requests": {"memory": "1e3"}})]),
            pod(containers=[container(resources={"requests": {"memory": "1k"}})]),
            id="quantity-exponent",
        ),
        pytest.param(
            pod(volumes=[{"name": "v", "emptyDir": {"sizeLimit": "1Gi"}}]),
            pod(volumes=[{"name": "v", "emptyDir": {"sizeLimit": "1024Mi"}}]),
            id="size-limit-quantity",
        ),
        pytest.param(
            pod(
                volumes=[
                    {"name": "v", "ephemeral": {"volumeClaimTemplate": {"spec": {"accessModes": ["ReadWriteOnce"]}}}}
                ]
            ),
            pod(
                volumes=[
                    {
                        "name": "v",
                        "ephemeral": {
                            "volumeClaimTemplate": {
                                "spec": {"accessModes": ["ReadWriteOnce"], "volumeMode": "Filesystem"}
                            }
                        },
                    }
                ]
            ),
            id="ephemeral-volume-mode",
        ),
        pytest.param(
            pod(
                volumes=[
                    {
                        "name": "v",
                        "projected": {
                            "sources": [
                                {"downwardAPI": {"items": [{"path": "n", "fieldRef": {"fieldPath": "metadata.name"}}]}}
                            ]
                        },
                    }
                ]
            ),
            pod(
                volumes=[
                    {
                        "name": "v",
                        "projected": {
                            "defaultMode": 420,
                            "sources": [
                                {
                                    "downwardAPI": {
                                        "items": [
                                            {
                                                "path": "n",
                                                "fieldRef": {"fieldPath": "metadata.name", "apiVersion": "v1"},
                                            }
                                        ]
                                    }
                                }
                            ],
                        },
                    }
                ]
            ),
            id="projected-downward-api",
        ),
        pytest.param(
            pod(volumes=[{"name": "v", "image": {"reference": "quay.io/data:v1"}}]),
            pod(volumes=[{"name": "v", "image": {"reference": "quay.io/data:v1", "pullPolicy": "IfNotPresent"}}]),
            id="image-volume-pull-policy",
        ),
        pytest.param(
            pod(volumes=[{"name": "v", "rbd": {"monitors": ["m"], "image": "i"}}]),
            pod(
                volumes=[
                    {
                        "name": "v",
                        "rbd": {
                            "monitors": ["m"],
                            "image": "i",
                            "pool": "rbd",
                            "user": "admin",
                            "keyring": "/etc/ceph/keyring",
                        },
                    }
                ]
            ),
            id="rbd-volume",
        ),
        pytest.param(
            pod(hostPID=False, containers=[container(stdin=False, ports=[{"containerPort": 80, "hostPort": 0}])]),
            pod(containers=[container(ports=[{"containerPort": 80, "protocol": "TCP"}])]),
            id="plain-zero-fields-dropped-by-server",
        ),
        pytest.param(pod(nodeSelector={}, tolerations=[], affinity=None), pod(), id="empty-and-null-fields"),
        pytest.param(
            pod(serviceAccountName="sa"),
            pod(serviceAccountName="sa", serviceAccount="sa"),
            id="deprecated-service-account",
        ),
        pytest.param(
            {"spec": {}},
            {"metadata": {"labels": {HASH_LABEL: "abc"}, "creationTimestamp": None}, "spec": {}},
            id="only-hash-label",
        ),
    ],
)
def test_server_defaults_are_not_differences(user: dict[str, Any], stored: dict[str, Any]) -> None:
    assert hashing.templates_equal_ignoring_hash(stored, user)
    assert hashing.templates_equal_ignoring_hash(user, stored)


def changed(path: str, value: Any) -> dict[str, Any]:
    """USER_TEMPLATE with the value at a dotted ``path`` (list indexes as numbers) replaced; None removes it."""
    template: dict[str, Any] = copy.deepcopy(USER_TEMPLATE)
    *parents, last = [int(part) if part.isdigit() else part for part in path.split(".")]
    node: Any = template
    for part in parents:
        node = node[part]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return template


@pytest.mark.parametrize(
    "user",
    [
        pytest.param(changed("spec.containers.0.image", "argoproj/rollouts-demo:green"), id="image"),
        pytest.param(
            changed("spec.containers.0.imagePullPolicy", "Always"), id="explicit-pull-policy-differs-from-default"
        ),
        pytest.param(changed("spec.terminationGracePeriodSeconds", 0), id="grace-period-0-is-a-value"),
        pytest.param(changed("metadata.labels.tier", None), id="empty-label-value-removed"),
        pytest.param(changed("metadata.labels.app", "guestbook-v2"), id="label-value"),
        pytest.param(changed("spec.containers.0.resources.requests.cpu", "0.6"), id="cpu-request"),
        pytest.param(changed("spec.containers.0.readinessProbe.periodSeconds", 5), id="probe-period"),
        pytest.param(changed("spec.volumes.2", {"name": "scratch", "downwardAPI": {}}), id="volume-kind"),
        pytest.param(changed("spec.automountServiceAccountToken", False), id="pointer-false-is-a-value"),
        pytest.param(changed("spec.nodeSelector", {"disk": "ssd"}), id="node-selector-added"),
        pytest.param(changed("spec.dnsPolicy", "Default"), id="non-default-dns-policy"),
    ],
)
def test_real_differences_still_count(user: dict[str, Any]) -> None:
    assert not hashing.templates_equal_ignoring_hash(STORED_TEMPLATE, user)
    assert not hashing.templates_equal_ignoring_hash(user, STORED_TEMPLATE)
