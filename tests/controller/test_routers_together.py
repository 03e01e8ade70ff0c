"""Several routers on one Rollout, and Rollouts whose routing cannot work, on the real cluster.

Aspects: NGINX and SMI on one Rollout each get the same split and both are released on completion; an unknown
router, a router plugin we do not implement, and a stable Ingress that does not exist are InvalidSpec with a message
naming the field, and the Rollout recovers once the Ingress is created.
"""

from __future__ import annotations

import copy

import pytest
import yaml

from helpers import wait_for_phase, wait_until
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from router_views import INGRESSES, NGINX, TRAFFIC_SPLITS, nginx_weight

pytestmark = pytest.mark.usefixtures("router_crds")


def documents() -> list[dict]:
    return [d for d in yaml.safe_load_all(NGINX.example.read_text()) if d]


def with_routing(routing: dict) -> list[dict]:
    found = copy.deepcopy(documents())
    rollout = next(d for d in found if d["kind"] == "Rollout")
    rollout["spec"]["strategy"]["canary"]["trafficRouting"] = routing
    rollout["spec"]["strategy"]["canary"]["steps"] = [{"setWeight": 30}, {"pause": {}}]
    return found


def create_all(kube: Kube, namespace: str, objects: list[dict], *, skip: str = "") -> None:
    kinds = {"Rollout": resources.ROLLOUTS, "Service": resources.SERVICES, "Ingress": INGRESSES}
    for obj in objects:
        if obj["kind"] != skip:
            kube.create(kinds[obj["kind"]], namespace, obj)


def smi_weight(kube: Kube, namespace: str) -> int | None:
    try:
        split = kube.get(TRAFFIC_SPLITS, namespace, "nginx-canary")
    except errors.NotFound:
        return None
    return next(b["weight"] for b in split["spec"]["backends"] if b["service"] == "nginx-canary-canary")


def test_nginx_and_smi_share_the_split_and_are_both_released(kube: Kube, controller, namespace: str) -> None:
    create_all(kube, namespace, with_routing({"nginx": {"stableIngress": "nginx-canary"}, "smi": {}}))
    wait_for_phase(kube, namespace, "nginx-canary", "Healthy")
    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "demo:yellow"}]
    kube.patch(resources.ROLLOUTS, namespace, "nginx-canary", patch, kind="json")
    wait_for_phase(kube, namespace, "nginx-canary", "Paused")
    assert (nginx_weight(kube, namespace), smi_weight(kube, namespace)) == (30, 30)
    kube.patch(
        resources.ROLLOUTS, namespace, "nginx-canary", {"status": {"pauseConditions": None}}, subresource="status"
    )
    wait_for_phase(kube, namespace, "nginx-canary", "Healthy")
    wait_until(lambda: (nginx_weight(kube, namespace), smi_weight(kube, namespace)) == (0, 0), what="released")


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        pytest.param(
            {"ambassador": {"mappings": ["web"]}},
            "spec.strategy.canary.trafficRouting.ambassador: traffic router ambassador is not supported",
            id="unknown-router",
        ),
        pytest.param(
            {"plugins": {"acme/mesh": {}}},
            'spec.strategy.canary.trafficRouting.plugins["acme/mesh"]: unsupported traffic router plugin',
            id="unknown-plugin",
        ),
        pytest.param(
            {"nginx": {"stableIngresses": "nginx-canary"}},
            "spec.strategy.canary.trafficRouting.nginx.stableIngresses: expected a list of strings, got a string",
            id="wrong-field-type",
        ),
    ],
)
def test_routing_that_cannot_work_is_invalid_spec(kube: Kube, controller, namespace: str, routing, message) -> None:
    create_all(kube, namespace, with_routing(routing))
    wait_for_phase(kube, namespace, "nginx-canary", "Degraded", message=message)


def test_a_missing_stable_ingress_is_invalid_until_it_exists(kube: Kube, controller, namespace: str) -> None:
    objects = with_routing({"nginx": {"stableIngress": "nginx-canary"}})
    create_all(kube, namespace, objects, skip="Ingress")
    wait_for_phase(kube, namespace, "nginx-canary", "Degraded", message='Ingress "')
    create_all(kube, namespace, [d for d in objects if d["kind"] == "Ingress"])
    wait_for_phase(kube, namespace, "nginx-canary", "Healthy")
