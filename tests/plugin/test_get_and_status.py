"""Read-only commands against the real cluster: `get rollout` (once and --watch without a terminal), `list
rollouts` (and --watch), `status` and its exit codes.

Aspects: the page built from real objects (ReplicaSets whose pods the cluster really runs, AnalysisRuns), only
the Rollout's own objects shown, aliases, live snapshots when things change, --until-done and --timeout exit codes,
list formats and the empty case. Excluded: a real terminal (test_terminal_watch.py), exact layouts of fixed objects
(test_render.py).
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta

import pytest
import rollout_objects as objs
from click.testing import Result
from cluster_objects import Places
from helpers import wait_until
from plugin_processes import Running

from rollouts.kube import resources

pytestmark = pytest.mark.cluster

RunCli = Callable[..., Result]
Plugin = Callable[..., subprocess.CompletedProcess[str]]


HEALTHY_AGAIN = {
    **objs.canary_healthy()["rollout"]["status"],
    "message": None,
    "pauseConditions": None,
    "controllerPause": None,
    "observedGeneration": "1",
}
"""The status the controller writes once a paused canary finished (a merge patch: None removes a field)."""


def paused_canary_with_replicasets(place: Places) -> dict:
    scene = objs.canary_paused_at_first_pause()
    stored = place.rollout(scene["rollout"])
    for rs in scene["replicasets"]:
        place.owned(resources.REPLICASETS, rs, stored)
    return stored


def test_get_rollout_shows_the_real_tree(place: Places, run_cli: RunCli) -> None:
    stored = paused_canary_with_replicasets(place)
    run = objs.analysis_run(stored, "demo-6d8c4b9f7c-2-1", 2, phase="Running",
                            metric_results=[{"name": "success-rate", "phase": "Running", "successful": 3, "inconclusive": 1}])  # fmt: skip
    place.owned(resources.ANALYSIS_RUNS, run, stored)
    stranger = place.rollout(objs.rollout("other", status={"phase": "Healthy"}))
    place.owned(resources.REPLICASETS, objs.replicaset(stranger, "fff999", 1, replicas=1), stranger)

    expected_header = [
        "Name:            demo",
        f"Namespace:       {place.namespace}",
        "Status:          ॥ Paused",
        "Message:         CanaryPauseStep",
        "Strategy:        Canary",
        "  Step:          1/8",
        "  SetWeight:     20",
        "  ActualWeight:  20",
        "Images:          argoproj/rollouts-demo:blue (stable)",
        "                 argoproj/rollouts-demo:yellow (canary)",
        "Replicas:",
        "  Desired:       5",
        "  Current:       5",
        "  Updated:       1",
        "  Ready:         5",
        "  Available:     5",
    ]

    shapes = [
        r"NAME +KIND +STATUS +AGE +INFO",
        r"⟳ demo +Rollout +॥ Paused +\d+s",
        r"├──# revision:2",
        r"│  ├──⧉ demo-6d8c4b9f7c +ReplicaSet +✔ Healthy +\d+s +canary",
        r"│  │  └──□ demo-6d8c4b9f7c-\w{5} +Pod +✔ Running +\d+s +ready:1/1",
        r"│  └──α demo-6d8c4b9f7c-2-1 +AnalysisRun +◌ Running +\d+s +✔ 3,\? 1",
        r"└──# revision:1",
        r"   └──⧉ demo-7b9f5d8c6d +ReplicaSet +✔ Healthy +\d+s +stable",
        *[r"      [├└]──□ demo-7b9f5d8c6d-\w{5} +Pod +✔ Running +\d+s +ready:1/1"] * 4,
    ]
    shown: list[str] = []

    def settled() -> bool:
        """Whether the page shows what the cluster settles into: five running pods, both ReplicaSets Healthy."""
        shown.append(run_cli("get", "rollout", "demo").stdout)
        header, _, tree = shown[-1].partition("\n\n")
        lines = [line.rstrip() for line in tree.strip("\n").splitlines()]
        return (
            header.splitlines() == expected_header
            and len(lines) == len(shapes)
            and all(re.fullmatch(shape, line) for line, shape in zip(lines, shapes, strict=True))
        )

    try:
        wait_until(settled, timeout=60, what="the ReplicaSet controller and kwok to run 5 pods")
    except AssertionError:
        raise AssertionError(f"the page never settled; last shown:\n{shown[-1]}") from None
    tree = shown[-1].partition("\n\n")[2]
    assert "other" not in tree and "fff999" not in tree


@pytest.mark.parametrize("alias", ["rollout", "ro", "rollouts"])
def test_get_aliases(place: Places, run_cli: RunCli, alias: str) -> None:
    place.rollout(objs.canary_healthy()["rollout"])
    assert run_cli("get", alias, "demo").stdout.startswith("Name:            demo\n")


def test_get_missing_rollout(run_cli: RunCli) -> None:
    result = run_cli("get", "rollout", "nope")
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", 'Error: rollouts.argoproj.io "nope" not found\n')


def test_get_watch_prints_a_snapshot_per_change_until_done(place: Places, follow: Callable[..., Running]) -> None:
    stored = place.rollout(objs.canary_paused_at_first_pause()["rollout"])
    watching = follow("get", "rollout", "demo", "--watch", "--until-done", "--timeout-seconds", "60")
    wait_until(lambda: "⟳ demo" in watching.text, timeout=20, what="the first snapshot")
    assert "\x1b" not in watching.text, "no colours and no screen control codes without a terminal"
    place.owned(resources.REPLICASETS, objs.replicaset(stored, objs.CANARY_HASH, 2, replicas=1, image=objs.IMAGE_YELLOW), stored)
    # Settled: the pod ready and the ReplicaSet's status caught up (each arrives as its own change, later under load).
    settled = (r"⧉ demo-6d8c4b9f7c +ReplicaSet +✔ Healthy", r"□ demo-6d8c4b9f7c-\w{5} +Pod +✔ Running +\S+ +ready:1/1")
    wait_until(lambda: all(re.search(row, last_snapshot(watching.text)) for row in settled), timeout=60, what="the canary settled in a snapshot")
    assert watching.process.poll() is None, "still Paused: not done"
    snapshots = watching.text.count("Name:            demo")
    # Proving that nothing is printed takes waiting: ages move meanwhile, and they alone must not print a snapshot.
    time.sleep(2.5)
    assert watching.text.count("Name:            demo") == snapshots
    place.set_status("demo", HEALTHY_AGAIN)
    assert watching.wait(30) == 0
    assert watching.text.rstrip().endswith("ready:1/1")
    assert "Status:          ✔ Healthy" in watching.text.split("Name:            demo")[-1]


def last_snapshot(text: str) -> str:
    return text.rsplit("Name:            demo", 1)[-1]


def test_get_until_done_exits_1_when_degraded(place: Places, follow: Callable[..., Running]) -> None:
    place.rollout(objs.canary_paused_at_first_pause()["rollout"])
    watching = follow("get", "rollout", "demo", "--until-done")
    wait_until(lambda: "॥ Paused" in watching.text, timeout=20, what="the first snapshot")
    place.set_status("demo", objs.canary_aborted()["rollout"]["status"] | {"observedGeneration": "1"})
    assert watching.wait(30) == 1
    assert "Status:          ✖ Degraded" in watching.text


def test_get_watch_timeout(place: Places, plugin_process: Plugin) -> None:
    place.rollout(objs.canary_paused_at_first_pause()["rollout"])
    started = time.monotonic()
    result = plugin_process("get", "rollout", "demo", "-w", "--timeout-seconds", "2")
    assert result.returncode == 0, result.stderr
    assert 2 <= time.monotonic() - started < 15
    assert result.stdout.count("Name:            demo") == 1


def test_list_rollouts(place: Places, run_cli: RunCli) -> None:
    place.rollout(objs.canary_paused_at_first_pause()["rollout"])
    place.rollout(objs.bluegreen_preview()["rollout"])
    lines = [line.rstrip() for line in run_cli("list", "rollouts").stdout.splitlines()]
    assert [line.split() for line in lines] == [
        ["NAME", "STRATEGY", "STATUS", "STEP", "SET-WEIGHT", "READY", "DESIRED", "UP-TO-DATE", "AVAILABLE"],
        ["bluegreen-demo", "BlueGreen", "Paused", "-", "-", "6/6", "3", "3", "3"],
        ["demo", "Canary", "Paused", "1/8", "20", "5/5", "5", "1", "5"],
    ]
    all_lines = run_cli("list", "ro", "-A").stdout.splitlines()
    assert all_lines[0].split()[:2] == ["NAMESPACE", "NAME"]
    assert [line.split()[:2] for line in all_lines if line.startswith(place.namespace)] == [
        [place.namespace, "bluegreen-demo"],
        [place.namespace, "demo"],
    ]
    assert [line.split()[0] for line in run_cli("list", "rollout", "--name", "demo").stdout.splitlines()] == ["NAME", "demo"]


def test_list_rollouts_empty(run_cli: RunCli) -> None:
    result = run_cli("list", "rollouts")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "No resources found.\n")


def test_list_watch_prints_changed_rows(place: Places, follow: Callable[..., Running]) -> None:
    place.rollout(objs.canary_paused_at_first_pause()["rollout"])
    watching = follow("list", "rollouts", "--watch", "--timeout-seconds", "60")
    wait_until(lambda: watching.text.count("\n") >= 2, timeout=20, what="the table")
    place.set_status("demo", {"currentStepIndex": 2, "pauseConditions": None, "phase": "Progressing", "message": "more replicas need to be updated"})
    wait_until(lambda: watching.text.count("\n") >= 3, timeout=20, what="the changed row")
    rows = [line.split() for line in watching.text.splitlines()]
    assert rows[1][:5] == ["demo", "Canary", "Paused", "1/8", "20"]
    assert rows[2][:5] == ["demo", "Canary", "Progressing", "2/8", "40"]
    place.set_status("demo", {"HPAReplicas": 5})  # a change that shows nowhere in the row
    place.set_status("demo", {"readyReplicas": 4})
    wait_until(lambda: watching.text.count("\n") >= 4, timeout=20, what="the next changed row")
    assert [line.split()[5] for line in watching.text.splitlines()[3:]] == ["4/5"], "unchanged rows are not reprinted"


@pytest.mark.parametrize(
    ("scene", "code", "stdout", "stderr"),
    [
        pytest.param(objs.canary_healthy, 0, "Healthy\n", "", id="healthy"),
        pytest.param(
            objs.canary_aborted, 1, "Degraded - RolloutAborted: Rollout aborted update to revision 2\n",
            "Error: The rollout is in a degraded state with message: RolloutAborted: Rollout aborted update to revision 2\n", id="degraded",
        ),
        pytest.param(
            objs.canary_paused_at_first_pause, 1, "Paused - CanaryPauseStep\n", "Error: Rollout status watch exceeded timeout\n", id="timeout",
        ),
    ],
)  # fmt: skip
def test_status_exit_codes(place: Places, plugin_process: Plugin, scene: Callable[[], dict], code: int, stdout: str, stderr: str) -> None:
    place.rollout(scene()["rollout"])
    result = plugin_process("status", "demo", "--timeout", "2s")
    assert (result.returncode, result.stdout, result.stderr) == (code, stdout, stderr)


@pytest.mark.parametrize(
    ("scene", "code", "stdout"),
    [
        pytest.param(objs.canary_paused_at_first_pause, 0, "Paused - CanaryPauseStep\n", id="paused"),
        pytest.param(objs.canary_healthy, 0, "Healthy\n", id="healthy"),
        pytest.param(objs.canary_aborted, 1, "Degraded - RolloutAborted: Rollout aborted update to revision 2\n", id="degraded"),
    ],
)
def test_status_once(place: Places, plugin_process: Plugin, scene: Callable[[], dict], code: int, stdout: str) -> None:
    place.rollout(scene()["rollout"])
    result = plugin_process("status", "demo", "--watch=false")
    assert (result.returncode, result.stdout) == (code, stdout)


def test_status_follows_until_healthy(place: Places, follow: Callable[..., Running]) -> None:
    rollout = objs.canary_paused_at_first_pause()["rollout"]
    place.rollout(rollout)
    watching = follow("status", "demo", "-t", "60s")
    wait_until(lambda: watching.text, timeout=20, what="the first status line")
    place.set_status("demo", {"pauseConditions": None, "phase": "Progressing", "message": "more replicas need to be updated"})
    wait_until(lambda: watching.text.count("\n") >= 2, timeout=20, what="the second status line")
    place.set_status("demo", HEALTHY_AGAIN)
    assert watching.wait(30) == 0
    assert watching.text.splitlines() == [
        "Paused - CanaryPauseStep",
        "Progressing - waiting for rollout to unpause",
        "Healthy",
    ]


def test_status_of_spec_change_not_yet_observed(place: Places, plugin_process: Plugin) -> None:
    place.rollout(objs.canary_healthy()["rollout"])
    place.kube.patch(resources.ROLLOUTS, place.namespace, "demo", {"spec": {"replicas": 6}})
    result = plugin_process("status", "demo", "--watch=false")
    assert result.stdout == "Progressing - waiting for rollout spec update to be observed\n"


def test_age_of_objects_is_shown(place: Places, run_cli: RunCli) -> None:
    rollout = objs.canary_healthy()["rollout"]
    place.rollout(rollout)
    text = run_cli("get", "rollout", "demo").stdout
    age = re.search(r"⟳ demo +Rollout +✔ Healthy +(\S+)", text)
    assert age and re.fullmatch(r"\d+s", age.group(1)), text
    assert timedelta(seconds=int(age.group(1)[:-1])) < timedelta(minutes=1)
