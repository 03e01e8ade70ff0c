"""The routing adapters (rollouts.controller.routing) against the real local control plane and the routers' real CRDs.

For each router: apply its objects as a user would, drive the adapter with splits (weights, header routes, abort,
release), and read the objects back from the API server. We check that the server accepts what we write under the
real schemas, that only our field manager's fields change, that created objects are owned by the Rollout, and that
a stale cache read makes the adapter read again instead of writing over someone else's change.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest
import yaml
from traffic_helpers import header, split

from rollouts import api
from rollouts.controller.routing import RouterAdapter, router_for
from rollouts.controller.routing.adapter import resource
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.kube.resources import Resource
from rollouts.traffic import alb, apisix, gatewayapi, nginx, smi, traefik

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("crds", "router_crds", "istio_crds")]

INGRESSES = resource(nginx.INGRESSES)
USER = "kubectl-client-side-apply"


class Recorder(list[tuple[str, str]]):
    def __call__(self, reason: str, message: str) -> None:
        self.append((reason, message))


def make_rollout(kube: Kube, namespace: str, routing: Mapping[str, Any], managed: tuple[str, ...] = ()) -> api.Rollout:
    """A real Rollout (so owner references point at a live object and the garbage collector leaves ours alone)."""
    traffic_routing = {**routing, **({"managedRoutes": [{"name": name} for name in managed]} if managed else {})}
    body = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "web", "namespace": namespace},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "app:1"}]},
            },
            "strategy": {
                "canary": {
                    "stableService": "web-stable",
                    "canaryService": "web-canary",
                    "trafficRouting": traffic_routing,
                    "steps": [{"pause": {}}],
                }
            },
        },
    }
    created = kube.create(resources.ROLLOUTS, namespace, body)
    parsed = api.parse_rollout(created, check=False)
    assert not isinstance(parsed, list), parsed
    return parsed


def user_apply(cluster: Any, namespace: str, *documents: Mapping[str, Any]) -> None:
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=yaml.safe_dump_all([dict(d) for d in documents]))


def managers(obj: Mapping[str, Any]) -> set[str]:
    return {entry["manager"] for entry in obj["metadata"].get("managedFields") or []}


def adapter(
    kube: Kube, rollout: api.Rollout, lookup: Callable[[Resource, str, str], Mapping[str, Any] | None] | None = None
) -> RouterAdapter:
    return router_for(rollout, kube=kube, lookup=lookup or (lambda _resource, _namespace, _name: None))


def ingress(
    name: str, service: str, port: dict[str, Any], annotations: Mapping[str, str] | None = None
) -> dict[str, Any]:
    path = {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": service, "port": port}}}
    metadata: dict[str, Any] = {"name": name, **({"annotations": dict(annotations)} if annotations else {})}
    rules = [{"host": "web.example.com", "http": {"paths": [path]}}]
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata,
        "spec": {"ingressClassName": "nginx", "rules": rules},
    }


def test_nginx_canary_ingress_is_created_owned_patched_and_released(cluster: Any, kube: Kube, namespace: str) -> None:
    user_apply(cluster, namespace, ingress("web", "web-stable", {"number": 80}, {"team": "shop"}))
    rollout = make_rollout(
        kube,
        namespace,
        {"nginx": {"stableIngress": "web", "additionalIngressAnnotations": {"canary-by-cookie": "beta"}}},
    )
    notes = Recorder()
    adapter(kube, rollout).route(rollout, split(20), notes)
    canary = kube.get(INGRESSES, namespace, "web-web-canary")
    assert canary["metadata"]["ownerReferences"][0]["uid"] == rollout.metadata.uid
    assert canary["metadata"]["annotations"]["nginx.ingress.kubernetes.io/canary-weight"] == "20"
    assert canary["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "web-canary"
    adapter(kube, rollout).route(rollout, split(0), notes)  # abort
    adapter(kube, rollout).route(rollout, split(0), notes)  # nothing left to write: no patch, no event
    assert (
        kube.get(INGRESSES, namespace, "web-web-canary")["metadata"]["annotations"][
            "nginx.ingress.kubernetes.io/canary-weight"
        ]
        == "0"
    )
    assert [reason for reason, _ in notes] == ["CreatingCanaryIngress", "PatchingCanaryIngress"]
    assert managers(kube.get(INGRESSES, namespace, "web")) == {USER}  # the stable Ingress is only read
    adapter(kube, rollout).release(rollout, split(0), notes)  # as in Argo, the canary Ingress stays at weight 0
    assert [item["metadata"]["name"] for item in kube.list(INGRESSES, namespace)[0]] == ["web", "web-web-canary"]


def test_alb_action_annotations_and_header_route_path(cluster: Any, kube: Kube, namespace: str) -> None:
    user_apply(
        cluster,
        namespace,
        ingress("web", "web-stable", {"name": "use-annotation"}, {"alb.ingress.kubernetes.io/scheme": "internal"}),
    )
    rollout = make_rollout(kube, namespace, {"alb": {"ingress": "web", "servicePort": 80}}, managed=("beta",))
    adapter(kube, rollout).route(rollout, split(30, header("beta")), Recorder())
    live = kube.get(INGRESSES, namespace, "web")
    annotations = live["metadata"]["annotations"]
    groups = json.loads(annotations["alb.ingress.kubernetes.io/actions.web-stable"])["ForwardConfig"]["TargetGroups"]
    assert [(group["ServiceName"], group["Weight"]) for group in groups] == [("web-canary", 30), ("web-stable", 70)]
    assert (
        "alb.ingress.kubernetes.io/conditions.beta" in annotations
        and annotations["alb.ingress.kubernetes.io/scheme"] == "internal"
    )
    assert [p["backend"]["service"]["name"] for p in live["spec"]["rules"][0]["http"]["paths"]] == [
        "beta",
        "web-stable",
    ]
    assert managers(live) == {USER, "rollouts-controller"}
    adapter(kube, rollout).route(rollout, split(0), Recorder())
    live = kube.get(INGRESSES, namespace, "web")
    assert [p["backend"]["service"]["name"] for p in live["spec"]["rules"][0]["http"]["paths"]] == ["web-stable"]
    assert "alb.ingress.kubernetes.io/conditions.beta" not in live["metadata"]["annotations"]


def test_smi_traffic_split_with_istio_on_the_same_rollout(cluster: Any, kube: Kube, namespace: str) -> None:
    route = [
        {"destination": {"host": "web-stable"}, "weight": 100},
        {"destination": {"host": "web-canary"}, "weight": 0},
    ]
    vs = {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "VirtualService",
        "metadata": {"name": "web"},
        "spec": {"hosts": ["web"], "http": [{"name": "primary", "route": route}]},
    }
    user_apply(cluster, namespace, vs)
    rollout = make_rollout(
        kube,
        namespace,
        {"smi": {"rootService": "web"}, "istio": {"virtualService": {"name": "web", "routes": ["primary"]}}},
    )
    notes = Recorder()
    for weight in (10, 40):
        adapter(kube, rollout).route(rollout, split(weight), notes)
    traffic_split = kube.get(resource(smi.TRAFFIC_SPLITS), namespace, "web")
    assert traffic_split["spec"] == {
        "service": "web",
        "backends": [{"service": "web-canary", "weight": 40}, {"service": "web-stable", "weight": 60}],
    }
    assert traffic_split["metadata"]["ownerReferences"][0]["uid"] == rollout.metadata.uid
    assert [
        entry["weight"] for entry in kube.get(resources.VIRTUAL_SERVICES, namespace, "web")["spec"]["http"][0]["route"]
    ] == [60, 40]
    assert ("TrafficSplitCreated", "TrafficSplit `web` created") in notes and (
        "TrafficSplitModified",
        "TrafficSplit `web` modified",
    ) in notes
    adapter(kube, rollout).release(rollout, split(0), notes)  # as in Argo, the TrafficSplit stays, all on stable
    (kept,) = kube.list(resource(smi.TRAFFIC_SPLITS), namespace)[0]
    assert kept["spec"]["backends"] == [{"service": "web-canary", "weight": 0}, {"service": "web-stable", "weight": 100}]


def test_gateway_api_http_route_weights_and_header_rule(cluster: Any, kube: Kube, namespace: str) -> None:
    refs = [{"name": "web-stable", "port": 80, "weight": 100}, {"name": "web-canary", "port": 80, "weight": 0}]
    http_route = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web"},
        "spec": {
            "parentRefs": [{"name": "gateway"}],
            "rules": [{"matches": [{"path": {"type": "PathPrefix", "value": "/"}}], "backendRefs": refs}],
        },
    }
    user_apply(cluster, namespace, http_route)
    routing = {"plugins": {gatewayapi.PLUGIN: {"httpRoutes": [{"name": "web", "useHeaderRoutes": True}]}}}
    rollout = make_rollout(kube, namespace, routing, managed=("beta",))
    adapter(kube, rollout).route(rollout, split(25, header("beta")), Recorder())
    rules = kube.get(resource(gatewayapi.KINDS["http"]), namespace, "web")["spec"]["rules"]
    assert [ref["weight"] for ref in rules[0]["backendRefs"]] == [75, 25]
    assert rules[1]["matches"][0]["headers"] == [{"type": "Exact", "name": "X-Canary", "value": "yes"}]
    adapter(kube, rollout).route(rollout, split(0), Recorder())
    rules = kube.get(resource(gatewayapi.KINDS["http"]), namespace, "web")["spec"]["rules"]
    assert len(rules) == 1 and [ref["weight"] for ref in rules[0]["backendRefs"]] == [100, 0]


def test_traefik_weights_and_a_stale_cache_read_is_read_again(cluster: Any, kube: Kube, namespace: str) -> None:
    services = [{"name": "web-stable", "port": 80, "weight": 100}, {"name": "web-canary", "port": 80, "weight": 0}]
    service = {
        "apiVersion": "traefik.containo.us/v1alpha1",
        "kind": "TraefikService",
        "metadata": {"name": "web"},
        "spec": {"weighted": {"services": services}},
    }
    user_apply(cluster, namespace, service)
    kind = resource(traefik.TRAEFIK_SERVICES)
    stale = copy.deepcopy(kube.get(kind, namespace, "web"))
    user_apply(cluster, namespace, {**service, "spec": {"weighted": {"services": services[::-1]}}})  # reordered since
    rollout = make_rollout(kube, namespace, {"traefik": {"weightedTraefikServiceName": "web"}})
    adapter(kube, rollout, lookup=lambda _r, _n, _name: stale).route(rollout, split(30), Recorder())
    live = kube.get(kind, namespace, "web")["spec"]["weighted"]["services"]
    assert [(entry["name"], entry["weight"]) for entry in live] == [("web-canary", 30), ("web-stable", 70)]


def test_apisix_weights_and_header_route_copy(cluster: Any, kube: Kube, namespace: str) -> None:
    backends = [
        {"serviceName": "web-stable", "servicePort": 80, "weight": 100},
        {"serviceName": "web-canary", "servicePort": 80, "weight": 0},
    ]
    route = {
        "apiVersion": "apisix.apache.org/v2",
        "kind": "ApisixRoute",
        "metadata": {"name": "web"},
        "spec": {
            "http": [{"name": "web", "match": {"paths": ["/*"], "hosts": ["web.example.com"]}, "backends": backends}]
        },
    }
    user_apply(cluster, namespace, route)
    rollout = make_rollout(kube, namespace, {"apisix": {"route": {"name": "web"}}}, managed=("beta",))
    kind = resource(apisix.APISIX_ROUTES)
    adapter(kube, rollout).route(rollout, split(20, header("beta")), Recorder())
    assert [b["weight"] for b in kube.get(kind, namespace, "web")["spec"]["http"][0]["backends"]] == [80, 20]
    copy_rule = kube.get(kind, namespace, "beta")["spec"]["http"][0]
    assert copy_rule["backends"] == [{"serviceName": "web-canary", "servicePort": 80, "weight": 100}]
    assert copy_rule["match"]["exprs"] == [
        {"subject": {"scope": "Header", "name": "X-Canary"}, "op": "Equal", "value": "yes"}
    ]
    adapter(kube, rollout).route(rollout, split(20), Recorder())
    assert [item["metadata"]["name"] for item in kube.list(kind, namespace)[0]] == ["web"]


def test_alb_verification_is_skipped_with_a_note(kube: Kube, namespace: str) -> None:
    rollout = make_rollout(kube, namespace, {"alb": {"ingress": "web", "servicePort": 80}})
    (verification,) = adapter(kube, rollout).verify(split(10))
    assert verification.verified is None and verification.note == alb.UNVERIFIED


def test_a_write_is_remembered_so_a_cache_behind_it_cannot_hide_the_next_change(
    cluster: Any, kube: Kube, namespace: str
) -> None:
    """The cache may still hold the object as it was before our own last write (its watch event not in yet). Were
    the next translation made against that, an abort back to 0 would look like nothing to do while the object still
    sends 25% to canary; the adapter keeps what each write returned in the cache instead."""
    refs = [{"name": "web-stable", "port": 80, "weight": 100}, {"name": "web-canary", "port": 80, "weight": 0}]
    http_route = {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": "web"},
        "spec": {"parentRefs": [{"name": "gateway"}], "rules": [{"backendRefs": refs}]},
    }
    user_apply(cluster, namespace, http_route)
    kind = resource(gatewayapi.KINDS["http"])
    cache = {"web": copy.deepcopy(kube.get(kind, namespace, "web"))}  # the watch delivers nothing after this
    rollout = make_rollout(kube, namespace, {"plugins": {gatewayapi.PLUGIN: {"httpRoutes": [{"name": "web"}]}}})

    def remember(_kind: Resource, written: Mapping[str, Any]) -> None:
        cache[written["metadata"]["name"]] = dict(written)

    def routed(weight: int) -> None:
        lookup = lambda _r, _n, name: cache.get(name)  # noqa: E731
        router_for(rollout, kube=kube, lookup=lookup, remember=remember).route(rollout, split(weight), Recorder())

    routed(25)
    routed(0)
    rules = kube.get(kind, namespace, "web")["spec"]["rules"]
    assert [ref["weight"] for ref in rules[0]["backendRefs"]] == [100, 0]
