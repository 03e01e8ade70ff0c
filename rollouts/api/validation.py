"""Check raw objects of our five kinds and report every problem with the path of the field at fault.

Pure, and never raises on bad input: `validate(obj)` returns a list of FieldError (empty when the object is fine) and
`parse(obj)` returns the typed model or that list. Covers pydantic type errors (as camelCase paths with [i] indexes),
Argo's semantic rules, a subset of Kubernetes' pod template rules (containers, quantities, selectors), and features
this controller does not implement (FieldError.kind UNSUPPORTED).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlparse

from pydantic import ValidationError

from rollouts.api import selectors
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
from rollouts.api.common import API_VERSION, KubeModel
from rollouts.api.experiment import Experiment, ExperimentAnalysis
from rollouts.api.quantity import parse_quantity
from rollouts.api.rollout import (
    SUPPORTED_TRAFFIC_ROUTERS,
    TRAFFIC_ROUTERS,
    AntiAffinity,
    BlueGreenStrategy,
    CanaryStep,
    CanaryStrategy,
    Rollout,
    RolloutAnalysis,
    StringMatch,
    TrafficRouting,
)
from rollouts.api.types import check_int_or_percent, int_value, is_templated, parse_duration, parse_time, scaled_value

INVALID = "invalid"
"""The object breaks a rule: Argo would reject it too."""
UNSUPPORTED = "unsupported"
"""The object is valid for Argo but uses a feature this controller does not implement."""

STEP_MESSAGE = (
    "a step must set exactly one of setWeight, pause, analysis, experiment, setCanaryScale, setHeaderRoute, "
    "setMirrorRoute"
)
WORKLOAD_TEMPLATE_MESSAGE = "template must be empty for workload reference rollout"

KINDS: dict[str, type[KubeModel]] = {
    "Rollout": Rollout,
    "AnalysisTemplate": AnalysisTemplate,
    "ClusterAnalysisTemplate": ClusterAnalysisTemplate,
    "AnalysisRun": AnalysisRun,
    "Experiment": Experiment,
}
"""Our kinds by name."""

Model = TypeVar("Model", bound=KubeModel)


@dataclass(frozen=True)
class FieldError:
    """A problem with one field: `str(error)` is "<path>: <message>"."""

    path: str
    """Where, like `spec.strategy.canary.steps[2].setWeight` (empty for the whole object)."""
    message: str
    """What is wrong."""
    kind: str = INVALID
    """INVALID (the object breaks a rule) or UNSUPPORTED (valid, but not implemented by this controller)."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


# --- entry points ---------------------------------------------------------------------------------------------------


def validate(obj: Any) -> list[FieldError]:
    """Every problem with a raw object of one of our kinds (dispatching on `kind`); [] when it is fine."""
    return _check(obj, semantic=True)[1]


def parse(obj: Any, *, check: bool = True) -> KubeModel | list[FieldError]:
    """The typed model of a raw object, or its problems. With check=False only type errors count (for viewers
    that must show an object even when its spec is invalid)."""
    model, errors = _check(obj, semantic=check)
    return errors if errors or model is None else model


def parse_rollout(obj: Any, *, check: bool = True) -> Rollout | list[FieldError]:
    """`parse` for an object that must be a Rollout."""
    return _parse_kind(obj, Rollout, check)


def check_rollout(obj: Any) -> tuple[Rollout | None, list[FieldError]]:
    """One parse of a Rollout: its model (None when fields have the wrong types) and every problem with it."""
    if isinstance(obj, Mapping) and obj.get("kind") != Rollout.__name__:
        return None, [FieldError("kind", f"must be {Rollout.__name__}, got {_show(obj.get('kind'))}")]
    model, errors = _check(obj, semantic=True)
    return (model if isinstance(model, Rollout) else None), errors


def parse_analysis_template(obj: Any, *, check: bool = True) -> AnalysisTemplate | list[FieldError]:
    """`parse` for an object that must be an AnalysisTemplate."""
    return _parse_kind(obj, AnalysisTemplate, check)


def parse_cluster_analysis_template(obj: Any, *, check: bool = True) -> ClusterAnalysisTemplate | list[FieldError]:
    """`parse` for an object that must be a ClusterAnalysisTemplate."""
    return _parse_kind(obj, ClusterAnalysisTemplate, check)


def parse_analysis_run(obj: Any, *, check: bool = True) -> AnalysisRun | list[FieldError]:
    """`parse` for an object that must be an AnalysisRun."""
    return _parse_kind(obj, AnalysisRun, check)


