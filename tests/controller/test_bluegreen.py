"""Blue-green end to end, with the controller running as a real process against the real cluster.

Aspects: first deploy goes straight to active; an image change brings up a new ReplicaSet behind the preview
Service while active keeps the old hash; promote switches active and the old ReplicaSet drains to 0/0/0 after
the scale-down delay; abort points active back at stable and scales the preview down; retry resumes; events
carry Argo's reasons. Users act through the same patches Argo's kubectl plugin sends.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import apply, replica_sets, rollout, selector_hash, wait_for_phase, wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bluegreen" / "rollout-bluegreen.yaml"
NAME = "rollout-bluegreen"
ACTIVE, PREVIEW = "rollout-bluegreen-active", "rollout-bluegreen-preview"


def set_image(kube: Kube, namespace: str, image: str) -> None:
    kube.patch(
        resources.ROLLOUTS,
        namespace,
        NAME,
        [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}],
        kind="json",
    )


def promote(kube: Kube, namespace: str) -> None:
    kube.patch(resources.ROLLOUTS, namespace, NAME, {"status": {"pauseConditions": None}}, subresource="status")


def status_patch(kube: Kube, namespace: str, status: dict) -> None:
    kube.patch(resources.ROLLOUTS, namespace, NAME, {"status": status}, subresource="status")


def scale_down_delay(kube: Kube, namespace: str, seconds: int) -> None:
    kube.patch(
        resources.ROLLOUTS, namespace, NAME, {"spec": {"strategy": {"blueGreen": {"scaleDownDelaySeconds": seconds}}}}
    )


def event_reasons(kube: Kube, namespace: str) -> list[str]:
    events, _ = kube.list(
        resources.EVENTS, namespace, field_selector=f"involvedObject.kind=Rollout,involvedObject.name={NAME}"
    )
    return [
        e["reason"]
        for e in sorted(
            events, key=lambda e: (e.get("firstTimestamp") or "", e["metadata"].get("creationTimestamp", ""))
        )
    ]


@pytest.fixture
def deployed(cluster, kube: Kube, controller, namespace: str) -> str:
    """rollout-bluegreen at revision 1 (blue), Healthy."""
    apply(cluster, namespace, EXAMPLE)
    wait_for_phase(kube, namespace, NAME, "Healthy")
    return namespace


def test_first_deploy_goes_straight_to_active(kube: Kube, deployed: str) -> None:
    namespace = deployed
    current = rollout(kube, namespace, NAME)
    status = current["status"]
    revisions = replica_sets(kube, namespace)
    assert list(revisions) == [1]
    first = revisions[1]
    pod_hash = first["metadata"]["labels"]["rollouts-pod-template-hash"]
    assert first["metadata"]["name"] == f"{NAME}-{pod_hash}"
    assert first["spec"]["selector"]["matchLabels"]["rollouts-pod-template-hash"] == pod_hash
    assert first["spec"]["template"]["metadata"]["labels"]["rollouts-pod-template-hash"] == pod_hash
    assert first["metadata"]["ownerReferences"][0]["uid"] == current["metadata"]["uid"]
    assert selector_hash(kube, namespace, ACTIVE) == pod_hash == selector_hash(kube, namespace, PREVIEW)
    assert status["stableRS"] == status["currentPodHash"] == pod_hash
    assert (status["replicas"], status["updatedReplicas"], status["readyReplicas"], status["availableReplicas"]) == (
        2,
        2,
        2,
        2,
    )
    assert status["blueGreen"] == {"activeSelector": pod_hash, "previewSelector": pod_hash}
    assert current["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "1"
    conditions = {c["type"]: c["status"] for c in status["conditions"]}
    assert conditions == {
        "Progressing": "True",
        "Available": "True",
        "Paused": "False",
        "Completed": "True",
        "Healthy": "True",
    }
    service = kube.get(resources.SERVICES, namespace, ACTIVE)
    assert service["metadata"]["annotations"]["argo-rollouts.argoproj.io/managed-by-rollouts"] == NAME
    assert {"RolloutUpdated", "NewReplicaSetCreated", "SwitchService", "RolloutCompleted"} <= set(
        event_reasons(kube, namespace)
    )


def test_update_previews_then_promote_switches_active_and_drains_old(kube: Kube, deployed: str) -> None:
    namespace = deployed
    scale_down_delay(kube, namespace, 2)
    blue = replica_sets(kube, namespace)[1]["metadata"]["labels"]["rollouts-pod-template-hash"]

    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    paused = wait_for_phase(kube, namespace, NAME, "Paused", message="BlueGreenPause")
    yellow = paused["status"]["currentPodHash"]
    assert yellow != blue
    assert selector_hash(kube, namespace, PREVIEW) == yellow
    assert selector_hash(kube, namespace, ACTIVE) == blue, "active keeps the old hash until promotion"
    assert paused["status"]["stableRS"] == blue
    assert paused["status"]["controllerPause"] is True
    assert [c["reason"] for c in paused["status"]["pauseConditions"]] == ["BlueGreenPause"]
    revisions = replica_sets(kube, namespace)
    assert revisions[2]["spec"]["replicas"] == 2 and revisions[1]["spec"]["replicas"] == 2

    promote(kube, namespace)
    healthy = wait_for_phase(kube, namespace, NAME, "Healthy")
    assert selector_hash(kube, namespace, ACTIVE) == yellow == selector_hash(kube, namespace, PREVIEW)
    assert healthy["status"]["stableRS"] == yellow
    assert "pauseConditions" not in healthy["status"]
    old = replica_sets(kube, namespace)[1]
    assert "scale-down-deadline" in old["metadata"]["annotations"] or old["spec"]["replicas"] == 0

    def drained() -> bool:
        rs = replica_sets(kube, namespace)[1]
        status = rs.get("status") or {}
        return (
            rs["spec"]["replicas"] == 0
            and not status.get("replicas")
            and not status.get("readyReplicas")
            and not status.get("availableReplicas")
        )

    wait_until(drained, timeout=30, what="old ReplicaSet scaled to 0/0/0 after the scale-down delay")
    assert "scale-down-deadline" not in replica_sets(kube, namespace)[1]["metadata"]["annotations"]
    reasons = event_reasons(kube, namespace)
    assert reasons.count("RolloutCompleted") == 2 and "RolloutPaused" in reasons and "ScalingReplicaSet" in reasons


def test_abort_returns_to_stable_and_retry_resumes(kube: Kube, deployed: str) -> None:
    namespace = deployed
    kube.patch(
        resources.ROLLOUTS, namespace, NAME, {"spec": {"strategy": {"blueGreen": {"abortScaleDownDelaySeconds": 1}}}}
    )
    blue = rollout(kube, namespace, NAME)["status"]["stableRS"]
    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    yellow = wait_for_phase(kube, namespace, NAME, "Paused")["status"]["currentPodHash"]

    status_patch(kube, namespace, {"abort": True})
    degraded = wait_for_phase(kube, namespace, NAME, "Degraded", message="RolloutAborted")
    assert degraded["status"]["abortedAt"]
    assert selector_hash(kube, namespace, ACTIVE) == blue
    wait_until(
        lambda: replica_sets(kube, namespace)[2]["spec"]["replicas"] == 0,
        timeout=20,
        what="preview scaled down after abort",
    )
    assert replica_sets(kube, namespace)[1]["spec"]["replicas"] == 2
    assert "RolloutAborted" in event_reasons(kube, namespace)

    status_patch(kube, namespace, {"abort": False})
    retried = wait_for_phase(kube, namespace, NAME, "Paused", message="BlueGreenPause")
    assert "abortedAt" not in retried["status"]
    assert replica_sets(kube, namespace)[2]["spec"]["replicas"] == 2
    promote(kube, namespace)
    wait_for_phase(kube, namespace, NAME, "Healthy")
    assert selector_hash(kube, namespace, ACTIVE) == yellow


def test_auto_promotion_after_seconds(kube: Kube, cluster, controller, namespace: str) -> None:
    apply(cluster, namespace, EXAMPLE)
    wait_for_phase(kube, namespace, NAME, "Healthy")
    kube.patch(
        resources.ROLLOUTS,
        namespace,
        NAME,
        {"spec": {"strategy": {"blueGreen": {"autoPromotionEnabled": True, "autoPromotionSeconds": 2}}}},
    )
    set_image(kube, namespace, "argoproj/rollouts-demo:green")
    wait_for_phase(kube, namespace, NAME, "Paused", message="BlueGreenPause")
    healthy = wait_for_phase(kube, namespace, NAME, "Healthy", timeout=20)
    assert selector_hash(kube, namespace, ACTIVE) == healthy["status"]["currentPodHash"]


def test_fast_rollback_to_a_still_running_revision(kube: Kube, deployed: str) -> None:
    namespace = deployed
    scale_down_delay(kube, namespace, 600)
    blue = rollout(kube, namespace, NAME)["status"]["stableRS"]
    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, NAME, "Paused")
    promote(kube, namespace)
    wait_for_phase(kube, namespace, NAME, "Healthy")
    assert replica_sets(kube, namespace)[1]["spec"]["replicas"] == 2, "old revision waits out its scale-down delay"

    set_image(kube, namespace, "argoproj/rollouts-demo:blue")
    healthy = wait_for_phase(kube, namespace, NAME, "Healthy")
    assert healthy["status"]["stableRS"] == blue == selector_hash(kube, namespace, ACTIVE)
    revisions = replica_sets(kube, namespace)
    assert sorted(revisions) == [2, 3], "going back reuses the running ReplicaSet as revision 3; nothing new is created"
    assert revisions[3]["metadata"]["labels"]["rollouts-pod-template-hash"] == blue
    assert revisions[3]["metadata"]["annotations"]["rollout.argoproj.io/revision-history"] == "1"
    assert healthy["metadata"]["annotations"]["rollout.argoproj.io/revision"] == "3"
