"""A pod's STATUS, READY and restarts as `get rollout` shows them (plugin.pods), the way kubectl words them.
Pure; no cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import rollout_objects as objs

from plugin import pods


def a_pod(
    phase: str = "Running",
    *,
    containers: list[dict[str, Any]] | None = None,
    init: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    pod: dict[str, Any] = {
        "metadata": {"name": "p", "creationTimestamp": objs.stamp(timedelta(seconds=30)), **extra.pop("metadata", {})},
        "spec": {
            "containers": [{"name": "app"}],
            "initContainers": [{"name": f"init{i}"} for i in range(len(init or []))],
        },
        "status": {"phase": phase, "containerStatuses": containers or [], "initContainerStatuses": init or [], **extra},
    }
    return pod


RUNNING = {"name": "app", "ready": True, "restartCount": 0, "state": {"running": {}}}
DELETED = {"deletionTimestamp": "2026-03-01T12:00:00Z"}


def waiting(reason: str, restarts: int = 0) -> list[dict[str, Any]]:
    return [{"name": "app", "ready": False, "restartCount": restarts, "state": {"waiting": {"reason": reason}}}]


def terminated(**state: Any) -> list[dict[str, Any]]:
    return [{"name": "app", "state": {"terminated": state}}]


@dataclass(frozen=True)
class Shown:
    """What the tree shows of a pod: STATUS (after its icon) and the INFO column's numbers."""

    status: str
    icon: str
    ready: str = "0/1"
    restarts: int = 0


@pytest.mark.parametrize(
    ("pod", "shown"),
    [
        pytest.param(a_pod(containers=[RUNNING]), Shown("Running", "✔", "1/1"), id="running"),
        pytest.param(a_pod("Pending"), Shown("Pending", "◌"), id="pending"),
        pytest.param(
            a_pod(containers=waiting("CrashLoopBackOff", restarts=4)),
            Shown("CrashLoopBackOff", "✖", restarts=4),
            id="crash-loop",
        ),
        pytest.param(
            a_pod("Pending", containers=waiting("ImagePullBackOff")), Shown("ImagePullBackOff", "⚠"), id="image-pull"
        ),
        pytest.param(a_pod("Pending", containers=waiting("ErrImagePull")), Shown("ErrImagePull", "⚠"), id="err-prefix"),
        pytest.param(
            a_pod("Pending", containers=waiting("ContainerCreating")), Shown("ContainerCreating", "◌"), id="creating"
        ),
        pytest.param(a_pod("Failed", containers=terminated(exitCode=2)), Shown("ExitCode:2", "✖"), id="exit-code"),
        pytest.param(
            a_pod("Failed", containers=terminated(exitCode=137, signal=9)), Shown("Signal:9", "✖"), id="signal"
        ),
        pytest.param(
            a_pod("Succeeded", containers=terminated(exitCode=0, reason="Completed")),
            Shown("Completed", "✔"),
            id="completed",
        ),
        pytest.param(
            a_pod("Pending", init=[{"name": "init0", "state": {"running": {}}}]),
            Shown("Init:0/1", "◌"),
            id="init-running",
        ),
        pytest.param(
            a_pod("Pending", init=[{"name": "init0", "restartCount": 2, "state": {"terminated": {"exitCode": 1}}}]),
            Shown("Init:ExitCode:1", "◌", restarts=2),
            id="init-failed",
        ),
        pytest.param(a_pod(containers=[RUNNING], metadata=DELETED), Shown("Terminating", "◌", "1/1"), id="terminating"),
        pytest.param(
            a_pod(containers=[RUNNING], reason="NodeLost", metadata=DELETED),
            Shown("Unknown", "?", "1/1"),
            id="node-lost",
        ),
        pytest.param(a_pod(reason="Evicted"), Shown("Evicted", " "), id="evicted"),
    ],
)
def test_pod_status(pod: dict[str, Any], shown: Shown) -> None:
    pod_view = pods.pod_view(pod, objs.NOW)
    assert Shown(pod_view.status, pod_view.icon, pod_view.ready, pod_view.restarts) == shown
    assert pod_view.age == "30s"


def init_pod(
    *statuses: dict[str, Any], sidecar: bool = False, app: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A pod with one init container per status (the first one a sidecar when asked): Pending until its app
    containers report, Running after."""
    pod = a_pod("Running" if app else "Pending", containers=app, init=list(statuses))
    if sidecar:
        pod["spec"]["initContainers"][0]["restartPolicy"] = "Always"
    return pod


def init(state: dict[str, Any], index: int = 0, **fields: Any) -> dict[str, Any]:
    return {"name": f"init{index}", "state": state, **fields}


DONE = init({"terminated": {"exitCode": 0}})
STARTED = {"started": True, "state": {"running": {}}}


@pytest.mark.parametrize(
    ("pod", "status"),
    [
        pytest.param(
            init_pod(init({"terminated": {"exitCode": 1, "reason": "OOMKilled"}})), "Init:OOMKilled", id="oom"
        ),
        pytest.param(init_pod(init({"terminated": {"exitCode": 1, "signal": 9}})), "Init:Signal:9", id="signal"),
        pytest.param(init_pod(init({"waiting": {"reason": "CrashLoopBackOff"}})), "Init:CrashLoopBackOff", id="wait"),
        pytest.param(init_pod(init({"waiting": {"reason": "PodInitializing"}})), "Init:0/1", id="pod-initializing"),
        pytest.param(init_pod(DONE, init({"running": {}}, 1)), "Init:1/2", id="second-of-two"),
        pytest.param(init_pod(DONE, init({"terminated": {"exitCode": 0}}, 1), app=[RUNNING]), "Running", id="all-done"),
        pytest.param(init_pod(init({"running": {}}, started=True, ready=True)), "Init:0/1", id="not-a-sidecar"),
        pytest.param(
            init_pod({"name": "init0", "ready": True, **STARTED}, sidecar=True, app=[RUNNING]), "Running", id="sidecar"
        ),
        pytest.param(
            init_pod({"name": "init0", "ready": False, **STARTED}, sidecar=True, app=waiting("ContainerCreating")),
            "ContainerCreating",
            id="started-sidecar-not-ready-shows-the-app",
        ),
    ],
)
def test_init_container_status(pod: dict[str, Any], status: str) -> None:
    """kubectl's Init:… words: the first unfinished init container decides; a started sidecar does not block."""
    assert pods.pod_view(pod, objs.NOW).status == status
