"""Content hashes and template equality (rollouts.plan.hashing).

We test these aspects:
* the building blocks: FNV-1a 32-bit against its published test vectors, and Kubernetes' safe encoding;
* pod_template_hash: golden values (cross-checked once against Go's hash/fnv and apimachinery's
  rand.SafeEncodeString over the same bytes), collision-count mixing, the output alphabet, stability across
  equivalent spellings (key order, the hash label, empty vs missing maps, lists and metadata), sensitivity to
  real changes, and that the input is not mutated;
* steps_hash: golden value, null handling, and that ``pause: {}`` stays a step of its own;
* templates_equal_ignoring_hash: a realistic ReplicaSet template as the API server stores it equals the
  user's template, each server default on its own, and differences that must still count.

Not tested here: byte-for-byte parity with Argo's hashes (our canonical JSON differs from Go's by design).
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from rollouts.plan import hashing

# --- building blocks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        pytest.param(b"", 0x811C9DC5, id="empty"),
        pytest.param(b"a", 0xE40C292C, id="a"),
        pytest.param(b"foobar", 0xBF9CF968, id="foobar"),
    ],
)
def test_fnv1a_32(data: bytes, expected: int) -> None:
    assert hashing.fnv1a_32(data) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("0123456789", "456789bcdf", id="digits"),
        pytest.param("", "", id="empty"),
        pytest.param("abc", "vwx", id="letters"),
    ],
)
def test_safe_encode(text: str, expected: str) -> None:
    assert hashing.safe_encode(text) == expected


# --- pod_template_hash --------------------------------------------------------------------------------------


def a_template() -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "guestbook"}},
        "spec": {"containers": [{"name": "guestbook", "image": "argoproj/rollouts-demo:blue"}]},
    }


@pytest.mark.parametrize(
    ("collision_count", "expected"),
    [
        pytest.param(None, "7f899f9d76", id="no-collision-count"),
        pytest.param(0, "55c6c95476", id="collision-count-0"),
        pytest.param(1, "6c7f8578b9", id="collision-count-1"),
        pytest.param(7, "798f8978c5", id="collision-count-7"),
    ],
)
def test_pod_template_hash_golden(collision_count: int | None, expected: str) -> None:
    assert hashing.pod_template_hash(a_template(), collision_count=collision_count) == expected


def test_collision_count_is_a_little_endian_uint32_plus_four_zero_bytes() -> None:
    canonical = (
        b'{"metadata":{"labels":{"app":"guestbook"}},'
        b'"spec":{"containers":[{"image":"argoproj/rollouts-demo:blue","name":"guestbook"}]}}'
    )
    mixed = canonical + bytes([5, 0, 0, 0, 0, 0, 0, 0])
    assert hashing.pod_template_hash(a_template(), collision_count=5) == hashing.safe_encode(
        str(hashing.fnv1a_32(mixed))
    )


def test_negative_collision_count_wraps_like_uint32() -> None:
    assert hashing.pod_template_hash(a_template(), collision_count=-1) == hashing.pod_template_hash(
        a_template(), collision_count=2**32 - 1
    )


@pytest.mark.parametrize("collision_count", [None, 0, 1, 2, 99, 2**31 - 1])
@pytest.mark.parametrize("image", ["nginx", "nginx:1.25", "argoproj/rollouts-demo:yellow", "ünïcode:✓"])
def test_pod_template_hash_alphabet(image: str, collision_count: int | None) -> None:
    template = {"spec": {"containers": [{"name": "app", "image": image}]}}
    assert re.fullmatch(r"[456789bcdf]{1,10}", hashing.pod_template_hash(template, collision_count=collision_count))


def with_labels(labels: Any) -> dict[str, Any]:
    return {**a_template(), "metadata": {"labels": labels}}


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(
            {
                "spec": {"containers": [{"image": "argoproj/rollouts-demo:blue", "name": "guestbook"}]},
                "metadata": {"labels": {"app": "guestbook"}},
            },
            id="keys-reordered",
        ),
        pytest.param(with_labels({"app": "guestbook", hashing.HASH_LABEL: "6d9f7c8b5d"}), id="hash-label-added"),
        pytest.param(
            {
                **a_template(),
                "metadata": {"labels": {"app": "guestbook"}, "annotations": {}, "creationTimestamp": None},
            },
            id="empty-annotations-and-null-timestamp",
        ),
        pytest.param(
            {
                **a_template(),
                "spec": {
                    "containers": [
                        {"name": "guestbook", "image": "argoproj/rollouts-demo:blue", "env": [], "resources": {}}
                    ],
                    "initContainers": [],
                    "nodeSelector": {},
                    "securityContext": {},
                    "affinity": None,
                },
            },
            id="empty-lists-maps-and-nulls",
        ),
        pytest.param(
            {
                **a_template(),
                "spec": {
                    "containers": [
                        {"name": "guestbook", "image": "argoproj/rollouts-demo:blue", "stdin": False, "tty": False}
                    ],
                    "hostNetwork": False,
                },
            },
            id="plain-false-fields",
        ),
    ],
)
def test_pod_template_hash_ignores_equivalent_spellings(variant: dict[str, Any]) -> None:
    assert hashing.pod_template_hash(variant) == hashing.pod_template_hash(a_template())


def test_pod_template_hash_treats_missing_and_empty_metadata_alike() -> None:
    spec = a_template()["spec"]
    variants = [
        {"spec": spec},
        {"metadata": None, "spec": spec},
        {"metadata": {}, "spec": spec},
        {"metadata": {"labels": {}}, "spec": spec},
        {"metadata": {"labels": None}, "spec": spec},
        {"metadata": {"labels": {hashing.HASH_LABEL: "abc"}}, "spec": spec},
        {"metadata": {"labels": {hashing.HASH_LABEL: "abc"}, "annotations": {}}, "spec": spec},
    ]
    assert len({hashing.pod_template_hash(variant) for variant in variants}) == 1


def test_pod_template_hash_compares_quantities_by_value() -> None:
    def with_requests(cpu: Any, memory: Any) -> dict[str, Any]:
        container = {"name": "app", "image": "nginx", "resources": {"requests": {"cpu": cpu, "memory": memory}}}
        return {"spec": {"containers": [container]}}

    assert hashing.pod_template_hash(with_requests("0.5", "1Gi")) == hashing.pod_template_hash(
        with_requests("500m", "1024Mi")
    )
    assert hashing.pod_template_hash(with_requests(1, "1Gi")) == hashing.pod_template_hash(with_requests("1", "1Gi"))
    assert hashing.pod_template_hash(with_requests("0.5", "1Gi")) != hashing.pod_template_hash(
        with_requests("0.6", "1Gi")
    )


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param(
            {**a_template(), "spec": {"containers": [{"name": "guestbook", "image": "argoproj/rollouts-demo:green"}]}},
            id="image",
        ),
        pytest.param(with_labels({"app": "guestbook-v2"}), id="label-value"),
        pytest.param(with_labels({"app": "guestbook", "tier": ""}), id="empty-label-value-is-a-value"),
        pytest.param(with_labels({}), id="label-removed"),
        pytest.param(
            {**a_template(), "spec": {**a_template()["spec"], "automountServiceAccountToken": False}},
            id="pointer-false-is-a-value",
        ),
        pytest.param(
            {
                **a_template(),
                "spec": {
                    **a_template()["spec"],
                    "containers": [*a_template()["spec"]["containers"], {"name": "sidecar", "image": "busybox"}],
                },
            },
            id="container-added",
        ),
    ],
)
def test_pod_template_hash_sees_real_changes(changed: dict[str, Any]) -> None:
    assert hashing.pod_template_hash(changed) != hashing.pod_template_hash(a_template())


def test_empty_volume_sources_keep_their_kind() -> None:
    def with_volume(volume: dict[str, Any]) -> dict[str, Any]:
        return {**a_template(), "spec": {**a_template()["spec"], "volumes": [volume]}}

    empty_dir = hashing.pod_template_hash(with_volume({"name": "data", "emptyDir": {}}))
    downward_api = hashing.pod_template_hash(with_volume({"name": "data", "downwardAPI": {}}))
    assert empty_dir != downward_api


def test_pod_template_hash_does_not_mutate_its_input() -> None:
    template = with_labels({"app": "guestbook", hashing.HASH_LABEL: "abc"})
    before = copy.deepcopy(template)
    hashing.pod_template_hash(template, collision_count=3)
    assert template == before


# --- steps_hash ---------------------------------------------------------------------------------------------

STEPS = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {"duration": "1m"}}]


def test_steps_hash_golden() -> None:
    assert hashing.steps_hash(STEPS) == "6b594f9fc8"
    assert hashing.steps_hash([]) == "5f8cb5778f"


@pytest.mark.parametrize(
    ("left", "right", "same"),
    [
        pytest.param(None, [], True, id="none-is-empty"),
        pytest.param([{"setWeight": 20, "pause": None}], [{"setWeight": 20}], True, id="nulls-dropped"),
        pytest.param([{"pause": {"duration": "1m"}}], [{"pause": {"duration": "1m"}}], True, id="same-steps"),
        pytest.param([{"pause": {}}], [{}], False, id="empty-pause-is-a-step"),
        pytest.param([{"pause": {}}], [{"pause": {"duration": "1m"}}], False, id="indefinite-vs-timed-pause"),
        pytest.param([{"setWeight": 20}, {"pause": {}}], [{"pause": {}}, {"setWeight": 20}], False, id="order-matters"),
        pytest.param([{"setWeight": 20}], [{"setWeight": 30}], False, id="weight-changed"),
    ],
)
def test_steps_hash_equivalence(left: list[Any] | None, right: list[Any] | None, same: bool) -> None:
    assert (hashing.steps_hash(left) == hashing.steps_hash(right)) is same


def test_steps_hash_ignores_key_order() -> None:
    step = {
        "analysis": {"templates": [{"templateName": "success-rate"}], "args": [{"name": "svc", "value": "guestbook"}]}
    }
    reordered = {
        "analysis": {"args": [{"value": "guestbook", "name": "svc"}], "templates": [{"templateName": "success-rate"}]}
    }
    assert hashing.steps_hash([step]) == hashing.steps_hash([reordered])


# --- templates_equal_ignoring_hash --------------------------------------------------------------------------

USER_TEMPLATE = yaml.safe_load(
    """
