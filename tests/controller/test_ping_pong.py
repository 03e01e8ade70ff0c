"""Ping-pong Services on the real cluster, and every ping-pong shape observed without an exception.

Aspects: the first deploy makes ping stable; each update puts the canary on the other Service of the pair and the
VirtualService weights on the pair's hosts (75/25 at setWeight 25); each promotion swaps the roles
(status.canary.stablePingPong) and sends all traffic to the Service that selected the canary, without moving the
stable Service's selector; any ping-pong spec, valid or not, is observed as a list of messages naming the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import apply, rollout, selector_hash, wait_for_phase, wait_until
from rollouts.controller.observe import AnalysisObjects, Caches, RoutedObjects, observe
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.machinery.keys import ObjectKey
from rollouts.machinery.store import Store
from rollouts.plan.observed import Observed

PAIR = {"pingService": "ping", "pongService": "pong"}
ISTIO = {"istio": {"virtualService": {"name": "vs", "routes": ["primary"]}}}
CANARY = "spec.strategy.canary"


def a_rollout(canary: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "web", "namespace": "ns", "uid": "u1", "generation": 1},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "w", "image": "w"}]}},
            "strategy": {"canary": {"steps": [{"setWeight": 25}], **canary}},
        },
    }


def a_vs(*hosts: str) -> dict[str, Any]:
    route = [{"destination": {"host": host}, "weight": 100 if i == 0 else 0} for i, host in enumerate(hosts)]
    return {"metadata": {"name": "vs", "namespace": "ns"}, "spec": {"http": [{"name": "primary", "route": route}]}}


def caches(vs: dict[str, Any] | None, *services: str) -> Caches:
    service_store, vs_store = Store(), Store()
    for name in services:
        service_store._put(ObjectKey("ns", name), {"kind": "Service", "metadata": {"namespace": "ns", "name": name}})
    if vs is not None:
        vs_store._put(ObjectKey("ns", "vs"), vs)
    routed = RoutedObjects({resources.VIRTUAL_SERVICES: vs_store, resources.DESTINATION_RULES: Store()})
    analysis = AnalysisObjects(runs=Store({"owner": lambda _o: []}), templates=Store(), cluster_templates=None)
    owner, pod_hash = {"owner": lambda _o: []}, {"pod-hash": lambda _o: []}
    return Caches(Store(owner), service_store, Store(pod_hash), routed=routed, analysis=analysis)


@pytest.mark.parametrize(
    ("canary", "found", "expected"),
    [
        pytest.param({"pingPong": PAIR, "trafficRouting": ISTIO}, caches(a_vs("ping", "pong"), "ping", "pong"), [],
                     id="istio-host-split-on-the-pair"),
        pytest.param({"pingPong": PAIR, "trafficRouting": ISTIO}, caches(a_vs("ping"), "ping", "pong"),
                     [f'{CANARY}.trafficRouting.istio.virtualService: VirtualService "vs": HTTP route "primary" has '
                      'no destination for Service "pong"'],
                     id="virtual-service-without-pong"),
        pytest.param({"pingPong": PAIR, "trafficRouting": ISTIO}, caches(a_vs("ping", "pong"), "ping"),
                     [f'{CANARY}.pingPong.pongService: Service "pong" not found'], id="pong-service-missing"),
        pytest.param({"pingPong": {"pingService": "ping", "pongService": ""}, "trafficRouting": ISTIO},
                     caches(a_vs("ping", "pong"), "ping"),
                     [f"{CANARY}.pingPong.pongService: required",
                      f"{CANARY}.trafficRouting.istio: host splitting needs two different Services: canaryService and "
                      "stableService, or pingPong.pingService and pingPong.pongService (or set destinationRule)"],
                     id="pong-unnamed"),
        pytest.param({"pingPong": {"pingService": "ping"}, "trafficRouting": ISTIO}, caches(None), None,
                     id="pong-field-absent"),
        pytest.param({"trafficRouting": ISTIO}, caches(a_vs("ping", "pong")), None, id="istio-without-any-service"),
        pytest.param({"pingPong": PAIR, "trafficRouting": {"nginx": {"stableIngress": "web"}}},
                     caches(None, "ping", "pong"), None, id="nginx-with-ping-pong"),
        pytest.param({"pingPong": PAIR, "trafficRouting": {"alb": {"ingress": "web", "servicePort": 80}}},
                     caches(None, "ping", "pong"), None, id="alb-without-root-service"),
        pytest.param({"pingPong": PAIR}, caches(None, "ping", "pong"), [], id="no-router"),
        pytest.param({"pingPong": PAIR, "trafficRouting": {"istio": {
                         "virtualService": {"name": "vs"},
                         "destinationRule": {"name": "dr", "canarySubsetName": "c", "stableSubsetName": "s"}}}},
                     caches(a_vs("ping", "pong"), "ping", "pong"), None, id="istio-subset-split-with-ping-pong"),
    ],
)  # fmt: skip
def test_every_ping_pong_shape_is_observed_without_an_exception(
    canary: dict[str, Any], found: Caches, expected: list[str] | None
) -> None:
    """A list of messages naming fields, never a traceback (`expected` None: any, as long as they name a field)."""
    result = observe(a_rollout(canary), found)
    problems = list(result.spec_errors) if isinstance(result, Observed) else result
    assert all(isinstance(problem, str) and problem.startswith("spec.") for problem in problems), problems
    if expected is not None:
        assert problems == expected


# ---- on the cluster -----------------------------------------------------------------------------------------------

MANIFEST = """
apiVersion: v1
kind: Service
metadata: {name: ping}
spec:
  ports: [{port: 80, targetPort: 8080, name: http}]
  selector: {app: pp}
