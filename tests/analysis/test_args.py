"""Analysis arguments and templates (rollouts.plan.runspec.args and .templates), pure tables.

Aspects: combining template args (same value fine, different values an error, a value wins over none); applying the
caller's args by name and refusing unresolved ones; `{{args.x}}` / `{{ args.x }}` substitution anywhere in a
metric, numeric fields included, values JSON-escaped, unknown tags an error; secretKeyRef values read through a
callable and redacted; fieldRef paths into a Rollout; merging templates and cluster templates into one run spec
(duplicate metrics, args, dryRun and measurementRetention rules; nested templates flattened, repeats kept once).
Excluded: reading Secrets from the API (the controller's SecretReader, covered by the cluster tests).
"""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.api import (
    AnalysisTemplate,
    AnalysisTemplateRef,
    Argument,
    ClusterAnalysisTemplate,
    DryRun,
    MeasurementRetention,
    Metric,
)
from rollouts.plan.runspec import args, templates


def arg(name: str, value: str | None = None, **value_from: Any) -> Argument:
    return Argument.model_validate({"name": name, "value": value, **({"valueFrom": value_from} if value_from else {})})


def web_metric(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "provider": {"web": {"url": "http://checks/{{args.service}}"}}, **fields}


def template(
    name: str,
    *metrics: dict[str, Any],
    template_args: list[dict[str, Any]] | None = None,
    refs: list[dict[str, Any]] | None = None,
    cluster: bool = False,
    **spec: Any,
) -> AnalysisTemplate | ClusterAnalysisTemplate:
    model = ClusterAnalysisTemplate if cluster else AnalysisTemplate
    body = {"metrics": list(metrics), "args": template_args, "templates": refs, **spec}
    return model.model_validate({"metadata": {"name": name}, "spec": {k: v for k, v in body.items() if v is not None}})


# --- combine and apply ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lists", "expected"),
    [
        pytest.param([[arg("a")], [arg("b", "2")]], [arg("a"), arg("b", "2")], id="distinct-names-concatenated"),
        pytest.param([[arg("a")], [arg("a", "1")]], [arg("a", "1")], id="value-replaces-none"),
        pytest.param([[arg("a", "1")], [arg("a")]], [arg("a", "1")], id="none-keeps-value"),
        pytest.param([[arg("a", "1")], [arg("a", "1")]], [arg("a", "1")], id="same-value-fine"),
        pytest.param([None, [], [arg("a")]], [arg("a")], id="empty-lists"),
    ],
)
def test_combine(lists: list[Any], expected: list[Argument]) -> None:
    assert args.combine(lists) == expected


def test_combine_refuses_two_values() -> None:
    with pytest.raises(args.ArgumentError, match="argument a is declared twice with different values: '1' and '2'"):
        args.combine([[arg("a", "1")], [arg("a", "2")]])


@pytest.mark.parametrize(
    ("declared", "incoming", "expected"),
    [
        pytest.param([arg("service")], [arg("service", "web")], [arg("service", "web")], id="caller-supplies"),
        pytest.param(
            [arg("service", "default")], [arg("service", "web")], [arg("service", "web")], id="caller-overrides"
        ),
        pytest.param([arg("service", "web")], [arg("other", "x")], [arg("service", "web")], id="undeclared-ignored"),
        pytest.param(
            [arg("token")],
            [arg("token", secretKeyRef={"name": "s", "key": "k"})],
            [arg("token", secretKeyRef={"name": "s", "key": "k"})],
            id="caller-value-from",
        ),
    ],
)
def test_apply_caller_args(declared: list[Argument], incoming: list[Argument], expected: list[Argument]) -> None:
    assert args.apply_caller_args(declared, incoming) == expected


def test_unresolved_arg_is_named() -> None:
    with pytest.raises(args.ArgumentError, match=r"^args\.service was not resolved$"):
        args.apply_caller_args([arg("service"), arg("other", "x")], [])


# --- substitution --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "values", "expected"),
    [
        pytest.param({"query": "up{job='{{args.job}}'}"}, {"job": "api"}, {"query": "up{job='api'}"}, id="in-a-string"),
        pytest.param(
            {"query": "{{ args.job }}/{{args.job}}"},
            {"job": "api"},
            {"query": "api/api"},
            id="whitespace-inside-braces",
        ),
        pytest.param({"count": "{{args.count}}"}, {"count": "3"}, {"count": "3"}, id="numeric-field"),
        pytest.param({"q": "{{args.v}}"}, {"v": 'say "hi"\n\ttab'}, {"q": 'say "hi"\n\ttab'}, id="json-escaped"),
        pytest.param({"q": "{{args.v}}"}, {"v": "naïve ✓"}, {"q": "naïve ✓"}, id="unicode"),
        pytest.param(
            {"headers": [{"key": "X", "value": "{{args.v}}"}]},
            {"v": "1"},
            {"headers": [{"key": "X", "value": "1"}]},
            id="nested-list",
        ),
        pytest.param({"q": "no tags"}, {}, {"q": "no tags"}, id="nothing-to-do"),
    ],
)
def test_substitute(document: Any, values: dict[str, str], expected: Any) -> None:
    assert args.substitute(document, values) == expected