metadata:
  labels: {app: guestbook, tier: ""}
  annotations: {prometheus.io/scrape: "true"}
spec:
  serviceAccountName: guestbook
  hostNetwork: false
  containers:
  - name: guestbook
    image: argoproj/rollouts-demo:blue
    ports:
    - {name: http, containerPort: 8080}
    env:
    - {name: EMPTY, value: ""}
    - name: POD_NAME
      valueFrom: {fieldRef: {fieldPath: metadata.name}}
    resources:
      requests: {cpu: "0.5", memory: 1024Mi}
      limits: {cpu: 1, memory: 1.5Gi}
    readinessProbe:
      httpGet: {port: http}
      initialDelaySeconds: 0
    livenessProbe:
      tcpSocket: {port: 8080}
      periodSeconds: 20
    volumeMounts:
    - {name: config, mountPath: /etc/config, readOnly: false}
    - {name: scratch, mountPath: /tmp}
  - name: sidecar
    image: busybox
    command: [sleep, infinity]
    lifecycle:
      preStop:
        httpGet: {port: 9090}
  initContainers:
  - name: init
    image: busybox@sha256:1b0a26bd07a3d17473d8d8468bea84015e27f87124b283b91d781bce13f61370
    command: ["true"]
  volumes:
  - name: config
    configMap: {name: guestbook-config}
  - name: token
    secret: {secretName: guestbook-token}
  - name: scratch
  - name: podinfo
    downwardAPI:
      items:
      - path: labels
        fieldRef: {fieldPath: metadata.labels}
  - name: host
    hostPath: {path: /var/log}
  - name: projected
    projected:
      sources:
      - serviceAccountToken: {path: token, audience: api}
