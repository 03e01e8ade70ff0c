"""Checks of a Rollout's spec; each strategy has its own module (strategy: blue-green and what both share, canary)."""

from __future__ import annotations

from typing import Any

from rollouts.api import selectors, windows
from rollouts.api.gotext import parse_time
from rollouts.api.rollout import Rollout
from rollouts.api.validation.canary import check_canary
from rollouts.api.validation.errors import Errors, FieldError, dig, show
from rollouts.api.validation.pods import check_pod_template, check_selector, is_empty
from rollouts.api.validation.strategy import check_blue_green

WORKLOAD_TEMPLATE_MESSAGE = "template must be empty for workload reference rollout"
WORKLOAD_GROUP = "apps"
WORKLOAD_KIND = "Deployment"


def check_rollout_spec(errors: Errors, rollout: Rollout, raw: Any) -> None:
    spec = rollout.spec
    errors.non_negative("spec.replicas", spec.replicas)
    errors.non_negative("spec.minReadySeconds", spec.min_ready_seconds)
    errors.non_negative("spec.revisionHistoryLimit", spec.revision_history_limit)
    errors.non_negative("spec.progressDeadlineSeconds", spec.progress_deadline_seconds)
    if spec.effective_progress_deadline_seconds <= (spec.min_ready_seconds or 0):
        errors.invalid("spec.progressDeadlineSeconds", "must be greater than minReadySeconds")
    if spec.rollback_window is not None:  # 0 (or unset) turns the window off, as in Argo
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
        usable = check_selector(errors, "spec.selector", spec.selector)
        check_pod_template(errors, "spec.template", spec.template, spec.selector if usable else None)
    try:
        windows.parse(rollout.metadata.annotations)
    except windows.WindowError as error:
        errors.invalid(error.path, error.message)
    strategy = spec.strategy
    if strategy is None or (strategy.canary is None and strategy.blue_green is None):
        errors.invalid("spec.strategy", "must set one of canary or blueGreen")
    elif strategy.canary is not None and strategy.blue_green is not None:
        errors.invalid("spec.strategy", "set only one of canary and blueGreen, not both")
    elif strategy.blue_green is not None:
        check_blue_green(errors, rollout, strategy.blue_green)
    elif strategy.canary is not None:
        check_canary(errors, rollout, strategy.canary, dig(raw, "spec", "strategy", "canary"))


def _workload_ref(errors: Errors, rollout: Rollout) -> None:
    ref = rollout.spec.workload_ref
    assert ref is not None
    if not ref.name:
        errors.invalid("spec.workloadRef.name", "required")
    if ref.kind != WORKLOAD_KIND:
        errors.unsupported("spec.workloadRef.kind", f"workloadRef kind must be Deployment, got {show(ref.kind)}")
    elif (ref.api_version or "").partition("/")[0] != WORKLOAD_GROUP:
        # Argo finds the workload by group and kind; any version of the group will do.
        errors.invalid("spec.workloadRef.apiVersion", f"must be apps/v1 for a Deployment, got {show(ref.api_version)}")
    if ref.effective_scale_down not in ("never", "onsuccess", "progressively"):
        errors.invalid("spec.workloadRef.scaleDown", "must be one of never, onsuccess, progressively")
    if not is_empty(rollout.spec.template):
        errors.invalid("spec.template", WORKLOAD_TEMPLATE_MESSAGE)
    if rollout.spec.selector is not None:
        for where, message in selectors.selector_problems(rollout.spec.selector):
            errors.invalid(f"spec.selector.{where}" if where else "spec.selector", message)


def check_workload_template(rollout: Rollout) -> list[FieldError]:
    """The pod template and selector a workloadRef Rollout took from its Deployment, checked as an inline
    template would be (the Rollout's own selector, when it has one, must match the Deployment's labels)."""
    errors = Errors()
    usable = check_selector(errors, "spec.selector", rollout.spec.selector)
    check_pod_template(errors, "spec.template", rollout.spec.template, rollout.spec.selector if usable else None)
    return list(errors)
