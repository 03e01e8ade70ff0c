"""The patches each mutating command sends (plugin.intents), as tables. Pure; no cluster.

Aspects: promote in every case Argo distinguishes (spec pause, pause conditions, inconclusive step analysis,
canary without pause conditions, capped step index, blue-green, --full), the status-before-spec order and the
no-status-subresource fallback; abort/retry/pause/resume/restart bodies; set image over init/regular/ephemeral
containers and `*`; undo's choice of revision, template comparison and workloadRef targets; terminate.
Excluded: sending them (test_commands.py does, against the real cluster).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from plugin import intents
from plugin.intents import Change, Target

NAME = "demo"
SPEC = Target("Rollout", NAME)
STATUS = Target("Rollout", NAME, "status")


def a_rollout(*, canary_steps: int | None = 3, blue_green: bool = False, paused: bool = False, **status: Any) -> dict:
    strategy: dict = {"blueGreen": {"activeService": "a"}} if blue_green else {"canary": {"steps": [{"setWeight": 10}] * (canary_steps or 0)}}
    spec: dict = {"strategy": strategy, "template": {"metadata": {"labels": {"app": NAME}}, "spec": {"containers": []}}}
    if paused:
        spec["paused"] = True
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": NAME, "uid": "ro-uid"}, "spec": spec, "status": status}


@dataclass(frozen=True)
class PromoteCase:
    rollout: dict
    full: bool
    changes: list[Change]
    fallback: dict = field(default_factory=dict)


PAUSED_STEP = [{"reason": "CanaryPauseStep", "startTime": "2026-03-01T12:00:00Z"}]
INCONCLUSIVE = {"currentStepAnalysisRunStatus": {"name": "demo-1", "status": "Inconclusive"}}

PROMOTE_CASES = [
    pytest.param(
        PromoteCase(
            a_rollout(pauseConditions=PAUSED_STEP, currentStepIndex=1),
            False,
            [Change(STATUS, "merge", {"status": {"pauseConditions": None}})],
            {"spec": {"paused": False}, "status": {"pauseConditions": None}},
        ),
        id="canary-pause-step-clears-pause-conditions",
    ),
    pytest.param(
        PromoteCase(
            a_rollout(paused=True, pauseConditions=PAUSED_STEP, currentStepIndex=1),
            False,
            [Change(STATUS, "merge", {"status": {"pauseConditions": None}}), Change(SPEC, "merge", {"spec": {"paused": False}})],
            {"spec": {"paused": False}, "status": {"pauseConditions": None}},
        ),
        id="spec-paused-status-first-then-spec",
    ),
    pytest.param(
        PromoteCase(
            a_rollout(pauseConditions=PAUSED_STEP, controllerPause=True, currentStepIndex=1, canary=INCONCLUSIVE),
            False,
            [Change(STATUS, "merge", {"status": {"pauseConditions": None, "controllerPause": False, "currentStepIndex": 2}})],
            {"spec": {"paused": False}, "status": {"pauseConditions": None}},
        ),
        id="inconclusive-step-analysis-skips-the-step",
    ),
    pytest.param(
        PromoteCase(
            a_rollout(pauseConditions=PAUSED_STEP, controllerPause=False, currentStepIndex=1, canary=INCONCLUSIVE),
            False,
            [Change(STATUS, "merge", {"status": {"pauseConditions": None}})],
            {"spec": {"paused": False}, "status": {"pauseConditions": None}},
        ),
        id="inconclusive-without-controller-pause-only-clears",
    ),
    pytest.param(
        PromoteCase(
            a_rollout(currentStepIndex=1),
            False,
            [Change(STATUS, "merge", {"status": {"pauseConditions": None, "currentStepIndex": 2}})],
            {"spec": {"paused": False}, "status": {"pauseConditions": None, "currentStepIndex": 2}},
        ),
        id="canary-running-step-moves-to-next",
    ),
    pytest.param(
        PromoteCase(
            a_rollout(),
            False,
            [Change(STATUS, "merge", {"status": {"pauseConditions": None, "currentStepIndex": 1}})],
            {"spec": {"paused": False}, "status": {"pauseConditions": None, "currentStepIndex": 1}},
        ),
        id="canary-without-index-starts-at-zero",
    ),
    pytest.param(
        PromoteCase(
            a_rollout(currentStepIndex=3),
            False,
            [Change(STATUS, "merge", {"status": {"pauseConditions": None, "currentStepIndex": 3}})],
            {"spec": {"paused": False}, "status": {"pauseConditions": None, "currentStepIndex": 3}},
        ),
        id="canary-index-capped-at-number-of-steps",
    ),
    pytest.param(
        PromoteCase(
            a_rollout(canary_steps=None, paused=True),
            False,
            [Change(SPEC, "merge", {"spec": {"paused": False}})],
            {"spec": {"paused": False}, "status": {"pauseConditions": None}},
        ),
        id="canary-without-steps-only-unpauses",
    ),
    pytest.param(
        PromoteCase(
            a_rollout(blue_green=True, paused=True),
            False,
            [Change(SPEC, "merge", {"spec": {"paused": False}})],
            {"spec": {"paused": False}, "status": {"pauseConditions": None}},
        ),
        id="bluegreen-without-pause-conditions-only-unpauses-spec",
    ),
    pytest.param(
        PromoteCase(
            a_rollout(blue_green=True, pauseConditions=[{"reason": "BlueGreenPause"}], controllerPause=True),
            False,
            [Change(STATUS, "merge", {"status": {"pauseConditions": None}})],
            {"spec": {"paused": False}, "status": {"pauseConditions": None}},
        ),
        id="bluegreen-pause-clears-pause-conditions",
    ),
    pytest.param(
        PromoteCase(a_rollout(blue_green=True), False, [], {"spec": {"paused": False}, "status": {"pauseConditions": None}}),
        id="bluegreen-nothing-to-do",
    ),
    pytest.param(
        PromoteCase(
            a_rollout(paused=True, currentPodHash="new", stableRS="old", currentStepIndex=1),
            True,
            [Change(STATUS, "merge", {"status": {"promoteFull": True}}), Change(SPEC, "merge", {"spec": {"paused": False}})],
            {"spec": {"paused": False}, "status": {"promoteFull": True}},
        ),
        id="full-unpauses-and-promotes",
    ),
    pytest.param(
        PromoteCase(a_rollout(currentPodHash="same", stableRS="same"), True, [], {"spec": {"paused": False}, "status": {"promoteFull": True}}),
        id="full-when-already-stable-sends-nothing",
    ),
]


@pytest.mark.parametrize("case", PROMOTE_CASES)
def test_promote(case: PromoteCase) -> None:
    before = copy.deepcopy(case.rollout)
    intent = intents.promote(case.rollout, full=case.full)
    assert list(intent.changes) == case.changes
    assert intent.fallback == (Change(SPEC, "merge", case.fallback),)
    assert intent.message == (f"rollout '{NAME}' fully promoted" if case.full else f"rollout '{NAME}' promoted")
    assert case.rollout == before, "intents must not modify their input"


@pytest.mark.parametrize(
    ("intent", "changes", "message"),
    [
        pytest.param(intents.abort(NAME), [Change(STATUS, "merge", {"status": {"abort": True}})], "rollout 'demo' aborted", id="abort"),
        pytest.param(intents.retry(NAME), [Change(STATUS, "merge", {"status": {"abort": False}})], "rollout 'demo' retried", id="retry"),
        pytest.param(intents.pause(NAME), [Change(SPEC, "merge", {"spec": {"paused": True}})], "rollout 'demo' paused", id="pause"),
        pytest.param(
            intents.terminate_analysis_run("run-1"),
            [Change(Target("AnalysisRun", "run-1"), "merge", {"spec": {"terminate": True}})],
            "analysisRun 'run-1' terminated",
            id="terminate-analysisrun",
        ),
        pytest.param(
            intents.resume(a_rollout(paused=True, pauseConditions=PAUSED_STEP, currentStepIndex=1)),
            [Change(STATUS, "merge", {"status": {"pauseConditions": None}}), Change(SPEC, "merge", {"spec": {"paused": False}})],
            "rollout 'demo' resumed",
            id="resume-clears-both-never-moves-the-step",
        ),
        pytest.param(intents.resume(a_rollout(currentStepIndex=1)), [], "rollout 'demo' resumed", id="resume-nothing-paused"),
    ],
)
def test_simple_intents(intent: intents.Intent, changes: list[Change], message: str) -> None:
    assert list(intent.changes) == changes
    assert intent.message == message


@pytest.mark.parametrize("intent", [intents.abort(NAME), intents.retry(NAME)], ids=["abort", "retry"])
def test_status_flags_fall_back_to_the_object_itself(intent: intents.Intent) -> None:
    (status_change,) = intent.changes
    assert intent.fallback == (Change(SPEC, "merge", status_change.body),)


@pytest.mark.parametrize(
    ("now", "delay", "text", "restart_at"),
    [
        pytest.param(datetime(2026, 3, 1, 12, 0, 0, 999_000, tzinfo=UTC), 0.0, "0s", "2026-03-01T12:00:00Z", id="now-whole-seconds"),
        pytest.param(datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC), 90.0, "1m30s", "2026-03-01T12:01:30Z", id="in-90s"),
        pytest.param(datetime.fromisoformat("2026-03-01T14:00:00+02:00"), 3600.0, "1h", "2026-03-01T13:00:00Z", id="converted-to-utc"),
    ],
)
def test_restart(now: datetime, delay: float, text: str, restart_at: str) -> None:
    intent = intents.restart(NAME, now=now, delay_seconds=delay, delay_text=text)
    assert intent.changes == (Change(SPEC, "merge", {"spec": {"restartAt": restart_at}}),)
    assert intent.message == f"rollout 'demo' restarts in {text}"


# ---- set image ---------------------------------------------------------------------------------------------------


def with_containers() -> dict:
    rollout = a_rollout()
    rollout["spec"]["template"]["spec"] = {
        "initContainers": [{"name": "init", "image": "busybox:1"}],
        "containers": [{"name": "app", "image": "app:1"}, {"name": "sidecar", "image": "proxy:1"}],
        "ephemeralContainers": [{"name": "debug", "image": "debug:1"}],
    }
    return rollout


def images_of(obj: dict) -> dict[str, str]:
    pod_spec = obj["spec"]["template"]["spec"]
    return {c["name"]: c["image"] for key in intents.CONTAINER_LISTS for c in pod_spec.get(key, [])}


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        pytest.param("app", {"init": "busybox:1", "app": "new:2", "sidecar": "proxy:1", "debug": "debug:1"}, id="one-container"),
        pytest.param("init", {"init": "new:2", "app": "app:1", "sidecar": "proxy:1", "debug": "debug:1"}, id="init-container"),
        pytest.param("debug", {"init": "busybox:1", "app": "app:1", "sidecar": "proxy:1", "debug": "new:2"}, id="ephemeral-container"),
        pytest.param("*", {"init": "new:2", "app": "new:2", "sidecar": "new:2", "debug": "new:2"}, id="star-sets-all"),
    ],
)
def test_set_image(container: str, expected: dict[str, str]) -> None:
    original = with_containers()
    intent = intents.set_image(original, container, "new:2")
    (change,) = intent.changes
    assert change.target == SPEC and change.kind == "replace"
    assert images_of(change.body) == expected
    assert images_of(original)["app"] == "app:1", "the input object is left alone"
    assert intent.message == 'rollout "demo" image updated'


def test_set_image_unknown_container() -> None:
    with pytest.raises(intents.IntentError, match=r'^unable to find container named "nope"$'):
        intents.set_image(with_containers(), "nope", "new:2")


def test_set_image_on_a_deployment_names_it() -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "a"}]}}},
    }
    intent = intents.set_image(deployment, "app", "b")
    assert intent.changes[0].target == Target("Deployment", "web")
    assert intent.message == 'deployment "web" image updated'


@pytest.mark.parametrize(
    ("spec", "target"),
    [
        pytest.param({}, None, id="own-template"),
        pytest.param({"workloadRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}, Target("Deployment", "web"), id="deployment"),
    ],
)
def test_workload_ref(spec: dict, target: Target | None) -> None:
    assert intents.workload_ref({"spec": spec}) == target


# ---- undo --------------------------------------------------------------------------------------------------------


def a_replicaset(revision: str | None, image: str, *, owner: str = "ro-uid", controller: bool = True, pod_hash: str = "h") -> dict:
    annotations = {} if revision is None else {"rollout.argoproj.io/revision": revision}
    return {
        "metadata": {"name": f"demo-{pod_hash}", "annotations": annotations, "ownerReferences": [{"uid": owner, "controller": controller}]},
        "spec": {
            "template": {
                "metadata": {"labels": {"app": NAME, "rollouts-pod-template-hash": pod_hash}},
                # server defaults the Rollout's template does not spell out
                "spec": {"containers": [{"name": "app", "image": image, "imagePullPolicy": "IfNotPresent"}], "restartPolicy": "Always"},
            }
        },
    }


def rollout_running(image: str) -> dict:
    rollout = a_rollout()
    rollout["spec"]["template"]["spec"] = {"containers": [{"name": "app", "image": image}]}
    return rollout


HISTORY = [a_replicaset("3", "app:3", pod_hash="c"), a_replicaset("1", "app:1", pod_hash="a"), a_replicaset("2", "app:2", pod_hash="b")]


@pytest.mark.parametrize(
    ("to_revision", "image"),
    [pytest.param(0, "app:2", id="default-is-the-second-newest"), pytest.param(1, "app:1", id="explicit-revision")],
)
def test_undo_replaces_the_template_without_the_hash_label(to_revision: int, image: str) -> None:
    intent = intents.undo(rollout_running("app:3"), HISTORY, to_revision=to_revision)
    (change,) = intent.changes
    assert change.target == SPEC and change.kind == "json"
    (operation,) = change.body
    assert operation["op"] == "replace" and operation["path"] == "/spec/template"
    assert operation["value"]["metadata"]["labels"] == {"app": NAME}
    assert operation["value"]["spec"]["containers"][0]["image"] == image
    assert intent.message == "rollout 'demo' undo"
    assert HISTORY[2]["spec"]["template"]["metadata"]["labels"]["rollouts-pod-template-hash"] == "b", "input untouched"


def test_undo_skips_when_the_template_already_matches() -> None:
    intent = intents.undo(rollout_running("app:2"), HISTORY)
    assert intent.changes == ()
    assert intent.message == "skipped rollback (current template already matches revision 2)"


@pytest.mark.parametrize(
    ("replicasets", "to_revision", "error"),
    [
        pytest.param(HISTORY, 7, "unable to find specified revision 7 in history", id="missing-revision"),
        pytest.param(HISTORY[:1], 0, 'no revision found for rollout "demo"', id="only-one-revision"),
        pytest.param([a_replicaset("1", "x", owner="other"), HISTORY[0]], 0, 'no revision found for rollout "demo"', id="foreign-owner-ignored"),
        pytest.param([a_replicaset("1", "x", controller=False), HISTORY[0]], 0, 'no revision found for rollout "demo"', id="non-controller-ignored"),
    ],
)
def test_undo_errors(replicasets: list[dict], to_revision: int, error: str) -> None:
    with pytest.raises(intents.IntentError, match=f"^{error}$"):
        intents.undo(rollout_running("app:3"), replicasets, to_revision=to_revision)


@pytest.mark.parametrize("kind", ["Deployment", "ReplicaSet", "PodTemplate"])
def test_undo_with_workload_ref_patches_the_referenced_object(kind: str) -> None:
    rollout = a_rollout()
    del rollout["spec"]["template"]
    rollout["spec"]["workloadRef"] = {"kind": kind, "name": "web"}
    (change,) = intents.undo(rollout, HISTORY).changes
    assert change.target == Target(kind, "web")


def test_undo_with_unsupported_workload_kind() -> None:
    rollout = a_rollout()
    del rollout["spec"]["template"]
    rollout["spec"]["workloadRef"] = {"kind": "StatefulSet", "name": "web"}
    with pytest.raises(intents.IntentError, match="workload of type StatefulSet is not supported"):
        intents.undo(rollout, HISTORY)
