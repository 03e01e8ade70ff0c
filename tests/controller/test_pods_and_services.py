"""What the controller does to pods and Services beyond scaling: role metadata, anti-affinity, restarts,
releasing Services, and its own /metrics and /healthz endpoints.
"""

from __future__ import annotations

import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

from helpers import apply, replica_sets, rollout, selector_hash, wait_for_phase, wait_until
from rollouts.cluster.processes import free_ports
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.plan.times import format_time

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bluegreen" / "rollout-bluegreen.yaml"
NAME = "rollout-bluegreen"
ACTIVE, PREVIEW = "rollout-bluegreen-active", "rollout-bluegreen-preview"


def with_strategy(tmp_path: Path, **blue_green: object) -> Path:
    documents = [doc for doc in yaml.safe_load_all(EXAMPLE.read_text()) if doc]
    documents[0]["spec"]["strategy"]["blueGreen"].update(blue_green)
    path = tmp_path / "rollout.yaml"
    path.write_text(yaml.safe_dump_all(documents))
    return path


def set_image(kube: Kube, namespace: str, image: str) -> None:
    kube.patch(
        resources.ROLLOUTS,
        namespace,
        NAME,
        [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}],
        kind="json",
    )


def pod_labels(kube: Kube, namespace: str, pod_hash: str) -> list[dict]:
    pods, _ = kube.list(resources.PODS, namespace, label_selector=f"rollouts-pod-template-hash={pod_hash}")
    return [pod["metadata"].get("labels") or {} for pod in pods if not pod["metadata"].get("deletionTimestamp")]


def test_role_metadata_follows_active_and_preview_in_place(
    cluster, kube: Kube, controller, namespace: str, tmp_path: Path
) -> None:
    apply(
        cluster,
        namespace,
        with_strategy(
            tmp_path, activeMetadata={"labels": {"role": "active"}}, previewMetadata={"labels": {"role": "preview"}}
        ),
    )
    blue = wait_for_phase(kube, namespace, NAME, "Healthy")["status"]["stableRS"]
    wait_until(
        lambda: [labels.get("role") for labels in pod_labels(kube, namespace, blue)] == ["active", "active"],
        what="active pods labelled role=active",
    )

    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    yellow = wait_for_phase(kube, namespace, NAME, "Paused")["status"]["currentPodHash"]
    wait_until(
        lambda: [labels.get("role") for labels in pod_labels(kube, namespace, yellow)] == ["preview", "preview"],
        what="preview pods labelled role=preview",
    )
    pod_uids = {
        pod["metadata"]["uid"]
        for pod in kube.list(resources.PODS, namespace, label_selector=f"rollouts-pod-template-hash={yellow}")[0]
    }

    kube.patch(resources.ROLLOUTS, namespace, NAME, {"status": {"pauseConditions": None}}, subresource="status")
    wait_for_phase(kube, namespace, NAME, "Healthy")
    wait_until(
        lambda: [labels.get("role") for labels in pod_labels(kube, namespace, yellow)] == ["active", "active"],
        what="promoted pods relabelled role=active",
    )
    after = {
        pod["metadata"]["uid"]
        for pod in kube.list(resources.PODS, namespace, label_selector=f"rollouts-pod-template-hash={yellow}")[0]
    }
    assert after == pod_uids, "labels change in place: no pod is restarted"
    template_labels = replica_sets(kube, namespace)[2]["spec"]["template"]["metadata"]["labels"]
    assert template_labels["role"] == "active"


def test_anti_affinity_keeps_the_new_pods_off_stable_nodes(
    cluster, kube: Kube, controller, namespace: str, tmp_path: Path
) -> None:
    apply(
        cluster,
        namespace,
        with_strategy(tmp_path, antiAffinity={"preferredDuringSchedulingIgnoredDuringExecution": {"weight": 40}}),
    )
    blue = wait_for_phase(kube, namespace, NAME, "Healthy")["status"]["stableRS"]
    assert "affinity" not in replica_sets(kube, namespace)[1]["spec"]["template"]["spec"], (
        "no stable to avoid on the first deploy"
    )
    set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, NAME, "Paused")
    terms = replica_sets(kube, namespace)[2]["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"][
        "preferredDuringSchedulingIgnoredDuringExecution"
    ]
    on_blue = {"key": "rollouts-pod-template-hash", "operator": "In", "values": [blue]}
    assert terms == [
        {
            "weight": 40,
            "podAffinityTerm": {
                "labelSelector": {"matchExpressions": [on_blue]},
                "topologyKey": "kubernetes.io/hostname",
            },
        }
    ]