"""
)

# USER_TEMPLATE after Kubernetes v1.36's pod-template defaulting and JSON round trip (produced with
# k8s.io/kubernetes/pkg/apis/core/v1.SetObjectDefaults_PodTemplate), plus what a stored ReplicaSet also
# carries: the controller's hash label, a null creationTimestamp and the deprecated serviceAccount.
STORED_TEMPLATE = yaml.safe_load(
    """
metadata:
  creationTimestamp: null
  labels: {app: guestbook, tier: "", rollouts-pod-template-hash: 6d9f7c8b5d}
  annotations: {prometheus.io/scrape: "true"}
spec:
  volumes:
  - name: config
    configMap: {name: guestbook-config, defaultMode: 420}
  - name: token
    secret: {secretName: guestbook-token, defaultMode: 420}
  - name: scratch
    emptyDir: {}
  - name: podinfo
    downwardAPI:
      items:
      - path: labels
        fieldRef: {apiVersion: v1, fieldPath: metadata.labels}
      defaultMode: 420
  - name: host
    hostPath: {path: /var/log, type: ""}
  - name: projected
    projected:
      sources:
      - serviceAccountToken: {audience: api, expirationSeconds: 3600, path: token}
      defaultMode: 420
  initContainers:
  - name: init
    image: busybox@sha256:1b0a26bd07a3d17473d8d8468bea84015e27f87124b283b91d781bce13f61370
    command: ["true"]
    resources: {}
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
    imagePullPolicy: IfNotPresent
  containers:
  - name: guestbook
    image: argoproj/rollouts-demo:blue
    ports:
    - {name: http, containerPort: 8080, protocol: TCP}
    env:
    - {name: EMPTY}
    - name: POD_NAME
      valueFrom: {fieldRef: {apiVersion: v1, fieldPath: metadata.name}}
    resources:
      limits: {cpu: "1", memory: 1536Mi}
      requests: {cpu: 500m, memory: 1Gi}
    volumeMounts:
    - {name: config, mountPath: /etc/config}
    - {name: scratch, mountPath: /tmp}
    livenessProbe:
      tcpSocket: {port: 8080}
      timeoutSeconds: 1
      periodSeconds: 20
      successThreshold: 1
      failureThreshold: 3
    readinessProbe:
      httpGet: {path: /, port: http, scheme: HTTP}
      timeoutSeconds: 1
      periodSeconds: 10
      successThreshold: 1
      failureThreshold: 3
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
    imagePullPolicy: IfNotPresent
  - name: sidecar
    image: busybox
    command: [sleep, infinity]
    resources: {}
    lifecycle:
      preStop:
        httpGet: {path: /, port: 9090, scheme: HTTP}
    terminationMessagePath: /dev/termination-log
    terminationMessagePolicy: File
    imagePullPolicy: Always
  restartPolicy: Always
  terminationGracePeriodSeconds: 30
  dnsPolicy: ClusterFirst
  serviceAccountName: guestbook
  serviceAccount: guestbook
  securityContext: {}
  schedulerName: default-scheduler
"""
)


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
            {"metadata": {"labels": {hashing.HASH_LABEL: "abc"}, "creationTimestamp": None}, "spec": {}},
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
