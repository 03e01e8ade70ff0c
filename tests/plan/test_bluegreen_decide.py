"""`decide` for blue-green Rollouts, as plain tables: observed state in, actions + status + events + wake-up out.

Aspects: first deploy, preview before promotion, pause and promote, previewReplicaCount, auto-promotion timing,
scale-down delay, progress deadline (and abort on it),
invalid specs, and that a converged rollout plans nothing. No API: these are pure functions.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from bluegreen_scenes import (
    BLUE,
    BLUE_HASH,
    NOW,
    YELLOW,
    YELLOW_HASH,
    a_replica_set,
    a_rollout,
    kinds,
    observe,
    reasons,
    stable_status,
    updating,
)

from rollouts.api.gotext import format_time
from rollouts.plan.actions import (
    AnnotateReplicaSet,
    AnnotateRollout,
    CreateReplicaSet,
    PointService,
    ScaleReplicaSet,
    SetPodMetadata,
)
from rollouts.plan.decide import decide


def test_first_deploy_creates_the_replica_set_at_full_size() -> None:
    plan = decide(observed=observe(a_rollout(revision=None)), now=NOW)
    create, annotate = plan.actions
    assert isinstance(annotate, AnnotateRollout) and annotate.annotations == {"rollout.argoproj.io/revision": "1"}
    assert isinstance(create, CreateReplicaSet) and create.revision == 1
    body = create.body
    assert body["metadata"]["name"] == f"demo-{BLUE_HASH}"
    assert body["spec"]["replicas"] == 2
    assert body["spec"]["selector"]["matchLabels"] == {"app": "demo", "rollouts-pod-template-hash": BLUE_HASH}
    assert body["spec"]["template"]["metadata"]["labels"]["rollouts-pod-template-hash"] == BLUE_HASH
    assert body["metadata"]["ownerReferences"][0] == {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": "demo",
        "uid": "rollout-uid",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    assert plan.status.current_pod_hash == BLUE_HASH
    assert plan.status.phase == "Progressing"


def test_first_deploy_completes_once_available_then_points_the_active_service() -> None:
    # Argo's TestBlueGreenUpdate: RolloutCompleted (Initial deploy) comes before the active Service's SwitchService.
    plan = decide(observed=observe(a_rollout(revision=None), a_replica_set(BLUE_HASH, 1)), now=NOW)
    assert kinds(plan) == ["AnnotateRollout", "PointService"]
    assert {a.service: a.pod_hash for a in plan.actions if isinstance(a, PointService)} == {"preview": BLUE_HASH}
    assert plan.status.stable_rs == BLUE_HASH and plan.status.phase == "Progressing"
    assert reasons(plan) == ["RolloutUpdated", "RolloutCompleted"]
    assert plan.events[-1].message == f"Rollout completed update to revision 1 ({BLUE_HASH}): Initial deploy"
    assert plan.requeue_after == 0

    settled = a_rollout(status=plan.status.to_dict())
    later = decide(observed=observe(settled, a_replica_set(BLUE_HASH, 1), preview=BLUE_HASH), now=NOW)
    assert [(a.service, a.pod_hash) for a in later.actions if isinstance(a, PointService)] == [("active", BLUE_HASH)]
    assert later.status.phase == "Healthy" and not reasons(later)


def test_first_deploy_leaves_the_active_service_alone_until_available() -> None:
    observed = observe(a_rollout(revision=None), a_replica_set(BLUE_HASH, 1, available=1))
    plan = decide(observed=observed, now=NOW)
    assert not [a for a in plan.actions if isinstance(a, PointService) and a.service == "active"]
    assert plan.status.stable_rs is None and plan.status.phase == "Progressing"


def test_converged_rollout_plans_nothing_and_keeps_its_status() -> None:
    first = decide(
        observed=observe(
            a_rollout(status=stable_status()), a_replica_set(BLUE_HASH, 1), active=BLUE_HASH, preview=BLUE_HASH
        ),
        now=NOW,
    )
    settled = a_rollout(status=first.status.to_dict())
    again = decide(
        observed=observe(settled, a_replica_set(BLUE_HASH, 1), active=BLUE_HASH, preview=BLUE_HASH),
        now=NOW + timedelta(minutes=5),
    )
    assert again.actions == () and again.events == ()
    assert again.status.to_dict() == first.status.to_dict(), "no change means no status write"
    assert again.requeue_after is None


@pytest.mark.parametrize(
    ("preview_replica_count", "expected"),
    [pytest.param(None, 2, id="preview-defaults-to-replicas"), pytest.param(1, 1, id="previewReplicaCount-1")],
)
def test_update_creates_the_new_replica_set_at_the_preview_count(
    preview_replica_count: int | None, expected: int
) -> None:
    strategy: dict[str, Any] = {"previewReplicaCount": preview_replica_count} if preview_replica_count else {}
    rollout = a_rollout(template=YELLOW, status=stable_status(), **strategy)
    plan = decide(observed=observe(rollout, a_replica_set(BLUE_HASH, 1), active=BLUE_HASH, preview=BLUE_HASH), now=NOW)
    create, _ = plan.actions
    assert isinstance(create, CreateReplicaSet) and create.revision == 2 and create.body["spec"]["replicas"] == expected


def test_update_previews_the_new_version_and_pauses_without_switching_active() -> None:
    observed = observe(
        updating(autoPromotionEnabled=False),
        a_replica_set(BLUE_HASH, 1),
        a_replica_set(YELLOW_HASH, 2, template=YELLOW),
        active=BLUE_HASH,
        preview=BLUE_HASH,
    )
    plan = decide(observed=observed, now=NOW)
    assert [(a.service, a.pod_hash) for a in plan.actions if isinstance(a, PointService)] == [("preview", YELLOW_HASH)]
    [pause] = plan.status.pause_conditions or []
    assert (pause.reason, pause.start_time) == ("BlueGreenPause", format_time(NOW))
    assert plan.status.controller_pause is True
    assert (plan.status.phase, plan.status.message) == ("Paused", "BlueGreenPause")
    assert plan.status.blue_green is not None and plan.status.blue_green.active_selector == BLUE_HASH
    assert "RolloutPaused" in reasons(plan)


def test_promote_switches_active_and_delays_the_old_scale_down() -> None:
    status = stable_status(currentPodHash=YELLOW_HASH, controllerPause=True)  # a user cleared pauseConditions
    rollout = a_rollout(template=YELLOW, status=status, autoPromotionEnabled=False)
    observed = observe(
        rollout,
        a_replica_set(BLUE_HASH, 1),
        a_replica_set(YELLOW_HASH, 2, template=YELLOW),
        active=BLUE_HASH,
        preview=YELLOW_HASH,
    )
    plan = decide(observed=observed, now=NOW)
    switch = [a for a in plan.actions if isinstance(a, PointService)]
    assert [(a.service, a.previous, a.pod_hash) for a in switch] == [("active", BLUE_HASH, YELLOW_HASH)]
    delay = [a for a in plan.actions if isinstance(a, AnnotateReplicaSet) and a.name == f"demo-{BLUE_HASH}"]
    assert delay and delay[0].annotations == {"scale-down-deadline": format_time(NOW + timedelta(seconds=30))}
    assert plan.status.stable_rs == YELLOW_HASH and plan.status.phase == "Healthy"
    assert plan.requeue_after == 30
    assert plan.events[-1].message.endswith("Completed blue-green update")


def test_promotion_scales_the_preview_to_full_before_switching() -> None:
    status = stable_status(currentPodHash=YELLOW_HASH, controllerPause=True)
    rollout = a_rollout(template=YELLOW, status=status, autoPromotionEnabled=False, previewReplicaCount=1)
    observed = observe(
        rollout,
        a_replica_set(BLUE_HASH, 1),
        a_replica_set(YELLOW_HASH, 2, replicas=1, template=YELLOW),
        active=BLUE_HASH,
        preview=YELLOW_HASH,
    )
    plan = decide(observed=observed, now=NOW)
    scale = [a for a in plan.actions if isinstance(a, ScaleReplicaSet)]
    assert [(a.name, a.previous, a.replicas) for a in scale] == [(f"demo-{YELLOW_HASH}", 1, 2)]
    assert not [a for a in plan.actions if isinstance(a, PointService) and a.service == "active"]
    assert plan.status.blue_green is not None and plan.status.blue_green.scale_up_preview_check_point is True


@pytest.mark.parametrize(
    ("elapsed", "promoted", "wake"),
    [
        pytest.param(3, False, 7, id="before-autoPromotionSeconds"),
        pytest.param(10, True, 30, id="at-autoPromotionSeconds"),
    ],
)
def test_auto_promotion_seconds(elapsed: int, promoted: bool, wake: float) -> None:
    pause = [{"reason": "BlueGreenPause", "startTime": format_time(NOW)}]
    status = stable_status(currentPodHash=YELLOW_HASH, controllerPause=True, pauseConditions=pause)
    rollout = a_rollout(template=YELLOW, status=status, autoPromotionSeconds=10)
    observed = observe(
        rollout,
        a_replica_set(BLUE_HASH, 1),
        a_replica_set(YELLOW_HASH, 2, template=YELLOW),
        active=BLUE_HASH,
        preview=YELLOW_HASH,
    )
    plan = decide(observed=observed, now=NOW + timedelta(seconds=elapsed))
    assert (plan.status.stable_rs == YELLOW_HASH) is promoted
    assert plan.requeue_after == pytest.approx(wake)


@pytest.mark.parametrize(
    ("abort_on_deadline", "phase"),
    [
        pytest.param(False, "Degraded", id="deadline-exceeded"),
        pytest.param(True, "Degraded", id="deadline-exceeded-aborts"),
    ],
)
def test_progress_deadline_fires_when_new_pods_never_become_ready(abort_on_deadline: bool, phase: str) -> None:
    progressing = {
        "type": "Progressing",
        "status": "True",
        "reason": "ReplicaSetUpdated",
        "message": "…",
        "lastUpdateTime": format_time(NOW),
        "lastTransitionTime": format_time(NOW),
    }
    status = stable_status(
        currentPodHash=YELLOW_HASH,
        conditions=[progressing],
        updatedReplicas=2,
        readyReplicas=2,
        availableReplicas=2,
        replicas=4,
    )
    status["blueGreen"]["previewSelector"] = YELLOW_HASH
    rollout = a_rollout(
        template=YELLOW, status=status, progressDeadlineSeconds=10, progressDeadlineAbort=abort_on_deadline
    )
    stuck = a_replica_set(YELLOW_HASH, 2, available=0, template=YELLOW)
    args = (rollout, a_replica_set(BLUE_HASH, 1), stuck)

    early = decide(observed=observe(*args, active=BLUE_HASH, preview=YELLOW_HASH), now=NOW + timedelta(seconds=4))
    assert early.requeue_after == pytest.approx(6), "the reconcile asks to be woken at the deadline"
    late = decide(observed=observe(*args, active=BLUE_HASH, preview=YELLOW_HASH), now=NOW + timedelta(seconds=11))
    condition = next(c for c in late.status.conditions or () if c.type == "Progressing")
    assert (condition.status, condition.reason) == ("False", "ProgressDeadlineExceeded")
    assert late.status.phase == phase
    assert bool(late.status.abort) is abort_on_deadline


def test_invalid_spec_is_degraded_with_the_field_named_and_does_nothing() -> None:
    rollout = a_rollout(status=stable_status())
    rollout["spec"]["strategy"]["blueGreen"]["previewService"] = "active"
    plan = decide(observed=observe(rollout, a_replica_set(BLUE_HASH, 1)), now=NOW)
    assert plan.actions == ()
    assert plan.status.phase == "Degraded"
    assert (plan.status.message or "").startswith('InvalidSpec: The Rollout "demo" is invalid: spec.strategy.blueGreen')
    assert reasons(plan) == ["InvalidSpec"]


def test_spec_paused_holds_promotion() -> None:
    rollout = updating(autoPromotionEnabled=True)
    rollout["spec"]["paused"] = True
    observed = observe(
        rollout,
        a_replica_set(BLUE_HASH, 1),
        a_replica_set(YELLOW_HASH, 2, template=YELLOW),
        active=BLUE_HASH,
        preview=YELLOW_HASH,
    )
    plan = decide(observed=observed, now=NOW)
    assert not [a for a in plan.actions if isinstance(a, PointService)]
    assert (plan.status.phase, plan.status.message) == ("Paused", "manually paused")


def test_revision_annotation_follows_the_new_replica_set() -> None:
    observed = observe(
        updating(revision="1"),
        a_replica_set(BLUE_HASH, 1),
        a_replica_set(YELLOW_HASH, 2, template=YELLOW),
        active=BLUE_HASH,
        preview=YELLOW_HASH,
    )
    plan = decide(observed=observed, now=NOW)
    assert plan.actions[0] == AnnotateRollout({"rollout.argoproj.io/revision": "2"})
    assert plan.events[0].message == "Rollout updated to revision 2"


def test_first_deploy_pods_carry_the_active_metadata_before_the_active_service_switches() -> None:
    # Argo's TestEphemeralMetadata: a first deploy (nothing stable yet) is the active one, as Argo's rule has it.
    rollout = a_rollout(revision=None, activeMetadata={"labels": {"role": "active"}})
    rollout["spec"]["strategy"]["blueGreen"]["previewMetadata"] = {"labels": {"role": "preview"}}
    replica_set = a_replica_set(BLUE_HASH, 1, available=1, template=copy.deepcopy(BLUE))
    replica_set["spec"]["template"]["metadata"]["labels"]["role"] = "active"
    replica_set["metadata"]["annotations"]["rollout.argoproj.io/ephemeral-metadata"] = '{"labels":{"role":"active"}}'
    plan = decide(observed=observe(rollout, replica_set), now=NOW)
    assert not [a for a in plan.actions if isinstance(a, SetPodMetadata)]
