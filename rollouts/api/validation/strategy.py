"""Checks of the blue-green strategy, and of what both strategies share (analyses, anti-affinity, scale-down)."""

from __future__ import annotations

from rollouts.api.rollout import AntiAffinity, BlueGreenStrategy, Rollout, RolloutAnalysis
from rollouts.api.types import check_int_or_percent
from rollouts.api.validation.analysis import check_args, check_dry_run_and_retention, check_template_refs
from rollouts.api.validation.errors import Errors


def check_scale_down_limit(errors: Errors, path: str, rollout: Rollout, limit: int | None) -> None:
    errors.non_negative(path, limit)
    history = rollout.spec.effective_revision_history_limit
    if limit is not None and history < limit:
        errors.invalid(path, f"must not exceed revisionHistoryLimit ({history})")


def check_anti_affinity(errors: Errors, path: str, anti_affinity: AntiAffinity | None) -> None:
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


def check_rollout_analysis(errors: Errors, path: str, analysis: RolloutAnalysis) -> None:
    if not analysis.templates:
        errors.invalid(f"{path}.templates", "at least one template is required")
    check_template_refs(errors, f"{path}.templates", analysis.templates)
    check_args(errors, f"{path}.args", analysis.args, owner="rollout")
    check_dry_run_and_retention(errors, path, analysis.dry_run, analysis.measurement_retention)


def check_int_or_percent_field(errors: Errors, path: str, value: int | str | None) -> None:
    if value is None:
        return
    try:
        check_int_or_percent(value)
    except ValueError as exc:
        errors.invalid(path, str(exc))


def check_blue_green(errors: Errors, rollout: Rollout, blue_green: BlueGreenStrategy) -> None:
    path = "spec.strategy.blueGreen"
    if not blue_green.active_service:
        errors.invalid(f"{path}.activeService", "required")
    elif blue_green.active_service == blue_green.preview_service:
        errors.invalid(f"{path}.activeService", "activeService and previewService must be different Services")
    errors.non_negative(f"{path}.previewReplicaCount", blue_green.preview_replica_count)
    errors.non_negative(f"{path}.autoPromotionSeconds", blue_green.auto_promotion_seconds)
    errors.non_negative(f"{path}.scaleDownDelaySeconds", blue_green.scale_down_delay_seconds)
    errors.non_negative(f"{path}.abortScaleDownDelaySeconds", blue_green.abort_scale_down_delay_seconds)
    check_int_or_percent_field(errors, f"{path}.maxUnavailable", blue_green.max_unavailable)
    limit = blue_green.scale_down_delay_revision_limit
    check_scale_down_limit(errors, f"{path}.scaleDownDelayRevisionLimit", rollout, limit)
    for name, analysis in (
        ("prePromotionAnalysis", blue_green.pre_promotion_analysis),
        ("postPromotionAnalysis", blue_green.post_promotion_analysis),
    ):
        if analysis is not None:
            check_rollout_analysis(errors, f"{path}.{name}", analysis)
    check_anti_affinity(errors, f"{path}.antiAffinity", blue_green.anti_affinity)
