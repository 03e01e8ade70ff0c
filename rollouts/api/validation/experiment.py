"""Checks of Experiments."""

from __future__ import annotations

from typing import Any

from rollouts.api.experiment import Experiment, ExperimentAnalysis
from rollouts.api.rollout import CanaryStrategy, RolloutExperimentStep
from rollouts.api.validation.analysis import check_args, check_dry_run_and_retention
from rollouts.api.validation.errors import Errors, duplicates
from rollouts.api.validation.pods import check_pod_template, check_selector


def _experiment_analyses(errors: Errors, path: str, analyses: list[ExperimentAnalysis] | None, owner: str) -> None:
    if not analyses:
        return
    duplicates(errors, path, [a.name for a in analyses], "analysis name")
    for i, analysis in enumerate(analyses):
        if not analysis.template_name:
            errors.invalid(f"{path}[{i}].templateName", "required")
        check_args(errors, f"{path}[{i}].args", analysis.args, owner=owner)


def check_experiment(errors: Errors, experiment: Experiment, raw: Any) -> None:
    spec = experiment.spec
    if not spec.templates:
        errors.invalid("spec.templates", "at least one template is required")
    duplicates(errors, "spec.templates", [t.name for t in spec.templates], "template name")
    for i, template in enumerate(spec.templates):
        where = f"spec.templates[{i}]"
        errors.non_negative(f"{where}.replicas", template.replicas)
        errors.non_negative(f"{where}.minReadySeconds", template.min_ready_seconds)
        usable = check_selector(errors, f"{where}.selector", template.selector)
        check_pod_template(errors, f"{where}.template", template.template, template.selector if usable else None)
    errors.duration("spec.duration", spec.duration, positive=True)
    errors.non_negative("spec.progressDeadlineSeconds", spec.progress_deadline_seconds)
    errors.non_negative("spec.scaleDownDelaySeconds", spec.scale_down_delay_seconds)
    _experiment_analyses(errors, "spec.analyses", spec.analyses, owner="template")
    check_dry_run_and_retention(errors, "spec", spec.dry_run, spec.measurement_retention)


def check_experiment_step(errors: Errors, path: str, canary: CanaryStrategy, step: RolloutExperimentStep) -> None:
    """A canary experiment step: templates copied from the stable or canary pod template, analyses, weights."""
    if not step.templates:
        errors.invalid(f"{path}.templates", "at least one template is required")
    duplicates(errors, f"{path}.templates", [t.name for t in step.templates], "template name")
    for i, template in enumerate(step.templates):
        where = f"{path}.templates[{i}]"
        if template.spec_ref not in ("stable", "canary"):
            errors.invalid(f"{where}.specRef", f"must be stable or canary, got {template.spec_ref!r}")
        errors.non_negative(f"{where}.replicas", template.replicas)
        if template.weight is not None:
            if canary.traffic_routing is None:
                errors.invalid(
                    f"{where}.weight", "Experiment template weight cannot be set unless TrafficRouting is enabled"
                )
            elif not 0 <= template.weight <= 100:
                errors.invalid(f"{where}.weight", f"must be between 0 and 100, got {template.weight}")
            # Which traffic routers carry a template's weight is the routers' to say (rollouts.traffic.registry).
    errors.duration(f"{path}.duration", step.duration, positive=True)
    errors.non_negative(f"{path}.scaleDownDelaySeconds", step.scale_down_delay_seconds)
    _experiment_analyses(errors, f"{path}.analyses", step.analyses, owner="rollout")
