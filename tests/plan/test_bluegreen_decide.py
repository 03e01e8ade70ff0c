"""`decide` for blue-green Rollouts, as plain tables: observed state in, actions + status + events + wake-up out.

Aspects: first deploy, preview before promotion, pause and promote, previewReplicaCount, auto-promotion timing,
scale-down delay, abort and its delay, fast rollback, progress deadline (and abort on it), history limit,
invalid specs, and that a converged rollout plans nothing. No API: these are pure functions.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from rollouts import api
from rollouts.plan import hashing
from rollouts.plan.actions import (
    AnnotateReplicaSet,
    AnnotateRollout,
    CreateReplicaSet,
    DeleteReplicaSet,
    PointService,
    ScaleReplicaSet,
)
from rollouts.plan.decide import decide
from rollouts.plan.observed import Observed, ReplicaSet
from rollouts.plan.times import format_time

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
BLUE = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:blue"}]}}
YELLOW = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [{"name": "app", "image": "demo:yellow"}]}}
BLUE_HASH = hashing.pod_template_hash(BLUE)
YELLOW_HASH = hashing.pod_template_hash(YELLOW)


def a_rollout(
    *,
    template: dict[str, Any] = BLUE,
    status: dict[str, Any] | None = None,
    revision: str | None = "1",
    **strategy: Any,
) -> dict[str, Any]:
    annotations = {"rollout.argoproj.io/revision": revision} if revision else {}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {
            "name": "demo",
            "namespace": "ns",
            "uid": "rollout-uid",
            "generation": 1,
            "annotations": annotations,
        },
        "spec": {
            "replicas": strategy.pop("replicas", 2),
            "selector": {"matchLabels": {"app": "demo"}},
            "template": copy.deepcopy(template),
            **(
                {"progressDeadlineSeconds": strategy.pop("progressDeadlineSeconds")}
                if "progressDeadlineSeconds" in strategy
                else {}
            ),
            **(
                {"progressDeadlineAbort": strategy.pop("progressDeadlineAbort")}
                if "progressDeadlineAbort" in strategy
                else {}
            ),
            **(
                {"revisionHistoryLimit": strategy.pop("revisionHistoryLimit")}
                if "revisionHistoryLimit" in strategy
                else {}
            ),
            "strategy": {"blueGreen": {"activeService": "active", "previewService": "preview", **strategy}},
        },
        "status": status or {},
    }


def a_replica_set(
    pod_hash: str,
    revision: int,
    *,
    replicas: int = 2,
    available: int | None = None,
    annotations: dict[str, Any] | None = None,
    template: dict[str, Any] = BLUE,
) -> dict[str, Any]:
    available = replicas if available is None else available
    return {
        "metadata": {
            "name": f"demo-{pod_hash}",
            "uid": f"uid-{pod_hash}",
            "generation": 1,
            "labels": {"app": "demo", "rollouts-pod-template-hash": pod_hash},
            "annotations": {
                "rollout.argoproj.io/revision": str(revision),
                "rollout.argoproj.io/desired-replicas": "2",
                **(annotations or {}),
            },
        },
        "spec": {"replicas": replicas, "template": template},
        "status": {
            "observedGeneration": 1,
            "replicas": replicas,
            "readyReplicas": available,
            "availableReplicas": available,
        },
    }


def a_service(pod_hash: str | None) -> dict[str, Any]:
    selector = {"app": "demo", **({"rollouts-pod-template-hash": pod_hash} if pod_hash else {})}
    return {"metadata": {"name": "svc"}, "spec": {"selector": selector}}


def observe(
    rollout: dict[str, Any], *replica_sets: dict[str, Any], active: str | None = None, preview: str | None = None
) -> Observed:
    model = api.parse_rollout(rollout, check=False)
    assert not isinstance(model, list), model
    errors = tuple(str(e) for e in api.validate(rollout))
    return Observed(
        rollout=model,
        raw=rollout,
        replica_sets=tuple(ReplicaSet.from_raw(rs) for rs in replica_sets),
        services={"active": a_service(active), "preview": a_service(preview)},
        spec_errors=errors,
    )


def stable_status(pod_hash: str = BLUE_HASH, **extra: Any) -> dict[str, Any]:
    return {
        "stableRS": pod_hash,
        "currentPodHash": pod_hash,
        "blueGreen": {"activeSelector": pod_hash, "previewSelector": pod_hash},
        **extra,
    }


def kinds(plan: Any) -> list[str]:
    return [type(action).__name__ for action in plan.actions]


def reasons(plan: Any) -> list[str]:
    return [event.reason for event in plan.events]


def test_first_deploy_creates_the_replica_set_at_full_size() -> None:
    plan = decide(observed=observe(a_rollout(revision=None)), now=NOW)
    [create] = plan.actions
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


def test_first_deploy_points_both_services_and_completes_once_available() -> None:
    plan = decide(observed=observe(a_rollout(revision=None), a_replica_set(BLUE_HASH, 1)), now=NOW)
    assert kinds(plan) == ["AnnotateRollout", "PointService", "PointService"]
    assert {a.service: a.pod_hash for a in plan.actions if isinstance(a, PointService)} == {
        "active": BLUE_HASH,
        "preview": BLUE_HASH,
    }
    assert plan.status.stable_rs == BLUE_HASH and plan.status.phase == "Healthy"
    assert reasons(plan) == ["RolloutUpdated", "RolloutCompleted"]
    assert plan.events[-1].message == f"Rollout completed update to revision 1 ({BLUE_HASH}): Initial deploy"


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
    [create] = plan.actions
    assert isinstance(create, CreateReplicaSet) and create.revision == 2 and create.body["spec"]["replicas"] == expected


def updating(**strategy: Any) -> dict[str, Any]:
    return a_rollout(template=YELLOW, status=stable_status(currentPodHash=YELLOW_HASH), **strategy)


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


def test_abort_keeps_active_on_stable_and_scales_the_preview_down_after_the_delay() -> None:
    status = stable_status(currentPodHash=YELLOW_HASH, abort=True)
    rollout = a_rollout(template=YELLOW, status=status, abortScaleDownDelaySeconds=5)
    preview = a_replica_set(YELLOW_HASH, 2, template=YELLOW)
    observed = observe(rollout, a_replica_set(BLUE_HASH, 1), preview, active=BLUE_HASH, preview=YELLOW_HASH)
    plan = decide(observed=observed, now=NOW)
    assert [a.annotations for a in plan.actions if isinstance(a, AnnotateReplicaSet)] == [
        {"scale-down-deadline": format_time(NOW + timedelta(seconds=5))}
    ]
    assert plan.status.aborted_at == format_time(NOW)
    assert plan.status.phase == "Degraded" and (plan.status.message or "").startswith(
        "RolloutAborted: Rollout aborted update to revision 2"
    )
    assert "RolloutAborted" in reasons(plan)
    assert plan.requeue_after == 5

    waited = copy.deepcopy(preview)
    waited["metadata"]["annotations"]["scale-down-deadline"] = format_time(NOW + timedelta(seconds=5))
    later = decide(
        observed=observe(
            a_rollout(template=YELLOW, status=plan.status.to_dict(), abortScaleDownDelaySeconds=5),
            a_replica_set(BLUE_HASH, 1),
            waited,
            active=BLUE_HASH,
            preview=YELLOW_HASH,
        ),
        now=NOW + timedelta(seconds=6),
    )
    assert [(a.name, a.replicas) for a in later.actions if isinstance(a, ScaleReplicaSet)] == [
        (f"demo-{YELLOW_HASH}", 0)
    ]
    assert "RolloutAborted" not in reasons(later), "the abort event is emitted once"


def test_abort_with_zero_delay_keeps_the_preview_up() -> None:
    status = stable_status(currentPodHash=YELLOW_HASH, abort=True)
    rollout = a_rollout(template=YELLOW, status=status, abortScaleDownDelaySeconds=0)
    observed = observe(
        rollout,
        a_replica_set(BLUE_HASH, 1),
        a_replica_set(YELLOW_HASH, 2, template=YELLOW),
        active=BLUE_HASH,
        preview=YELLOW_HASH,
    )
    plan = decide(observed=observed, now=NOW)
    assert not [a for a in plan.actions if isinstance(a, (ScaleReplicaSet, AnnotateReplicaSet))]


def test_abort_points_active_back_to_stable() -> None:
    status = stable_status(currentPodHash=YELLOW_HASH, abort=True)
    rollout = a_rollout(template=YELLOW, status=status)
    observed = observe(
        rollout,
        a_replica_set(BLUE_HASH, 1),
        a_replica_set(YELLOW_HASH, 2, template=YELLOW),
        active=None,
        preview=YELLOW_HASH,
    )
    plan = decide(observed=observed, now=NOW)
    assert [(a.service, a.pod_hash) for a in plan.actions if isinstance(a, PointService)] == [("active", BLUE_HASH)]


def test_expired_scale_down_deadline_scales_the_old_replica_set_to_zero() -> None:
    deadline = {"scale-down-deadline": format_time(NOW - timedelta(seconds=1))}
    rollout = a_rollout(template=YELLOW, status=stable_status(YELLOW_HASH), revision="2")
    observed = observe(
        rollout,
        a_replica_set(BLUE_HASH, 1, annotations=deadline),
        a_replica_set(YELLOW_HASH, 2, template=YELLOW),
        active=YELLOW_HASH,
        preview=YELLOW_HASH,
    )
    plan = decide(observed=observed, now=NOW)
    [scale] = [a for a in plan.actions if isinstance(a, ScaleReplicaSet)]
    assert (scale.name, scale.replicas, scale.annotations.get("scale-down-deadline", "absent")) == (
        f"demo-{BLUE_HASH}",
        0,
        None,
    )


def test_revision_history_limit_deletes_the_oldest_idle_replica_sets() -> None:
    idle = [a_replica_set(f"old{n}", n, replicas=0) for n in (1, 2, 3)]
    rollout = a_rollout(status=stable_status(), revisionHistoryLimit=1, revision="4")
    plan = decide(
        observed=observe(rollout, *idle, a_replica_set(BLUE_HASH, 4), active=BLUE_HASH, preview=BLUE_HASH), now=NOW
    )
    assert sorted(a.name for a in plan.actions if isinstance(a, DeleteReplicaSet)) == ["demo-old1", "demo-old2"]


def test_fast_rollback_to_a_replica_set_waiting_to_scale_down() -> None:
    deadline = {"scale-down-deadline": format_time(NOW + timedelta(seconds=20))}
    rollout = a_rollout(template=BLUE, status=stable_status(YELLOW_HASH), revision="3", autoPromotionEnabled=False)
    blue = a_replica_set(BLUE_HASH, 3, annotations=deadline)
    observed = observe(
        rollout, blue, a_replica_set(YELLOW_HASH, 2, template=YELLOW), active=YELLOW_HASH, preview=YELLOW_HASH
    )
    plan = decide(observed=observed, now=NOW)
    assert ("active", BLUE_HASH) in [(a.service, a.pod_hash) for a in plan.actions if isinstance(a, PointService)]
    assert plan.status.stable_rs == BLUE_HASH and not plan.status.pause_conditions
    assert plan.events[-1].message.endswith("Fast rollback")


def test_going_back_to_an_old_template_makes_it_the_newest_revision() -> None:
    rollout = a_rollout(template=BLUE, status=stable_status(YELLOW_HASH), revision="2")
    observed = observe(
        rollout,
        a_replica_set(BLUE_HASH, 1, replicas=0),
        a_replica_set(YELLOW_HASH, 2, template=YELLOW),
        active=YELLOW_HASH,
        preview=YELLOW_HASH,
    )
    plan = decide(observed=observed, now=NOW)
    assert plan.actions == (
        AnnotateReplicaSet(
            f"demo-{BLUE_HASH}", {"rollout.argoproj.io/revision": "3", "rollout.argoproj.io/revision-history": "1"}
        ),
    )


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