def parse_experiment(obj: Any, *, check: bool = True) -> Experiment | list[FieldError]:
    """`parse` for an object that must be an Experiment."""
    return _parse_kind(obj, Experiment, check)


def _parse_kind(obj: Any, model: type[Model], check: bool) -> Model | list[FieldError]:
    if isinstance(obj, Mapping) and obj.get("kind") != model.__name__:
        return [FieldError("kind", f"must be {model.__name__}, got {_show(obj.get('kind'))}")]
    result = parse(obj, check=check)
    assert isinstance(result, list | model)
    return result


def _check(obj: Any, *, semantic: bool) -> tuple[KubeModel | None, list[FieldError]]:
    if not isinstance(obj, Mapping):
        return None, [FieldError("", "an object must be a mapping")]
    kind = obj.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        return None, [FieldError("kind", f"unknown kind {_show(kind)}; expected one of {', '.join(KINDS)}")]
    errors = _Errors()
    if obj.get("apiVersion") != API_VERSION:
        errors.invalid("apiVersion", f"must be {API_VERSION}, got {_show(obj.get('apiVersion'))}")
    try:
        model = KINDS[kind].model_validate(obj)
    except ValidationError as exc:
        return None, [*errors, *_from_pydantic(exc)]
    if semantic:
        try:
            _SEMANTIC[kind](errors, model, obj)
        except Exception as exc:  # a bug in a rule must not take the controller down
            errors.invalid("", f"internal validation error: {exc!r}")
    return model, list(errors)


