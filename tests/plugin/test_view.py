"""What `get rollout` and `list rollouts` show, as data (plugin.view, phases, pods). Pure; no cluster.

Aspects: the phase and message (client-side wrappers, then the controller's phase, then the computed one when a
controller wrote none); step, set weight and actual weight; ReplicaSet health and tags (stable/canary,
active/preview, ping/pong); pod status the way kubectl words it; analysis-run counts and jobs; ownership
filtering and revision grouping; list rows. Excluded: layout and colour (test_render.py).
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
import rollout_objects as objs

from plugin import phases, view


def with_status(rollout: dict[str, Any], **status: Any) -> dict[str, Any]:
    changed = copy.deepcopy(rollout)
    changed["status"] = {**changed.get("status", {}), **status}
    return changed


HEALTHY = objs.canary_healthy()["rollout"]


@pytest.mark.parametrize(
    ("rollout", "phase", "message"),
    [
        pytest.param(HEALTHY, "Healthy", "", id="controller-phase"),
        pytest.param(
            with_status(HEALTHY, observedGeneration="0"),
            "Progressing",
            "waiting for rollout spec update to be observed",
            id="generation-not-observed",
        ),
        pytest.param(
            with_status(HEALTHY, observedGeneration="2"), "Healthy", "", id="generation-ahead-counts-as-observed"
        ),
        pytest.param(
            with_status(HEALTHY, observedGeneration="6f9c8d7b5"), "Healthy", "", id="old-hash-style-generation"
        ),
        pytest.param(
            with_status(HEALTHY, controllerPause=True, pauseConditions=[]),
            "Progressing",
            "waiting for rollout to unpause",
            id="unpausing",
        ),
        pytest.param(objs.canary_paused_at_first_pause()["rollout"], "Paused", "CanaryPauseStep", id="paused-step"),
        pytest.param(
            objs.canary_aborted()["rollout"],
            "Degraded",
            "RolloutAborted: Rollout aborted update to revision 2",
            id="aborted",
        ),
    ],
)
def test_rollout_phase(rollout: dict[str, Any], phase: str, message: str) -> None:
    assert phases.rollout_phase(rollout) == (phase, message)


def test_workload_generation_must_be_observed() -> None:
    rollout = with_status(HEALTHY, workloadObservedGeneration="1")
    rollout["spec"]["workloadRef"] = {"kind": "Deployment", "name": "web"}
    rollout["metadata"]["annotations"] = {"rollout.argoproj.io/workload-generation": "2"}
    assert phases.rollout_phase(rollout) == (
        "Progressing",
        "waiting for rollout spec update to be observed for the reference workload",
    )
    rollout["status"]["workloadObservedGeneration"] = "2"
    assert phases.rollout_phase(rollout)[0] == "Healthy"


def computed(rollout: dict[str, Any], **status: Any) -> dict[str, Any]:
    """A rollout whose controller wrote no phase: the view computes it."""
    changed = with_status(rollout, **status)
    changed["status"].pop("phase", None)
    changed["status"].pop("message", None)
    return changed


BG = objs.bluegreen_preview()["rollout"]
FULL = {"replicas": 5, "updatedReplicas": 5, "availableReplicas": 5, "currentPodHash": "new", "stableRS": "new"}
CANARY = objs.rollout(status=dict(FULL))
BG_RESUMED = with_status(BG, pauseConditions=[], controllerPause=False, **FULL)


def routed(rollout: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(rollout)
    changed["spec"]["strategy"]["canary"]["trafficRouting"] = {"istio": {"virtualService": {"name": "vs"}}}
    return changed


@pytest.mark.parametrize(
    ("rollout", "phase", "message"),
    [
        pytest.param(
            computed(HEALTHY, conditions=[{"type": "InvalidSpec", "message": "bad"}]),
            "Degraded",
            "InvalidSpec: bad",
            id="invalid-spec",
        ),
        pytest.param(
            computed(CANARY, pauseConditions=[{"reason": "CanaryPauseStep"}]),
            "Paused",
            "CanaryPauseStep",
            id="pause-condition",
        ),
        pytest.param(
            computed(CANARY, replicas=6), "Progressing", "old replicas are pending termination", id="old-replicas"
        ),
        pytest.param(computed(routed(CANARY), replicas=6), "Healthy", "", id="routed-old-replicas-kept-up"),
        pytest.param(
            computed(BG_RESUMED, blueGreen={"activeSelector": "new"}, stableRS="old"),
            "Progressing",
            "waiting for post-promotion verification to complete",
            id="bg-verification",
        ),
        pytest.param(
            computed(CANARY, updatedReplicas="three"),
            "Degraded",
            'InvalidSpec: status.updatedReplicas: must be an integer, got "three"',
            id="unreadable-status",
        ),
    ],
)
def test_calculated_phase(rollout: dict[str, Any], phase: str, message: str) -> None:
    """A status without a phase (an old controller's) gets the controller's own rules, `plan.conditions.phase_of`,
    whose every rule is pinned in tests/plan/test_phase.py; these rows show the plugin goes through it."""
    assert phases.rollout_phase(rollout) == (phase, message)


# ---- canary numbers ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scene", "step", "set_weight", "actual_weight"),
    [
        pytest.param(objs.canary_healthy, "8/8", "100", "100", id="done"),
        pytest.param(objs.canary_paused_at_first_pause, "1/8", "20", "20", id="first-pause"),
        pytest.param(objs.canary_aborted, "0/8", "0", "0", id="aborted"),
        pytest.param(objs.canary_with_analysis, "1/3", "40", "33", id="analysis-step"),
    ],
)
def test_canary_numbers(scene: Any, step: str, set_weight: str, actual_weight: str) -> None:
    page = view.rollout_view(now=objs.NOW, **scene())
    assert (page.strategy, page.step, page.set_weight, page.actual_weight) == (
        "Canary",
        step,
        set_weight,
        actual_weight,
    )


def test_actual_weight_with_traffic_routing_uses_the_router_weights() -> None:
    scene = objs.canary_paused_at_first_pause()
    scene["rollout"]["spec"]["strategy"]["canary"]["trafficRouting"] = {"istio": {}, "maxTrafficWeight": 1000}
    page = view.rollout_view(now=objs.NOW, **scene)
    assert page.actual_weight == "20", "no weights recorded yet: the set weight"
    scene["rollout"]["status"]["canary"] = {"weights": {"canary": {"weight": 150}, "stable": {"weight": 850}}}
    assert view.rollout_view(now=objs.NOW, **scene).actual_weight == "150"
    scene["rollout"]["status"]["currentStepIndex"] = 8
    assert view.rollout_view(now=objs.NOW, **scene).actual_weight == "1000", "past the last step: the maximum weight"


def test_bluegreen_has_no_canary_numbers() -> None:
    page = view.rollout_view(now=objs.NOW, **objs.bluegreen_preview())
    assert (page.strategy, page.step, page.set_weight, page.actual_weight) == ("BlueGreen", "", "", "")


# ---- replica sets, pods, runs ------------------------------------------------------------------------------------


def test_tags_and_images() -> None:
    canary = view.rollout_view(now=objs.NOW, **objs.canary_paused_at_first_pause())
    assert [(rs.name, rs.tags) for revision in canary.revisions for rs in revision.replicasets] == [
        ("demo-6d8c4b9f7c", ("canary",)),
        ("demo-7b9f5d8c6d", ("stable",)),
    ]
    blue_green = view.rollout_view(now=objs.NOW, **objs.bluegreen_preview())
    assert [rs.tags for revision in blue_green.revisions for rs in revision.replicasets] == [
        ("preview",),
        ("stable", "active"),
    ]
    assert [(i.image, i.tags) for i in blue_green.images] == [
        (objs.IMAGE_BLUE, ("stable", "active")),
        (objs.IMAGE_YELLOW, ("preview",)),
    ]


def test_ping_pong_tags() -> None:
    scene = objs.canary_paused_at_first_pause()
    scene["rollout"]["spec"]["strategy"]["canary"]["pingPong"] = {"pingService": "ping", "pongService": "pong"}
    scene["rollout"]["status"]["canary"] = {"stablePingPong": "ping"}
    page = view.rollout_view(now=objs.NOW, **scene)
    assert [rs.tags for revision in page.revisions for rs in revision.replicasets] == [
        ("canary", "pong"),
        ("stable", "ping"),
    ]


def test_same_image_in_two_replicasets_merges_sorted_tags() -> None:
    scene = objs.canary_paused_at_first_pause()
    scene["replicasets"][0]["spec"]["template"]["spec"]["containers"][0]["image"] = objs.IMAGE_BLUE
    page = view.rollout_view(now=objs.NOW, **scene)
    assert [(i.image, i.tags) for i in page.images] == [(objs.IMAGE_BLUE, ("canary", "stable"))]


def test_images_skip_replicasets_without_pods() -> None:
    page = view.rollout_view(now=objs.NOW, **objs.canary_aborted())
    assert [i.image for i in page.images] == [objs.IMAGE_BLUE]


def replicaset(**changes: Any) -> dict[str, Any]:
    rs = objs.replicaset(objs.rollout(), "abc", 1, replicas=3)
    for path, value in changes.items():
        section, key = path.split("__")
        rs[section][key] = value
    return rs


@pytest.mark.parametrize(
    ("rs", "health", "icon"),
    [
        pytest.param(replicaset(), "Healthy", "✔", id="healthy"),
        pytest.param(replicaset(metadata__generation=2), "Progressing", "◌", id="generation-not-observed"),
        pytest.param(replicaset(status__availableReplicas=1), "Progressing", "◌", id="pods-not-available"),
        pytest.param(
            replicaset(status__conditions=[{"type": "ReplicaFailure", "status": "True"}]),
            "ReplicaFailure",
            "✖",
            id="replica-failure",
        ),
        pytest.param(replicaset(spec__replicas=0, status__availableReplicas=0), "ScaledDown", "•", id="scaled-down"),
    ],
)
def test_replicaset_health(rs: dict[str, Any], health: str, icon: str) -> None:
    rollout = objs.rollout()
    page = view.rollout_view(rollout=rollout, replicasets=[rs], now=objs.NOW)
    (only,) = page.revisions[0].replicasets
    assert (only.status, only.icon) == (health, icon)


@pytest.mark.parametrize(
    ("deadline", "delay"),
    [
        pytest.param(objs.stamp(timedelta(hours=-4)), "4h", id="in-four-hours"),
        pytest.param(objs.stamp(timedelta(seconds=5)), "passed", id="passed"),
    ],
)
def test_scale_down_delay(deadline: str, delay: str) -> None:
    rollout = objs.rollout()
    rs = objs.replicaset(rollout, "abc", 1, replicas=3, annotations={"scale-down-deadline": deadline})
    (only,) = view.rollout_view(rollout=rollout, replicasets=[rs], now=objs.NOW).revisions[0].replicasets
    assert only.scale_down_delay == delay


def test_analysis_runs_counts_jobs_and_order() -> None:
    page = view.rollout_view(now=objs.NOW, **objs.canary_with_analysis())
    runs = page.revisions[0].analysis_runs
    assert [(r.name, r.status, r.icon, r.successful, r.failed, r.inconclusive, r.error) for r in runs] == [
        ("demo-6d8c4b9f7c-2", "Failed", "✖", 1, 1, 0, 0),
        ("demo-6d8c4b9f7c-2-1", "Running", "◌", 2, 1, 0, 0),
    ]
    assert [(j.name, j.status, j.icon, j.age) for j in runs[0].jobs] == [
        ("ar-uid.integration.1", "Successful", "✔", "4m"),
        ("ar-uid.integration.2", "Failed", "✖", "2m"),
    ]


def test_only_owned_objects_are_shown() -> None:
    scene = objs.canary_paused_at_first_pause()
    stranger = objs.rollout("other", uid="other-uid")
    scene["replicasets"].append(objs.replicaset(stranger, "fff", 9, replicas=1))
    scene["analysis_runs"].append(objs.analysis_run(stranger, "other-run", 9, phase="Running"))
    orphan_pod = objs.pod(objs.replicaset(stranger, "eee", 9, replicas=1), "zzz")
    scene["pods"].append(orphan_pod)
    page = view.rollout_view(now=objs.NOW, **scene)
    assert [r.number for r in page.revisions] == [2, 1]
    assert sum(len(rs.pods) for r in page.revisions for rs in r.replicasets) == 5


def test_revisions_newest_first_and_ages_optional() -> None:
    page = view.rollout_view(now=None, **objs.canary_paused_at_first_pause())
    assert [r.number for r in page.revisions] == [2, 1]
    assert {page.age} | {rs.age for r in page.revisions for rs in r.replicasets} == {""}


def test_experiments_group_their_replicasets_and_runs() -> None:
    scene = objs.canary_paused_at_first_pause()
    rollout = scene["rollout"]
    experiment = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Experiment",
        "metadata": {
            "name": "demo-6d8c4b9f7c-2-2",
            "uid": "exp-uid",
            "creationTimestamp": objs.stamp(timedelta(minutes=1)),
            "annotations": {"rollout.argoproj.io/revision": "2"},
            "ownerReferences": [objs.owner(rollout)],
        },
        "status": {"phase": "Running"},
    }
    exp_rs = objs.replicaset(
        experiment | {"spec": rollout["spec"]},
        "e1e1e1",
        2,
        replicas=1,
        image="baseline:1",
        annotations={"experiment.argoproj.io/template-name": "baseline"},
        uid="exp-rs",
    )
    scene["replicasets"].append(exp_rs)
    page = view.rollout_view(experiments=[experiment], now=objs.NOW, **scene)
    (shown,) = page.revisions[0].experiments
    assert (shown.name, shown.status, shown.icon) == ("demo-6d8c4b9f7c-2-2", "Running", "◌")
    assert [rs.name for rs in shown.replicasets] == [exp_rs["metadata"]["name"]]
    assert ("baseline:1", ("Σ:baseline",)) in [(i.image, i.tags) for i in page.images]


# ---- list rows ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scene", "row"),
    [
        pytest.param(
            objs.canary_paused_at_first_pause, ("demo", "Canary", "Paused", "1/8", "20", "5/5", 5, 1, 5), id="canary"
        ),
        pytest.param(
            objs.bluegreen_preview, ("bluegreen-demo", "BlueGreen", "Paused", "-", "-", "6/6", 3, 3, 3), id="bluegreen"
        ),
    ],
)
def test_rollout_row(scene: Any, row: tuple[Any, ...]) -> None:
    shown = view.rollout_row(scene()["rollout"])
    assert (
        shown.name,
        shown.strategy,
        shown.status,
        shown.step,
        shown.set_weight,
        shown.ready,
        shown.desired,
        shown.up_to_date,
        shown.available,
    ) == row


def test_rollout_row_without_strategy() -> None:
    rollout = objs.rollout(strategy={})
    shown = view.rollout_row(rollout)
    assert (shown.strategy, shown.step, shown.set_weight) == ("unknown", "-", "-")
