"""The controller under failure: bad specs, a SIGKILL mid-rollout, and two replicas racing for the lease.

Each test runs its own controllers with a unique --instance-id, so killing them never touches the session's
controller, and labels its Rollouts with that id so only its own controllers manage them.
"""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import yaml
from helpers import apply, replica_sets, selector_hash, wait_for_phase, wait_until

from rollouts.kube import resources
from rollouts.kube.client import Kube

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bluegreen" / "rollout-bluegreen.yaml"
NAME = "rollout-bluegreen"
INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"


def set_image(kube: Kube, namespace: str, image: str, name: str = NAME) -> None:
    kube.patch(resources.ROLLOUTS, namespace, name, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}], kind="json")


def promote(kube: Kube, namespace: str, name: str = NAME) -> None:
    kube.patch(resources.ROLLOUTS, namespace, name, {"status": {"pauseConditions": None}}, subresource="status")


def test_invalid_spec_is_reported_and_other_rollouts_are_served(cluster, kube: Kube, controller, namespace: str, tmp_path: Path) -> None:
    documents = [doc for doc in yaml.safe_load_all(EXAMPLE.read_text()) if doc]
    broken = yaml.safe_load(yaml.safe_dump(documents[0]))
    broken["metadata"]["name"] = "broken"
    broken["spec"]["strategy"]["blueGreen"]["previewService"] = broken["spec"]["strategy"]["blueGreen"]["activeService"]
    broken["spec"]["template"]["spec"]["containers"][0]["resources"] = {"requests": {"memory": "invalid"}}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump(broken))
    apply(cluster, namespace, path)
    apply(cluster, namespace, EXAMPLE)

    degraded = wait_for_phase(kube, namespace, "broken", "Degraded")
    message = degraded["status"]["message"]
    assert message.startswith('InvalidSpec: The Rollout "broken" is invalid: ')
    invalid = next(c for c in degraded["status"]["conditions"] if c["type"] == "InvalidSpec")
    assert invalid["status"] == "True"
    assert "previewService" in invalid["message"] or "memory" in invalid["message"]
    wait_for_phase(kube, namespace, NAME, "Healthy")
    assert not [rs for rs in replica_sets(kube, namespace).values() if rs["metadata"]["name"].startswith("broken-")]

    # Fixing the spec clears the condition and the rollout proceeds.
    kube.patch(
        resources.ROLLOUTS, namespace, "broken",
        [
            {"op": "remove", "path": "/spec/strategy/blueGreen/previewService"},
            {"op": "remove", "path": "/spec/template/spec/containers/0/resources"},
        ],
        kind="json",
    )  # fmt: skip
    fixed = wait_for_phase(kube, namespace, "broken", "Healthy")
    assert not [c for c in fixed["status"]["conditions"] if c["type"] == "InvalidSpec"]


def test_sigkill_mid_rollout_then_restart_finishes_without_recreating(cluster, kube: Kube, start_controller, namespace: str) -> None:
    instance = f"kill-{uuid.uuid4().hex[:6]}"
    apply(cluster, namespace, EXAMPLE, labels={INSTANCE_LABEL: instance})
    first = start_controller(f"--instance-id={instance}", "--no-leader-elect")
    wait_for_phase(kube, namespace, NAME, "Healthy")
    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    paused = wait_for_phase(kube, namespace, NAME, "Paused")
    before = {revision: rs["metadata"]["uid"] for revision, rs in replica_sets(kube, namespace).items()}

    first.kill()
    promote(kube, namespace)  # the user acts while no controller runs
    second = start_controller(f"--instance-id={instance}", "--no-leader-elect")
    healthy = wait_for_phase(kube, namespace, NAME, "Healthy")
    assert second.alive()
    assert healthy["status"]["stableRS"] == paused["status"]["currentPodHash"] == selector_hash(kube, namespace, "rollout-bluegreen-active")
    after = {revision: rs["metadata"]["uid"] for revision, rs in replica_sets(kube, namespace).items()}
    assert after == before, "no ReplicaSet was deleted or recreated"
    created = [e for e in kube.list(resources.EVENTS, namespace)[0] if e["reason"] == "NewReplicaSetCreated"]
    assert len(created) == 2


