"""Checks of AnalysisTemplates, ClusterAnalysisTemplates and AnalysisRuns, and of the analysis pieces Rollouts and
Experiments share with them (arguments, template references, dry-run and retention rules)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from rollouts.api.analysis import (
    PROVIDERS,
    SUPPORTED_PROVIDERS,
    AnalysisRun,
    AnalysisTemplate,
    AnalysisTemplateRef,
    AnalysisTemplateSpec,
    Argument,
    ClusterAnalysisTemplate,
    DryRun,
    MeasurementRetention,
    Metric,
)
from rollouts.api.types import MASKED, int_value, is_templated
from rollouts.api.validation.errors import Errors, dig, duplicates, show
from rollouts.api.validation.pods import check_pod_template

_METADATA_FIELD = re.compile(r"metadata\.(name|namespace|uid)|metadata\.(labels|annotations)(\['[^']+'\])?")
_POD_TEMPLATE_HASH_VALUES = ("Stable", "Latest")


def check_args(errors: Errors, path: str, args: list[Argument] | None, *, owner: str) -> None:
    """owner: "template" (AnalysisTemplate/Run/Experiment args) or "rollout" (args a Rollout passes)."""
    if not args:
        return
    duplicates(errors, path, [arg.name for arg in args], "argument")
    for i, arg in enumerate(args):
        where = f"{path}[{i}]"
        source = arg.value_from
        if source is None:
            continue
        if arg.value is not None:
            errors.invalid(where, "set value or valueFrom, not both")
        sources = [
            name
            for name, value in (
                ("secretKeyRef", source.secret_key_ref),
                ("fieldRef", source.field_ref),
                ("podTemplateHashValue", source.pod_template_hash_value),
            )
            if value is not None
        ]
        if len(sources) != 1:
            errors.invalid(f"{where}.valueFrom", "must set exactly one of secretKeyRef, fieldRef, podTemplateHashValue")
        if source.secret_key_ref is not None and owner == "rollout":
            errors.invalid(f"{where}.valueFrom.secretKeyRef", "only analysis templates can read Secrets")
        if source.pod_template_hash_value is not None:
            if owner != "rollout":
                errors.invalid(f"{where}.valueFrom.podTemplateHashValue", "only Rollouts can pass pod template hashes")
            elif source.pod_template_hash_value not in _POD_TEMPLATE_HASH_VALUES:
                errors.invalid(f"{where}.valueFrom.podTemplateHashValue", "must be Stable or Latest")
        if source.field_ref is not None:
            field_path = source.field_ref.field_path
            if not field_path:
                errors.invalid(f"{where}.valueFrom.fieldRef.fieldPath", "required")
            elif field_path.startswith("metadata") and not _METADATA_FIELD.fullmatch(field_path):
                errors.invalid(
                    f"{where}.valueFrom.fieldRef.fieldPath",
                    "metadata fields must be one of metadata.name, metadata.namespace, metadata.uid, "
                    "metadata.labels['<key>'], metadata.annotations['<key>']",
                )


def check_dry_run_and_retention(
    errors: Errors, path: str, dry_run: list[DryRun] | None, retention: list[MeasurementRetention] | None
) -> None:
    for i, rule in enumerate(dry_run or []):
        errors.regex(f"{path}.dryRun[{i}].metricName", rule.metric_name)
    for i, keep in enumerate(retention or []):
        errors.regex(f"{path}.measurementRetention[{i}].metricName", keep.metric_name)
        errors.non_negative(f"{path}.measurementRetention[{i}].limit", keep.limit)


def check_template_refs(errors: Errors, path: str, refs: list[AnalysisTemplateRef] | None) -> None:
    for i, ref in enumerate(refs or []):
        if not ref.template_name:
            errors.invalid(f"{path}[{i}].templateName", "required")


_SUPPORTED_PROVIDERS_TEXT = ", ".join(SUPPORTED_PROVIDERS)
_WEB_METHODS = ("GET", "POST", "PUT")


def _metric(errors: Errors, path: str, metric: Metric, raw: Any) -> None:
    _provider(errors, f"{path}.provider", metric, dig(raw, "provider"))
    limits = {}
    for name, value in (
        ("count", metric.count),
        ("failureLimit", metric.failure_limit),
        ("inconclusiveLimit", metric.inconclusive_limit),
        ("consecutiveErrorLimit", metric.consecutive_error_limit),
        ("consecutiveSuccessLimit", metric.consecutive_success_limit),
    ):
        if value is None or is_templated(value):
            continue
        try:
            limits[name] = int_value(value)
        except ValueError:
            errors.invalid(f"{path}.{name}", f"must be an integer, got {show(value)}")
    templated = any(is_templated(v) for v in (metric.count, metric.failure_limit, metric.consecutive_success_limit))
    count = limits.get("count", 0)
    failure_limit = limits.get("failureLimit", 0)
    success_limit = limits.get("consecutiveSuccessLimit", 0)
    inconclusive_limit = limits.get("inconclusiveLimit", 0)
    for name in ("count", "inconclusiveLimit", "consecutiveErrorLimit", "consecutiveSuccessLimit"):
        errors.non_negative(f"{path}.{name}", limits.get(name))
    if failure_limit < -1:
        errors.invalid(f"{path}.failureLimit", f"must be -1 (disabled) or greater, got {failure_limit}")
    if not templated and failure_limit == -1 and success_limit == 0:
        errors.invalid(f"{path}.failureLimit", "-1 (disabled) requires consecutiveSuccessLimit greater than 0")
    if not templated and 0 < count < failure_limit + success_limit and failure_limit >= 0 and success_limit >= 0:
        errors.invalid(
            f"{path}.count",
            f"must be at least failureLimit + consecutiveSuccessLimit ({failure_limit} + {success_limit})",
        )
    if count > 0 and count < inconclusive_limit and not is_templated(metric.inconclusive_limit):
        errors.invalid(f"{path}.count", f"must be at least inconclusiveLimit ({inconclusive_limit})")
    if count > 1 and not metric.interval:
        errors.invalid(f"{path}.interval", "required when count is greater than 1")
    errors.duration(f"{path}.interval", metric.interval)
    errors.duration(f"{path}.initialDelay", metric.initial_delay)


def _provider(errors: Errors, path: str, metric: Metric, raw: Any) -> None:
    for key in raw or {}:
        if key not in PROVIDERS:
            errors.invalid(
                f"{path}.{key}",
                f"unknown metric provider {show(key)}; supported: {_SUPPORTED_PROVIDERS_TEXT}",
            )
    kinds = metric.provider.kinds
    if not kinds:
        errors.invalid(path, f"a metric must set exactly one provider; supported: {_SUPPORTED_PROVIDERS_TEXT}")
        return
    if len(kinds) > 1:
        errors.invalid(path, f"a metric must set exactly one provider, found {', '.join(kinds)}")
    for kind in kinds:
        if kind not in SUPPORTED_PROVIDERS and kind.split(".")[0] not in SUPPORTED_PROVIDERS:
            errors.unsupported(
                f"{path}.{kind}",
                f"metric provider {kind} is not supported by this controller; supported: {_SUPPORTED_PROVIDERS_TEXT}",
            )
    provider = metric.provider
    if provider.prometheus is not None:
        _prometheus(errors, f"{path}.prometheus", provider.prometheus)
    if provider.web is not None:
        _web(errors, f"{path}.web", provider.web)
    if provider.job is not None:
        template = provider.job.spec.get("template")
        check_pod_template(errors, f"{path}.job.spec.template", template, job=True)


def _url(errors: Errors, path: str, url: str) -> None:
    if is_templated(url) or MASKED in url:
        return  # a Secret's value is only known when the run measures
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        errors.invalid(path, f"must be an http(s) URL with a host, got {show(url)}")


def _prometheus(errors: Errors, path: str, prometheus: Any) -> None:
    if not prometheus.query:
        errors.invalid(f"{path}.query", "required")
    if prometheus.address:
        _url(errors, f"{path}.address", prometheus.address)
    errors.non_negative(f"{path}.timeout", prometheus.timeout)
    if prometheus.range_query is not None:
        errors.duration(f"{path}.rangeQuery.step", prometheus.range_query.step, positive=True)
    _authentication(errors, f"{path}.authentication", prometheus.authentication)


def _web(errors: Errors, path: str, web: Any) -> None:
    if not web.url:
        errors.invalid(f"{path}.url", "required")
    else:
        _url(errors, f"{path}.url", web.url)
    method = web.effective_method
    if method not in _WEB_METHODS:
        errors.invalid(f"{path}.method", f"must be one of {', '.join(_WEB_METHODS)}, got {show(method)}")
    if web.body is not None and web.json_body is not None:
        errors.invalid(f"{path}.jsonBody", "set body or jsonBody, not both")
    if (web.body is not None or web.json_body is not None) and method not in ("POST", "PUT"):
        errors.invalid(f"{path}.method", "a request body needs method POST or PUT")
    errors.non_negative(f"{path}.timeoutSeconds", web.timeout_seconds)
    if web.json_path is not None and not (web.json_path.startswith("{") and web.json_path.endswith("}")):
        errors.invalid(f"{path}.jsonPath", f"must be a JSONPath template like {{$.field}}, got {web.json_path!r}")
    _authentication(errors, f"{path}.authentication", web.authentication)
    for method in ("sigv4", "basicAuth"):
        if web.authentication is not None and method in web.authentication.to_dict():
            errors.unsupported(f"{path}.authentication.{method}", "web metrics support only oauth2 authentication")


def _authentication(errors: Errors, path: str, auth: Any) -> None:
    if auth is None:
        return
    methods = [name for name in ("sigv4", "oauth2", "basicAuth") if name in auth.to_dict()]
    if len(methods) > 1:
        errors.invalid(path, f"set at most one authentication method, found {', '.join(methods)}")
    basic = auth.basic_auth
    if basic is not None and (basic.username or basic.password) and not (basic.username and basic.password):
        errors.invalid(f"{path}.basicAuth", "needs both username and password")
    oauth = auth.oauth2
    if oauth is not None and oauth.token_url:
        _url(errors, f"{path}.oauth2.tokenUrl", oauth.token_url)
        for name, value in (("clientId", oauth.client_id), ("clientSecret", oauth.client_secret)):
            if not value:
                errors.invalid(f"{path}.oauth2.{name}", "required with tokenUrl")


def _analysis_spec(errors: Errors, path: str, spec: AnalysisTemplateSpec | Any, raw: Any, *, run: bool) -> None:
    metrics = spec.metrics or []
    if not metrics and (run or not getattr(spec, "templates", None)):
        errors.invalid(f"{path}.metrics", "at least one metric is required")
    duplicates(errors, f"{path}.metrics", [m.name for m in metrics], "metric name")
    for i, metric in enumerate(metrics):
        _metric(errors, f"{path}.metrics[{i}]", metric, dig(raw, "metrics", i))
    check_args(errors, f"{path}.args", spec.args, owner="template")
    check_dry_run_and_retention(errors, path, spec.dry_run, spec.measurement_retention)
    if not run:
        check_template_refs(errors, f"{path}.templates", spec.templates)


def check_analysis_template(errors: Errors, template: AnalysisTemplate | ClusterAnalysisTemplate, raw: Any) -> None:
    _analysis_spec(errors, "spec", template.spec, dig(raw, "spec"), run=False)


def check_analysis_run(errors: Errors, run: AnalysisRun, raw: Any) -> None:
    _analysis_spec(errors, "spec", run.spec, dig(raw, "spec"), run=True)
    ttl = run.spec.ttl_strategy
    if ttl is not None:
        for name, value in ttl.to_dict().items():
            errors.non_negative(f"spec.ttlStrategy.{name}", value)
