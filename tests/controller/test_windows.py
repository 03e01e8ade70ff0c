"""Promotion windows end to end: an update started inside a deny window waits (Paused, PromotionWindow, canary at
no pods) and moves on by itself a few seconds later, when the window ends, without anyone promoting it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from helpers import apply, replica_sets, rollout, wait_for_phase, wait_until
from rollouts.api.windows import PROMOTION_WINDOWS_ANNOTATION
from rollouts.kube import resources
from rollouts.kube.client import Kube

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "promotion-windows" / "rollout.yaml"
NAME = "promotion-windows"
OPENS_IN = 10  # seconds


def canary(kube: Kube, namespace: str) -> dict[str, Any]:
    """The update's ReplicaSet (revision 2); helpers.replica_sets keys them by revision number."""
    return dict(replica_sets(kube, namespace).get(2, {}))  # type: ignore[call-overload]  # helpers says str keys


def a_deny_window_ending_soon() -> tuple[str, float]:
    """A deny window every minute that ends OPENS_IN seconds from now (cron has whole minutes), and its end."""
    now = datetime.now(UTC)
    if now.second > 60 - 2 * OPENS_IN:
        time.sleep(61 - now.second)  # leave room before the next minute's window starts again
        now = datetime.now(UTC)
    duration = now.second + OPENS_IN
    text = f'deny: [{{schedule: "* * * * *", duration: {duration}s}}]'
    return text, time.time() + OPENS_IN - now.microsecond / 1e6


def test_an_update_waits_for_the_window_then_goes_on_by_itself(
    cluster: Any, kube: Kube, controller: Any, namespace: str
) -> None:
    apply(cluster, namespace, EXAMPLE)
    wait_for_phase(kube, namespace, NAME, "Healthy")

    windows, opens_at = a_deny_window_ending_soon()
    key = PROMOTION_WINDOWS_ANNOTATION.replace("/", "~1")
    patch = [
        {"op": "replace", "path": f"/metadata/annotations/{key}", "value": windows},
        {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "argoproj/rollouts-demo:yellow"},
    ]
    kube.patch(resources.ROLLOUTS, namespace, NAME, patch, kind="json")

    held = wait_for_phase(kube, namespace, NAME, "Paused", message="PromotionWindow", timeout=OPENS_IN - 2)
    assert held["status"].get("currentStepIndex", 0) == 0
    assert time.time() < opens_at
    assert (canary(kube, namespace).get("spec") or {}).get("replicas") == 0, "no canary pod while held"

    # Nobody promotes: the controller wakes up when the window ends and takes the 50% step.
    stepped = wait_for_phase(kube, namespace, NAME, "Paused", message="CanaryPauseStep", timeout=OPENS_IN + 30)
    assert time.time() >= opens_at - 1
    assert stepped["status"]["currentStepIndex"] == 1
    wait_until(lambda: (canary(kube, namespace).get("status") or {}).get("availableReplicas") == 1)
    events, _ = kube.list(resources.EVENTS, namespace, field_selector=f"involvedObject.name={NAME}")
    closed = [e["message"] for e in events if e["reason"] == "PromotionWindowClosed"]
    assert closed and "traffic moves again at" in closed[0]
    assert rollout(kube, namespace, NAME)["status"].get("pauseConditions")[0]["reason"] == "CanaryPauseStep"
