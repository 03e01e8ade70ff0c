"""Basic canary (no traffic router) end to end: the getting-started scenario, abort/retry, promote --full.

Aspects: setWeight is approximated by the replica ratio (5 replicas, 20% → 1 new pod and 4 old); an
indefinite pause waits for promote; timed pauses advance by themselves; all steps done makes the new
ReplicaSet stable and scales the old one to 0; abort rolls back by replica arithmetic and retry resumes;
promote --full skips the remaining steps; stable/canary Services follow the hashes.
"""

from __future__ import annotations

import time
from pathlib import Path

from helpers import apply, replica_sets, rollout, selector_hash, wait_for_phase, wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "canary" / "rollouts-demo.yaml"
NAME = "rollouts-demo"


def set_image(kube: Kube, namespace: str, image: str, name: str = NAME) -> None:
    kube.patch(
        resources.ROLLOUTS,
        namespace,
        name,
        [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}],
        kind="json",
    )


def promote(kube: Kube, namespace: str, name: str = NAME) -> None:
    kube.patch(resources.ROLLOUTS, namespace, name, {"status": {"pauseConditions": None}}, subresource="status")


def pods_by_revision(kube: Kube, namespace: str) -> dict[int, int]:
    return {
        revision: (rs.get("status") or {}).get("availableReplicas") or 0
        for revision, rs in replica_sets(kube, namespace).items()
    }


def test_getting_started_canary(cluster, kube: Kube, controller, namespace: str) -> None:
    apply(cluster, namespace, EXAMPLE)
    first = wait_for_phase(kube, namespace, NAME, "Healthy")
    assert first["status"]["currentStepIndex"] == 8, "the first deploy skips the steps"

    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    paused = wait_for_phase(kube, namespace, NAME, "Paused", message="CanaryPauseStep")
    assert paused["status"]["currentStepIndex"] == 1
    wait_until(lambda: pods_by_revision(kube, namespace) == {1: 4, 2: 1}, what="1 new pod and 4 old")

    promote(kube, namespace)
    started = time.monotonic()
    seen_steps = set()

    def done() -> bool:
        status = rollout(kube, namespace, NAME).get("status") or {}
        seen_steps.add(status.get("currentStepIndex"))
        return status.get("phase") == "Healthy" and status.get("stableRS") == status.get("currentPodHash")

    wait_until(done, timeout=90, interval=0.5, what="all steps to complete")
    elapsed = time.monotonic() - started
    assert elapsed >= 27, f"three 10 s pauses (timestamps have whole seconds) cannot pass in {elapsed:.0f}s"
    assert {3, 5, 7} <= seen_steps
    wait_until(lambda: pods_by_revision(kube, namespace) == {1: 0, 2: 5}, what="all 5 pods new, old ReplicaSet at 0")
    assert replica_sets(kube, namespace)[1]["spec"]["replicas"] == 0
    events, _ = kube.list(resources.EVENTS, namespace, field_selector=f"involvedObject.name={NAME}")
    completed = sorted(e["message"] for e in events if e["reason"] == "RolloutStepCompleted")
    assert len(completed) == 8 and "Rollout step 1/8 completed (setWeight: 20)" in completed


def test_abort_rolls_back_and_retry_resumes(cluster, kube: Kube, controller, namespace: str) -> None:
    apply(cluster, namespace, EXAMPLE)
    wait_for_phase(kube, namespace, NAME, "Healthy")
    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, NAME, "Paused")

    kube.patch(resources.ROLLOUTS, namespace, NAME, {"status": {"abort": True}}, subresource="status")
    degraded = wait_for_phase(kube, namespace, NAME, "Degraded", message="RolloutAborted")
    assert degraded["status"]["currentStepIndex"] == 0
    wait_until(lambda: pods_by_revision(kube, namespace) == {1: 5, 2: 0}, what="rolled back to 5 stable pods")

    kube.patch(resources.ROLLOUTS, namespace, NAME, {"status": {"abort": False}}, subresource="status")
    wait_for_phase(kube, namespace, NAME, "Paused", message="CanaryPauseStep")
    wait_until(lambda: pods_by_revision(kube, namespace) == {1: 4, 2: 1}, what="back at step 1")


def test_promote_full_skips_remaining_steps(cluster, kube: Kube, controller, namespace: str) -> None:
    apply(cluster, namespace, EXAMPLE)
    wait_for_phase(kube, namespace, NAME, "Healthy")
    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, NAME, "Paused")
    kube.patch(resources.ROLLOUTS, namespace, NAME, {"status": {"promoteFull": True}}, subresource="status")
    healthy = wait_for_phase(kube, namespace, NAME, "Healthy", timeout=30)
    assert "promoteFull" not in healthy["status"]
    wait_until(lambda: pods_by_revision(kube, namespace) == {1: 0, 2: 5}, what="fully promoted")


def test_stable_and_canary_services_follow_the_hashes(
    cluster, kube: Kube, controller, namespace: str, tmp_path: Path
) -> None:
    services = "      stableService: rollouts-demo-stable\n      canaryService: rollouts-demo-canary\n"
    manifest = EXAMPLE.read_text().replace("    canary:\n      steps:", f"    canary:\n{services}      steps:")
    for service in ("rollouts-demo-stable", "rollouts-demo-canary"):
        spec = "spec:\n  selector:\n    app: rollouts-demo\n  ports:\n  - port: 80\n"
        manifest += f"---\napiVersion: v1\nkind: Service\nmetadata:\n  name: {service}\n{spec}"
    path = tmp_path / "rollout.yaml"
    path.write_text(manifest)
    apply(cluster, namespace, path)
    stable = wait_for_phase(kube, namespace, NAME, "Healthy")["status"]["stableRS"]
    assert (
        selector_hash(kube, namespace, "rollouts-demo-stable")
        == stable
        == selector_hash(kube, namespace, "rollouts-demo-canary")
    )

    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    canary = wait_for_phase(kube, namespace, NAME, "Paused")["status"]["currentPodHash"]
    assert selector_hash(kube, namespace, "rollouts-demo-stable") == stable
    assert selector_hash(kube, namespace, "rollouts-demo-canary") == canary

    kube.patch(resources.ROLLOUTS, namespace, NAME, {"status": {"abort": True}}, subresource="status")
    wait_for_phase(kube, namespace, NAME, "Degraded")
    assert selector_hash(kube, namespace, "rollouts-demo-canary") == stable, (
        "an abort points the canary Service back at stable"
    )
