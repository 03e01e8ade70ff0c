"""The analyses a Rollout runs (steps, background, blue-green promotion) and how many finished runs it keeps."""

from __future__ import annotations

from rollouts.api.analysis import (
    AnalysisRunMetadata,
    AnalysisTemplateRef,
    Argument,
    DryRun,
    MeasurementRetention,
)
from rollouts.api.common import KubeModel


class RolloutAnalysis(KubeModel):
    """Analysis templates to run, with arguments."""

    templates: list[AnalysisTemplateRef] | None = None
    """Templates whose metrics are merged into one AnalysisRun."""
    args: list[Argument] | None = None
    """Arguments for the templates; may read Rollout fields or pod template hashes."""
    dry_run: list[DryRun] | None = None
    """Metrics to run in dry-run mode."""
    measurement_retention: list[MeasurementRetention] | None = None
    """Per-metric measurement retention."""
    analysis_run_metadata: AnalysisRunMetadata | None = None
    """Labels and annotations for the AnalysisRun."""


class RolloutAnalysisBackground(RolloutAnalysis):
    """Analysis that runs in the background during a canary update."""

    starting_step: int | None = None
    """Index of the step from which the analysis runs (default 0)."""


class AnalysisRunStrategy(KubeModel):
    """How many finished AnalysisRuns and Experiments to keep per Rollout."""

    successful_run_history_limit: int | None = None
    """Successful runs to keep (default 5)."""
    unsuccessful_run_history_limit: int | None = None
    """Failed, errored or inconclusive runs to keep (default 5)."""
