"""Istio's CRDs installed or removed while the controller runs (issue #12).

Aspects: a canary Rollout that routes through Istio, applied before the cluster serves Istio's API, reports
InvalidSpec; installing the CRDs then makes it progress within seconds, with no restart; removing them again
takes it back to InvalidSpec without crashing or a traceback. The cluster's Istio CRDs are restored afterwards.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from helpers import apply, wait_established, wait_for_phase, wait_until
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube

REPO = Path(__file__).resolve().parents[2]
ISTIO_CRDS = REPO / "crds" / "third-party" / "istio.yaml"
EXAMPLE = REPO / "examples" / "istio-host-split" / "rollout.yaml"
NAME = "istio-host-split"
INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
NO_ISTIO = "the cluster has no Istio API"
CRD_NAMES = ("virtualservices.networking.istio.io", "destinationrules.networking.istio.io")


def istio_served(kube: Kube) -> bool:
    try:
        found = kube.raw("GET", "/apis/networking.istio.io/v1alpha3")
    except errors.NotFound:
        return False
    return {"virtualservices", "destinationrules"} <= {item["name"] for item in found.get("resources") or []}


def remove_istio(cluster, kube: Kube) -> None:
    cluster.kubectl("delete", "crd", *CRD_NAMES, "--ignore-not-found", "--wait=true")
    wait_until(lambda: not istio_served(kube), what="Istio's API gone from discovery")


def install_istio(cluster, kube: Kube, manifest: str) -> None:
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", input=manifest)
    wait_established(cluster, *(f"crd/{name}" for name in CRD_NAMES))
    wait_until(lambda: istio_served(kube), what="Istio's API in discovery")


@pytest.fixture
def without_istio(cluster, kube: Kube, istio_crds: None) -> Iterator[None]:
    """Take Istio's CRDs away for one test and put the very same ones back afterwards."""
    saved = []
    for name in CRD_NAMES:
        crd = kube.get(resources.CRDS, None, name)
        metadata = {"name": name, "labels": crd["metadata"].get("labels") or {}}
        saved.append({"apiVersion": crd["apiVersion"], "kind": crd["kind"], "metadata": metadata, "spec": crd["spec"]})
    remove_istio(cluster, kube)
    try:
        yield
    finally:
        install_istio(cluster, kube, yaml.safe_dump_all(saved))


def invalid_message(kube: Kube, namespace: str) -> str:
    rollout = kube.get(resources.ROLLOUTS, namespace, NAME)
    found = [c for c in (rollout.get("status") or {}).get("conditions") or [] if c["type"] == "InvalidSpec"]
    return found[0]["message"] if found and found[0]["status"] == "True" else ""


def test_istio_installed_while_running_is_used_within_seconds(
    cluster, kube: Kube, start_controller, without_istio: None, namespace: str
) -> None:
    instance = f"late-{uuid.uuid4().hex[:6]}"
    controller = start_controller(f"--instance-id={instance}", "--no-leader-elect")
    documents = [doc for doc in yaml.safe_load_all(EXAMPLE.read_text()) if doc]
    without_vs = [doc for doc in documents if doc["kind"] != "VirtualService"]
    path = Path(controller.log).with_name("without-vs.yaml")
    path.write_text(yaml.safe_dump_all(without_vs))
    apply(cluster, namespace, path, labels={INSTANCE_LABEL: instance})
    wait_until(lambda: NO_ISTIO in invalid_message(kube, namespace), what="InvalidSpec: no Istio API")

    install_istio(cluster, kube, ISTIO_CRDS.read_text())
    apply(cluster, namespace, EXAMPLE, labels={INSTANCE_LABEL: instance})
    installed = time.monotonic()
    wait_for_phase(kube, namespace, NAME, "Healthy", timeout=15)
    assert time.monotonic() - installed < 10, "the new API was picked up within seconds, without a restart"
    vs = kube.get(resources.VIRTUAL_SERVICES, namespace, NAME)
    assert [entry.get("weight") for entry in vs["spec"]["http"][0]["route"]] == [100, 0]

    remove_istio(cluster, kube)
    wait_until(lambda: NO_ISTIO in invalid_message(kube, namespace), timeout=15, what="InvalidSpec again")
    assert controller.alive()
    assert "Traceback" not in controller.output()
