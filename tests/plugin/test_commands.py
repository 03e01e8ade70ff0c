"""Mutating commands against the real cluster: what each one leaves in the API, and what it prints.

Aspects: promote (pause step, spec pause, inconclusive step analysis, running canary step, blue-green, --full),
abort, retry, pause, resume, restart [--in], undo [--to-revision] (and its skip), set image (container, `*`,
unknown container, workloadRef Deployment, conflict retry), terminate analysisrun, and errors for missing objects.
Each test creates the Rollout with the status the controller would have written, runs the command, then reads
the objects back. Excluded: the patch bodies as data (test_intents.py); the controller reacting to them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import rollout_objects as objs
from click.testing import Result
from cluster_objects import Places

from plugin import intents, send
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube

pytestmark = pytest.mark.cluster

RunCli = Callable[..., Result]


def ok(result: Result) -> str:
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    return result.stdout


def paused_canary(place: Places, **status_changes: object) -> dict:
    rollout = objs.canary_paused_at_first_pause()["rollout"]
    rollout["status"].update(status_changes)
    return place.rollout(rollout)


def test_promote_clears_the_pause_and_keeps_the_step(place: Places, run_cli: RunCli) -> None:
    paused_canary(place)
    assert ok(run_cli("promote", "demo")) == "rollout 'demo' promoted\n"
    status = place.get_rollout("demo")["status"]
    assert "pauseConditions" not in status
    assert status["currentStepIndex"] == 1, "the controller moves on once it sees the pause cleared"
    assert status["controllerPause"] is True


def test_promote_unpauses_a_manually_paused_rollout(place: Places, run_cli: RunCli) -> None:
    rollout = objs.canary_paused_at_first_pause()["rollout"]
    rollout["spec"]["paused"] = True
    place.rollout(rollout)
    ok(run_cli("promote", "demo"))
    stored = place.get_rollout("demo")
    assert stored["spec"]["paused"] is False
    assert "pauseConditions" not in stored["status"]


def test_promote_skips_an_inconclusive_step_analysis(place: Places, run_cli: RunCli) -> None:
    paused_canary(
        place,
        pauseConditions=[objs.pause_condition("InconclusiveAnalysisRun")],
        currentStepIndex=2,
        canary={"currentStepAnalysisRunStatus": {"name": "demo-6d8c4b9f7c-2-2", "status": "Inconclusive"}},
    )
    ok(run_cli("promote", "demo"))
    status = place.get_rollout("demo")["status"]
    assert "pauseConditions" not in status
    assert status["controllerPause"] is False
    assert status["currentStepIndex"] == 3


def test_promote_moves_a_running_canary_step_on_capped_at_the_end(place: Places, run_cli: RunCli) -> None:
    paused_canary(place, pauseConditions=None, controllerPause=False, currentStepIndex=7)
    ok(run_cli("promote", "demo"))
    assert place.get_rollout("demo")["status"]["currentStepIndex"] == 8
    ok(run_cli("promote", "demo"))
    assert place.get_rollout("demo")["status"]["currentStepIndex"] == 8, "never past the number of steps"


def test_promote_bluegreen_paused_by_the_controller(place: Places, run_cli: RunCli) -> None:
    place.rollout(objs.bluegreen_preview()["rollout"])
    ok(run_cli("promote", "bluegreen-demo"))
    status = place.get_rollout("bluegreen-demo")["status"]
    assert "pauseConditions" not in status
    assert "currentStepIndex" not in status


def test_promote_full(place: Places, run_cli: RunCli) -> None:
    rollout = objs.canary_paused_at_first_pause()["rollout"]
    rollout["spec"]["paused"] = True
    place.rollout(rollout)
    assert ok(run_cli("promote", "demo", "--full")) == "rollout 'demo' fully promoted\n"
    stored = place.get_rollout("demo")
    assert stored["status"]["promoteFull"] is True
    assert stored["spec"]["paused"] is False
    assert stored["status"]["pauseConditions"], "--full leaves pause conditions to the controller"


@pytest.mark.parametrize(
    ("command", "status", "output"),
    [
        pytest.param(("abort", "demo"), {"abort": True}, "rollout 'demo' aborted\n", id="abort"),
        pytest.param(("retry", "rollout", "demo"), {"abort": False}, "rollout 'demo' retried\n", id="retry"),
        pytest.param(("retry", "ro", "demo"), {"abort": False}, "rollout 'demo' retried\n", id="retry-alias"),
    ],
)
def test_abort_and_retry_write_status(place: Places, run_cli: RunCli, command: tuple[str, ...], status: dict, output: str) -> None:
    paused_canary(place, abort=not status["abort"])
    assert ok(run_cli(*command)) == output
    stored = place.get_rollout("demo")
    assert stored["status"]["abort"] is status["abort"]
    assert stored["metadata"]["generation"] == 1, "a status write leaves the spec generation alone"


def test_pause_then_resume(place: Places, run_cli: RunCli) -> None:
    paused_canary(place)
    assert ok(run_cli("pause", "demo")) == "rollout 'demo' paused\n"
    assert place.get_rollout("demo")["spec"]["paused"] is True
    assert ok(run_cli("resume", "demo")) == "rollout 'demo' resumed\n"
    stored = place.get_rollout("demo")
    assert stored["spec"]["paused"] is False
    assert "pauseConditions" not in stored["status"]
    assert stored["status"]["currentStepIndex"] == 1, "resume never skips a step"


@pytest.mark.parametrize(("args", "delay", "said"), [pytest.param((), 0, "0s", id="now"), pytest.param(("--in", "90s"), 90, "90s", id="in-90s")])
def test_restart(place: Places, run_cli: RunCli, args: tuple[str, ...], delay: int, said: str) -> None:
    paused_canary(place)
    before = datetime.now(UTC).replace(microsecond=0)
    assert ok(run_cli("restart", "demo", *args)) == f"rollout 'demo' restarts in {said}\n"
    after = datetime.now(UTC)
    restart_at = place.get_rollout("demo")["spec"]["restartAt"]
    assert restart_at.endswith("Z") and "." not in restart_at, "RFC 3339, UTC, whole seconds"
    assert before + timedelta(seconds=delay) <= datetime.fromisoformat(restart_at) <= after + timedelta(seconds=delay)


def rollout_with_history(place: Places, current_image: str) -> dict:
    rollout = objs.rollout(image=current_image, status={"phase": "Healthy", "observedGeneration": "1"})
    stored = place.rollout(rollout)
    for revision, (pod_hash, image) in enumerate([("aaa111", "app:1"), ("bbb222", "app:2"), ("ccc333", "app:3")], start=1):
        rs = objs.replicaset(stored, pod_hash, revision, replicas=0, image=image)
        place.owned(resources.REPLICASETS, rs, stored)
    # Same labels, revision 9, but not controlled by the Rollout: undo must not pick it.
    foreign = objs.replicaset(stored, "ddd444", 9, replicas=0, image="app:9")
    foreign["metadata"] = {key: foreign["metadata"][key] for key in ("name", "labels", "annotations")}
    del foreign["status"]
    place.kube.create(resources.REPLICASETS, place.namespace, foreign)
    return stored


def image_of(rollout: dict) -> str:
    return rollout["spec"]["template"]["spec"]["containers"][0]["image"]


@pytest.mark.parametrize(
    ("args", "image"), [pytest.param((), "app:2", id="previous"), pytest.param(("--to-revision", "1"), "app:1", id="to-revision")]
)
def test_undo(place: Places, run_cli: RunCli, args: tuple[str, ...], image: str) -> None:
    rollout_with_history(place, "app:3")
    assert ok(run_cli("undo", "demo", *args)) == "rollout 'demo' undo\n"
    stored = place.get_rollout("demo")
    assert image_of(stored) == image
    assert stored["spec"]["template"]["metadata"]["labels"] == {"app": "demo"}, "the hash label is not carried over"
    assert stored["metadata"]["generation"] == 2


def test_undo_skips_when_already_there(place: Places, run_cli: RunCli) -> None:
    rollout_with_history(place, "app:2")
    assert ok(run_cli("undo", "demo")) == "skipped rollback (current template already matches revision 2)\n"
    assert place.get_rollout("demo")["metadata"]["generation"] == 1


def test_undo_to_a_missing_revision(place: Places, run_cli: RunCli) -> None:
    rollout_with_history(place, "app:3")
    result = run_cli("undo", "demo", "--to-revision", "9")
    assert result.exit_code == 1
    assert result.stderr == "Error: unable to find specified revision 9 in history\n", "revision 9 exists, but not owned by demo"


def with_sidecar(rollout: dict) -> dict:
    rollout = copy.deepcopy(rollout)
    pod_spec = rollout["spec"]["template"]["spec"]
    pod_spec["containers"].append({"name": "proxy", "image": "envoy:1"})
    pod_spec["initContainers"] = [{"name": "migrate", "image": "app:1"}]
    return rollout


def images(obj: dict) -> dict[str, str]:
    pod_spec = obj["spec"]["template"]["spec"]
    return {c["name"]: c["image"] for key in ("initContainers", "containers") for c in pod_spec.get(key, [])}


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        pytest.param("app=app:2", {"migrate": "app:1", "app": "app:2", "proxy": "envoy:1"}, id="one"),
        pytest.param("migrate=app:2", {"migrate": "app:2", "app": objs.IMAGE_BLUE, "proxy": "envoy:1"}, id="init"),
        pytest.param("*=app:2", {"migrate": "app:2", "app": "app:2", "proxy": "app:2"}, id="all"),
    ],
)
def test_set_image(place: Places, run_cli: RunCli, assignment: str, expected: dict[str, str]) -> None:
    place.rollout(with_sidecar(objs.canary_healthy()["rollout"]))
    assert ok(run_cli("set", "image", "demo", assignment)) == 'rollout "demo" image updated\n'
    stored = place.get_rollout("demo")
    assert images(stored) == expected
    assert stored["metadata"]["generation"] == 2
    assert stored["status"]["phase"] == "Healthy", "a full update (PUT) of the object leaves its status alone"


def test_set_image_unknown_container(place: Places, run_cli: RunCli) -> None:
    place.rollout(objs.canary_healthy()["rollout"])
    result = run_cli("set", "image", "demo", "nope=app:2")
    assert result.exit_code == 1
    assert result.stderr == 'Error: unable to find container named "nope"\n'
    assert place.get_rollout("demo")["metadata"]["generation"] == 1


def test_set_image_on_workload_ref_updates_the_deployment(place: Places, run_cli: RunCli, kube: Kube, namespace: str) -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "demo"}}, "template": objs.template("demo", "app:1")},
    }
    kube.create(resources.DEPLOYMENTS, namespace, deployment)
    rollout = objs.rollout()
    del rollout["spec"]["template"]
    rollout["spec"]["workloadRef"] = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    place.rollout(rollout)
    assert ok(run_cli("set", "image", "demo", "app=app:2")) == 'deployment "web" image updated\n'
    assert images(kube.get(resources.DEPLOYMENTS, namespace, "web")) == {"app": "app:2"}
    assert place.get_rollout("demo")["metadata"]["generation"] == 1


def test_full_updates_retry_on_conflict(place: Places, kube: Kube, namespace: str) -> None:
    """The first attempt sends a stale copy (as if someone wrote in between): it must be rebuilt and resent."""
    stale = place.rollout(objs.canary_healthy()["rollout"])
    place.set_status("demo", {"message": "someone else wrote"})
    attempts: list[dict] = []

    def build() -> intents.Intent:
        source = stale if not attempts else kube.get(resources.ROLLOUTS, namespace, "demo")
        attempts.append(source)
        return intents.set_image(source, "app", "app:2")

    send.send_fresh(kube, namespace, build)
    assert len(attempts) == 2
    assert image_of(place.get_rollout("demo")) == "app:2"
    with pytest.raises(errors.Conflict):
        send.send_fresh(kube, namespace, lambda: intents.set_image(stale, "app", "app:3"), attempts=2)


def test_terminate_analysis_run(place: Places, run_cli: RunCli, kube: Kube, namespace: str) -> None:
    stored = place.rollout(objs.canary_with_analysis()["rollout"])
    run = objs.analysis_run(stored, "demo-6d8c4b9f7c-2-1", 2, phase="Running")
    place.owned(resources.ANALYSIS_RUNS, run, stored)
    assert ok(run_cli("terminate", "ar", "demo-6d8c4b9f7c-2-1")) == "analysisRun 'demo-6d8c4b9f7c-2-1' terminated\n"
    assert kube.get(resources.ANALYSIS_RUNS, namespace, "demo-6d8c4b9f7c-2-1")["spec"]["terminate"] is True


@pytest.mark.parametrize(
    ("command", "message"),
    [
        pytest.param(("promote", "nope"), 'Error: rollouts.argoproj.io "nope" not found\n', id="promote"),
        pytest.param(("abort", "nope"), 'Error: rollouts.argoproj.io "nope" not found\n', id="abort"),
        pytest.param(("pause", "nope"), 'Error: rollouts.argoproj.io "nope" not found\n', id="pause"),
        pytest.param(("terminate", "analysisrun", "nope"), 'Error: analysisruns.argoproj.io "nope" not found\n', id="terminate"),
    ],
)
def test_missing_objects(run_cli: RunCli, command: tuple[str, ...], message: str) -> None:
    result = run_cli(*command)
    assert (result.exit_code, result.stderr) == (1, message)
