"""SMI TrafficSplits and Traefik weighted services (pure translation): weights follow the steps, 0/100 on abort,
create or adopt, release."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from traffic_helpers import UID, Cluster, rollout, split

from rollouts.plan.actions import AdditionalDestination
from rollouts.traffic import registry
from rollouts.traffic.router import ObjectKey, RoutingError
from rollouts.traffic.smi import TRAFFIC_SPLITS
from rollouts.traffic.traefik import TRAEFIK_SERVICES

SPLIT_KEY = ObjectKey(TRAFFIC_SPLITS, "shop", "web")


def backends(canary: int, stable: int) -> list[dict[str, Any]]:
    return [{"service": "web-canary", "weight": canary}, {"service": "web-stable", "weight": stable}]


def test_smi_creates_the_traffic_split_owned_by_the_rollout_then_follows_the_steps() -> None:
    router = registry.routers_for(rollout({"smi": {}}))[0]
    cluster = Cluster()
    (created,) = cluster.route(router, split(5))
    assert created.event == ("TrafficSplitCreated", "TrafficSplit `web` created")
    created_body = cluster[SPLIT_KEY]
    assert created_body["apiVersion"] == "split.smi-spec.io/v1alpha1"
    assert (
        created_body["metadata"]["ownerReferences"][0] | {"uid": UID} == created_body["metadata"]["ownerReferences"][0]
    )
    assert created_body["spec"] == {"service": "web-stable", "backends": backends(5, 95)}
    for weight in (50, 100, 0):  # the last one is an abort
        (modified,) = cluster.route(router, split(weight))
        assert modified.event == ("TrafficSplitModified", "TrafficSplit `web` modified")
        assert cluster[SPLIT_KEY]["spec"]["backends"] == backends(weight, 100 - weight)
    cluster.route(router, split(30))
    (released,) = cluster.release(router)  # as in Argo, the TrafficSplit stays, everything on stable
    assert not released.delete and cluster[SPLIT_KEY]["spec"]["backends"] == backends(0, 100)


def test_smi_release_without_an_update_creates_the_traffic_split_on_stable_as_argo_does() -> None:
    """Argo's SMI e2e tests read the TrafficSplit right after the first deploy."""
    router = registry.routers_for(rollout({"smi": {}}))[0]
    cluster = Cluster()
    (created,) = cluster.release(router)
    assert created.event == ("TrafficSplitCreated", "TrafficSplit `web` created")
    assert cluster[SPLIT_KEY]["spec"] == {"service": "web-stable", "backends": backends(0, 100)}


def test_smi_root_service_and_name_come_from_the_config() -> None:
    router = registry.routers_for(rollout({"smi": {"rootService": "web", "trafficSplitName": "web-split"}}))[0]
    cluster = Cluster()
    cluster.route(router, split(10))
    assert cluster[ObjectKey(TRAFFIC_SPLITS, "shop", "web-split")]["spec"]["service"] == "web"


def test_smi_adopts_an_unowned_traffic_split_and_writes_only_service_and_backends() -> None:
    router = registry.routers_for(rollout({"smi": {}}))[0]
    existing = {
        "metadata": {"name": "web", "labels": {"team": "shop"}},
        "spec": {"service": "web-stable", "backends": backends(0, 100)},
    }
    cluster = Cluster({SPLIT_KEY: existing})
    (edit,) = cluster.route(router, split(30))
    assert {op["path"] for op in edit.ops} == {"/spec/backends"}
    assert cluster[SPLIT_KEY]["metadata"] == existing["metadata"]
    cluster.release(router)  # not ours to delete: everything back to stable
    assert cluster[SPLIT_KEY] == existing


def test_smi_refuses_a_traffic_split_another_controller_owns() -> None:
    router = registry.routers_for(rollout({"smi": {}}))[0]
    owner = {"kind": "Rollout", "name": "other", "uid": "x", "controller": True}
    cluster = Cluster({SPLIT_KEY: {"metadata": {"name": "web", "ownerReferences": [owner]}, "spec": {}}})
    with pytest.raises(RoutingError, match="TrafficSplit `web` is controlled by Rollout other"):
        router.set_weight(cluster.objects(router), split(10))


# --- Traefik ----------------------------------------------------------------------------------------------------

TRAEFIK_KEY = ObjectKey(TRAEFIK_SERVICES, "shop", "web-weighted")


def traefik_service(canary: int | None, stable: int) -> dict[str, Any]:
    canary_entry = {"name": "web-canary", "port": 80} | ({} if canary is None else {"weight": canary})
    services = [{"name": "web-stable", "port": 80, "weight": stable}, canary_entry]
    return {"metadata": {"name": "web-weighted"}, "spec": {"weighted": {"services": services}}}


def test_traefik_weights_follow_the_steps_and_release_restores_the_service() -> None:
    router = registry.routers_for(rollout({"traefik": {"weightedTraefikServiceName": "web-weighted"}}))[0]
    cluster = Cluster({TRAEFIK_KEY: traefik_service(None, 100)})
    for weight in (10, 60, 0):
        cluster.route(router, split(weight))
        assert cluster[TRAEFIK_KEY] == traefik_service(weight, 100 - weight)
    cluster.route(router, split(25))
    cluster.release(router)
    assert cluster[TRAEFIK_KEY] == traefik_service(0, 100)


def test_traefik_names_the_missing_service() -> None:
    router = registry.routers_for(rollout({"traefik": {"weightedTraefikServiceName": "web-weighted"}}))[0]
    service = traefik_service(0, 100)
    service["spec"]["weighted"]["services"].pop()
    with pytest.raises(
        RoutingError, match='TraefikService "shop/web-weighted" has no backend for Service "web-canary"'
    ):
        router.set_weight({TRAEFIK_KEY: service}, split(10))


def test_smi_experiment_templates_are_backends_between_canary_and_stable() -> None:
    """Argo's TestSMIExperimentStep: canary 5, the template 5, stable 90; two backends again after the step."""
    router = registry.routers_for(rollout({"smi": {}}))[0]
    cluster = Cluster()
    cluster.route(router, split(5))
    cluster.route(router, replace(split(5), stable_weight=90, additional=(AdditionalDestination("web-exp", "e1", 5),)))
    assert cluster[SPLIT_KEY]["spec"]["backends"] == [
        {"service": "web-canary", "weight": 5},
        {"service": "web-exp", "weight": 5},
        {"service": "web-stable", "weight": 90},
    ]
    cluster.route(router, split(5))
    assert cluster[SPLIT_KEY]["spec"]["backends"] == backends(5, 95)
