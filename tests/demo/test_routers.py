"""The routers the demo runs with (rollouts.demo.routers) and their examples: pure tables, no cluster.

We test these aspects:
* `--router` offers exactly the table's routers, Istio first (the default);
* each router's example (examples/<router>-canary-analysis/) is coherent: the Rollout named like the directory, its
  stable and canary Services, its routing object of the router's kind at 100/0 as the demo reads it (ALB's without
  the forward action, which the controller writes), the CRDs the
  demo installs exist, and both analysis steps judge the canary Service with the ready-made templates;
* the weights the demo reads off a router's object: host split, a missing weight, a missing destination, an NGINX
  canary Ingress present or gone, no object at all; and the split as progress lines show it.

Not tested here: running them (test_demo_e2e.py, test_demo_routers_e2e.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from rollouts.demo import cli, manifests, routers

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ROUTING_KEYS = {"istio": "istio", "gatewayapi": "plugins", "nginx": "nginx", "alb": "alb", "smi": "smi"}


def documents(directory: Path) -> list[dict[str, Any]]:
    return [doc for path in sorted(directory.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]


def test_the_command_line_offers_every_router_istio_first() -> None:
    assert list(cli.ROUTER_NAMES) == list(routers.ROUTERS)
    assert cli.ROUTER_NAMES[0] == routers.DEFAULT == "istio"
    assert set(ROUTING_KEYS) == set(routers.ROUTERS)


@pytest.mark.parametrize("router", routers.ROUTERS.values(), ids=lambda router: router.name)
def test_example_is_coherent(router: routers.DemoRouter) -> None:
    found = documents(manifests.example(router))
    by_kind: dict[str, dict[str, dict[str, Any]]] = {}
    for doc in found:
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    rollout = by_kind["Rollout"][router.example]
    canary = rollout["spec"]["strategy"]["canary"]
    assert (canary["stableService"], canary["canaryService"]) == (router.stable_service, router.canary_service)
    assert {router.stable_service, router.canary_service} <= set(by_kind["Service"])
    assert ROUTING_KEYS[router.name] in canary["trafficRouting"]
    routing_object = by_kind[router.kind][router.example]
    shipped = routers.weights(router, routing_object, list(by_kind.get("Ingress", {}).values()))
    assert shipped == ((None, None) if router.name == "alb" else (100, 0)), "ALB: the controller writes the action"
    assert all((manifests.THIRD_PARTY_CRDS / name).is_file() for name in router.crds)
    analyses = [step["analysis"] for step in canary["steps"] if "analysis" in step]
    assert len(analyses) == 2
    for analysis in analyses:
        assert [ref["templateName"] for ref in analysis["templates"]] == ["success-rate", "latency-p99"]
        assert {"name": "service-name", "value": router.canary_service} in analysis["args"]


ISTIO = routers.ROUTERS["istio"]
NGINX = routers.ROUTERS["nginx"]


def virtual_service(*route: tuple[str, int | None]) -> dict[str, Any]:
    entries = [{"destination": {"host": host}, **({} if w is None else {"weight": w})} for host, w in route]
    return {"kind": "VirtualService", "metadata": {"name": ISTIO.example}, "spec": {"http": [{"name": "primary", "route": entries}]}}


def ingress(name: str, service: str, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    path = {"path": "/", "backend": {"service": {"name": service, "port": {"number": 80}}}}
    rules = [{"host": "demo.local", "http": {"paths": [path]}}]
    return {"kind": "Ingress", "metadata": {"name": name, "annotations": annotations or {}}, "spec": {"rules": rules}}


STABLE_INGRESS = ingress(NGINX.example, NGINX.stable_service)
CANARY_INGRESS = ingress(
    f"{NGINX.example}-{NGINX.example}-canary",
    NGINX.canary_service,
    {"nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "20"},
)


@pytest.mark.parametrize(
    "router, obj, ingresses, expected",
    [
        pytest.param(ISTIO, virtual_service((ISTIO.stable_service, 80), (ISTIO.canary_service, 20)), [], (80, 20), id="istio-host-split"),
        pytest.param(ISTIO, virtual_service((ISTIO.stable_service, 100), (ISTIO.canary_service, None)), [], (100, 0), id="istio-no-weight-is-0"),
        pytest.param(ISTIO, virtual_service((ISTIO.stable_service, 100)), [], (100, None), id="istio-canary-missing"),
        pytest.param(NGINX, STABLE_INGRESS, [STABLE_INGRESS, CANARY_INGRESS], (80, 20), id="nginx-canary-ingress"),
        pytest.param(NGINX, STABLE_INGRESS, [STABLE_INGRESS], (100, 0), id="nginx-canary-ingress-gone-is-0"),
        pytest.param(NGINX, None, [], (None, None), id="no-object"),
    ],
)  # fmt: skip
def test_weights(
    router: routers.DemoRouter, obj: dict[str, Any] | None, ingresses: list[dict[str, Any]], expected: tuple[int | None, int | None]
) -> None:
    assert routers.weights(router, obj, ingresses) == expected


def test_split_text() -> None:
    assert routers.split_text(routers.ROUTERS["gatewayapi"], 80, 20) == "HTTPRoute stable 80, canary 20"
    assert routers.split_text(ISTIO, 100, None) == "VirtualService stable 100, canary missing"
