"""The traffic simulator through routers besides Istio, end to end: the real local cluster (kwok pods), the routers'
real CRDs (crds/third-party/), a real Prometheus.

We test these aspects:
* Given two versions (``demo:blue``, ``demo:yellow-errors-50``) and a Service for each, with the simulator sending
  requests through ``HTTPRoute/demo`` before it exists: the missing route is logged; When the HTTPRoute splits
  80/20, Then Prometheus sees the canary get about a fifth of the requests and fail about half; When the route is
  patched to 100/0, the canary's rate drops to 0;
* Without named targets, the simulator finds an HTTPRoute, an NGINX stable Ingress (and reads its canary Ingress'
  weight, without taking the canary Ingress for a target), an ALB Ingress and a TrafficSplit, and logs each split;
  deleting the canary Ingress puts the stable Ingress back to 100 %.

Not tested here: the split rules in detail (test_traffic_routers.py), Istio (test_simulator_cluster.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import wait_until
from scraping_prometheus import Prometheus
from test_simulator_cluster import CANARY_HASH, RATE, STABLE_HASH, WINDOW, Running, ready, replica_set, run_simulator, service

from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.simulator import main, traffic

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("router_crds")]

HTTP_ROUTES = main.RESOURCES["HTTPRoute"]
INGRESSES = main.RESOURCES["Ingress"]
TRAFFIC_SPLITS = main.RESOURCES["TrafficSplit"]
STABLE_SPLIT = f"stable {STABLE_HASH[:4]}… 100% (blue)"


def http_route(stable: int, canary: int) -> dict[str, Any]:
    refs = [{"name": "stable", "port": 80, "weight": stable}, {"name": "canary", "port": 80, "weight": canary}]
    rules = [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}], "backendRefs": refs}]
    return {"apiVersion": HTTP_ROUTES.api_version, "kind": "HTTPRoute", "metadata": {"name": "demo"}, "spec": {"parentRefs": [{"name": "gw"}], "rules": rules}}


def ingress(name: str, service_name: str, annotations: dict[str, str] | None = None, port: dict[str, Any] | None = None, host: str = "demo.local") -> dict[str, Any]:
    path = {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": service_name, "port": port or {"number": 80}}}}
    return {
        "apiVersion": INGRESSES.api_version, "kind": "Ingress", "metadata": {"name": name, "annotations": annotations or {}},
        "spec": {"rules": [{"host": host, "http": {"paths": [path]}}]},
    }  # fmt: skip


def alb_ingress() -> dict[str, Any]:
    groups = [{"ServiceName": "canary", "ServicePort": "80", "Weight": 40}, {"ServiceName": "stable", "ServicePort": "80", "Weight": 60}]
    action = json.dumps({"Type": "forward", "ForwardConfig": {"TargetGroups": groups}})
    return ingress("alb", "root", {"alb.ingress.kubernetes.io/actions.root": action}, {"name": "use-annotation"}, host="alb.local")


def traffic_split() -> dict[str, Any]:
    backends = [{"service": "canary", "weight": 10}, {"service": "stable", "weight": 90}]
    return {"apiVersion": TRAFFIC_SPLITS.api_version, "kind": "TrafficSplit", "metadata": {"name": "mesh"}, "spec": {"service": "root", "backends": backends}}


def two_versions(kube: Kube, namespace: str) -> None:
    kube.create(resources.REPLICASETS, namespace, replica_set(STABLE_HASH, "demo:blue", 2))
    kube.create(resources.REPLICASETS, namespace, replica_set(CANARY_HASH, "demo:yellow-errors-50", 1))
    kube.create(resources.SERVICES, namespace, service("stable", STABLE_HASH))
    kube.create(resources.SERVICES, namespace, service("canary", CANARY_HASH))
    wait_until(lambda: ready(kube, namespace, f"demo-{STABLE_HASH}", 2) and ready(kube, namespace, f"demo-{CANARY_HASH}", 1), what="pods Ready (kwok)")


def split(stable: int, canary: int) -> str:
    return f"stable {STABLE_HASH[:4]}… {stable}% (blue), canary {CANARY_HASH[:4]}… {canary}% (yellow-errors-50)"


def start(cluster: LocalCluster, namespace: str, port: int, targets: tuple[traffic.Target, ...]) -> Iterator[Running]:
    options = main.Options(kubeconfig=str(cluster.kubeconfig), namespace=namespace, targets=targets, rate=RATE, port=port, address="127.0.0.1", seed=7)
    for running in run_simulator(options):  # the loop resumes it after the test: stopped and checked
        yield running
    assert not any(record.exc_info or record.levelno >= logging.WARNING for record in running.log.records), "no warnings, no tracebacks"


@pytest.fixture
def through_http_route(cluster: LocalCluster, namespace: str, simulator_port: int) -> Iterator[Running]:
    yield from start(cluster, namespace, simulator_port, (traffic.Target("HTTPRoute", "demo"),))


@pytest.fixture
def discovering(cluster: LocalCluster, namespace: str, simulator_port: int) -> Iterator[Running]:
    yield from start(cluster, namespace, simulator_port, ())


def canary_rate(prometheus: Prometheus, window: str) -> float | None:
    return prometheus.scalar(f'sum(rate(istio_requests_total{{destination_service_name="canary"}}[{window}]))')


def test_http_route_weights_reach_prometheus(kube: Kube, namespace: str, through_http_route: Running, prometheus: Prometheus) -> None:
    two_versions(kube, namespace)
    missing = f"split HTTPRoute/demo: no traffic; HTTPRoute demo not found in namespace {namespace}"
    wait_until(lambda: missing in through_http_route.log.splits(), timeout=15, what="the missing HTTPRoute to be logged")

    kube.create(HTTP_ROUTES, namespace, http_route(80, 20))
    wait_until(lambda: f"split HTTPRoute/demo: {split(80, 20)}" in through_http_route.log.splits(), timeout=15, what="the 80/20 split")
    full = f'min(count_over_time(istio_requests_total{{destination_service_name="canary"}}[{WINDOW}]))'
    wait_until(lambda: (prometheus.scalar(full) or 0) >= 14, timeout=60, what=f"{WINDOW} of canary samples in Prometheus")
    total = prometheus.scalar(f"sum(rate(istio_requests_total[{WINDOW}]))")
    assert total == pytest.approx(RATE, rel=0.15)
    assert (canary_rate(prometheus, WINDOW) or 0) / total == pytest.approx(0.2, abs=0.05)
    errors = prometheus.scalar(
        f'sum(rate(istio_requests_total{{destination_service_name="canary",response_code=~"5.*"}}[{WINDOW}]))'
        f' / sum(rate(istio_requests_total{{destination_service_name="canary"}}[{WINDOW}]))'
    )
    assert errors == pytest.approx(0.5, abs=0.1)

    kube.patch(HTTP_ROUTES, namespace, "demo", {"spec": {"rules": http_route(100, 0)["spec"]["rules"]}})
    wait_until(lambda: canary_rate(prometheus, "5s") == 0.0, timeout=30, what="the canary's request rate to drop to 0")
    assert through_http_route.log.splits()[-1] == f"split HTTPRoute/demo: {STABLE_SPLIT}"


def test_discovers_every_router_object(kube: Kube, namespace: str, discovering: Running) -> None:
    two_versions(kube, namespace)
    kube.create(resources.SERVICES, namespace, {**service("root", STABLE_HASH), "spec": {"selector": {"app": "demo"}, "ports": [{"port": 80}]}})
    # The Services are targets until the routers come; a simulator that saw the routers first never drops them.
    def services_are_targets() -> bool:
        return all(any(line.startswith(f"split Service/{name}: ") for line in discovering.log.splits()) for name in ("stable", "canary"))
    wait_until(services_are_targets, timeout=20, what="the Services as targets before any router")
    kube.create(HTTP_ROUTES, namespace, http_route(70, 30))
    kube.create(INGRESSES, namespace, ingress("web", "stable"))
    canary_annotations = {"nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "25"}
    kube.create(INGRESSES, namespace, ingress("demo-web-canary", "canary", canary_annotations))
    kube.create(INGRESSES, namespace, alb_ingress())
    kube.create(TRAFFIC_SPLITS, namespace, traffic_split())
    wanted = [
        f"split HTTPRoute/demo: {split(70, 30)}",
        f"split Ingress/web: {split(75, 25)}",
        f"split Ingress/alb: canary {CANARY_HASH[:4]}… 40% (yellow-errors-50), stable {STABLE_HASH[:4]}… 60% (blue)",
        f"split TrafficSplit/mesh: canary {CANARY_HASH[:4]}… 10% (yellow-errors-50), stable {STABLE_HASH[:4]}… 90% (blue)",
    ]
    wait_until(lambda: set(wanted) <= set(discovering.log.splits()), timeout=20, what=f"{wanted} in {discovering.log.splits()}")
    routed_gone = [f"split Service/{name}: gone, no more traffic" for name in ("stable", "canary")]
    wait_until(lambda: set(routed_gone) <= set(discovering.log.splits()), timeout=15, what="routed Services to stop being targets")
    assert not any("Ingress/demo-web-canary" in line for line in discovering.log.splits()), "a canary Ingress is no target"

    kube.delete(INGRESSES, namespace, "demo-web-canary")
    wait_until(lambda: f"split Ingress/web: {STABLE_SPLIT}" in discovering.log.splits(), timeout=15, what="the stable Ingress back to 100%")
