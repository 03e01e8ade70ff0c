"""What holds a canary step: a pause (timed or until promoted), the step's analysis, and the background analysis
that runs alongside the steps from startingStep on.

Pure: each function reads the observed state and the decision so far, and records on the decision.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rollouts.api import CanaryStatus, CanaryStep, CanaryStrategy, PauseCondition, RolloutAnalysis
from rollouts.api.gotext import format_time
from rollouts.api.gotext import parse_time_or_none as parse_time
from rollouts.plan import runs
from rollouts.plan.decision import Decision
from rollouts.plan.experiments import step as experiment_step
from rollouts.plan.observed import AnalysisRunView, Observed, ReplicaSet

CANARY_PAUSE_STEP = "CanaryPauseStep"


def step_done(
    decision: Decision,
    observed: Observed,
    step: CanaryStep,
    now: datetime,
    *,
    new: ReplicaSet,
    stable: ReplicaSet,
    index: int,
) -> bool:
    """Whether the current step is complete (its replica targets are already met)."""
    if step.analysis is not None:
        return _step_analysis(decision, observed, step.analysis, new=new, stable=stable, index=index)
    if step.experiment is not None:
        return experiment_step.run_step(decision, observed, step.experiment, new=new, stable=stable, index=index)
    pause = step.pause
    if pause is None:
        return (
            not observed.rollout.spec.paused
        )  # setWeight, setCanaryScale, header and mirror routes: done once applied
    status = decision.status
    condition = next((c for c in status.pause_conditions or () if c.reason == CANARY_PAUSE_STEP), None)
    if observed.rollout.spec.paused:
        return False
    if condition is None:
        if status.controller_pause:
            return True  # we paused and a user cleared the pause: promoted
        decision.update(
            pause_conditions=[
                *(status.pause_conditions or []),
                PauseCondition(reason=CANARY_PAUSE_STEP, start_time=format_time(now)),
            ],
            controller_pause=True,
        )
        if (seconds := pause.duration_seconds) is not None:
            decision.wake_in(seconds)
        return False
    seconds = pause.duration_seconds
    if seconds is None:
        return False
    due = (parse_time(condition.start_time) or now) + timedelta(seconds=seconds)
    if now >= due:
        decision.update(
            pause_conditions=[c for c in status.pause_conditions or () if c.reason != CANARY_PAUSE_STEP] or None
        )
        return True
    decision.wake_in((due - now).total_seconds())
    return False


def _step_analysis(
    decision: Decision,
    observed: Observed,
    analysis: RolloutAnalysis,
    *,
    new: ReplicaSet,
    stable: ReplicaSet,
    index: int,
) -> bool:
    """Run the step's analysis: Successful completes the step, Failed or Error aborts, Inconclusive pauses."""
    canary_status = decision.status.canary or CanaryStatus()
    run = runs.current(observed, canary_status.current_step_analysis_run_status)
    if run is not None and (run.step_index != index or run.pod_hash != new.hash):
        run = None  # a previous step's (or update's) run
    run = runs.ensure(
        decision, observed, runs.Slot("Step", analysis, index), new=new, stable_hash=stable.hash, existing=run
    )
    if run is None:
        return False
    _record_run(decision, step=run)
    return runs.judge(decision, "Step", run)


def background_analysis(
    decision: Decision, observed: Observed, strategy: CanaryStrategy, new: ReplicaSet, stable: ReplicaSet, index: int
) -> bool:
    """Keep the background analysis running from startingStep on; False when it failed (the rollout aborts)."""
    analysis = strategy.analysis
    if analysis is None or index < (analysis.starting_step or 0):
        return True
    canary_status = decision.status.canary or CanaryStatus()
    run = runs.current(observed, canary_status.current_background_analysis_run_status)
    if run is not None and run.pod_hash != new.hash:
        run = None
    run = runs.ensure(
        decision, observed, runs.Slot("Background", analysis), new=new, stable_hash=stable.hash, existing=run
    )
    if run is None:
        return not decision.status.abort
    _record_run(decision, background=run)
    runs.judge(decision, "Background", run)
    return not decision.status.abort


def _record_run(
    decision: Decision, *, step: AnalysisRunView | None = None, background: AnalysisRunView | None = None
) -> None:
    canary_status = decision.status.canary or CanaryStatus()
    if step is not None:
        canary_status = canary_status.model_copy(update={"current_step_analysis_run_status": runs.reference(step)})
    if background is not None:
        canary_status = canary_status.model_copy(
            update={"current_background_analysis_run_status": runs.reference(background)}
        )
    decision.update(canary=canary_status)
