"""pydantic JSON Schema -> Kubernetes structural schema: each rewrite rule, the lint, and the generated CRDs."""

from __future__ import annotations

from typing import Any, Literal

import pytest
from pydantic import Field

from rollouts.api import crdgen, schema
from rollouts.api.common import FreeObject, JSONValue, KubeModel
from rollouts.api.types import IntOrString


class Inner(KubeModel):
    """Inner docstring."""

    value: int
    """A number."""


class Sample(KubeModel):
    """Sample docstring."""

    required_text: str
    """Required."""
    optional_inner: Inner | None = None
    """Field description wins over the class docstring."""
    inner_list: list[Inner] | None = None
    """A list of objects."""
    labels: dict[str, str] | None = None
    """A string map."""
    count: IntOrString | None = None
    """Int or string."""
    free: FreeObject | None = None
    """Any object."""
    raw: JSONValue = None
    """Any value."""
    mode: Literal["fast"] = "fast"
    """A constant."""
    with_default: int = Field(default=3)
    """Has a default."""


@pytest.fixture(scope="module")
def sample() -> dict[str, Any]:
    return schema.structural(Sample.model_json_schema(by_alias=True))


def test_refs_are_inlined_and_titles_dropped(sample: dict[str, Any]) -> None:
    inner = sample["properties"]["optionalInner"]
    assert inner == {
        "type": "object",
        "description": "Field description wins over the class docstring.",
        "properties": {"value": {"type": "integer", "description": "A number."}},
        "required": ["value"],
    }
    assert "$defs" not in sample and "title" not in sample


def test_nullable_any_of_collapses(sample: dict[str, Any]) -> None:
    assert sample["properties"]["innerList"] == {
        "type": "array",
        "description": "A list of objects.",
        "items": {
            "type": "object",
            "description": "Inner docstring.",
            "properties": {"value": {"type": "integer", "description": "A number."}},
            "required": ["value"],
        },
    }


def test_maps_keep_value_types(sample: dict[str, Any]) -> None:
    assert sample["properties"]["labels"] == {
        "type": "object",
        "description": "A string map.",
        "additionalProperties": {"type": "string"},
    }


def test_int_or_string(sample: dict[str, Any]) -> None:
    assert sample["properties"]["count"] == {"x-kubernetes-int-or-string": True, "description": "Int or string."}


def test_free_objects_preserve_unknown_fields(sample: dict[str, Any]) -> None:
    assert sample["properties"]["free"] == {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
        "description": "Any object.",
    }
    assert sample["properties"]["raw"] == {"x-kubernetes-preserve-unknown-fields": True, "description": "Any value."}


def test_const_becomes_enum_and_defaults_are_dropped(sample: dict[str, Any]) -> None:
    assert sample["properties"]["mode"] == {"type": "string", "enum": ["fast"], "description": "A constant."}
    assert sample["properties"]["withDefault"] == {"type": "integer", "description": "Has a default."}
    assert sample["required"] == ["requiredText"]


def test_ambiguous_unions_are_refused() -> None:
    class Ambiguous(KubeModel):
        either: int | list[int]

    with pytest.raises(ValueError, match="anyOf"):
        schema.structural(Ambiguous.model_json_schema(by_alias=True))


@pytest.mark.parametrize(
    ("node", "problem"),
    [
        pytest.param({"properties": {"a": {}}, "type": "object"}, ".a: missing type", id="untyped"),
        pytest.param({"type": "object", "properties": {"a": {"$ref": "#/x"}}}, ".a: has $ref", id="ref"),
        pytest.param({"type": "integer", "default": 1}, "<root>: has default", id="default"),
        pytest.param({"type": "string", "title": "T"}, "<root>: has title", id="title"),
        pytest.param({"anyOf": [{"type": "string"}], "type": "string"}, "<root>: has anyOf", id="junctor"),
        pytest.param({"type": "string", "nullable": True}, "<root>: has nullable", id="nullable"),
        pytest.param({"type": "array"}, "<root>: array without items", id="array"),
        pytest.param({"type": "array", "items": {}}, "[]: missing type", id="untyped-items"),
        pytest.param(
            {"type": "integer", "x-kubernetes-int-or-string": True},
            "<root>: int-or-string node must not have a type",
            id="int-or-string-typed",
        ),
        pytest.param(
            {"type": "object", "properties": {}, "additionalProperties": {"type": "string"}},
            "<root>: both properties and additionalProperties",
            id="properties-and-additional",
        ),
        pytest.param({"type": "object", "additionalProperties": {}}, "{}: missing type", id="untyped-map-values"),
    ],
)
def test_lint_finds(node: dict[str, Any], problem: str) -> None:
    assert problem in schema.lint(node)