---
apiVersion: v1
kind: Service
metadata: {name: pong}
spec:
  ports: [{port: 80, targetPort: 8080, name: http}]
  selector: {app: pp}
---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: pp}
spec:
  hosts: [pp]
  http:
  - name: primary
    route:
    - destination: {host: ping}
      weight: 100
    - destination: {host: pong}
      weight: 0
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: pp}
spec:
  replicas: 2
  selector: {matchLabels: {app: pp}}
  template:
    metadata: {labels: {app: pp}}
    spec:
      containers: [{name: pp, image: "argoproj/rollouts-demo:blue"}]
  strategy:
    canary:
      pingPong: {pingService: ping, pongService: pong}
      trafficRouting:
        istio:
          virtualService: {name: pp, routes: [primary]}
      steps:
      - setWeight: 25
      - pause: {}
"""


def _weights(kube: Kube, namespace: str) -> dict[str, int]:
    vs = kube.get(resources.VIRTUAL_SERVICES, namespace, "pp")
    return {entry["destination"]["host"]: entry.get("weight", 0) for entry in vs["spec"]["http"][0]["route"]}


def _set_image(kube: Kube, namespace: str, image: str) -> None:
    patch = [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}]
    kube.patch(resources.ROLLOUTS, namespace, "pp", patch, kind="json")


def _promote(kube: Kube, namespace: str) -> None:
    kube.patch(resources.ROLLOUTS, namespace, "pp", {"status": {"pauseConditions": None}}, subresource="status")


def _stable_role(kube: Kube, namespace: str) -> str | None:
    return ((rollout(kube, namespace, "pp").get("status") or {}).get("canary") or {}).get("stablePingPong")


def test_ping_and_pong_take_turns(cluster, kube: Kube, controller, namespace: str, tmp_path: Path) -> None:
    manifest = tmp_path / "ping-pong.yaml"
    manifest.write_text(MANIFEST)
    apply(cluster, namespace, manifest)
    rev1 = wait_for_phase(kube, namespace, "pp", "Healthy")["status"]["stableRS"]
    wait_until(lambda: _weights(kube, namespace) == {"ping": 100, "pong": 0}, what="all traffic on ping")
    assert _stable_role(kube, namespace) == "ping"
    assert selector_hash(kube, namespace, "ping") == rev1

    _set_image(kube, namespace, "argoproj/rollouts-demo:yellow")
    rev2 = wait_for_phase(kube, namespace, "pp", "Paused")["status"]["currentPodHash"]
    wait_until(lambda: _weights(kube, namespace) == {"ping": 75, "pong": 25}, what="setWeight 25 on pong")
    assert (selector_hash(kube, namespace, "ping"), selector_hash(kube, namespace, "pong")) == (rev1, rev2)

    _promote(kube, namespace)
    wait_for_phase(kube, namespace, "pp", "Healthy")
    wait_until(lambda: _weights(kube, namespace) == {"ping": 0, "pong": 100}, what="all traffic on pong")
    assert _stable_role(kube, namespace) == "pong"
    assert (selector_hash(kube, namespace, "ping"), selector_hash(kube, namespace, "pong")) == (rev1, rev2), (
        "no selector moved at the promotion"
    )

    _set_image(kube, namespace, "argoproj/rollouts-demo:green")
    rev3 = wait_for_phase(kube, namespace, "pp", "Paused")["status"]["currentPodHash"]
    wait_until(lambda: _weights(kube, namespace) == {"ping": 25, "pong": 75}, what="setWeight 25 back on ping")
    assert (selector_hash(kube, namespace, "ping"), selector_hash(kube, namespace, "pong")) == (rev3, rev2)

    _promote(kube, namespace)
    wait_for_phase(kube, namespace, "pp", "Healthy")
    wait_until(lambda: _weights(kube, namespace) == {"ping": 100, "pong": 0}, what="all traffic back on ping")
    assert _stable_role(kube, namespace) == "ping"
    assert yaml.safe_dump(rollout(kube, namespace, "pp")["status"]["canary"]["weights"]["canary"]) == yaml.safe_dump(
        {"podTemplateHash": rev3, "weight": 0}
    )
