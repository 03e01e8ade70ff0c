"""Blue-green: bring the new ReplicaSet up behind the preview Service, then switch the active Service to it.

Sequence for an update: scale the new ReplicaSet to the preview count → preview Service points at it → once it
is available, pause (BlueGreenPause) when auto-promotion is off or delayed → on promotion scale it to full →
switch the active Service → it becomes stable → the old ReplicaSet is scaled down after scaleDownDelaySeconds.
The first deploy goes straight to active. An abort points active back at stable and scales the preview
ReplicaSet down after abortScaleDownDelaySeconds.

Pure: (observed, now) in, a Decision out. No I/O, no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rollouts.api import BlueGreenStatus, BlueGreenStrategy, PauseCondition, RolloutAnalysis, RolloutStatus
from rollouts.api.gotext import format_time
from rollouts.api.gotext import parse_time_or_none as parse_time
from rollouts.api.labels import HASH_LABEL, REVISION_HISTORY_ANNOTATION, SCALE_DOWN_DEADLINE_ANNOTATION
from rollouts.plan import replicasets, rollback, runs, windows
from rollouts.plan.actions import AnnotateReplicaSet, PointService
from rollouts.plan.decision import Decision
from rollouts.plan.observed import Observed, ReplicaSet

BLUE_GREEN_PAUSE = "BlueGreenPause"


def selector_hash(service: object) -> str | None:
    if not isinstance(service, dict):
        return None
    return ((service.get("spec") or {}).get("selector") or {}).get(HASH_LABEL)


def initial_replicas(observed: Observed, strategy: BlueGreenStrategy, *, has_stable: bool) -> int:
    replicas = observed.rollout.spec.effective_replicas
    if not has_stable or strategy.preview_replica_count is None:
        return replicas
    return min(strategy.preview_replica_count, replicas)


@dataclass(frozen=True)
class _Update:
    """What every phase of one reconcile works with."""

    observed: Observed
    strategy: BlueGreenStrategy
    new: ReplicaSet
    now: datetime

    @property
    def replicas(self) -> int:
        return self.observed.rollout.spec.effective_replicas

    @property
    def active_hash(self) -> str | None:
        """The hash the active Service selects right now."""
        return selector_hash(self.observed.services.get(self.strategy.active_service))


def reconcile(
    observed: Observed, strategy: BlueGreenStrategy, new: ReplicaSet, status: RolloutStatus, now: datetime
) -> Decision:
    decision = Decision(status=status, now_text=format_time(now))
    update = _Update(observed, strategy, new, now)
    stable = observed.replica_set_by_hash(status.stable_rs)
    active = observed.replica_set_by_hash(update.active_hash)
    if rollback.within_window(observed, new, stable):  # as Argo: no pause, no analysis, no abort
        decision.update(abort=None, aborted_at=None, pause_conditions=None, controller_pause=None)
    if stable is None and active is None:
        _first_deploy(decision, update)
    elif decision.status.abort and stable is not None and new.hash != stable.hash:
        _abort(decision, update, stable)
    else:
        # A stable ReplicaSet that lost its active Service (e.g. the Service was recreated) gets it back.
        serving = active if active is not None else stable
        assert serving is not None
        if new.hash == serving.hash:
            _switched(decision, update, stable)
        else:
            _in_flight(decision, update, serving, stable)
    _settle_pause(decision)
    return decision


def _settle_pause(decision: Decision) -> None:
    """controllerPause stays only while a pause condition does, as Argo keeps it: without one, clients read it as
    "a user cleared the pause, the controller has yet to react" (Progressing, waiting for rollout to unpause).
    An abort ends every pause; a promotion acted on (the checkpoint set) ends ours."""
    status = decision.status
    if status.abort:
        if status.pause_conditions or status.controller_pause:
            decision.update(pause_conditions=None, controller_pause=None)
        return
    checkpoint = bool(status.blue_green and status.blue_green.scale_up_preview_check_point)
    if status.controller_pause and not status.pause_conditions and checkpoint:
        decision.update(controller_pause=None)


def _first_deploy(decision: Decision, update: _Update) -> None:
    """Nothing stable yet, nothing active: without pause or analysis, stable once available, and as Argo has it
    the active Service follows stable in the next reconcile (RolloutCompleted, then SwitchService)."""
    new, replicas = update.new, update.replicas
    _scale(decision, new, replicas, replicas)
    _point_preview(decision, update.observed, update.strategy, new.hash)
    if new.saturated_at >= replicas:
        _complete(decision, new, "Initial deploy")
        decision.wake_in(0)
    _finish(decision, update, keep={new.hash}, active=update.active_hash)


def _abort(decision: Decision, update: _Update, stable: ReplicaSet) -> None:
    """Production goes (back) to stable, even after the switch; the preview scales down after the delay."""
    _terminate_runs(decision, update.observed)
    _serve(decision, update, active=stable, preview=update.new)
    _abort_preview(decision, update.new, update.strategy, update.now, update.replicas)
    _finish(decision, update, keep={update.new.hash, stable.hash}, active=stable.hash)


def _switched(decision: Decision, update: _Update, stable: ReplicaSet | None) -> None:
    """Active already serves the new template: waiting for post-promotion analysis, or nothing to do."""
    new, replicas = update.new, update.replicas
    _serve(decision, update, active=new, preview=new)
    keep = {new.hash}
    if decision.status.stable_rs != new.hash and new.saturated_at >= replicas:
        if stable is None:
            _complete(decision, new, "Initial deploy")  # the first deploy is never analysed
        elif _post_promotion_passed(decision, update.observed, update.strategy, new, stable):
            _complete(decision, new, "Completed blue-green update")
        else:
            keep.add(stable.hash)  # until post-promotion analysis passes, stable must be able to take over again
    _finish(decision, update, keep=keep, active=new.hash)


def _in_flight(decision: Decision, update: _Update, serving: ReplicaSet, stable: ReplicaSet | None) -> None:
    """An update: `serving` keeps production traffic while the preview comes up, until promotion switches."""
    new, replicas, spec = update.new, update.replicas, update.observed.rollout.spec
    _serve(decision, update, active=serving, preview=new)
    status = decision.status
    checkpoint = bool(status.blue_green and status.blue_green.scale_up_preview_check_point)
    # Fast rollback: the new template's ReplicaSet is an old one still waiting out its scale-down delay, so it is
    # already up and proven. Skip the pause and analysis, and promote, as Argo does.
    deadline = new.scale_down_deadline
    # Only going back counts (Argo's isRollback): an aborted update's preview also waits out a deadline.
    going_back = stable is None or _older(new, stable)
    fast_rollback = going_back and deadline is not None and deadline > update.now and new.replicas >= replicas
    fast_rollback = fast_rollback or rollback.within_window(update.observed, new, stable)
    skip_analysis = fast_rollback or bool(status.promote_full)
    preview_count = initial_replicas(update.observed, update.strategy, has_stable=True)
    promoting = checkpoint or skip_analysis
    # a user cleared our pause (a plain promote): if a window holds the switch, its event names --override-window
    promoted = bool(status.controller_pause) and not status.pause_conditions
    if not promoting:
        analysis_passed = _pre_promotion_passed(decision, update.observed, update.strategy, new, serving, preview_count)
        promoting = analysis_passed and _may_promote(
            decision, update.strategy, new, preview_count, spec.paused, update.now
        )
        # Outside the promotion windows the switch waits for one to open (or for promote --override-window).
        gate = f"{new.hash}/promote"
        promoting = promoting and not windows.holds(decision, update.observed, update.now, gate=gate, promoted=promoted)
    elif status.promote_full and not (checkpoint or fast_rollback):  # --full skips pause and analysis, not windows
        promoting = not windows.holds(decision, update.observed, update.now, gate=f"{new.hash}/promote")
    promoting = promoting and not spec.paused and not decision.status.abort
    _scale(decision, new, replicas if promoting else preview_count, replicas, clear_deadline=True)
    if promoting:
        decision.update(blue_green=_bg(decision.status, scale_up_preview_check_point=True))
        if new.replicas >= replicas and new.saturated_at >= replicas and new.fully_observed:
            _switch(decision, update, serving, stable, skip_analysis=skip_analysis, fast_rollback=fast_rollback)
            return
    _finish(decision, update, keep={new.hash, serving.hash}, active=serving.hash)


def _older(rs: ReplicaSet, than: ReplicaSet) -> bool:
    """Whether `rs` was created before `than`; within one second (the timestamps' grain) the revision each had
    first decides, and without timestamps it is taken as older."""
    if not (rs.created and than.created):
        return True
    if rs.created != than.created:
        return rs.created < than.created
    return _first_revision(rs) < _first_revision(than)


def _first_revision(rs: ReplicaSet) -> int:
    history = rs.annotations.get(REVISION_HISTORY_ANNOTATION) or ""
    return min([rs.revision, *(int(value) for value in history.split(",") if value.isdigit())])


def _switch(
    decision: Decision,
    update: _Update,
    serving: ReplicaSet,
    stable: ReplicaSet | None,
    *,
    skip_analysis: bool,
    fast_rollback: bool,
) -> None:
    """Production moves to the new ReplicaSet; the old one drains after the scale-down delay."""
    new, strategy = update.new, update.strategy
    _point(decision, strategy.active_service, serving.hash, new.hash)
    if skip_analysis or _post_promotion_passed(decision, update.observed, strategy, new, stable):
        reason = "Fast rollback" if fast_rollback else "Completed blue-green update"
        if fast_rollback and rollback.within_window(update.observed, new, stable):
            reason = rollback.PROMOTION_REASON
        _complete(decision, new, reason)
    delay = strategy.effective_scale_down_delay_seconds
    if action := replicasets.delay_scale_down(
        serving, delay_seconds=delay, now=update.now, desired_total=update.replicas
    ):
        decision.actions.append(action)
    if delay > 0:
        decision.wake_in(delay)
    _finish(decision, update, keep={new.hash, serving.hash}, active=new.hash)


def _serve(decision: Decision, update: _Update, *, active: ReplicaSet, preview: ReplicaSet) -> None:
    """`active` at full size behind the active Service, the preview Service on `preview`."""
    _scale(decision, active, update.replicas, update.replicas)
    _point(decision, update.strategy.active_service, update.active_hash, active.hash)
    _point_preview(decision, update.observed, update.strategy, preview.hash)


def _finish(decision: Decision, update: _Update, *, keep: set[str], active: str | None) -> None:
    """Retire the ReplicaSets not kept and record which hash each Service selects."""
    strategy = update.strategy
    _retire(decision, update.observed, keep=keep, now=update.now, strategy=strategy, replicas=update.replicas)
    _record_selectors(decision, active=active, preview=update.new.hash if strategy.preview_service else None)


def _pre_promotion_passed(
    decision: Decision,
    observed: Observed,
    strategy: BlueGreenStrategy,
    new: ReplicaSet,
    serving: ReplicaSet,
    preview_count: int,
) -> bool:
    """Pre-promotion analysis: starts once the preview is available; Successful allows promotion."""
    analysis = strategy.pre_promotion_analysis
    if analysis is None:
        return True
    if new.saturated_at < preview_count or new.replicas != preview_count:
        return False
    return _analysis_passed(decision, observed, "PrePromotion", analysis, new, serving.hash)


def _post_promotion_passed(
    decision: Decision, observed: Observed, strategy: BlueGreenStrategy, new: ReplicaSet, stable: ReplicaSet | None
) -> bool:
    """Post-promotion analysis: runs after the switch; only Successful makes the new ReplicaSet stable."""
    analysis = strategy.post_promotion_analysis
    if analysis is None:
        return True
    return _analysis_passed(decision, observed, "PostPromotion", analysis, new, stable.hash if stable else None)


def _analysis_passed(
    decision: Decision,
    observed: Observed,
    kind: runs.Kind,
    analysis: RolloutAnalysis,
    new: ReplicaSet,
    stable_hash: str | None,
) -> bool:
    field = "pre_promotion_analysis_run_status" if kind == "PrePromotion" else "post_promotion_analysis_run_status"
    current_bg = decision.status.blue_green or BlueGreenStatus()
    run = runs.current(observed, getattr(current_bg, field))
    if run is not None and run.pod_hash != new.hash:
        run = None  # a previous update's run
    run = runs.ensure(decision, observed, runs.Slot(kind, analysis), new=new, stable_hash=stable_hash, existing=run)
    if run is None:
        return False
    decision.update(blue_green=_bg(decision.status, **{field: runs.reference(run)}))
    return runs.judge(decision, kind, run)


def _terminate_runs(decision: Decision, observed: Observed) -> None:
    current_bg = decision.status.blue_green or BlueGreenStatus()
    runs.terminate(decision, runs.current(observed, current_bg.pre_promotion_analysis_run_status))
    runs.terminate(decision, runs.current(observed, current_bg.post_promotion_analysis_run_status))


def _may_promote(
    decision: Decision,
    strategy: BlueGreenStrategy,
    new: ReplicaSet,
    preview_count: int,
    paused: bool | None,
    now: datetime,
) -> bool:
    """Whether the preview may be promoted: it must be available at its preview count, then the pause rules."""
    if new.saturated_at < preview_count or new.replicas != preview_count or not new.fully_observed:
        return False
    status = decision.status
    pause = next((c for c in status.pause_conditions or () if c.reason == BLUE_GREEN_PAUSE), None)
    if strategy.effective_auto_promotion_enabled and strategy.effective_auto_promotion_seconds == 0:
        return True
    if pause is None:
        if status.controller_pause:
            return True  # we paused before and a user cleared the pause: promoted
        if paused:
            return False
        decision.update(
            pause_conditions=[
                *(status.pause_conditions or []),
                PauseCondition(reason=BLUE_GREEN_PAUSE, start_time=format_time(now)),
            ],
            controller_pause=True,
        )
        if strategy.effective_auto_promotion_enabled:
            decision.wake_in(strategy.effective_auto_promotion_seconds)
        return False
    if not strategy.effective_auto_promotion_enabled:
        return False
    started = parse_time(pause.start_time) or now
    due = started + timedelta(seconds=strategy.effective_auto_promotion_seconds)
    if now >= due:
        decision.update(
            pause_conditions=[c for c in status.pause_conditions or () if c.reason != BLUE_GREEN_PAUSE] or None
        )
        return True
    decision.wake_in((due - now).total_seconds())
    return False


def _abort_preview(
    decision: Decision, new: ReplicaSet, strategy: BlueGreenStrategy, now: datetime, replicas: int
) -> None:
    delay = strategy.effective_abort_scale_down_delay_seconds
    if delay == 0:
        return  # 0 keeps the preview up after an abort
    deadline = new.scale_down_deadline
    if deadline is None:
        if new.replicas > 0:
            decision.actions.append(
                AnnotateReplicaSet(
                    new.name, {SCALE_DOWN_DEADLINE_ANNOTATION: format_time(now + timedelta(seconds=delay))}
                )
            )
            decision.wake_in(delay)
        return
    if now >= deadline:
        _scale(decision, new, 0, replicas)
    else:
        decision.wake_in((deadline - now).total_seconds())


def _complete(decision: Decision, new: ReplicaSet, reason: str) -> None:
    decision.completed_reason = reason
    decision.update(
        stable_rs=new.hash,
        pause_conditions=None,
        controller_pause=None,
        promote_full=None,
        blue_green=_bg(decision.status, scale_up_preview_check_point=None),
    )


def _scale(
    decision: Decision, rs: ReplicaSet, replicas: int, desired_total: int, *, clear_deadline: bool = True
) -> None:
    annotations = {SCALE_DOWN_DEADLINE_ANNOTATION: None} if clear_deadline else None
    if action := replicasets.scale(rs, replicas, desired_total=desired_total, annotations=annotations):
        decision.actions.append(action)


def _point(decision: Decision, service: str, current: str | None, pod_hash: str) -> None:
    if current != pod_hash:
        decision.actions.append(PointService(service, pod_hash, current))


def _point_preview(decision: Decision, observed: Observed, strategy: BlueGreenStrategy, pod_hash: str) -> None:
    if strategy.preview_service:
        _point(
            decision, strategy.preview_service, selector_hash(observed.services.get(strategy.preview_service)), pod_hash
        )


def _retire(
    decision: Decision, observed: Observed, *, keep: set[str], now: datetime, strategy: BlueGreenStrategy, replicas: int
) -> None:
    actions, wake = replicasets.retire_old(
        observed, keep=keep, now=now, desired_total=replicas, revision_limit=strategy.scale_down_delay_revision_limit
    )
    decision.actions.extend(actions)
    if wake is not None:
        decision.wake_in(wake)


def _bg(status: RolloutStatus, **fields: object) -> BlueGreenStatus:
    current = status.blue_green or BlueGreenStatus()
    return current.model_copy(update=fields)


def _record_selectors(decision: Decision, *, active: str | None, preview: str | None) -> None:
    decision.update(blue_green=_bg(decision.status, active_selector=active, preview_selector=preview))
