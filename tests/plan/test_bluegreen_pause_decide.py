"""`decide` for blue-green: status.controllerPause once no pause condition is left, as plain tables.

Clients (Argo's e2e suite, `kubectl argo rollouts`) read controllerPause without pause conditions as "a user cleared
the pause and the controller has not reacted yet" (Progressing, "waiting for rollout to unpause"). So once the
controller has acted on a promotion, or aborted, controllerPause must go, as Argo's controller does.
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from bluegreen_scenes import BLUE_HASH, NOW, YELLOW, YELLOW_HASH, a_rollout, observe_both, stable_status

from rollouts import api
from rollouts.api.gotext import format_time
from rollouts.plan.decide import decide
from rollouts.plan.observed import AnalysisRunView, Observed

POST = {"templates": [{"templateName": "sleep-job"}]}
TEMPLATE = api.parse_analysis_template(
    {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": "sleep-job"},
        "spec": {"metrics": [{"name": "up", "provider": {"web": {"url": "http://example/", "jsonPath": "{$.ok}"}}}]},
    }
)
RUN_NAME = f"demo-{YELLOW_HASH}-2-post"


def _post_run(phase: str) -> AnalysisRunView:
    return AnalysisRunView(
        name=RUN_NAME,
        kind="PostPromotion",
        step_index=None,
        pod_hash=YELLOW_HASH,
        phase=phase,
        message="job failed" if phase == "Failed" else "",
        terminating=False,
    )


def _switched(status: dict[str, Any], *runs: AnalysisRunView) -> Observed:
    """Active already on the new ReplicaSet, stable still the old one: post-promotion analysis decides."""
    rollout = a_rollout(template=YELLOW, status=status, autoPromotionEnabled=False, postPromotionAnalysis=POST)
    observed = observe_both(rollout, active=YELLOW_HASH, preview=YELLOW_HASH)
    return dataclasses.replace(observed, analysis_runs=runs, templates={(False, "sleep-job"): TEMPLATE})


def _after_promote(**extra: Any) -> dict[str, Any]:
    blue_green = {
        "activeSelector": YELLOW_HASH,
        "previewSelector": YELLOW_HASH,
        "scaleUpPreviewCheckPoint": True,
        "postPromotionAnalysisRunStatus": {"name": RUN_NAME},
    }
    return stable_status(currentPodHash=YELLOW_HASH, controllerPause=True, blueGreen=blue_green, **extra)


def test_a_failed_post_promotion_run_degrades_without_a_leftover_controller_pause() -> None:
    plan = decide(observed=_switched(_after_promote(), _post_run("Failed")), now=NOW)
    assert plan.status.abort is True
    assert not plan.status.controller_pause and not plan.status.pause_conditions
    assert plan.status.phase == "Degraded"


def test_an_aborted_rollout_keeps_no_controller_pause() -> None:
    status = _after_promote(abort=True, abortedAt=format_time(NOW))
    plan = decide(observed=_switched(status, _post_run("Failed")), now=NOW + timedelta(seconds=1))
    assert not plan.status.controller_pause and not plan.status.pause_conditions
    assert plan.status.phase == "Degraded"


def test_a_running_post_promotion_run_after_a_promote_is_progressing_not_unpausing() -> None:
    plan = decide(observed=_switched(_after_promote(), _post_run("Running")), now=NOW)
    assert not plan.status.controller_pause
    assert plan.status.stable_rs == BLUE_HASH and plan.status.phase == "Progressing"


def test_auto_promotion_clears_the_controller_pause_with_its_pause_condition() -> None:
    pause = [{"reason": "BlueGreenPause", "startTime": format_time(NOW)}]
    status = stable_status(currentPodHash=YELLOW_HASH, controllerPause=True, pauseConditions=pause)
    rollout = a_rollout(template=YELLOW, status=status, autoPromotionSeconds=10, postPromotionAnalysis=POST)
    observed = observe_both(rollout, active=BLUE_HASH, preview=YELLOW_HASH)
    observed = dataclasses.replace(observed, templates={(False, "sleep-job"): TEMPLATE})
    plan = decide(observed=observed, now=NOW + timedelta(seconds=10))
    assert plan.status.blue_green is not None and plan.status.blue_green.scale_up_preview_check_point
    assert not plan.status.controller_pause and not plan.status.pause_conditions


def test_a_pause_still_waiting_for_a_promote_keeps_the_controller_pause() -> None:
    pause = [{"reason": "BlueGreenPause", "startTime": format_time(NOW)}]
    status = stable_status(currentPodHash=YELLOW_HASH, controllerPause=True, pauseConditions=pause)
    rollout = a_rollout(template=YELLOW, status=status, autoPromotionEnabled=False)
    observed = observe_both(rollout, active=BLUE_HASH, preview=YELLOW_HASH)
    plan = decide(observed=observed, now=NOW + timedelta(seconds=10))
    assert plan.status.controller_pause is True and plan.status.phase == "Paused"
