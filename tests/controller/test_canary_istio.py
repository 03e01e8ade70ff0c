"""Canary with Istio on the real cluster (Istio's CRDs, no mesh): VirtualService weights follow the steps.

Aspects: host split (stable/canary Services as destinations) and subset split (DestinationRule subsets labelled
with hashes); an abort sends 100% back to stable before the canary is scaled down; header and mirror routes
appear at the top of the route table and disappear when the rollout is done; a SIGKILLed controller restarted
mid-canary keeps weights and replica counts consistent.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import yaml

from helpers import apply, replica_sets, rollout, selector_hash, wait_for_phase, wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HOST = EXAMPLES / "istio-host-split" / "rollout.yaml"
SUBSET = EXAMPLES / "istio-subset-split" / "rollout.yaml"


def set_image(kube: Kube, namespace: str, name: str, image: str) -> None:
    kube.patch(
        resources.ROLLOUTS,
        namespace,
        name,
        [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}],
        kind="json",
    )


def promote(kube: Kube, namespace: str, name: str) -> None:
    kube.patch(resources.ROLLOUTS, namespace, name, {"status": {"pauseConditions": None}}, subresource="status")


def weights(kube: Kube, namespace: str, name: str, route: int = 0) -> dict[str, int]:
    vs = kube.get(resources.VIRTUAL_SERVICES, namespace, name)
    entries = vs["spec"]["http"][route]["route"]
    return {
        entry["destination"].get("subset") or entry["destination"]["host"]: entry.get("weight", 0) for entry in entries
    }


def live_pods(kube: Kube, namespace: str, revision: int) -> int:
    rs = replica_sets(kube, namespace)[revision]
    return (rs.get("status") or {}).get("availableReplicas") or 0


def test_host_split_weights_follow_the_steps(cluster, kube: Kube, controller, namespace: str) -> None:
    name, stable_svc, canary_svc = "istio-host-split", "istio-host-split-stable", "istio-host-split-canary"
    apply(cluster, namespace, HOST)
    rev1 = wait_for_phase(kube, namespace, name, "Healthy")["status"]["stableRS"]
    assert weights(kube, namespace, name) == {stable_svc: 100, canary_svc: 0}
    assert selector_hash(kube, namespace, stable_svc) == rev1 == selector_hash(kube, namespace, canary_svc)

    set_image(kube, namespace, name, "argoproj/rollouts-demo:yellow")
    paused = wait_for_phase(kube, namespace, name, "Paused")
    rev2 = paused["status"]["currentPodHash"]
    assert weights(kube, namespace, name) == {stable_svc: 90, canary_svc: 10}
    assert selector_hash(kube, namespace, canary_svc) == rev2 and selector_hash(kube, namespace, stable_svc) == rev1
    assert (live_pods(kube, namespace, 1), live_pods(kube, namespace, 2)) == (4, 1), (
        "stable stays full; canary scaled for 10%"
    )
    assert paused["status"]["canary"]["weights"]["canary"] == {
        "weight": 10,
        "serviceName": canary_svc,
        "podTemplateHash": rev2,
    }

    promote(kube, namespace, name)
    wait_until(lambda: weights(kube, namespace, name) == {stable_svc: 50, canary_svc: 50}, what="50/50 at setWeight 50")
    wait_for_phase(kube, namespace, name, "Healthy", timeout=30)
    assert weights(kube, namespace, name) == {stable_svc: 100, canary_svc: 0}
    assert selector_hash(kube, namespace, stable_svc) == rev2 == selector_hash(kube, namespace, canary_svc)
    wait_until(
        lambda: replica_sets(kube, namespace)[1]["spec"]["replicas"] == 0,
        timeout=20,
        what="old stable scaled down after scaleDownDelaySeconds",
    )


def test_abort_sends_all_traffic_back_before_scaling_the_canary_down(
    cluster, kube: Kube, controller, namespace: str
) -> None:
    name = "istio-host-split"
    apply(cluster, namespace, HOST)
    wait_for_phase(kube, namespace, name, "Healthy")
    set_image(kube, namespace, name, "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, name, "Paused")
    kube.patch(resources.ROLLOUTS, namespace, name, {"status": {"abort": True}}, subresource="status")
    wait_until(
        lambda: weights(kube, namespace, name)["istio-host-split-canary"] == 0,
        timeout=5,
        interval=0.05,
        what="100/0 right after the abort",
    )
    assert replica_sets(kube, namespace)[2]["spec"]["replicas"] == 1, (
        "the canary keeps its pods for abortScaleDownDelaySeconds"
    )
    degraded = wait_for_phase(kube, namespace, name, "Degraded")
    assert "scale-down-deadline" in replica_sets(kube, namespace)[2]["metadata"]["annotations"]
    assert selector_hash(kube, namespace, "istio-host-split-canary") == degraded["status"]["stableRS"]


def test_subset_split_labels_the_destination_rule(cluster, kube: Kube, controller, namespace: str) -> None:
    name = "istio-subset-split"
    apply(cluster, namespace, SUBSET)
    rev1 = wait_for_phase(kube, namespace, name, "Healthy")["status"]["stableRS"]

    def subsets() -> dict[str, str | None]:
        rule = kube.get(resources.DESTINATION_RULES, namespace, name)
        return {s["name"]: (s.get("labels") or {}).get("rollouts-pod-template-hash") for s in rule["spec"]["subsets"]}

    wait_until(lambda: subsets() == {"stable": rev1, "canary": rev1}, what="both subsets at rev1")
    assert (
        kube.get(resources.DESTINATION_RULES, namespace, name)["metadata"]["annotations"][
            "argo-rollouts.argoproj.io/managed-by-rollouts"
        ]
        == name
    )
    set_image(kube, namespace, name, "argoproj/rollouts-demo:yellow")
    rev2 = wait_for_phase(kube, namespace, name, "Paused")["status"]["currentPodHash"]
    assert subsets() == {"stable": rev1, "canary": rev2}
    assert weights(kube, namespace, name) == {"stable": 75, "canary": 25}
    assert "rollouts-pod-template-hash" not in (kube.get(resources.SERVICES, namespace, name)["spec"]["selector"]), (
        "subset mode leaves the Service alone"
    )
    promote(kube, namespace, name)
    wait_for_phase(kube, namespace, name, "Healthy")
    assert subsets() == {"stable": rev2, "canary": rev2}
    assert weights(kube, namespace, name) == {"stable": 100, "canary": 0}


def test_header_and_mirror_routes_appear_and_disappear(
    cluster, kube: Kube, controller, namespace: str, tmp_path: Path
) -> None:
    name = "istio-host-split"
    documents = [doc for doc in yaml.safe_load_all(HOST.read_text()) if doc]
    canary = documents[0]["spec"]["strategy"]["canary"]
    canary["trafficRouting"]["managedRoutes"] = [{"name": "header-route"}, {"name": "mirror-route"}]
    canary["steps"] = [
        {"setWeight": 20},
        {
            "setHeaderRoute": {
                "name": "header-route",
                "match": [{"headerName": "agent", "headerValue": {"regex": ".*firefox.*"}}],
            }
        },
        {
            "setMirrorRoute": {
                "name": "mirror-route",
                "percentage": 50,
                "match": [{"method": {"exact": "GET"}, "path": {"prefix": "/"}}],
            }
        },
        {"pause": {}},
        {"setHeaderRoute": {"name": "header-route"}},
        {"pause": {}},
    ]
    path = tmp_path / "rollout.yaml"
    path.write_text(yaml.safe_dump_all(documents))
    apply(cluster, namespace, path)
    wait_for_phase(kube, namespace, name, "Healthy")
    set_image(kube, namespace, name, "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, name, "Paused")

    def routes() -> list[str | None]:
        return [route.get("name") for route in kube.get(resources.VIRTUAL_SERVICES, namespace, name)["spec"]["http"]]

    assert routes() == ["header-route", "mirror-route", "primary"]
    http = kube.get(resources.VIRTUAL_SERVICES, namespace, name)["spec"]["http"]
    assert http[0]["match"] == [{"headers": {"agent": {"regex": ".*firefox.*"}}}]
    assert http[0]["route"] == [{"destination": {"host": "istio-host-split-canary"}, "weight": 100}]
    assert http[1]["mirror"] == {"host": "istio-host-split-canary"} and http[1]["mirrorPercentage"] == {"value": 50.0}
    assert weights(kube, namespace, name, route=2) == {"istio-host-split-stable": 80, "istio-host-split-canary": 20}

    promote(kube, namespace, name)
    wait_until(lambda: routes() == ["mirror-route", "primary"], what="header route removed by its step")

    def paused_at_last_step() -> bool:
        # The second promote must find the last pause to clear: wait for its condition, not just the routes.
        status = rollout(kube, namespace, name)["status"]
        return status.get("currentStepIndex") == 5 and bool(status.get("pauseConditions"))

    wait_until(paused_at_last_step, what="paused at the last step")
    promote(kube, namespace, name)
    wait_for_phase(kube, namespace, name, "Healthy")
    assert routes() == ["primary"], "managed routes are removed when the rollout is done"


def test_sigkill_mid_canary_keeps_weights_and_replicas_consistent(
    cluster, kube: Kube, start_controller, namespace: str
) -> None:
    name = "istio-host-split"
    instance = f"istio-kill-{uuid.uuid4().hex[:6]}"
    apply(cluster, namespace, HOST, labels={"argo-rollouts.argoproj.io/controller-instance-id": instance})
    first = start_controller(f"--instance-id={instance}", "--no-leader-elect")
    wait_for_phase(kube, namespace, name, "Healthy")
    set_image(kube, namespace, name, "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, name, "Paused")
    promote(kube, namespace, name)
    wait_until(lambda: weights(kube, namespace, name)["istio-host-split-canary"] == 50, what="setWeight 50")
    first.kill()
    before = {rev: rs["metadata"]["uid"] for rev, rs in replica_sets(kube, namespace).items()}

    start_controller(f"--instance-id={instance}", "--no-leader-elect")
    healthy = wait_for_phase(kube, namespace, name, "Healthy", timeout=30)
    assert weights(kube, namespace, name) == {"istio-host-split-stable": 100, "istio-host-split-canary": 0}
    assert {rev: rs["metadata"]["uid"] for rev, rs in replica_sets(kube, namespace).items()} == before
    assert replica_sets(kube, namespace)[2]["spec"]["replicas"] == 4
    assert healthy["status"]["stableRS"] == rollout(kube, namespace, name)["status"]["currentPodHash"]
