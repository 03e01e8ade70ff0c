"""Canaries through each traffic router on the real cluster (no proxy or mesh: the routed objects are the contract).

Per router, from its example in examples/: the weights follow the steps, the header route appears at its step and
disappears when the update is over, completion releases the router's objects (as in Argo, each sends everything to
stable; NGINX's canary Ingress and SMI's TrafficSplit stay, at weight 0), and an abort puts all traffic back on stable at
once.
"""

from __future__ import annotations

import pytest

from helpers import apply, replica_sets, rollout, wait_for_phase, wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube
from router_views import ALB, APISIX, GATEWAY_API, NGINX, SMI, TRAEFIK, RouterView

pytestmark = pytest.mark.usefixtures("router_crds")

VIEWS = [
    pytest.param(view, id=view.name.removesuffix("-canary")) for view in (NGINX, ALB, SMI, GATEWAY_API, TRAEFIK, APISIX)
]


def set_image(kube: Kube, namespace: str, name: str, image: str) -> None:
    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}]
    kube.patch(resources.ROLLOUTS, namespace, name, patch, kind="json")


def promote(kube: Kube, namespace: str, name: str) -> None:
    kube.patch(resources.ROLLOUTS, namespace, name, {"status": {"pauseConditions": None}}, subresource="status")


def all_on_stable(view: RouterView, kube: Kube, namespace: str) -> bool:
    return view.weight(kube, namespace) in (None, 0) and not view.header_route(kube, namespace)


@pytest.mark.parametrize("view", VIEWS)
def test_weights_follow_the_steps_and_completion_releases(
    cluster, kube: Kube, controller, namespace: str, view: RouterView
) -> None:
    apply(cluster, namespace, view.example)
    wait_for_phase(kube, namespace, view.name, "Healthy")
    assert all_on_stable(view, kube, namespace)

    set_image(kube, namespace, view.name, "argoproj/rollouts-demo:yellow")
    paused = wait_for_phase(kube, namespace, view.name, "Paused")
    assert view.weight(kube, namespace) == 20
    assert view.header_route(kube, namespace) == view.header_steps, "setHeaderRoute is in force after its step"
    assert paused["status"]["canary"]["weights"]["canary"]["weight"] == 20

    promote(kube, namespace, view.name)
    wait_until(lambda: view.weight(kube, namespace) == 60, what="60% at setWeight 60")
    wait_for_phase(kube, namespace, view.name, "Healthy", timeout=30)
    assert all_on_stable(view, kube, namespace), (
        f"released on completion: no canary weight, no header route; got weight {view.weight(kube, namespace)}, "
        f"header route {view.header_route(kube, namespace)}, status {rollout(kube, namespace, view.name)['status'].get('canary')}"
    )


@pytest.mark.parametrize("view", VIEWS)
def test_abort_puts_everything_back_on_stable_at_once(
    cluster, kube: Kube, controller, namespace: str, view: RouterView
) -> None:
    apply(cluster, namespace, view.example)
    wait_for_phase(kube, namespace, view.name, "Healthy")
    set_image(kube, namespace, view.name, "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, view.name, "Paused")
    assert view.weight(kube, namespace) == 20
    kube.patch(resources.ROLLOUTS, namespace, view.name, {"status": {"abort": True}}, subresource="status")
    # A reconcile routes traffic before it writes status, so once the abort is recorded (abortedAt) the weight and
    # header routes are back on stable or follow in the next chained plan, not after a requeue delay (the abort
    # latency itself is measured by `make bench`, not asserted here).
    wait_until(lambda: rollout(kube, namespace, view.name)["status"].get("abortedAt"), what="the abort to be recorded")
    wait_until(lambda: all_on_stable(view, kube, namespace), timeout=5, what="traffic back on stable after the abort")
    assert replica_sets(kube, namespace)[2]["spec"]["replicas"] == 1, "the canary keeps its pods for a while"
    wait_for_phase(kube, namespace, view.name, "Degraded")
    assert all_on_stable(view, kube, namespace)