def _show(value: Any) -> str:
    """A value as it would appear in JSON (strings quoted), for messages."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


# --- pydantic errors ------------------------------------------------------------------------------------------------

_TYPE_MESSAGES = {
    "missing": "required",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "dict_type": "must be an object",
    "list_type": "must be a list",
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "string_type": "must be a string",
    "bool_type": "must be a boolean",
    "bool_parsing": "must be a boolean",
}


def _from_pydantic(exc: ValidationError) -> list[FieldError]:
    errors: list[FieldError] = []
    for error in exc.errors(include_url=False):
        message = _TYPE_MESSAGES.get(error["type"]) or error["msg"].removeprefix("Value error, ")
        value = error.get("input")
        if error["type"] != "missing" and (value is None or isinstance(value, str | int | float | bool)):
            message += f", got {_show(value)}"
        found = FieldError(_path(error["loc"]), message)
        if found not in errors:
            errors.append(found)
    return errors


def _path(loc: Iterable[str | int]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


# --- collecting errors ----------------------------------------------------------------------------------------------


class _Errors(list[FieldError]):
    def invalid(self, path: str, message: str) -> None:
        self._add(FieldError(path, message, INVALID))

    def unsupported(self, path: str, message: str) -> None:
        self._add(FieldError(path, message, UNSUPPORTED))

    def _add(self, error: FieldError) -> None:
        if error not in self:  # several steps may report the same missing field
            self.append(error)

    def non_negative(self, path: str, value: int | None) -> None:
        if value is not None and value < 0:
            self.invalid(path, f"must be greater than or equal to 0, got {value}")

    def duration(self, path: str, value: str | int | None, *, positive: bool = False) -> None:
        if value is None or is_templated(value):
            return
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            self.invalid(path, str(exc))
            return
        if seconds < 0 or (positive and seconds == 0):
            self.invalid(path, f"must be {'greater than 0' if positive else 'non-negative'}, got {_show(value)}")

    def regex(self, path: str, pattern: str) -> None:
        try:
            re.compile(pattern)
        except re.error as exc:
            self.invalid(path, f"invalid regular expression {_show(pattern)}: {exc}")


def _dig(raw: Any, *keys: str | int) -> Any:
    for key in keys:
        if isinstance(key, int):
            raw = raw[key] if isinstance(raw, list) and key < len(raw) else None
        else:
            raw = raw.get(key) if isinstance(raw, Mapping) else None
    return raw


def _duplicates(errors: _Errors, path: str, names: list[str], what: str) -> None:
    """Each `path[i].name` must be set and unique."""
    seen: set[str] = set()
    for i, name in enumerate(names):
        if not name:
            errors.invalid(f"{path}[{i}].name", "required")
        elif name in seen:
            errors.invalid(f"{path}[{i}].name", f"duplicate {what} {_show(name)}")
        seen.add(name)


# --- pod templates --------------------------------------------------------------------------------------------------

_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def _selector(errors: _Errors, path: str, selector: Any) -> bool:
    """Check a required, non-empty selector; True when it is usable for matching."""
    if selector is None:
        errors.invalid(path, "required")
        return False
    problems = selectors.selector_problems(selector)
    for where, message in problems:
        errors.invalid(f"{path}.{where}" if where else path, message)
    if not problems and selectors.is_empty(selector):
        errors.invalid(path, "empty selector is invalid: it would select all pods")
        return False
    return not problems


def _pod_template(errors: _Errors, path: str, template: Any, selector: Any = None, *, job: bool = False) -> None:
    if not isinstance(template, Mapping):
        errors.invalid(path, "required" if template is None else "must be an object")
        return
    labels = _dig(template, "metadata", "labels")
    if labels is not None and (not isinstance(labels, Mapping) or not all(isinstance(v, str) for v in labels.values())):
        errors.invalid(f"{path}.metadata.labels", "must be a map of strings")
        labels = None
    if selector is not None and not selectors.matches(selector, labels):
        errors.invalid(f"{path}.metadata.labels", "`selector` does not match template `labels`")
    spec = template.get("spec")
    if not isinstance(spec, Mapping):
        errors.invalid(f"{path}.spec", "required" if spec is None else "must be an object")
        return
    _pod_spec(errors, f"{path}.spec", spec, job=job)


def _pod_spec(errors: _Errors, path: str, spec: Mapping[str, Any], *, job: bool) -> None:
    if not spec.get("containers"):
        errors.invalid(f"{path}.containers", "at least one container is required")
    names: set[str] = set()
    for list_name in _CONTAINER_LISTS:
        containers = spec.get(list_name)
        if containers is None:
            continue
        if not isinstance(containers, list):
            errors.invalid(f"{path}.{list_name}", "must be a list")
            continue
        for i, container in enumerate(containers):
            where = f"{path}.{list_name}[{i}]"
            if not isinstance(container, Mapping):
                errors.invalid(where, "must be an object")
                continue
            name = container.get("name")
            if not isinstance(name, str) or not name:
                errors.invalid(f"{where}.name", "required")
            elif name in names:
                errors.invalid(f"{where}.name", f"duplicate container name {_show(name)}")
            else:
                names.add(name)
            if not container.get("image"):
                errors.invalid(f"{where}.image", "required")
            _resources(errors, f"{where}.resources", container.get("resources"))
    _resources(errors, f"{path}.resources", spec.get("resources"))
    _quantities(errors, f"{path}.overhead", spec.get("overhead"))
    volumes = spec.get("volumes") or []
    if not isinstance(volumes, list) or not all(isinstance(v, Mapping) for v in volumes):
        errors.invalid(f"{path}.volumes", "must be a list of objects")
        volumes = []
    for i, volume in enumerate(volumes):
        size = _dig(volume, "emptyDir", "sizeLimit")
        if size is not None:
            _quantity(errors, f"{path}.volumes[{i}].emptyDir.sizeLimit", size)
    if job and spec.get("restartPolicy") not in ("Never", "OnFailure"):
        errors.invalid(f"{path}.restartPolicy", "a Job's pods need restartPolicy Never or OnFailure")


def _resources(errors: _Errors, path: str, resources: Any) -> None:
    if resources is None:
        return
    if not isinstance(resources, Mapping):
        errors.invalid(path, "must be an object")
        return
    for key in ("requests", "limits"):
        _quantities(errors, f"{path}.{key}", resources.get(key))


def _quantities(errors: _Errors, path: str, values: Any) -> None:
    if values is None:
        return
    if not isinstance(values, Mapping):
        errors.invalid(path, "must be a map of quantities")
        return
    for name, value in values.items():
        _quantity(errors, f"{path}.{name}", value)


def _quantity(errors: _Errors, path: str, value: Any) -> None:
    try:
        parse_quantity(value)
    except ValueError as exc:
        errors.invalid(path, str(exc))


def _is_empty(value: Any) -> bool:
    """True when a (pod template) value holds nothing but empty containers and nulls."""
    if isinstance(value, Mapping):
        return all(_is_empty(v) for v in value.values())
    if isinstance(value, list):
        return all(_is_empty(v) for v in value)
    return value is None or value == ""


# --- analysis pieces shared by all kinds ----------------------------------------------------------------------------

_METADATA_FIELD = re.compile(r"metadata\.(name|namespace|uid)|metadata\.(labels|annotations)(\['[^']+'\])?")
_POD_TEMPLATE_HASH_VALUES = ("Stable", "Latest")


def _args(errors: _Errors, path: str, args: list[Argument] | None, *, owner: str) -> None:
    """owner: "template" (AnalysisTemplate/Run/Experiment args) or "rollout" (args a Rollout passes)."""
    if not args:
        return
    _duplicates(errors, path, [arg.name for arg in args], "argument")
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


def _dry_run_and_retention(
    errors: _Errors, path: str, dry_run: list[DryRun] | None, retention: list[MeasurementRetention] | None
) -> None:
    for i, rule in enumerate(dry_run or []):
        errors.regex(f"{path}.dryRun[{i}].metricName", rule.metric_name)
    for i, keep in enumerate(retention or []):
        errors.regex(f"{path}.measurementRetention[{i}].metricName", keep.metric_name)
        errors.non_negative(f"{path}.measurementRetention[{i}].limit", keep.limit)


def _template_refs(errors: _Errors, path: str, refs: list[AnalysisTemplateRef] | None) -> None:
    for i, ref in enumerate(refs or []):
        if not ref.template_name:
            errors.invalid(f"{path}[{i}].templateName", "required")


# --- metrics --------------------------------------------------------------------------------------------------------

_SUPPORTED_PROVIDERS_TEXT = ", ".join(SUPPORTED_PROVIDERS)
_WEB_METHODS = ("GET", "POST", "PUT")


def _metric(errors: _Errors, path: str, metric: Metric, raw: Any) -> None:
    _provider(errors, f"{path}.provider", metric, _dig(raw, "provider"))
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
            errors.invalid(f"{path}.{name}", f"must be an integer, got {_show(value)}")
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


def _provider(errors: _Errors, path: str, metric: Metric, raw: Any) -> None:
    for key in raw or {}:
        if key not in PROVIDERS:
            errors.invalid(
                f"{path}.{key}",
                f"unknown metric provider {_show(key)}; supported: {_SUPPORTED_PROVIDERS_TEXT}",
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
        _pod_template(errors, f"{path}.job.spec.template", template, job=True)


def _url(errors: _Errors, path: str, url: str) -> None:
    if is_templated(url):
        return
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        errors.invalid(path, f"must be an http(s) URL with a host, got {_show(url)}")


def _prometheus(errors: _Errors, path: str, prometheus: Any) -> None:
    if not prometheus.query:
        errors.invalid(f"{path}.query", "required")
    if prometheus.address:
        _url(errors, f"{path}.address", prometheus.address)
    errors.non_negative(f"{path}.timeout", prometheus.timeout)
    if prometheus.range_query is not None:
        errors.duration(f"{path}.rangeQuery.step", prometheus.range_query.step, positive=True)
    _authentication(errors, f"{path}.authentication", prometheus.authentication)


def _web(errors: _Errors, path: str, web: Any) -> None:
    if not web.url:
        errors.invalid(f"{path}.url", "required")
    else:
        _url(errors, f"{path}.url", web.url)
    method = web.effective_method
    if method not in _WEB_METHODS:
        errors.invalid(f"{path}.method", f"must be one of {', '.join(_WEB_METHODS)}, got {_show(method)}")
    if web.body is not None and web.json_body is not None:
        errors.invalid(f"{path}.jsonBody", "set body or jsonBody, not both")
    if (web.body is not None or web.json_body is not None) and method not in ("POST", "PUT"):
        errors.invalid(f"{path}.method", "a request body needs method POST or PUT")
    errors.non_negative(f"{path}.timeoutSeconds", web.timeout_seconds)
    if web.json_path is not None and not (web.json_path.startswith("{") and web.json_path.endswith("}")):
        errors.invalid(f"{path}.jsonPath", f"must be a JSONPath template like {{$.field}}, got {web.json_path!r}")
    _authentication(errors, f"{path}.authentication", web.authentication)


def _authentication(errors: _Errors, path: str, auth: Any) -> None:
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


def _analysis_spec(errors: _Errors, path: str, spec: AnalysisTemplateSpec | Any, raw: Any, *, run: bool) -> None:
    metrics = spec.metrics or []
    if not metrics and (run or not getattr(spec, "templates", None)):
        errors.invalid(f"{path}.metrics", "at least one metric is required")
    _duplicates(errors, f"{path}.metrics", [m.name for m in metrics], "metric name")
    for i, metric in enumerate(metrics):
        _metric(errors, f"{path}.metrics[{i}]", metric, _dig(raw, "metrics", i))
    _args(errors, f"{path}.args", spec.args, owner="template")
    _dry_run_and_retention(errors, path, spec.dry_run, spec.measurement_retention)
    if not run:
        _template_refs(errors, f"{path}.templates", spec.templates)


def _analysis_template(errors: _Errors, template: AnalysisTemplate | ClusterAnalysisTemplate, raw: Any) -> None:
    _analysis_spec(errors, "spec", template.spec, _dig(raw, "spec"), run=False)


def _analysis_run(errors: _Errors, run: AnalysisRun, raw: Any) -> None:
    _analysis_spec(errors, "spec", run.spec, _dig(raw, "spec"), run=True)
    ttl = run.spec.ttl_strategy
    if ttl is not None:
        for name, value in ttl.to_dict().items():
            errors.non_negative(f"spec.ttlStrategy.{name}", value)


# --- experiments ----------------------------------------------------------------------------------------------------


def _experiment_analyses(errors: _Errors, path: str, analyses: list[ExperimentAnalysis] | None, owner: str) -> None:
    if not analyses:
        return
    _duplicates(errors, path, [a.name for a in analyses], "analysis name")
    for i, analysis in enumerate(analyses):
        if not analysis.template_name:
            errors.invalid(f"{path}[{i}].templateName", "required")
        _args(errors, f"{path}[{i}].args", analysis.args, owner=owner)


def _experiment(errors: _Errors, experiment: Experiment, raw: Any) -> None:
    spec = experiment.spec
    if not spec.templates:
        errors.invalid("spec.templates", "at least one template is required")
    _duplicates(errors, "spec.templates", [t.name for t in spec.templates], "template name")
    for i, template in enumerate(spec.templates):
        where = f"spec.templates[{i}]"
        errors.non_negative(f"{where}.replicas", template.replicas)
        errors.non_negative(f"{where}.minReadySeconds", template.min_ready_seconds)
        usable = _selector(errors, f"{where}.selector", template.selector)
        _pod_template(errors, f"{where}.template", template.template, template.selector if usable else None)
    errors.duration("spec.duration", spec.duration, positive=True)
    errors.non_negative("spec.progressDeadlineSeconds", spec.progress_deadline_seconds)
    errors.non_negative("spec.scaleDownDelaySeconds", spec.scale_down_delay_seconds)
    _experiment_analyses(errors, "spec.analyses", spec.analyses, owner="template")
    _dry_run_and_retention(errors, "spec", spec.dry_run, spec.measurement_retention)


# --- rollouts -------------------------------------------------------------------------------------------------------


def _rollout(errors: _Errors, rollout: Rollout, raw: Any) -> None:
    spec = rollout.spec
    errors.non_negative("spec.replicas", spec.replicas)
    errors.non_negative("spec.minReadySeconds", spec.min_ready_seconds)
    errors.non_negative("spec.revisionHistoryLimit", spec.revision_history_limit)
    errors.non_negative("spec.progressDeadlineSeconds", spec.progress_deadline_seconds)
    if spec.effective_progress_deadline_seconds <= (spec.min_ready_seconds or 0):
        errors.invalid("spec.progressDeadlineSeconds", "must be greater than minReadySeconds")
    if spec.rollback_window is not None:
        errors.non_negative("spec.rollbackWindow.revisions", spec.rollback_window.revisions)
    if spec.analysis is not None:
        errors.non_negative("spec.analysis.successfulRunHistoryLimit", spec.analysis.successful_run_history_limit)
        errors.non_negative("spec.analysis.unsuccessfulRunHistoryLimit", spec.analysis.unsuccessful_run_history_limit)
    if spec.restart_at is not None:
        try:
            parse_time(spec.restart_at)
        except ValueError as exc:
            errors.invalid("spec.restartAt", str(exc))
    if spec.workload_ref is not None:
        _workload_ref(errors, rollout)
    else:
        usable = _selector(errors, "spec.selector", spec.selector)
        _pod_template(errors, "spec.template", spec.template, spec.selector if usable else None)
    strategy = spec.strategy
    if strategy is None or (strategy.canary is None and strategy.blue_green is None):
        errors.invalid("spec.strategy", "must set one of canary or blueGreen")
    elif strategy.canary is not None and strategy.blue_green is not None:
        errors.invalid("spec.strategy", "set only one of canary and blueGreen, not both")
    elif strategy.blue_green is not None:
        _blue_green(errors, rollout, strategy.blue_green)
    elif strategy.canary is not None:
        _canary(errors, rollout, strategy.canary, _dig(raw, "spec", "strategy", "canary"))


def _workload_ref(errors: _Errors, rollout: Rollout) -> None:
    ref = rollout.spec.workload_ref
    assert ref is not None
    if not ref.name:
        errors.invalid("spec.workloadRef.name", "required")
    if ref.kind != "Deployment":
        errors.unsupported("spec.workloadRef.kind", f"workloadRef kind must be Deployment, got {_show(ref.kind)}")
    if ref.effective_scale_down not in ("never", "onsuccess", "progressively"):
        errors.invalid("spec.workloadRef.scaleDown", "must be one of never, onsuccess, progressively")
    if not _is_empty(rollout.spec.template):
        errors.invalid("spec.template", WORKLOAD_TEMPLATE_MESSAGE)
    if rollout.spec.selector is not None:
        for where, message in selectors.selector_problems(rollout.spec.selector):
            errors.invalid(f"spec.selector.{where}" if where else "spec.selector", message)


def _scale_down_limit(errors: _Errors, path: str, rollout: Rollout, limit: int | None) -> None:
    errors.non_negative(path, limit)
    history = rollout.spec.effective_revision_history_limit
    if limit is not None and history < limit:
        errors.invalid(path, f"must not exceed revisionHistoryLimit ({history})")


def _anti_affinity(errors: _Errors, path: str, anti_affinity: AntiAffinity | None) -> None:
    if anti_affinity is None:
        return
    preferred = anti_affinity.preferred_during_scheduling_ignored_during_execution
    required = anti_affinity.required_during_scheduling_ignored_during_execution
    if (preferred is None) == (required is None):
        errors.invalid(
            path,
            "must set exactly one of preferredDuringSchedulingIgnoredDuringExecution and "
            "requiredDuringSchedulingIgnoredDuringExecution",
        )
    if preferred is not None and not 1 <= preferred.weight <= 100:
        errors.invalid(
            f"{path}.preferredDuringSchedulingIgnoredDuringExecution.weight",
            f"must be between 1 and 100, got {preferred.weight}",
        )


def _rollout_analysis(errors: _Errors, path: str, analysis: RolloutAnalysis) -> None:
    if not analysis.templates:
        errors.invalid(f"{path}.templates", "at least one template is required")
    _template_refs(errors, f"{path}.templates", analysis.templates)
    _args(errors, f"{path}.args", analysis.args, owner="rollout")
    _dry_run_and_retention(errors, path, analysis.dry_run, analysis.measurement_retention)


def _blue_green(errors: _Errors, rollout: Rollout, blue_green: BlueGreenStrategy) -> None:
    path = "spec.strategy.blueGreen"
    if not blue_green.active_service:
        errors.invalid(f"{path}.activeService", "required")
    elif blue_green.active_service == blue_green.preview_service:
        errors.invalid(f"{path}.activeService", "activeService and previewService must be different Services")
    errors.non_negative(f"{path}.previewReplicaCount", blue_green.preview_replica_count)
    errors.non_negative(f"{path}.autoPromotionSeconds", blue_green.auto_promotion_seconds)
    errors.non_negative(f"{path}.scaleDownDelaySeconds", blue_green.scale_down_delay_seconds)
    errors.non_negative(f"{path}.abortScaleDownDelaySeconds", blue_green.abort_scale_down_delay_seconds)
    _int_or_percent(errors, f"{path}.maxUnavailable", blue_green.max_unavailable)
    limit = blue_green.scale_down_delay_revision_limit
    _scale_down_limit(errors, f"{path}.scaleDownDelayRevisionLimit", rollout, limit)
    for name, analysis in (
        ("prePromotionAnalysis", blue_green.pre_promotion_analysis),
        ("postPromotionAnalysis", blue_green.post_promotion_analysis),
    ):
        if analysis is not None:
            _rollout_analysis(errors, f"{path}.{name}", analysis)
    _anti_affinity(errors, f"{path}.antiAffinity", blue_green.anti_affinity)


def _int_or_percent(errors: _Errors, path: str, value: int | str | None) -> None:
    if value is None:
        return
    try:
        check_int_or_percent(value)
    except ValueError as exc:
        errors.invalid(path, str(exc))


def _canary(errors: _Errors, rollout: Rollout, canary: CanaryStrategy, raw: Any) -> None:
    path = "spec.strategy.canary"
    routing = canary.traffic_routing
    _int_or_percent(errors, f"{path}.maxSurge", canary.max_surge)
    _int_or_percent(errors, f"{path}.maxUnavailable", canary.max_unavailable)
    try:
        surge = scaled_value(canary.effective_max_surge, 100, round_up=True)
        unavailable = scaled_value(canary.effective_max_unavailable, 100, round_up=False)
    except ValueError:
        pass  # reported above
    else:
        if surge == 0 and unavailable == 0:
            errors.invalid(f"{path}.maxSurge", "maxSurge and maxUnavailable must not both be 0")
    if canary.canary_service and canary.canary_service == canary.stable_service:
        errors.invalid(f"{path}.stableService", "stableService and canaryService must be different Services")
    errors.non_negative(f"{path}.scaleDownDelaySeconds", canary.scale_down_delay_seconds)
    errors.non_negative(f"{path}.abortScaleDownDelaySeconds", canary.abort_scale_down_delay_seconds)
    errors.non_negative(f"{path}.minPodsPerReplicaSet", canary.min_pods_per_replica_set)
    _scale_down_limit(errors, f"{path}.scaleDownDelayRevisionLimit", rollout, canary.scale_down_delay_revision_limit)
    if routing is None:
        if canary.scale_down_delay_seconds is not None:
            errors.invalid(f"{path}.scaleDownDelaySeconds", "can only be used with trafficRouting")
        if canary.dynamic_stable_scale:
            errors.invalid(f"{path}.dynamicStableScale", "can only be used with trafficRouting")
    else:
        if canary.scale_down_delay_seconds is not None and canary.dynamic_stable_scale:
            errors.invalid(f"{path}.dynamicStableScale", "cannot be combined with scaleDownDelaySeconds")
        _traffic_routing(errors, f"{path}.trafficRouting", canary, routing, _dig(raw, "trafficRouting"))
    if canary.ping_pong is not None:
        ping, pong = canary.ping_pong.ping_service, canary.ping_pong.pong_service
        for name, value in (("pingService", ping), ("pongService", pong)):
            if not value:
                errors.invalid(f"{path}.pingPong.{name}", "required")
        if ping and ping == pong:
            errors.invalid(f"{path}.pingPong.pongService", "pingService and pongService must be different Services")
        if routing is None:
            errors.invalid(f"{path}.pingPong", "requires trafficRouting")
    threshold = canary.replica_progress_threshold
    if threshold is not None:
        if threshold.type not in ("Percent", "Pods"):
            errors.invalid(f"{path}.replicaProgressThreshold.type", "must be Percent or Pods")
        errors.non_negative(f"{path}.replicaProgressThreshold.value", threshold.value)
        if threshold.type == "Percent" and threshold.value > 100:
            errors.invalid(f"{path}.replicaProgressThreshold.value", "a percentage must not exceed 100")
    steps = canary.steps or []
    if canary.analysis is not None:
        _rollout_analysis(errors, f"{path}.analysis", canary.analysis)
        start = canary.analysis.starting_step
        if start is not None and not 0 <= start <= len(steps):
            errors.invalid(f"{path}.analysis.startingStep", f"must be between 0 and the number of steps ({len(steps)})")
    for i, step in enumerate(steps):
        _step(errors, f"{path}.steps[{i}]", canary, step)
    _anti_affinity(errors, f"{path}.antiAffinity", canary.anti_affinity)


def _traffic_routing(errors: _Errors, path: str, canary: CanaryStrategy, routing: TrafficRouting, raw: Any) -> None:
    supported = ", ".join(SUPPORTED_TRAFFIC_ROUTERS)
    for key in raw or {}:
        if key not in (*TRAFFIC_ROUTERS, "managedRoutes", "maxTrafficWeight"):
            errors.invalid(f"{path}.{key}", f"unknown traffic router {_show(key)}; supported: {supported}")
    routers = routing.routers
    if not routers:
        errors.invalid(path, f"must configure a traffic router; supported: {supported}")
    for router in routers:
        if router not in SUPPORTED_TRAFFIC_ROUTERS:
            message = f"traffic router {router} is not supported by this controller; supported: {supported}"
            errors.unsupported(f"{path}.{router}", message)
    if routing.max_traffic_weight is not None:
        if routing.max_traffic_weight <= 0:
            errors.invalid(f"{path}.maxTrafficWeight", "must be greater than 0")
        if "nginx" not in routers and "plugins" not in routers:
            errors.invalid(f"{path}.maxTrafficWeight", "is only supported by the nginx and plugin traffic routers")
    _duplicates(errors, f"{path}.managedRoutes", [r.name for r in routing.managed_routes or []], "route name")
    istio = routing.istio
    if istio is not None:
        services = istio.virtual_services or []
        if (istio.virtual_service is None) == (not services):
            errors.invalid(f"{path}.istio", "must set exactly one of virtualService and virtualServices")
        if istio.virtual_service is not None and not istio.virtual_service.name:
            errors.invalid(f"{path}.istio.virtualService.name", "required")
        for i, service in enumerate(services):
            if not service.name:
                errors.invalid(f"{path}.istio.virtualServices[{i}].name", "required")
        rule = istio.destination_rule
        if rule is not None:
            for name, value in (
                ("name", rule.name),
                ("canarySubsetName", rule.canary_subset_name),
                ("stableSubsetName", rule.stable_subset_name),
            ):
                if not value:
                    errors.invalid(f"{path}.istio.destinationRule.{name}", "required")
            if rule.canary_subset_name and rule.canary_subset_name == rule.stable_subset_name:
                errors.invalid(f"{path}.istio.destinationRule.stableSubsetName", "must differ from canarySubsetName")
    host_split = istio is not None and istio.destination_rule is None and canary.ping_pong is None
    if host_split:
        for name, value in (("stableService", canary.stable_service), ("canaryService", canary.canary_service)):
            if not value:
                errors.invalid(f"spec.strategy.canary.{name}", "required for Istio host splitting (no destinationRule)")


def _string_match(errors: _Errors, path: str, match: StringMatch | None) -> None:
    if match is None:
        errors.invalid(path, "required")
        return
    set_fields = [name for name in ("exact", "regex", "prefix") if getattr(match, name) is not None]
    if len(set_fields) != 1:
        errors.invalid(path, "must set exactly one of exact, regex, prefix")
    if match.regex is not None:
        errors.regex(f"{path}.regex", match.regex)


def _step(errors: _Errors, path: str, canary: CanaryStrategy, step: CanaryStep) -> None:
    kinds = step.kinds
    if len(kinds) != 1:
        errors.invalid(path, STEP_MESSAGE)
    routing = canary.traffic_routing
    max_weight = canary.effective_max_traffic_weight
    if step.set_weight is not None and not 0 <= step.set_weight <= max_weight:
        errors.invalid(f"{path}.setWeight", f"must be between 0 and {max_weight}, got {step.set_weight}")
    if step.pause is not None:
        errors.duration(f"{path}.pause.duration", step.pause.duration, positive=True)
    if step.analysis is not None:
        _rollout_analysis(errors, f"{path}.analysis", step.analysis)
    if step.experiment is not None:
        errors.unsupported(f"{path}.experiment", "experiment steps are not supported yet")
    if step.plugin is not None:
        errors.unsupported(f"{path}.plugin", "step plugins are not supported by this controller")
    scale = step.set_canary_scale
    if scale is not None:
        if routing is None:
            errors.invalid(f"{path}.setCanaryScale", "requires trafficRouting")
        chosen = [k for k in ("weight", "replicas", "matchTrafficWeight") if k in scale.to_dict()]
        if len(chosen) != 1:
            errors.invalid(f"{path}.setCanaryScale", "must set exactly one of weight, replicas, matchTrafficWeight")
        if scale.weight is not None and not 0 <= scale.weight <= 100:
            errors.invalid(f"{path}.setCanaryScale.weight", f"must be between 0 and 100, got {scale.weight}")
        errors.non_negative(f"{path}.setCanaryScale.replicas", scale.replicas)
    for name, route in (("setHeaderRoute", step.set_header_route), ("setMirrorRoute", step.set_mirror_route)):
        if route is None:
            continue
        if routing is None:
            errors.invalid(f"{path}.{name}", "requires trafficRouting")
            continue
        managed = [r.name for r in routing.managed_routes or []]
        if routing.managed_routes is None:
            errors.invalid("spec.strategy.canary.trafficRouting.managedRoutes", f"required by {name} steps")
        elif route.name not in managed:
            errors.invalid(
                f"{path}.{name}.name",
                f"route {_show(route.name)} is not listed in spec.strategy.canary.trafficRouting.managedRoutes",
            )
    if step.set_header_route is not None:
        for j, header in enumerate(step.set_header_route.match or []):
            _string_match(errors, f"{path}.setHeaderRoute.match[{j}].headerValue", header.header_value)
    mirror = step.set_mirror_route
    if mirror is not None:
        if mirror.percentage is not None and not 0 <= mirror.percentage <= 100:
            errors.invalid(f"{path}.setMirrorRoute.percentage", f"must be between 0 and 100, got {mirror.percentage}")
        for j, match in enumerate(mirror.match or []):
            where = f"{path}.setMirrorRoute.match[{j}]"
            if match.method is not None:
                _string_match(errors, f"{where}.method", match.method)
            if match.path is not None:
                _string_match(errors, f"{where}.path", match.path)
            for header, value in (match.headers or {}).items():
                _string_match(errors, f"{where}.headers.{header}", value)


_SEMANTIC: dict[str, Callable[[_Errors, Any, Any], None]] = {
    "Rollout": _rollout,
    "AnalysisTemplate": _analysis_template,
    "ClusterAnalysisTemplate": _analysis_template,
    "AnalysisRun": _analysis_run,
    "Experiment": _experiment,
}
