"""Experiment templates' traffic shares (a canary experiment step with ``weight``), as the routers write them.

We test these aspects:
* Istio VirtualService: the template's Service is an extra destination of each weighted route, stable gets what the
  canary and the templates leave, the destination goes away when the share does (host and subset split alike);
* Istio DestinationRule (subset split): a subset named after the template's Service, labelled with its pod hash,
  added during the step and removed after; user subsets stay;
* the Istio router end to end (`IstioRouter.set_weight` / `release`) from a `TrafficSplit` with `additional`;
* SMI: the template's Service is a backend of the TrafficSplit between canary and stable, as in Argo;
* the registry: a weighted template needs every configured router to carry it (InvalidSpec naming the field).
"""

from __future__ import annotations

from typing import Any

import pytest
from istio_builders import HOSTS, SUBSETS, a_vs, http, ref, split_routes, to
from test_istio_destination_rule import a_dr, subset
from traffic_helpers import apply_patch, rollout

from rollouts.plan.actions import AdditionalDestination, TrafficSplit
from rollouts.traffic import istio, registry
from rollouts.traffic.istio.router import DESTINATION_RULES, VIRTUAL_SERVICES, IstioRouter
from rollouts.traffic.router import ObjectKey

EXPERIMENT = istio.ExtraDestination("web-exp-a", 20)


def _subset_route(stable: int, canary: int, *extra: dict[str, Any]) -> dict[str, Any]:
    return http("primary", to("web", stable, subset="stable"), to("web", canary, subset="canary"), *extra)


@pytest.mark.parametrize(
    ("routes", "keys", "canary", "extras", "expected"),
    [
        pytest.param(
            split_routes(90, 10),
            HOSTS,
            10,
            (EXPERIMENT,),
            http("primary", to("web-stable", 70), to("web-canary", 10), to("web-exp-a", 20)),
            id="host-split-destination-added",
        ),
        pytest.param(
            http("primary", to("web-stable", 70), to("web-canary", 10), to("web-exp-a", 20)),
            HOSTS,
            10,
            (),
            split_routes(90, 10),
            id="host-split-destination-removed-after-the-step",
        ),
        pytest.param(
            http("primary", to("web-stable", 90), to("web-canary", 10), to("web-exp-a.shop.svc.cluster.local", 5)),
            HOSTS,
            10,
            (EXPERIMENT,),
            http("primary", to("web-stable", 70), to("web-canary", 10), to("web-exp-a.shop.svc.cluster.local", 20)),
            id="fqdn-destination-reweighted-in-place",
        ),
        pytest.param(
            _subset_route(90, 10),
            SUBSETS,
            10,
            (EXPERIMENT, istio.ExtraDestination("web-exp-b", 5)),
            _subset_route(65, 10, to("web-exp-a", 20), to("web-exp-b", 5)),
            id="subset-split-two-templates",
        ),
        pytest.param(
            _subset_route(70, 10, to("web-exp-old", 20)),
            SUBSETS,
            10,
            (EXPERIMENT,),
            _subset_route(70, 10, to("web-exp-a", 20)),
            id="previous-experiment-replaced",
        ),
        pytest.param(
            split_routes(100, 0),
            HOSTS,
            90,
            (EXPERIMENT,),
            http("primary", to("web-stable", 0), to("web-canary", 90), to("web-exp-a", 20)),
            id="stable-never-below-zero",
        ),
    ],
)
def test_virtual_service_carries_experiment_destinations(
    routes: dict[str, Any],
    keys: istio.SplitKeys,
    canary: int,
    extras: tuple[istio.ExtraDestination, ...],
    expected: dict[str, Any],
) -> None:
    vs = a_vs(http_routes=[routes])
    operations = istio.virtual_service_ops(vs, ref=ref("primary"), split=istio.WeightSplit.of(canary, keys, extras))
    patched = apply_patch(vs, operations)
    assert patched["spec"]["http"] == [expected]
    again = istio.virtual_service_ops(patched, ref=ref("primary"), split=istio.WeightSplit.of(canary, keys, extras))
    assert again == []


