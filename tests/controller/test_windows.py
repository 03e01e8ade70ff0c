"""Promotion windows end to end: an update started inside a deny window waits (Paused, PromotionWindow, canary at
no pods) and moves on by itself a few seconds later, when the window ends, without anyone promoting it. With the
window closed, the plugin's plain `promote` (Argo's patches) releases a `pause: {}` step but never a step the window
holds: the controller holds it again and says so; `promote --override-window` lets exactly one held step through;
`promote --full` waits for the window too."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from helpers import apply, replica_sets, rollout, wait_for_phase, wait_until
from plugin.cli import cli
from plugin.context import CliContext
from rollouts.api.labels import PROMOTION_WINDOWS_ANNOTATION
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


STEPS = [{"setWeight": 20}, {"pause": {}}, {"setWeight": 50}, {"pause": {}}]
CLOSED = 'allow: [{schedule: "0 0 1 1 *", duration: 1m}]'  # open one minute a year: closed for this test


def a_canary_in_a_closed_window(tmp_path: Path) -> Path:
    labels = {"app": "held"}
    manifest = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "held", "annotations": {PROMOTION_WINDOWS_ANNOTATION: CLOSED}},
        "spec": {
            "replicas": 10,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "app", "image": "argoproj/rollouts-demo:blue"}]},
            },
            "strategy": {"canary": {"steps": STEPS}},
        },
    }
    path = tmp_path / "held.yaml"
    path.write_text(yaml.safe_dump(manifest))
    return path


def test_a_plain_promote_never_passes_a_closed_window(
    cluster: Any, kube: Kube, controller: Any, namespace: str, tmp_path: Path
) -> None:
    apply(cluster, namespace, a_canary_in_a_closed_window(tmp_path))
    wait_for_phase(kube, namespace, "held", "Healthy")  # a first deploy is never held

    def plugin(*args: str) -> None:
        result = CliRunner().invoke(cli, ["-n", namespace, *args], obj=CliContext(kube_client=kube))
        assert result.exit_code == 0, result.output

    def canary_pods() -> int:
        return int((canary(kube, namespace).get("spec") or {}).get("replicas") or 0)

    def held_again(step: int, refused: int) -> dict[str, Any]:
        """The controller put the hold back after a plain promote (and said so), the canary untouched."""
        wait_until(lambda: promote_refusals(kube, namespace) > refused, what="the hold put back after a promote")
        held = wait_for_phase(kube, namespace, "held", "Paused", message="PromotionWindow")
        assert held["status"]["currentStepIndex"] == step
        return held

    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "argoproj/rollouts-demo:red"}]
    kube.patch(resources.ROLLOUTS, namespace, "held", patch, kind="json")
    wait_for_phase(kube, namespace, "held", "Paused", message="PromotionWindow")
    plugin("promote", "held", "--override-window")  # the start of the update: setWeight 20
    paused = wait_for_phase(kube, namespace, "held", "Paused", message="CanaryPauseStep")
    assert paused["status"]["currentStepIndex"] == 1 and canary_pods() == 2

    # An ordinary pause step is promoted as Argo does; the setWeight 50 after it waits for the window.
    plugin("promote", "held")
    held = wait_for_phase(kube, namespace, "held", "Paused", message="PromotionWindow")
    assert held["status"]["currentStepIndex"] == 2 and canary_pods() == 2

    # A plain promote of the held step: the hold comes back, no weight moves.
    refused = promote_refusals(kube, namespace)
    plugin("promote", "held")
    held_again(2, refused)
    assert canary_pods() == 2, "still 20%"

    # --override-window moves exactly one step: to 50%, then the next pause step.
    plugin("promote", "held", "--override-window")
    paused = wait_for_phase(kube, namespace, "held", "Paused", message="CanaryPauseStep")
    assert paused["status"]["currentStepIndex"] == 3
    wait_until(lambda: canary_pods() == 5, what="the canary at 50%")

    # promote --full skips the pause step, not the window: the full promotion is held, a plain promote too.
    closed = window_events(kube, namespace)
    plugin("promote", "held", "--full")
    wait_until(lambda: window_events(kube, namespace) > closed, what="the full promotion held")
    refused = promote_refusals(kube, namespace)
    plugin("promote", "held")
    held = held_again(3, refused)
    assert held["status"].get("promoteFull") and canary_pods() == 5

    # --override-window now names the full promotion, which goes through.
    plugin("promote", "held", "--override-window")
    healthy = wait_for_phase(kube, namespace, "held", "Healthy", timeout=90)
    assert healthy["status"]["stableRS"] == healthy["status"]["currentPodHash"]


def window_events(kube: Kube, namespace: str, *, saying: str = "") -> int:
    """How many PromotionWindowClosed events (their count included) the controller recorded, `saying` something."""
    events, _ = kube.list(resources.EVENTS, namespace, field_selector="involvedObject.name=held")
    closed = [e for e in events if e["reason"] == "PromotionWindowClosed" and saying in e["message"]]
    return sum(int(e.get("count") or 1) for e in closed)


def promote_refusals(kube: Kube, namespace: str) -> int:
    """The PromotionWindowClosed events that tell a plain promote the window still holds the step."""
    return window_events(kube, namespace, saying="--override-window")
