"""Content hashes and template equality (rollouts.plan.hashing).

We test these aspects:
* the building blocks: FNV-1a 32-bit against its published test vectors, and Kubernetes' safe encoding;
* pod_template_hash: golden values (cross-checked once against Go's hash/fnv and apimachinery's
  rand.SafeEncodeString over the same bytes), collision-count mixing, the output alphabet, stability across
  equivalent spellings (key order, the hash label, empty vs missing maps, lists and metadata), sensitivity to
  real changes, and that the input is not mutated;
* steps_hash: golden value, null handling, and that ``pause: {}`` stays a step of its own.

Template equality is tested in test_template_equality.py.

Go's encoding itself is tested in test_argo_hash.py, parity with Argo's controller in tests/cluster.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from rollouts.api.labels import HASH_LABEL
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
        pytest.param(None, "65cb8f49c9", id="no-collision-count"),
        pytest.param(0, "7d9db9f55f", id="collision-count-0"),
        pytest.param(1, "66f5ffbbdb", id="collision-count-1"),
        pytest.param(7, "58d5f9bbd4", id="collision-count-7"),
    ],
)
def test_pod_template_hash_golden(collision_count: int | None, expected: str) -> None:
    assert hashing.pod_template_hash(a_template(), collision_count=collision_count) == expected


def test_collision_count_is_a_little_endian_uint32_plus_four_zero_bytes() -> None:
    canonical = (
        b'{"metadata":{"labels":{"app":"guestbook"}},'
        b'"spec":{"containers":[{"name":"guestbook","image":"argoproj/rollouts-demo:blue","resources":{}}]}}'
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
        {"metadata": {"labels": {}, "annotations": {}}, "spec": spec},
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
        pytest.param(with_labels({"app": "guestbook", HASH_LABEL: "6d9f7c8b5d"}), id="hash-label-added"),
        pytest.param(
            {**a_template(), "spec": {**a_template()["spec"], "securityContext": {}}}, id="empty-pointer-struct"
        ),
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
    template = with_labels({"app": "guestbook", HASH_LABEL: "abc"})
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