def test_every_removal_is_guarded_by_a_test_of_the_destination() -> None:
    vs = a_vs(http_routes=[http("primary", to("web-stable", 70), to("web-canary", 10), to("web-exp-a", 20))])
    operations = istio.virtual_service_ops(vs, ref=ref("primary"), split=istio.WeightSplit.of(10, HOSTS))
    removal = next(index for index, op in enumerate(operations) if op["op"] == "remove")
    assert operations[removal] == {"op": "remove", "path": "/spec/http/0/route/2"}
    assert operations[removal - 1] == {
        "op": "test",
        "path": "/spec/http/0/route/2/destination",
        "value": {"host": "web-exp-a"},
    }


@pytest.mark.parametrize(
    ("canary", "stable", "extras", "valid"),
    [
        pytest.param(10, 70, (EXPERIMENT,), True, id="adds-up"),
        pytest.param(90, 0, (EXPERIMENT,), True, id="stable-clamped-at-zero"),
        pytest.param(10, 90, (EXPERIMENT,), False, id="over-100-with-stable"),
        pytest.param(10, 60, (EXPERIMENT,), False, id="under-100"),
    ],
)
def test_weight_split_with_extras_adds_up(
    canary: int, stable: int, extras: tuple[istio.ExtraDestination, ...], valid: bool
) -> None:
    if valid:
        istio.WeightSplit(canary, stable, HOSTS, extras)
    else:
        with pytest.raises(ValueError, match="add up to 100"):
            istio.WeightSplit(canary, stable, HOSTS, extras)


@pytest.mark.parametrize(
    ("dr", "additional", "expected"),
    [
        pytest.param(
            a_dr(subset("stable", "s", app="web"), subset("canary", "c", app="web")),
            [("web-exp-a", "e1")],
            [subset("stable", "s", app="web"), subset("canary", "c", app="web"), subset("web-exp-a", "e1")],
            id="subset-added",
        ),
        pytest.param(
            a_dr(subset("stable", "s"), subset("canary", "c"), subset("web-exp-a", "old")),
            [("web-exp-a", "e1")],
            [subset("stable", "s"), subset("canary", "c"), subset("web-exp-a", "e1")],
            id="subset-relabelled",
        ),
        pytest.param(
            a_dr(subset("stable", "s"), subset("web-exp-a", "e1"), subset("canary", "c"), subset("user", app="x")),
            [],
            [subset("stable", "s"), subset("canary", "c"), subset("user", app="x")],
            id="experiment-subset-removed-user-subset-kept",
        ),
    ],
)
def test_destination_rule_carries_experiment_subsets(
    dr: dict[str, Any], additional: list[tuple[str, str]], expected: list[dict[str, Any]]
) -> None:
    def ops(current: dict[str, Any]) -> list[Any]:
        return istio.destination_rule_ops(
            current,
            canary_subset="canary",
            stable_subset="stable",
            canary_hash="c",
            stable_hash="s",
            rollout_name="web",
            additional=additional,
        )

    patched = apply_patch(dr, ops(dr))
    assert patched["spec"]["subsets"] == expected
    assert ops(patched) == []


def test_release_without_subset_names_strips_every_hash_label() -> None:
    dr = a_dr(subset("stable", "s", app="web"), subset("canary", "c"), annotations={"team": "shop"})
    dr["metadata"]["annotations"]["argo-rollouts.argoproj.io/managed-by-rollouts"] = "web"
    patched = apply_patch(dr, istio.release_destination_rule_ops(dr))
    assert patched["spec"]["subsets"] == [subset("stable", app="web"), subset("canary")]
    assert patched["metadata"]["annotations"] == {"team": "shop"}


SUBSET_ROUTING = {
    "istio": {
        "virtualService": {"name": "web", "routes": ["primary"]},
        "destinationRule": {"name": "web-dr", "canarySubsetName": "canary", "stableSubsetName": "stable"},
    }
}