@pytest.mark.parametrize(
    "node",
    [
        pytest.param({"x-kubernetes-int-or-string": True}, id="int-or-string"),
        pytest.param({"x-kubernetes-preserve-unknown-fields": True}, id="preserve-unknown"),
        pytest.param({"type": "object", "x-kubernetes-preserve-unknown-fields": True}, id="free-object"),
    ],
)
def test_lint_allows_untyped_markers(node: dict[str, Any]) -> None:
    assert schema.lint(node) == []


KINDS = [pytest.param(kind, id=kind.name) for kind in crdgen.KINDS]


@pytest.mark.parametrize("kind", KINDS)
def test_generated_schemas_are_structural(kind: crdgen.Kind) -> None:
    assert schema.lint(crdgen.openapi_schema(kind.model)) == []


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_has_a_description(kind: crdgen.Kind) -> None:
    root = crdgen.openapi_schema(kind.model)
    undocumented = [
        path
        for path, node in schema.walk(root)
        if path not in ("", ".metadata") and not path.endswith(("[]", "{}")) and not node.get("description")
    ]
    assert undocumented == []
    assert set(root["properties"]) >= {"apiVersion", "kind", "metadata", "spec"}


@pytest.mark.parametrize("kind", KINDS)
def test_no_defaults_anywhere(kind: crdgen.Kind) -> None:
    root = crdgen.openapi_schema(kind.model)
    assert [path for path, node in schema.walk(root) if "default" in node] == []


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        pytest.param(crdgen.KINDS[0], ".spec.template", id="rollout-template"),
        pytest.param(crdgen.KINDS[0], ".spec.selector", id="rollout-selector"),
        pytest.param(crdgen.KINDS[0], ".spec.strategy.canary.trafficRouting.alb", id="other-routers"),
        pytest.param(crdgen.KINDS[0], ".spec.strategy.canary.steps[].plugin.config", id="plugin-config"),
        pytest.param(crdgen.KINDS[1], ".spec.metrics[].provider.job.spec", id="job-spec"),
        pytest.param(crdgen.KINDS[1], ".spec.metrics[].provider.datadog", id="other-providers"),
        pytest.param(crdgen.KINDS[1], ".spec.metrics[].provider.web.jsonBody", id="json-body"),
        pytest.param(crdgen.KINDS[4], ".spec.templates[].template", id="experiment-template"),
    ],
)
def test_native_objects_are_kept_verbatim(kind: crdgen.Kind, path: str) -> None:
    nodes = dict(schema.walk(crdgen.openapi_schema(kind.model)))
    assert nodes[path].get("x-kubernetes-preserve-unknown-fields") is True
    assert "properties" not in nodes[path]


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        pytest.param(crdgen.KINDS[0], ".spec.strategy.canary.maxSurge", id="maxSurge"),
        pytest.param(crdgen.KINDS[0], ".spec.strategy.canary.maxUnavailable", id="maxUnavailable"),
        pytest.param(crdgen.KINDS[0], ".spec.strategy.blueGreen.maxUnavailable", id="bg-maxUnavailable"),
        pytest.param(crdgen.KINDS[0], ".spec.strategy.canary.steps[].pause.duration", id="pause-duration"),
        pytest.param(crdgen.KINDS[3], ".spec.metrics[].count", id="count"),
        pytest.param(crdgen.KINDS[3], ".spec.metrics[].failureLimit", id="failureLimit"),
        pytest.param(crdgen.KINDS[3], ".spec.metrics[].consecutiveErrorLimit", id="consecutiveErrorLimit"),
    ],
)
def test_int_or_string_fields(kind: crdgen.Kind, path: str) -> None:
    node = dict(schema.walk(crdgen.openapi_schema(kind.model)))[path]
    assert node.get("x-kubernetes-int-or-string") is True
    assert "type" not in node
