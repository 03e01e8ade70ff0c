"""Istio DestinationRule JSON Patches: hash labels and the managed-by annotation, added, replaced, removed, released,
with JSON Pointer escaping."""

from __future__ import annotations

from typing import Any

import pytest
from traffic_helpers import PatchFailed, apply_patch

from rollouts.traffic import istio

# --- DestinationRule ----------------------------------------------------------------------------------------------

MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts"


def a_dr(*subsets: dict[str, Any], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "web-dr", "namespace": "shop"}
    if annotations is not None:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "DestinationRule",
        "metadata": metadata,
        "spec": {"host": "web", "subsets": list(subsets)},
    }


def subset(name: str, pod_hash: str | None = None, **labels: str) -> dict[str, Any]:
    """A subset with ``labels``, plus the pod-hash label when ``pod_hash`` is given."""
    return {"name": name, "labels": labels | ({"rollouts-pod-template-hash": pod_hash} if pod_hash else {})}


@pytest.mark.parametrize(
    ("dr", "canary_hash", "stable_hash", "expected_subsets", "expected_annotations"),
    [
        pytest.param(
            a_dr(subset("other", app="web"), subset("stable", app="web"), subset("canary", app="web")),
            "abc",
            "def",
            [
                subset("other", app="web"),
                subset("stable", app="web", pod_hash="def"),
                subset("canary", app="web", pod_hash="abc"),
            ],
            {MANAGED_BY: "web"},
            id="labels-and-annotation-added",
        ),
        pytest.param(
            a_dr(
                {"name": "stable"},
                {"name": "canary", "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}}},
                annotations={"team": "shop"},
            ),
            "abc",
            "def",
            [
                subset("stable", pod_hash="def"),
                {
                    "name": "canary",
                    "labels": {"rollouts-pod-template-hash": "abc"},
                    "trafficPolicy": {"tls": {"mode": "ISTIO_MUTUAL"}},
                },
            ],
            {"team": "shop", MANAGED_BY: "web"},
            id="labels-map-absent-and-other-annotations-kept",
        ),
        pytest.param(
            a_dr(
                subset("stable", app="web", pod_hash="old"),
                subset("canary", app="web", pod_hash="old"),
                annotations={MANAGED_BY: "web"},
            ),
            "new",
            "old",
            [subset("stable", app="web", pod_hash="old"), subset("canary", app="web", pod_hash="new")],
            {MANAGED_BY: "web"},
            id="canary-hash-replaced",
        ),
        pytest.param(
            a_dr(subset("stable", pod_hash="old"), subset("canary", pod_hash="old"), annotations={MANAGED_BY: "web"}),
            None,
            "old",
            [subset("stable", pod_hash="old"), subset("canary")],
            {MANAGED_BY: "web"},
            id="no-canary-hash-removes-label",
        ),
    ],
)
def test_destination_rule_ops(
    dr: dict[str, Any],
    canary_hash: str | None,
    stable_hash: str | None,
    expected_subsets: list[Any],
    expected_annotations: dict[str, Any],
) -> None:
    operations = istio.destination_rule_ops(
        dr,
        canary_subset="canary",
        stable_subset="stable",
        canary_hash=canary_hash,
        stable_hash=stable_hash,
        rollout_name="web",
    )
    patched = apply_patch(dr, operations)
    assert patched["spec"]["subsets"] == expected_subsets
    assert patched["metadata"]["annotations"] == expected_annotations
    again = istio.destination_rule_ops(
        patched,
        canary_subset="canary",
        stable_subset="stable",
        canary_hash=canary_hash,
        stable_hash=stable_hash,
        rollout_name="web",
    )
    assert again == []


def test_destination_rule_ops_escape_the_annotation_key_and_guard_subsets() -> None:
    dr = a_dr(subset("stable", pod_hash="s"), subset("canary", pod_hash="c"), annotations={"team": "shop"})
    operations = istio.destination_rule_ops(
        dr, canary_subset="canary", stable_subset="stable", canary_hash="c2", stable_hash="s", rollout_name="web"
    )
    assert operations == [
        {"op": "test", "path": "/spec/subsets/1/name", "value": "canary"},
        {"op": "replace", "path": "/spec/subsets/1/labels/rollouts-pod-template-hash", "value": "c2"},
        {"op": "add", "path": "/metadata/annotations/argo-rollouts.argoproj.io~1managed-by-rollouts", "value": "web"},
    ]
    with pytest.raises(PatchFailed, match="test failed"):
        apply_patch(a_dr(subset("canary", pod_hash="c"), subset("stable", pod_hash="s")), operations)


def test_destination_rule_missing_subset_is_an_error() -> None:
    with pytest.raises(istio.RoutingError, match='DestinationRule "web-dr": subset "canary" not found'):
        istio.destination_rule_ops(
            a_dr(subset("stable")),
            canary_subset="canary",
            stable_subset="stable",
            canary_hash="a",
            stable_hash="b",
            rollout_name="web",
        )


@pytest.mark.parametrize(
    ("dr", "expected_subsets", "expected_metadata_annotations"),
    [
        pytest.param(
            a_dr(
                subset("stable", app="web", pod_hash="s"),
                subset("canary", app="web", pod_hash="c"),
                subset("other", pod_hash="x"),
                annotations={MANAGED_BY: "web", "team": "shop"},
            ),
            [subset("stable", app="web"), subset("canary", app="web"), subset("other", pod_hash="x")],
            {"team": "shop"},
            id="labels-and-annotation-removed",
        ),
        pytest.param(
            a_dr(subset("stable"), {"name": "canary"}),
            [subset("stable"), {"name": "canary"}],
            None,
            id="nothing-to-remove",
        ),
    ],
)
def test_release_destination_rule_ops(
    dr: dict[str, Any], expected_subsets: list[Any], expected_metadata_annotations: dict[str, Any] | None
) -> None:
    operations = istio.release_destination_rule_ops(dr, canary_subset="canary", stable_subset="stable")
    patched = apply_patch(dr, operations)
    assert patched["spec"]["subsets"] == expected_subsets
    assert patched["metadata"].get("annotations") == expected_metadata_annotations
    assert istio.release_destination_rule_ops(patched, canary_subset="canary", stable_subset="stable") == []
