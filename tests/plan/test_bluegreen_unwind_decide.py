"""`decide` for blue-green Rollouts leaving an update: abort (and its delay), scale-down deadlines, the revision
history limit and fast rollback. Tables as in test_bluegreen_decide.py; pure.
"""

from __future__ import annotations

import copy
from datetime import timedelta

from bluegreen_scenes import (
    BLUE,
    BLUE_HASH,
    NOW,
    YELLOW,
    YELLOW_HASH,
    a_replica_set,
    a_rollout,
    observe,
    reasons,
    stable_status,
)

from rollouts.api.gotext import format_time
from rollouts.plan.actions import AnnotateReplicaSet, DeleteReplicaSet, PointService, ScaleReplicaSet
from rollouts.plan.decide import decide


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
