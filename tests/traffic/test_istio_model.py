"""Istio value types (split keys, weight splits, managed routes), the module's exports and the test applier."""

from __future__ import annotations

from typing import Any

import pytest
from istio_builders import (
    CHROME,
    FIREFOX,
    HOSTS,
    header,
)
from traffic_helpers import PatchFailed, apply_patch

from rollouts.api.rollout import (
    HeaderRoutingMatch,
    RouteMatch,
    SetHeaderRoute,
    SetMirrorRoute,
    StringMatch,
)
from rollouts.traffic import istio


def test_applier_follows_rfc6902() -> None:
    document = {"a": [1, 2], "m/k": {"x": 1}}
    patched = apply_patch(
        document,
        [
            {"op": "test", "path": "/a/1", "value": 2},
            {"op": "add", "path": "/a/0", "value": 0},
            {"op": "add", "path": "/a/-", "value": 3},
            {"op": "replace", "path": "/m~1k/x", "value": 2},
            {"op": "remove", "path": "/a/1"},
        ],
    )
    assert patched == {"a": [0, 2, 3], "m/k": {"x": 2}}
    assert document == {"a": [1, 2], "m/k": {"x": 1}}
    with pytest.raises(PatchFailed):
        apply_patch(document, [{"op": "test", "path": "/a/0", "value": 9}])
    with pytest.raises(PatchFailed):
        apply_patch(document, [{"op": "replace", "path": "/missing", "value": 9}])


# --- value types --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({}, id="nothing"),
        pytest.param({"canary_host": "c"}, id="one-host"),
        pytest.param(
            {"canary_host": "c", "stable_host": "s", "canary_subset": "x", "stable_subset": "y"}, id="both-modes"
        ),
        pytest.param({"canary_host": "same", "stable_host": "same"}, id="same-host"),
    ],
)
def test_split_keys_need_one_complete_mode(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        istio.SplitKeys(**kwargs)


@pytest.mark.parametrize(
    ("canary", "stable"), [pytest.param(10, 80, id="not-100"), pytest.param(101, -1, id="over-100")]
)
def test_weight_split_adds_up_to_100(canary: int, stable: int) -> None:
    with pytest.raises(ValueError):
        istio.WeightSplit(canary_weight=canary, stable_weight=stable, keys=HOSTS)
    assert istio.WeightSplit.of(10, HOSTS) == istio.WeightSplit(canary_weight=10, stable_weight=90, keys=HOSTS)


def test_managed_routes_must_be_named_in_managed_routes() -> None:
    with pytest.raises(ValueError, match="not in trafficRouting.managedRoutes"):
        istio.ManagedRoutes(names=("a",), desired=(header("b", x=FIREFOX),))
    with pytest.raises(ValueError, match="desired twice"):
        istio.ManagedRoutes(names=("a",), desired=(header("a", x=FIREFOX), header("a", x=CHROME)))


def test_managed_routes_from_steps() -> None:
    step = SetHeaderRoute(name="h", match=[HeaderRoutingMatch(header_name="agent", header_value=FIREFOX)])
    assert istio.HeaderRoute.from_step(step) == header("h", agent=FIREFOX)
    assert istio.HeaderRoute.from_step(SetHeaderRoute(name="h")) is None
    mirror = SetMirrorRoute(name="m", match=[RouteMatch(path=StringMatch(prefix="/"))])
    assert istio.MirrorRoute.from_step(mirror) == istio.MirrorRoute(
        name="m", match=(RouteMatch(path=StringMatch(prefix="/")),), percentage=100
    )
    assert istio.MirrorRoute.from_step(SetMirrorRoute(name="m", match=[])) is None


def test_module_exports() -> None:
    assert sorted(istio.__all__) == sorted(
        [
            "ExtraDestination",
            "FULL_WEIGHT",
            "HeaderRoute",
            "ManagedHttpRoute",
            "ManagedRoutes",
            "MirrorRoute",
            "RoutingError",
            "SplitKeys",
            "WeightSplit",
            "destination_rule_ops",
            "release_destination_rule_ops",
            "validate_references",
            "virtual_service_ops",
        ]
    )
