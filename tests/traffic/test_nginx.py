"""NGINX (pure translation): the canary Ingress copied from each stable Ingress, its weight following the steps,
additional annotations, maxTrafficWeight, header routes through canary-by-header, ownership, and release."""

from __future__ import annotations

from typing import Any

import pytest
from traffic_helpers import UID, Cluster, header, rollout, split

from rollouts.traffic import registry
from rollouts.traffic.nginx import INGRESSES, canary_ingress_name
from rollouts.traffic.router import ObjectKey, RoutingError

PREFIX = "nginx.ingress.kubernetes.io"
STABLE = ObjectKey(INGRESSES, "shop", "web")
CANARY = ObjectKey(INGRESSES, "shop", "web-web-canary")


def stable_ingress(name: str = "web") -> dict[str, Any]:
    def path(service: str, at: str) -> dict[str, Any]:
        return {"path": at, "pathType": "Prefix", "backend": {"service": {"name": service, "port": {"number": 80}}}}

    return {
        "metadata": {
            "name": name,
            "namespace": "shop",
            "annotations": {"kubernetes.io/ingress.class": "nginx", "team": "shop"},
        },
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{"hosts": ["web.example.com"], "secretName": "web-tls"}],
            "rules": [
                {"host": "web.example.com", "http": {"paths": [path("web-stable", "/"), path("docs", "/docs")]}},
                {"host": "other.example.com", "http": {"paths": [path("other", "/")]}},
            ],
        },
    }


def test_the_canary_ingress_is_created_from_the_stable_one_then_follows_the_steps() -> None:
    router = registry.routers_for(
        rollout(
            {
                "nginx": {
                    "stableIngress": "web",
                    "additionalIngressAnnotations": {"canary-by-cookie": "beta"},
                    "canaryIngressAnnotations": {"team.example.com/owner": "shop"},
                }
            }
        )
    )[0]
    cluster = Cluster({STABLE: stable_ingress()})
    (created,) = cluster.route(router, split(5))
    assert created.event == ("CreatingCanaryIngress", "Creating canary ingress `web-web-canary` with weight `5`")
    canary = cluster[CANARY]
    assert canary["metadata"]["annotations"] == {
        "kubernetes.io/ingress.class": "nginx",
        f"{PREFIX}/canary-by-cookie": "beta",
        "team.example.com/owner": "shop",
        f"{PREFIX}/canary": "true",
        f"{PREFIX}/canary-weight": "5",
    }
    assert canary["metadata"]["ownerReferences"][0]["uid"] == UID
    assert canary["spec"]["ingressClassName"] == "nginx" and canary["spec"]["tls"] == stable_ingress()["spec"]["tls"]
    assert [rule["host"] for rule in canary["spec"]["rules"]] == ["web.example.com"]
    assert [p["backend"]["service"]["name"] for p in canary["spec"]["rules"][0]["http"]["paths"]] == [
        "web-canary",
        "docs",
    ]
    for weight in (50, 0):
        (patched,) = cluster.route(router, split(weight))
        assert patched.event == (
            "PatchingCanaryIngress",
            f"Updating Ingress `web-web-canary` to desiredWeight '{weight}'",
        )
        assert cluster[CANARY]["metadata"]["annotations"][f"{PREFIX}/canary-weight"] == str(weight)
    assert cluster[STABLE] == stable_ingress()  # only read
    cluster.route(router, split(30))
    (released,) = cluster.release(router)  # as in Argo, the canary Ingress stays, at weight 0
    assert not released.delete and cluster[CANARY]["metadata"]["annotations"][f"{PREFIX}/canary-weight"] == "0"


def test_release_without_an_update_makes_the_canary_ingress_at_weight_0_as_argo_does() -> None:
    """Argo's SMI-ingress e2e test finds the canary Ingress at weight 0 after the first deploy and each promotion."""
    router = registry.routers_for(rollout({"nginx": {"stableIngress": "web"}}))[0]
    cluster = Cluster({STABLE: stable_ingress()})
    (created,) = cluster.release(router)
    assert created.event == ("CreatingCanaryIngress", "Creating canary ingress `web-web-canary` with weight `0`")
    assert cluster[CANARY]["metadata"]["annotations"][f"{PREFIX}/canary"] == "true"
    assert cluster[CANARY]["metadata"]["annotations"][f"{PREFIX}/canary-weight"] == "0"
    assert Cluster().release(router) == [], "no stable Ingress: nothing to copy"


def test_several_stable_ingresses_and_a_weight_total() -> None:
    routing = {
        "nginx": {"stableIngresses": ["web", "api"], "annotationPrefix": "custom.nginx.org"},
        "maxTrafficWeight": 1000,
    }
    router = registry.routers_for(rollout(routing))[0]
    cluster = Cluster({STABLE: stable_ingress(), ObjectKey(INGRESSES, "shop", "api"): stable_ingress("api")})
    cluster.route(router, split(250, total=1000))
    for name in ("web-web-canary", "web-api-canary"):
        annotations = cluster[ObjectKey(INGRESSES, "shop", name)]["metadata"]["annotations"]
        assert (
            annotations["custom.nginx.org/canary-weight"] == "250"
            and annotations["custom.nginx.org/canary-weight-total"] == "1000"
        )


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        pytest.param(
            header("beta", exact="yes"), {"canary-by-header": "X-Canary", "canary-by-header-value": "yes"}, id="exact"
        ),
        pytest.param(
            header("beta", regex="y.*"), {"canary-by-header": "X-Canary", "canary-by-header-pattern": "y.*"}, id="regex"
        ),
        pytest.param(
            header("beta", prefix="y"),
            {"canary-by-header": "X-Canary", "canary-by-header-pattern": "^y.*"},
            id="prefix",
        ),
    ],
)
def test_header_routes_appear_and_disappear(step: Any, expected: dict[str, str]) -> None:
    router = registry.routers_for(rollout({"nginx": {"stableIngress": "web"}}, managed=["beta"]))[0]
    cluster = Cluster({STABLE: stable_ingress()})
    cluster.route(router, split(10))
    cluster.route(router, split(10, step))
    annotations = cluster[CANARY]["metadata"]["annotations"]
    assert {
        key.removeprefix(f"{PREFIX}/"): value for key, value in annotations.items() if "by-header" in key
    } == expected
    cluster.route(router, split(10))
    assert not any("by-header" in key for key in cluster[CANARY]["metadata"]["annotations"])


def test_a_canary_ingress_someone_else_owns_is_an_error() -> None:
    router = registry.routers_for(rollout({"nginx": {"stableIngress": "web"}}))[0]
    theirs = {
        "metadata": {
            "name": "web-web-canary",
            "ownerReferences": [{"kind": "Rollout", "uid": "other", "controller": True}],
        }
    }
    with pytest.raises(RoutingError, match="canary ingress `web-web-canary` controlled by different object"):
        router.set_weight({STABLE: stable_ingress(), CANARY: theirs}, split(10))


def test_a_stable_ingress_without_the_stable_service_is_an_error() -> None:
    router = registry.routers_for(rollout({"nginx": {"stableIngress": "web"}}))[0]
    ingress = stable_ingress()
    ingress["spec"]["rules"].pop(0)
    with pytest.raises(RoutingError, match='Ingress "web" has no rules using Service "web-stable"'):
        router.set_weight({STABLE: ingress}, split(10))


def test_canary_ingress_names_stay_within_253_characters() -> None:
    assert canary_ingress_name("web", "api") == "web-api-canary"
    long = canary_ingress_name("r" * 200, "i" * 100)
    assert len(long) == 253 and long.endswith("i-canary")
