"""references(rollout): every object a Rollout names, with the field that names it (table tests)."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts import api
from rollouts.plan.references import Reference, reference_key, references

TEMPLATE = {"selector": {"matchLabels": {"app": "a"}}, "template": {"metadata": {"labels": {"app": "a"}}}}


def rollout(strategy: dict[str, Any], **spec: Any) -> api.Rollout:
    raw = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "r", "namespace": "ns"},
        "spec": {**TEMPLATE, "strategy": strategy, **spec},
    }
    parsed = api.parse_rollout(raw, check=False)
    assert isinstance(parsed, api.Rollout), parsed
    return parsed


BG = "spec.strategy.blueGreen"
CANARY = "spec.strategy.canary"
ISTIO = f"{CANARY}.trafficRouting.istio"

CASES: list[tuple[str, dict[str, Any], list[Reference]]] = [
    ("no strategy fields", {"canary": {}}, []),
    (
        "blue-green services",
        {"blueGreen": {"activeService": "active", "previewService": "preview"}},
        [
            Reference("Service", "ns", "active", f"{BG}.activeService"),
            Reference("Service", "ns", "preview", f"{BG}.previewService"),
        ],
    ),
    (
        "blue-green analysis, cluster scope and a secret argument",
        {
            "blueGreen": {
                "activeService": "active",
                "prePromotionAnalysis": {"templates": [{"templateName": "pre"}]},
                "postPromotionAnalysis": {
                    "templates": [{"templateName": "post", "clusterScope": True}],
                    "args": [{"name": "t", "valueFrom": {"secretKeyRef": {"name": "token", "key": "k"}}}],
                },
            }
        },
        [
            Reference("Service", "ns", "active", f"{BG}.activeService"),
            Reference("AnalysisTemplate", "ns", "pre", f"{BG}.prePromotionAnalysis.templates[0].templateName"),
            Reference("ClusterAnalysisTemplate", "", "post", f"{BG}.postPromotionAnalysis.templates[0].templateName"),
            Reference("Secret", "ns", "token", f"{BG}.postPromotionAnalysis.args[0].valueFrom.secretKeyRef.name"),
        ],
    ),
    (
        "canary services, background and step analysis; a repeated template counts once",
        {
            "canary": {
                "stableService": "stable",
                "canaryService": "canary",
                "analysis": {"templates": [{"templateName": "rate"}]},
                "steps": [
                    {"setWeight": 10},
                    {"analysis": {"templates": [{"templateName": "rate"}, {"templateName": "p99"}]}},
                ],
            }
        },
        [
            Reference("Service", "ns", "stable", f"{CANARY}.stableService"),
            Reference("Service", "ns", "canary", f"{CANARY}.canaryService"),
            Reference("AnalysisTemplate", "ns", "rate", f"{CANARY}.analysis.templates[0].templateName"),
            Reference("AnalysisTemplate", "ns", "p99", f"{CANARY}.steps[1].analysis.templates[1].templateName"),
        ],
    ),
    (
        "istio: one VirtualService and a DestinationRule",
        {
            "canary": {
                "trafficRouting": {
                    "istio": {
                        "virtualService": {"name": "vs"},
                        "destinationRule": {"name": "dr", "canarySubsetName": "c", "stableSubsetName": "s"},
                    }
                }
            }
        },
        [
            Reference("VirtualService", "ns", "vs", f"{ISTIO}.virtualService.name"),
            Reference("DestinationRule", "ns", "dr", f"{ISTIO}.destinationRule.name"),
        ],
    ),
    (
        "istio: several VirtualServices, one in another namespace (name.namespace)",
        {"canary": {"trafficRouting": {"istio": {"virtualServices": [{"name": "a"}, {"name": "b.mesh"}]}}}},
        [
            Reference("VirtualService", "ns", "a", f"{ISTIO}.virtualServices[0].name"),
            Reference("VirtualService", "mesh", "b", f"{ISTIO}.virtualServices[1].name"),
        ],
    ),
]


@pytest.mark.parametrize(("strategy", "expected"), [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_references(strategy: dict[str, Any], expected: list[Reference]) -> None:
    assert list(references(rollout(strategy)).items) == expected


def test_workload_ref_is_a_reference() -> None:
    found = references(
        rollout({"canary": {}}, workloadRef={"apiVersion": "apps/v1", "kind": "Deployment", "name": "d"})
    )
    assert found.items == (Reference("Workload", "ns", "d", "spec.workloadRef.name"),)


def test_keys_match_the_referred_objects_side() -> None:
    found = references(
        rollout(
            {"canary": {"stableService": "s", "trafficRouting": {"istio": {"virtualService": {"name": "vs.mesh"}}}}}
        )
    )
    assert found.keys == sorted([reference_key("Service", "ns", "s"), reference_key("VirtualService", "mesh", "vs")])
    assert found.services == {"s": f"{CANARY}.stableService"}
