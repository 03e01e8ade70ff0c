"""Argo Rollouts' exact pod-template hash (rollouts.plan.gojson, rollouts.plan.goquantity, hashing.pod_template_hash).

Expected encodings were checked by hand against encoding/json's rules and produced by Go itself
(json.Marshal of a json.Unmarshal-ed core/v1 PodTemplateSpec, k8s.io/api v0.34.5); the hashes are Go's too.
The parity with Argo's running controller is tests/cluster/test_argo_hash_parity.py.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts import api
from rollouts.api.labels import HASH_LABEL
from rollouts.plan import gojson, hashing
from rollouts.plan.decide import decide
from rollouts.plan.goquantity import quantity_json
from rollouts.plan.observed import Observed


def containers(**fields: Any) -> dict[str, Any]:
    return {"spec": {"containers": [{"name": "a", **fields}]}}


@pytest.mark.parametrize(
    ("template", "encoding", "expected_hash"),
    [
        pytest.param({}, '{"metadata":{},"spec":{"containers":null}}', "658c46c486", id="empty"),
        pytest.param(
            {
                "metadata": {"labels": {"app": "guestbook"}},
                "spec": {"containers": [{"name": "guestbook", "image": "argoproj/rollouts-demo:blue"}]},
            },
            '{"metadata":{"labels":{"app":"guestbook"}},"spec":{"containers":[{"name":"guestbook","image":"argoproj/rollouts-demo:blue","resources":{}}]}}',
            "65cb8f49c9",
            id="plain",
        ),
        pytest.param(
            {
                "metadata": {"labels": {}, "annotations": {}, "creationTimestamp": None},
                "spec": {
                    "containers": [{"name": "a", "image": "x", "env": [], "command": []}],
                    "initContainers": [],
                    "securityContext": {},
                    "hostNetwork": False,
                    "automountServiceAccountToken": False,
                },
            },
            '{"metadata":{},"spec":{"containers":[{"name":"a","image":"x","resources":{}}],"automountServiceAccountToken":false,"securityContext":{}}}',
            "9dd75b864",
            id="empty-fields",
        ),
        pytest.param(
            containers(
                resources={"requests": {"cpu": "1.5", "memory": "0.5Gi"}, "limits": {"cpu": "100m", "memory": "1Gi"}}
            ),
            '{"metadata":{},"spec":{"containers":[{"name":"a","resources":{"limits":{"cpu":"100m","memory":"1Gi"},"requests":{"cpu":"1500m","memory":"512Mi"}}}]}}',
            "f88fbcb",
            id="resources",
        ),
        pytest.param(
            containers(
                ports=[{"name": "http", "containerPort": 8080}],
                livenessProbe={"httpGet": {"path": "/healthz", "port": "http"}},
                readinessProbe={"tcpSocket": {"port": 8080}, "periodSeconds": 5},
            ),
            '{"metadata":{},"spec":{"containers":[{"name":"a","ports":[{"name":"http","containerPort":8080}],"resources":{},'
            '"livenessProbe":{"httpGet":{"path":"/healthz","port":"http"}},"readinessProbe":{"tcpSocket":{"port":8080},"periodSeconds":5}}]}}',
            "fcdf56f7f",
            id="probes-and-int-or-string-ports",
        ),
        pytest.param(
            {
                "spec": {
                    "containers": [{"name": "a"}],
                    "volumes": [
                        {"name": "scratch", "emptyDir": {}},
                        {"name": "mem", "emptyDir": {"medium": "Memory", "sizeLimit": "1024Mi"}},
                        {"name": "cfg", "configMap": {"name": "c", "defaultMode": 420}},
                    ],
                }
            },
            '{"metadata":{},"spec":{"volumes":[{"name":"scratch","emptyDir":{}},{"name":"mem","emptyDir":{"medium":"Memory","sizeLimit":"1Gi"}},'
            '{"name":"cfg","configMap":{"name":"c","defaultMode":420}}],"containers":[{"name":"a","resources":{}}]}}',
            "fd95b995d",
            id="volumes",
        ),
        pytest.param(
            containers(
                env=[
                    {"name": "E", "value": ""},
                    {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "1m"}}},
                ]
            ),
            '{"metadata":{},"spec":{"containers":[{"name":"a","env":[{"name":"E"},{"name":"POD","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}},'
            '{"name":"CPU","valueFrom":{"resourceFieldRef":{"resource":"limits.cpu","divisor":"1m"}}}],"resources":{}}]}}',
            "58478486c",
            id="env-value-from",
        ),
        pytest.param(
            {
                "metadata": {"annotations": {"a": "<b>&amp;</b>", "u": "\u2028é"}},
                "spec": {"containers": [{"name": "a", "unknownField": 1}]},
            },
            '{"metadata":{"annotations":{"a":"\\u003cb\\u003e\\u0026amp;\\u003c/b\\u003e","u":"\\u2028é"}},"spec":{"containers":[{"name":"a","resources":{}}]}}',
            "68fdb547cb",
            id="html-escapes-and-unknown-fields",
        ),
    ],
)
def test_go_encoding_and_hash(template: dict[str, Any], encoding: str, expected_hash: str) -> None:
    assert gojson.pod_template_json(template).decode() == encoding
    assert hashing.pod_template_hash(template) == expected_hash


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.5", "1500m"),
        ("100m", "100m"),
        ("1Gi", "1Gi"),
        ("0.5Gi", "512Mi"),
        ("1024Mi", "1Gi"),
        ("1536Mi", "1536Mi"),
        ("0.5", "500m"),
        ("1000m", "1"),
        ("1.500", "1.500"),  # canonical enough for Go's fast path: kept verbatim
        ("+1Gi", "+1Gi"),
        ("1e3", "1e3"),
        ("0.0000000001", "1n"),  # rounded up to a whole nano
        ("1.1Gi", "1181116006400m"),
        ("12Ei", "9223372036854775807"),  # capped at the largest int64
        (2, "2"),
        (1.5, "1500m"),
        (None, "0"),
    ],
)
def test_quantities_as_go_writes_them(raw: Any, expected: str) -> None:
    assert quantity_json(raw) == f'"{expected}"'


@pytest.mark.parametrize(
    ("template", "field"),
    [
        (containers(resources={"limits": {"cpu": "lots"}}), "template.spec.containers[0].resources.limits.cpu"),
        (
            containers(readinessProbe={"tcpSocket": {"port": 80.5}}),
            "template.spec.containers[0].readinessProbe.tcpSocket.port",
        ),
        ({"metadata": {"creationTimestamp": "yesterday"}}, "template.metadata.creationTimestamp"),
    ],
)
def test_what_go_cannot_decode_is_an_error_naming_the_field(template: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match="^" + re.escape(field) + ": "):
        hashing.pod_template_hash(template)


def test_collision_count_is_mixed_in_like_argo() -> None:
    data = gojson.pod_template_json({}) + bytes([7, 0, 0, 0, 0, 0, 0, 0])
    assert hashing.pod_template_hash({}, collision_count=7) == hashing.safe_encode(str(hashing.fnv1a_32(data)))
    assert hashing.pod_template_hash({}, collision_count=0) != hashing.pod_template_hash({})


def test_the_hash_label_is_hashed_like_any_label_as_argo_does() -> None:
    labelled = {"metadata": {"labels": {HASH_LABEL: "abc"}}}
    assert hashing.pod_template_hash(labelled) != hashing.pod_template_hash({})


def test_the_table_uses_only_kinds_the_encoder_knows() -> None:
    known = {"string", "bool", "int", "quantity", "intorstring", "time", "rawjson"}

    def leaves(kind: Any) -> set[str]:
        if isinstance(kind, str):
            return {kind}
        ((shape, inner),) = kind.items()
        return set() if shape == "struct" else leaves(inner)

    table = gojson.field_table()
    used = {leaf for fields in table["types"].values() for field in fields for leaf in leaves(field["kind"])}
    assert used <= known
    assert table["versions"] == {"k8s.io/api": "v0.34.5"}


def test_a_template_go_cannot_decode_makes_the_rollout_invalid_not_a_crash() -> None:
    template = containers(image="demo:blue", readinessProbe={"tcpSocket": {"port": 80.5}})
    template["metadata"] = {"labels": {"app": "demo"}}
    raw = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "demo", "namespace": "ns", "uid": "rollout-uid", "generation": 1},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "demo"}},
            "template": template,
            "strategy": {"canary": {}},
        },
    }
    model = api.parse_rollout(raw, check=False)
    assert not isinstance(model, list), model
    observed = Observed(rollout=model, raw=raw, spec_errors=tuple(str(e) for e in api.validate(raw)))

    plan = decide(observed=observed, now=datetime(2026, 1, 1, tzinfo=UTC))

    assert plan.actions == ()
    [invalid] = [c for c in plan.status.conditions or [] if c.type == "InvalidSpec"]
    assert (
        "spec.template.spec.containers[0].readinessProbe.tcpSocket.port: expected a string or a 32-bit integer, got 80.5"
        in str(invalid.message)
    )
