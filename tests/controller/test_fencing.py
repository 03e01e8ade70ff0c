"""Leader fencing on the real control plane: a leader paused past its lease writes nothing once it wakes up.

The leader is frozen with SIGSTOP until the standby has taken the Lease over and acted; then the new leader is
killed (its Lease stays live for a few seconds) and the user changes the Rollout again, so the only process that
could write in the namespace is the deposed one. It gets SIGCONT and must exit without a single write.
"""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from helpers import apply, replica_sets, wait_for_phase, wait_until
from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import FIELD_MANAGER, Kube

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bluegreen" / "rollout-bluegreen.yaml"
NAME = "rollout-bluegreen"
INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
LEASE = (
    "--leader-election-lease-duration=4",
    "--leader-election-renew-deadline=3",
    "--leader-election-retry-period=0.5",
)


def set_image(kube: Kube, namespace: str, image: str) -> None:
    path = "/spec/template/spec/containers/0/image"
    kube.patch(resources.ROLLOUTS, namespace, NAME, [{"op": "replace", "path": path, "value": image}], kind="json")


def ours(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The managedFields entries our field manager owns (their time and fields move with every write of ours)."""
    return [entry for entry in obj["metadata"].get("managedFields") or [] if entry.get("manager") == FIELD_MANAGER]


def controller_writes(kube: Kube, namespace: str) -> dict[str, Any]:
    """Everything in the namespace that only a rollouts controller changes."""
    metadata = [("generation", "labels", "annotations")]
    rollout = kube.get(resources.ROLLOUTS, namespace, NAME)
    services, _ = kube.list(resources.SERVICES, namespace)
    runs, _ = kube.list(resources.ANALYSIS_RUNS, namespace)
    events, _ = kube.list(resources.EVENTS, namespace)
    return {
        "rollout": rollout["metadata"]["resourceVersion"],
        "services": {s["metadata"]["name"]: s["metadata"]["resourceVersion"] for s in services},
        "replicasets": {
            rs["metadata"]["name"]: ([rs["metadata"].get(key) for key in metadata[0]], ours(rs))
            for rs in replica_sets(kube, namespace).values()
        },
        "analysisruns": sorted(run["metadata"]["name"] for run in runs),
        "events": sorted(
            e["metadata"]["name"] for e in events if (e.get("source") or {}).get("component") == FIELD_MANAGER
        ),
    }


def test_a_leader_paused_past_its_lease_writes_nothing_after_losing_it(
    cluster: LocalCluster, kube: Kube, start_controller: Callable[..., Any], namespace: str
) -> None:
    instance = f"fence-{uuid.uuid4().hex[:6]}"
    common = (f"--instance-id={instance}", f"--leader-election-namespace={namespace}", *LEASE)
    first = start_controller(*common)
    wait_until(lambda: "became leader" in first.output(), timeout=20, what="the first controller to lead")
    second = start_controller(*common)
    apply(cluster, namespace, EXAMPLE, labels={INSTANCE_LABEL: instance})
    wait_for_phase(kube, namespace, NAME, "Healthy")

    os.kill(first.process.pid, signal.SIGSTOP)
    try:
        set_image(kube, namespace, "argoproj/rollouts-demo:yellow")  # the frozen leader has this queued
        wait_until(lambda: "became leader" in second.output(), timeout=20, what="the standby to take the Lease")
        wait_for_phase(kube, namespace, NAME, "Paused")
        second.kill()
        set_image(kube, namespace, "argoproj/rollouts-demo:green")  # work only the deposed leader could do now
        before = controller_writes(kube, namespace)
    finally:
        os.kill(first.process.pid, signal.SIGCONT)

    assert first.process.wait(timeout=30) != 0, "a deposed leader exits, as Argo's does"
    assert "lost leadership" in first.output()
    assert controller_writes(kube, namespace) == before, f"the deposed leader wrote:\n{first.output()[-3000:]}"

    # The pending change was real work: the next leader carries it out.
    third = start_controller(*common)
    wait_until(
        lambda: "green" in str(replica_sets(kube, namespace)), timeout=30, what="a ReplicaSet for the green image"
    )
    assert third.alive()