def test_templated_count_becomes_an_int() -> None:
    metric = Metric.model_validate(
        args.substitute(web_metric("m", count="{{args.count}}", interval="1s"), {"count": "3", "service": "s"})
    )
    assert metric.effective_count == 3


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param({"q": "{{args.missing}}"}, "failed to resolve {{args.missing}}", id="unknown-arg"),
        pytest.param(
            {"q": "{{ templates.a.podTemplateHash }}"},
            "failed to resolve {{ templates.a.podTemplateHash }}",
            id="other-tag",
        ),
    ],
)
def test_substitute_refuses_unknown_tags(document: Any, message: str) -> None:
    with pytest.raises(args.ArgumentError) as raised:
        args.substitute(document, {"job": "x"})
    assert str(raised.value) == message


def test_placeholders() -> None:
    assert args.placeholders({"a": "{{ args.x }} {{args.y}}", "b": ["{{args.x}}"]}) == ["args.x", "args.y"]


# --- values and secrets --------------------------------------------------------------------------------------------


def test_argument_values_read_secrets_and_redact() -> None:
    read: list[tuple[str, str]] = []

    def read_secret(name: str, key: str) -> str:
        read.append((name, key))
        return "s3cr3t"

    values = args.argument_values(
        [arg("service", "web"), arg("token", secretKeyRef={"name": "creds", "key": "token"})], read_secret=read_secret
    )
    assert values.values == {"service": "web", "token": "s3cr3t"}
    assert read == [("creds", "token")]
    assert values.redact("GET /?token=s3cr3t failed") == "GET /?token=***** failed"
    assert values.redact(None) is None


def test_secrets_are_masked_without_a_reader() -> None:
    values = args.argument_values([arg("token", secretKeyRef={"name": "creds", "key": "token"})])
    assert values.values == {"token": "*****"}


def test_an_arg_without_a_value_is_not_supplied() -> None:
    with pytest.raises(args.ArgumentError, match='argument "env" was not supplied'):
        args.argument_values([arg("env", fieldRef={"fieldPath": "metadata.labels['env']"})])


def test_redaction_prefers_the_longest_secret() -> None:
    values = args.ArgumentValues({}, frozenset({"abc", "abcdef"}))
    assert values.redact("xabcdefx abc") == "x*****x *****"


# --- field paths ---------------------------------------------------------------------------------------------------

ROLLOUT = {
    "metadata": {
        "name": "checkout",
        "labels": {"env": "prod", "app.kubernetes.io/name": "shop"},
        "annotations": {"team": "pay"},
    },
    "spec": {
        "replicas": 5,
        "paused": False,
        "template": {"spec": {"containers": [{"name": "app", "image": "shop:2"}]}},
    },
    "status": {"canary": {"weights": {"canary": {"weight": 20.0}}}, "ratio": 0.25},
}


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        pytest.param("metadata.name", "checkout", id="name"),
        pytest.param("metadata.labels['env']", "prod", id="label"),
        pytest.param("metadata.labels['app.kubernetes.io/name']", "shop", id="label-with-dots"),
        pytest.param('metadata.annotations["team"]', "pay", id="annotation-double-quotes"),
        pytest.param("metadata.labels['missing']", "", id="missing-label-empty"),
        pytest.param("metadata.annotations['missing']", "", id="missing-annotation-empty"),
        pytest.param("spec.template.spec.containers[0].image", "shop:2", id="list-index"),
        pytest.param("spec.replicas", "5", id="int"),
        pytest.param("status.canary.weights.canary.weight", "20", id="whole-float-like-go"),
        pytest.param("status.ratio", "0.25", id="float"),
        pytest.param("spec.paused", "false", id="bool"),
    ],
)
def test_resolve_field_path(path: str, expected: str) -> None:
    assert args.resolve_field_path(ROLLOUT, path) == expected


@pytest.mark.parametrize(
    ("path", "message"),
    [
        pytest.param("spec.nope", 'fieldPath "spec.nope": no field at spec.nope', id="missing-field"),
        pytest.param(
            "spec.template.spec.containers[3].image",
            "index 3 is out of range at spec.template.spec.containers (length 1)",
            id="index-out-of-range",
        ),
        pytest.param("spec.template", "must end on a single value, found an object", id="ends-on-object"),
        pytest.param("spec.template.spec.containers", "must end on a single value, found a list", id="ends-on-list"),
        pytest.param("spec.replicas[0]", "spec.replicas is not a list", id="index-into-scalar"),
        pytest.param("spec..replicas", "cannot read it at character", id="malformed"),
        pytest.param("", "fieldPath is empty", id="empty"),
    ],
)
def test_resolve_field_path_errors(path: str, message: str) -> None:
    with pytest.raises(args.FieldPathError) as raised:
        args.resolve_field_path(ROLLOUT, path)
    assert message in str(raised.value)