def test_istio_router_routes_to_the_experiment_and_releases_it() -> None:
    (router,) = registry.routers_for(rollout(SUBSET_ROUTING))
    assert isinstance(router, IstioRouter)
    vs_key = ObjectKey(VIRTUAL_SERVICES, "shop", "web")
    dr_key = ObjectKey(DESTINATION_RULES, "shop", "web-dr")
    objects: dict[ObjectKey, Any] = {
        vs_key: a_vs(http_routes=[_subset_route(100, 0)]),
        dr_key: a_dr(subset("stable", app="web"), subset("canary", app="web")),
    }
    experiment = AdditionalDestination("web-exp-a", "e1", 20)
    split = TrafficSplit("c", "s", canary_weight=10, stable_weight=70, additional=(experiment,))
    for edit in router.set_weight(objects, split):
        objects[edit.key] = apply_patch(objects[edit.key], list(edit.ops))
    assert objects[vs_key]["spec"]["http"] == [_subset_route(70, 10, to("web-exp-a", 20))]
    assert objects[dr_key]["spec"]["subsets"][2] == subset("web-exp-a", "e1")
    assert router.verify(objects, split).verified

    for edit in router.release(objects, split):
        objects[edit.key] = apply_patch(objects[edit.key], list(edit.ops))
    assert objects[vs_key]["spec"]["http"] == [_subset_route(100, 0)]
    assert [s["name"] for s in objects[dr_key]["spec"]["subsets"]] == ["stable", "canary"]


WEIGHTED_STEP = {"experiment": {"templates": [{"name": "a", "specRef": "canary", "weight": 20}]}}
WEIGHT_FIELD = "spec.strategy.canary.steps[1].experiment.templates[0].weight"


@pytest.mark.parametrize(
    ("routing", "problems"),
    [
        pytest.param(SUBSET_ROUTING, [], id="istio"),
        pytest.param(
            {"nginx": {"stableIngress": "web"}},
            [
                f"{WEIGHT_FIELD}: traffic router nginx cannot give an experiment template a share of the traffic; "
                "supported: alb, istio, smi"
            ],
            id="nginx",
        ),
        pytest.param(
            {**SUBSET_ROUTING, "traefik": {"weightedTraefikServiceName": "web"}},
            [
                f"{WEIGHT_FIELD}: traffic router traefik cannot give an experiment template a share of the traffic; "
                "supported: alb, istio, smi"
            ],
            id="every-router-must-carry-it",
        ),
        pytest.param({**SUBSET_ROUTING, "smi": {}}, [], id="istio-and-smi"),
        pytest.param({"alb": {"ingress": "web", "servicePort": 80}}, [], id="alb"),
    ],
)
def test_weighted_templates_need_routers_that_carry_them(routing: dict[str, Any], problems: list[str]) -> None:
    assert registry.step_problems(rollout(routing, steps=[{"setWeight": 10}, WEIGHTED_STEP])) == problems


def test_smi_backends_carry_the_experiment_between_canary_and_stable() -> None:
    (router,) = registry.routers_for(rollout({"smi": {}}))
    experiment = AdditionalDestination("web-exp-a", "e1", 5)
    split = TrafficSplit("c", "s", canary_weight=5, stable_weight=90, additional=(experiment,))
    (edit,) = router.set_weight({}, split)
    assert edit.create is not None
    assert edit.create["spec"]["backends"] == [
        {"service": "web-canary", "weight": 5},
        {"service": "web-exp-a", "weight": 5},
        {"service": "web-stable", "weight": 90},
    ]
    created = {ObjectKey(edit.key.kind, edit.key.namespace, edit.key.name): edit.create}
    (back,) = router.set_weight(created, TrafficSplit("c", "s", canary_weight=5, stable_weight=95))
    patched = apply_patch(edit.create, list(back.ops))
    assert patched["spec"]["backends"] == [
        {"service": "web-canary", "weight": 5},
        {"service": "web-stable", "weight": 95},
    ]