def test_only_the_leader_acts_and_a_standby_takes_over(cluster, kube: Kube, start_controller, namespace: str) -> None:
    instance = f"ha-{uuid.uuid4().hex[:6]}"
    lease = ("--leader-election-lease-duration=4", "--leader-election-renew-deadline=3", "--leader-election-retry-period=0.5")
    common = (f"--instance-id={instance}", f"--leader-election-namespace={namespace}", *lease)
    one = start_controller(*common)
    two = start_controller(*common)
    lease_name = f"argo-rollouts-controller-lock-{instance}"
    holder = wait_until(lambda: (kube.get(resources.LEASES, namespace, lease_name).get("spec") or {}).get("holderIdentity") if _exists(kube, namespace, lease_name) else None, what="a leader")

    apply(cluster, namespace, EXAMPLE, labels={INSTANCE_LABEL: instance})
    wait_for_phase(kube, namespace, NAME, "Healthy")
    leader, standby = (one, two) if "became leader" in one.output() else (two, one)
    assert "became leader" in leader.output() and holder in leader.output()
    assert "became leader" not in standby.output() and "rollout controller started" not in standby.output()

    leader.kill()
    killed_at = time.monotonic()
    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    wait_until(lambda: "became leader" in standby.output(), timeout=15, what="standby to take the lease")
    took_over = time.monotonic() - killed_at
    assert took_over <= 4 + 1.5, f"failover took {took_over:.1f}s, lease duration is 4s"
    wait_for_phase(kube, namespace, NAME, "Paused", timeout=30)
    assert (kube.get(resources.LEASES, namespace, lease_name)["spec"]["holderIdentity"]) != holder


def _exists(kube: Kube, namespace: str, name: str) -> bool:
    try:
        kube.get(resources.LEASES, namespace, name)
        return True
    except Exception:  # noqa: BLE001 - NotFound while nobody has created it yet
        return False


def test_graceful_shutdown_releases_the_lease(cluster, kube: Kube, start_controller, namespace: str) -> None:
    instance = f"term-{uuid.uuid4().hex[:6]}"
    controller = start_controller(f"--instance-id={instance}", f"--leader-election-namespace={namespace}", "--leader-election-retry-period=0.5")
    lease_name = f"argo-rollouts-controller-lock-{instance}"
    wait_until(lambda: _exists(kube, namespace, lease_name), what="lease created")
    assert controller.stop() == 0
    assert kube.get(resources.LEASES, namespace, lease_name)["spec"]["holderIdentity"] == ""


def test_replica_sets_made_by_another_controller_are_adopted_without_a_redeploy(cluster, kube: Kube, start_controller, namespace: str) -> None:
    """Moving from Argo Rollouts: its ReplicaSet (Argo's own hash, same template) is kept and nothing is recreated."""
    instance = f"adopt-{uuid.uuid4().hex[:6]}"
    [created_rollout] = [doc for doc in apply(cluster, namespace, EXAMPLE, labels={INSTANCE_LABEL: instance}) if doc["kind"] == "Rollout"]
    live = kube.get(resources.ROLLOUTS, namespace, NAME)
    argo_hash = "6d4f8c9b7"  # whatever Argo computed: certainly not our hash
    template = yaml.safe_load(yaml.safe_dump(created_rollout["spec"]["template"]))
    template["metadata"]["labels"]["rollouts-pod-template-hash"] = argo_hash
    kube.create(resources.REPLICASETS, namespace, {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {
            "name": f"{NAME}-{argo_hash}", "labels": {"app": NAME, "rollouts-pod-template-hash": argo_hash},
            "annotations": {"rollout.argoproj.io/revision": "1"},
            "ownerReferences": [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "name": NAME, "uid": live["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}],
        },
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": NAME, "rollouts-pod-template-hash": argo_hash}}, "template": template},
    })  # fmt: skip
    wait_until(lambda: (kube.get(resources.REPLICASETS, namespace, f"{NAME}-{argo_hash}").get("status") or {}).get("availableReplicas") == 2, what="Argo's pods ready")
    uid = kube.get(resources.REPLICASETS, namespace, f"{NAME}-{argo_hash}")["metadata"]["uid"]

    start_controller(f"--instance-id={instance}", "--no-leader-elect")
    healthy = wait_for_phase(kube, namespace, NAME, "Healthy")
    assert healthy["status"]["currentPodHash"] == argo_hash == healthy["status"]["stableRS"]
    assert selector_hash(kube, namespace, "rollout-bluegreen-active") == argo_hash
    assert [rs["metadata"]["uid"] for rs in replica_sets(kube, namespace).values()] == [uid], "adopted, nothing new created"