# --- templates -----------------------------------------------------------------------------------------------------


def lookup_in(*known: AnalysisTemplate | ClusterAnalysisTemplate) -> templates.Lookup:
    table = {(isinstance(t, ClusterAnalysisTemplate), t.metadata.name): t for t in known}
    return lambda name, cluster: table.get((cluster, name))


def ref(name: str, cluster: bool = False) -> AnalysisTemplateRef:
    return AnalysisTemplateRef(template_name=name, cluster_scope=cluster or None)


def test_merge_concatenates_metrics_and_applies_args() -> None:
    success = template("success-rate", web_metric("success"), template_args=[{"name": "service"}])
    latency = template(
        "latency",
        web_metric("latency"),
        template_args=[{"name": "service"}, {"name": "p", "value": "99"}],
        cluster=True,
    )
    spec = templates.merge([success, latency], args=[arg("service", "checkout")])
    assert [m.name for m in spec.metrics] == ["success", "latency"]
    assert spec.args == [arg("service", "checkout"), arg("p", "99")]


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        pytest.param(
            [template("a", web_metric("m")), template("b", web_metric("m"))],
            "two metrics have the same name 'm'",
            id="duplicate-metric",
        ),
        pytest.param(
            [
                template("a", web_metric("m"), dryRun=[{"metricName": "m"}]),
                template("b", web_metric("n"), dryRun=[{"metricName": "m"}]),
            ],
            "two Dry-Run metric rules have the same name 'm'",
            id="duplicate-dry-run-rule",
        ),
        pytest.param(
            [
                template("a", web_metric("m"), measurementRetention=[{"metricName": "m", "limit": 2}]),
                template("b", web_metric("n"), measurementRetention=[{"metricName": "m", "limit": 3}]),
            ],
            "two Measurement Retention metric rules have the same name 'm'",
            id="duplicate-retention-rule",
        ),
    ],
)
def test_merge_refuses(parts: list[Any], message: str) -> None:
    with pytest.raises(templates.TemplateError, match=message):
        templates.merge(parts, args=[arg("service", "x")])


def test_merge_refuses_conflicting_template_args() -> None:
    a = template("a", web_metric("m"), template_args=[{"name": "service", "value": "one"}])
    b = template("b", web_metric("n"), template_args=[{"name": "service", "value": "two"}])
    with pytest.raises(args.ArgumentError, match="declared twice"):
        templates.merge([a, b])


def test_merge_refuses_an_unresolved_arg() -> None:
    with pytest.raises(args.ArgumentError, match=r"args\.service was not resolved"):
        templates.merge([template("a", web_metric("m"), template_args=[{"name": "service"}])])


def test_caller_dry_run_and_retention_come_first() -> None:
    spec = templates.merge(
        [
            template(
                "a",
                web_metric("m"),
                dryRun=[{"metricName": "m"}],
                measurementRetention=[{"metricName": "m", "limit": 3}],
            )
        ],
        args=[arg("service", "x")],
        dry_run=[DryRun(metric_name=".*")],
        measurement_retention=[MeasurementRetention(metric_name="^n$", limit=5)],
    )
    assert [r.metric_name for r in spec.dry_run or []] == [".*", "m"]
    assert [(r.metric_name, r.limit) for r in spec.measurement_retention or []] == [("^n$", 5), ("m", 3)]


def test_collect_flattens_nested_templates_once() -> None:
    leaf = template("leaf", web_metric("leaf"))
    cluster_leaf = template("cluster-leaf", web_metric("cluster-leaf"), cluster=True, refs=[{"templateName": "leaf"}])
    middle = template(
        "middle",
        web_metric("middle"),
        refs=[{"templateName": "leaf"}, {"templateName": "cluster-leaf", "clusterScope": True}],
    )
    top = template(
        "top", web_metric("top"), refs=[{"templateName": "middle"}, {"templateName": "top"}]
    )  # and a cycle to itself
    found = templates.collect([ref("top"), ref("leaf")], lookup_in(leaf, cluster_leaf, middle, top))
    assert [t.metadata.name for t in found] == ["top", "middle", "leaf", "cluster-leaf"]


def test_collect_names_a_missing_template() -> None:
    with pytest.raises(templates.TemplateError, match="ClusterAnalysisTemplate 'gone' not found"):
        templates.collect([ref("gone", cluster=True)], lookup_in())


def test_build_run_spec_end_to_end() -> None:
    base = template("base", web_metric("base"), template_args=[{"name": "service"}])
    wrapper = template("wrapper", refs=[{"templateName": "base"}])
    spec = templates.build_run_spec(
        [ref("wrapper"), ref("base")], lookup_in(base, wrapper), args=[arg("service", "checkout")]
    )
    assert [m.name for m in spec.metrics] == ["base"]
    assert spec.args == [arg("service", "checkout")]
