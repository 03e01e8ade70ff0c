"""Chaos: the control plane misbehaves under the controller while rollouts progress.

- kube-apiserver stopped for a while and started again in the middle of an update;
- the leader paused (SIGSTOP) past its lease while a standby takes over, then resumed.

Every rollout must still end Healthy on the new version, with no ReplicaSet recreated, no duplicate AnalysisRun,
no traceback, and no process dying other than a deposed leader stepping down as designed.
"""

from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
from test_controller_kills import NEW_IMAGE, ROLLOUTS, all_healthy, manifests, phases

from helpers import wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube

pytestmark = pytest.mark.cluster
LEASE = (
    "--leader-election-lease-duration=4",
    "--leader-election-renew-deadline=3",
    "--leader-election-retry-period=0.5",
)


def create_rollouts(kube: Kube, namespace: str, instance: str) -> None:
    for document in manifests(instance):
        kind = resources.ANALYSIS_TEMPLATES if document["kind"] == "AnalysisTemplate" else resources.ROLLOUTS
        kube.create(kind, namespace, document)


def update_all(kube: Kube, namespace: str) -> None:
    for name in phases(kube, namespace):
        patch = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": NEW_IMAGE}]}}}}
        kube.patch(resources.ROLLOUTS, namespace, name, patch)


def outcome(kube: Kube, namespace: str, first_uids: set[str], processes: list, crashes: int) -> dict[str, int]:
    rollouts = kube.list(resources.ROLLOUTS, namespace)[0]
    replica_sets = kube.list(resources.REPLICASETS, namespace)[0]
    events = [e for e in kube.list(resources.EVENTS, namespace)[0] if e.get("reason") == "NewReplicaSetCreated"]
    return {
        "runs": ROLLOUTS,
        "wrong outcomes": sum(1 for r in rollouts if r["status"].get("stableRS") != r["status"].get("currentPodHash")),
        "needless ReplicaSet recreations": max(sum(e.get("count") or 1 for e in events) - 2 * ROLLOUTS, 0)
        + len(first_uids - {rs["metadata"]["uid"] for rs in replica_sets}),
        "duplicate runs": max(len(kube.list(resources.ANALYSIS_RUNS, namespace)[0]) - ROLLOUTS, 0),
        "tracebacks": sum(process.output().count("Traceback (most recent call last)") for process in processes),
        "crashes": crashes,
    }


@pytest.mark.timeout(900)
def test_apiserver_restart_mid_update(cluster, kube: Kube, start_controller, namespace: str, chaos_table: dict) -> None:
    instance = f"chaos-{uuid.uuid4().hex[:6]}"
    create_rollouts(kube, namespace, instance)
    controller = start_controller(f"--instance-id={instance}", "--no-leader-elect")
    wait_until(lambda: all_healthy(kube, namespace), timeout=180, what="every rollout Healthy")
    first_uids = {rs["metadata"]["uid"] for rs in kube.list(resources.REPLICASETS, namespace)[0]}
    update_all(kube, namespace)
    time.sleep(0.5)
    cluster.restart_apiserver(down_for=8.0)
    wait_until(lambda: all_healthy(kube, namespace), timeout=300, what="every rollout Healthy after the restart")
    row = outcome(kube, namespace, first_uids, [controller], 0 if controller.alive() else 1)
    chaos_table["kube-apiserver down 8 s mid-update"] = row
    assert [row[c] for c in row if c != "runs"] == [0] * 5, row


@pytest.mark.timeout(900)
def test_leader_paused_past_its_lease(cluster, kube: Kube, start_controller, namespace: str, chaos_table: dict) -> None:
    instance = f"chaos-{uuid.uuid4().hex[:6]}"
    create_rollouts(kube, namespace, instance)
    common = (f"--instance-id={instance}", f"--leader-election-namespace={namespace}", *LEASE)
    leader = start_controller(*common)
    wait_until(lambda: all_healthy(kube, namespace), timeout=180, what="every rollout Healthy")
    standby = start_controller(*common)
    first_uids = {rs["metadata"]["uid"] for rs in kube.list(resources.REPLICASETS, namespace)[0]}
    update_all(kube, namespace)
    time.sleep(0.5)
    os.killpg(leader.process.pid, signal.SIGSTOP)
    time.sleep(8)  # twice the lease: the standby takes over and carries on
    os.killpg(leader.process.pid, signal.SIGCONT)
    wait_until(lambda: all_healthy(kube, namespace), timeout=300, what="every rollout Healthy after the pause")
    leader_stepped_down = wait_until(lambda: not leader.alive(), timeout=30, what="the deposed leader to step down")
    row = outcome(kube, namespace, first_uids, [leader, standby], 0 if standby.alive() and leader_stepped_down else 1)
    chaos_table["leader paused past its lease"] = row
    assert [row[c] for c in row if c != "runs"] == [0] * 5, row
