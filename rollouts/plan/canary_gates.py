"""What holds a canary step: a pause (timed or until promoted), the step's analysis, and the background analysis
that runs alongside the steps from startingStep on.

Pure: each function reads the observed state and the decision so far, and records on the decision.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from rollouts.api import CanaryStatus, CanaryStep, CanaryStrategy, PauseCondition, RolloutAnalysis
from rollouts.api.gotext import format_time
from rollouts.api.gotext import parse_time_or_none as parse_time
from rollouts.plan import runs, steps, windows
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


def shifts_traffic(step_list: list[CanaryStep], index: int) -> bool:
    """Whether entering step `index` (len(step_list): the full promotion) sends more to the canary: a setWeight
    above the weight in force, or a setCanaryScale (other than matchTrafficWeight) unlike the one in force."""
    if index >= len(step_list):
        return True
    step = step_list[index]
    if step.set_weight is not None:
        return step.set_weight > steps.current_weight(step_list, index - 1, max_weight=100)
    scale = step.set_canary_scale
    if scale is None or scale.match_traffic_weight:
        return False
    return scale != steps.current_canary_scale(step_list, index - 1)


def window_held(
    decision: Decision, observed: Observed, step_list: list[CanaryStep], index: int, now: datetime, *, new: ReplicaSet
) -> bool:
    """Whether the rollout stays before step `index`: a window held it there, or the update starts outside one.

    A plain promote clears every pause condition, ours too, but leaves controllerPause, which nothing else sets
    before a traffic step: that hold is checked again, so only an open window or `--override-window` passes it.
    `promote --full` skips steps and pauses, not windows: `index` is then past the last step.
    """
    status = decision.status
    waiting = any(c.reason == windows.PROMOTION_WINDOW_PAUSE for c in status.pause_conditions or ())
    promoted = (
        bool(status.controller_pause)
        and not status.pause_conditions
        and shifts_traffic(step_list, index)
        and windows.configured(observed)
    )
    starting = index == 0 and new.replicas == 0
    full = bool(status.promote_full) and (status.current_step_index or 0) < index  # not yet let through
    if not (waiting or promoted or starting or full):
        return False
    if window_holds(decision, observed, step_list, index, now, new=new, promoted=promoted):
        return True
    if promoted:
        decision.update(controller_pause=None)  # let through: the step is entered and never held again
    return False


def window_holds(
    decision: Decision,
    observed: Observed,
    step_list: list[CanaryStep],
    index: int,
    now: datetime,
    *,
    new: ReplicaSet,
    promoted: bool = False,
) -> bool:
    """Whether a promotion window holds the rollout before step `index` (recorded as a pause and a wake-up)."""
    if not shifts_traffic(step_list, index):
        return False
    return windows.holds(decision, observed, now, gate=f"{new.hash}/{index}", promoted=promoted)
