"""Turn template references into one AnalysisRun spec: find the templates (nested ones too) and merge them.

Pure: no I/O. Templates are found through a `lookup(name, cluster_scope)` callable, which the caller backs with
its informer caches. Typical use on the Rollout side:

    spec = templates.build_run_spec(analysis.templates, lookup, args=resolved_args,
                                    dry_run=analysis.dry_run, measurement_retention=analysis.measurement_retention)

Raises TemplateError (or args.ArgumentError, both ValueError) naming the template, metric, rule or argument at fault.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from rollouts.api import (
    AnalysisRunSpec,
    AnalysisTemplate,
    AnalysisTemplateRef,
    Argument,
    ClusterAnalysisTemplate,
    DryRun,
    MeasurementRetention,
    Metric,
)
from rollouts.plan.runspec import args as arguments

Template = AnalysisTemplate | ClusterAnalysisTemplate
Lookup = Callable[[str, bool], Template | None]
"""(template name, cluster scope) → the template, or None when there is none."""


Rule = TypeVar("Rule", DryRun, MeasurementRetention)


class TemplateError(ValueError):
    """The templates cannot be found or merged into one run."""


def collect(refs: Sequence[AnalysisTemplateRef], lookup: Lookup) -> list[Template]:
    """The referenced templates and, depth first, the templates they reference in turn.

    A template reached twice (or through a cycle) is kept once. As in Argo, AnalysisTemplates come before
    ClusterAnalysisTemplates, each in the order they were first reached. A missing template → TemplateError.
    """
    found: dict[tuple[bool, str], Template] = {}

    def visit(ref_list: Sequence[AnalysisTemplateRef]) -> None:
        for ref in ref_list:
            cluster, name = bool(ref.cluster_scope), ref.template_name or ""
            if (cluster, name) in found:
                continue
            template = lookup(name, cluster)
            if template is None:
                kind = "ClusterAnalysisTemplate" if cluster else "AnalysisTemplate"
                raise TemplateError(f"{kind} '{name}' not found")
            found[(cluster, name)] = template
            visit(template.spec.templates or [])

    visit(refs)
    namespaced = [template for (cluster, _), template in found.items() if not cluster]
    return namespaced + [template for (cluster, _), template in found.items() if cluster]


def merge(
    templates: Sequence[Template],
    *,
    args: Sequence[Argument] = (),
    dry_run: Sequence[DryRun] = (),
    measurement_retention: Sequence[MeasurementRetention] = (),
) -> AnalysisRunSpec:
    """One run spec from several templates plus the caller's args, dryRun and measurementRetention.

    Metrics are concatenated (the same metric name twice → TemplateError); template args are combined (the same
    name with two different values → ArgumentError) and the caller's args put in by name (an arg still without a
    value → ArgumentError "args.<name> was not resolved"); dryRun and measurementRetention rules are the caller's
    followed by the templates' (the same metricName rule twice → TemplateError).
    """
    metrics: list[Metric] = []
    for template in templates:
        for metric in template.spec.metrics or []:
            if any(existing.name == metric.name for existing in metrics):
                raise TemplateError(f"two metrics have the same name '{metric.name}'")
            metrics.append(metric)
    declared = arguments.combine(template.spec.args for template in templates)
    run_args = arguments.apply_caller_args(declared, args)
    dry_runs = _rules([*dry_run, *(rule for t in templates for rule in t.spec.dry_run or [])], "Dry-Run")
    retention = _rules(
        [*measurement_retention, *(rule for t in templates for rule in t.spec.measurement_retention or [])],
        "Measurement Retention",
    )
    return AnalysisRunSpec(
        metrics=metrics,
        args=run_args or None,
        dry_run=dry_runs or None,
        measurement_retention=retention or None,
    )


def build_run_spec(
    refs: Sequence[AnalysisTemplateRef],
    lookup: Lookup,
    *,
    args: Sequence[Argument] = (),
    dry_run: Sequence[DryRun] = (),
    measurement_retention: Sequence[MeasurementRetention] = (),
) -> AnalysisRunSpec:
    """`collect` then `merge`: the spec of the run a Rollout (or Experiment) creates for `refs`."""
    return merge(collect(refs, lookup), args=args, dry_run=dry_run, measurement_retention=measurement_retention)


def _rules(rules: list[Rule], what: str) -> list[Rule]:
    seen: set[str] = set()
    for rule in rules:
        if rule.metric_name in seen:
            raise TemplateError(f"two {what} metric rules have the same name '{rule.metric_name}'")
        seen.add(rule.metric_name)
    return rules