def test_restart_replaces_every_pod_and_records_it(cluster, kube: Kube, controller, namespace: str) -> None:
    apply(cluster, namespace, EXAMPLE)
    stable = wait_for_phase(kube, namespace, NAME, "Healthy")["status"]["stableRS"]
    before = {pod["metadata"]["uid"] for pod in kube.list(resources.PODS, namespace, label_selector=f"app={NAME}")[0]}
    now = format_time(datetime.now(UTC) + timedelta(seconds=2))  # strictly after every pod's (whole-second) creation
    kube.patch(resources.ROLLOUTS, namespace, NAME, {"spec": {"restartAt": now}})

    def restarted() -> bool:
        current = rollout(kube, namespace, NAME)
        return (current.get("status") or {}).get("restartedAt") == now

    wait_until(restarted, timeout=60, what="status.restartedAt recorded")
    pods, _ = kube.list(resources.PODS, namespace, label_selector=f"app={NAME}")
    live = [pod for pod in pods if not pod["metadata"].get("deletionTimestamp")]
    assert len(live) == 2 and not ({pod["metadata"]["uid"] for pod in live} & before), "every pod was replaced"
    assert wait_for_phase(kube, namespace, NAME, "Healthy")["status"]["stableRS"] == stable, (
        "a restart is not an update"
    )


def test_deleting_the_rollout_releases_its_services(cluster, kube: Kube, controller, namespace: str) -> None:
    apply(cluster, namespace, EXAMPLE)
    wait_for_phase(kube, namespace, NAME, "Healthy")
    assert selector_hash(kube, namespace, ACTIVE)
    kube.delete(resources.ROLLOUTS, namespace, NAME)

    def released(service: str) -> bool:
        current = kube.get(resources.SERVICES, namespace, service)
        return "rollouts-pod-template-hash" not in current["spec"][
            "selector"
        ] and "argo-rollouts.argoproj.io/managed-by-rollouts" not in (current["metadata"].get("annotations") or {})

    wait_until(lambda: released(ACTIVE) and released(PREVIEW), what="selector key and annotation removed")
    assert kube.get(resources.SERVICES, namespace, ACTIVE)["spec"]["selector"] == {"app": NAME}


def test_a_service_no_longer_named_is_released(cluster, kube: Kube, controller, namespace: str) -> None:
    apply(cluster, namespace, EXAMPLE)
    wait_for_phase(kube, namespace, NAME, "Healthy")
    kube.patch(
        resources.ROLLOUTS,
        namespace,
        NAME,
        [{"op": "remove", "path": "/spec/strategy/blueGreen/previewService"}],
        kind="json",
    )
    wait_until(lambda: selector_hash(kube, namespace, PREVIEW) is None, what="preview Service released")
    assert selector_hash(kube, namespace, ACTIVE) is not None


def test_metrics_and_healthz_endpoints(cluster, kube: Kube, start_controller, namespace: str) -> None:
    instance = f"metrics-{uuid.uuid4().hex[:6]}"
    metrics_port, healthz_port = free_ports(2)
    apply(cluster, namespace, EXAMPLE, labels={"argo-rollouts.argoproj.io/controller-instance-id": instance})
    process = start_controller(
        f"--instance-id={instance}",
        "--no-leader-elect",
        f"--metrics-port={metrics_port}",
        f"--healthz-port={healthz_port}",
    )
    wait_for_phase(kube, namespace, NAME, "Healthy")

    def get(port: int, path: str) -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
                return response.read().decode()
        except OSError:
            return None

    assert wait_until(lambda: get(healthz_port, "/healthz"), what="/healthz") == "ok"
    text = wait_until(lambda: get(metrics_port, "/metrics"), what="/metrics")
    for name in (
        "rollout_info{",
        "rollout_info_replicas_available{",
        "rollout_reconcile_bucket{",
        "rollout_events_total{",
        "controller_clientset_k8s_request_total{",
        "workqueue_depth{",
        "workqueue_adds_total{",
    ):
        assert name in text, name
    assert (
        f'rollout_info{{name="{NAME}",namespace="{namespace}",phase="Healthy",'
        'strategy="blueGreen",traffic_router=""} 1.0' in text
    )
    assert process.alive()
