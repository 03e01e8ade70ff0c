"""Helpers for the traffic router tests: an RFC 6902 applier, Rollouts and splits, and an in-memory object store
that applies a router's edits the way the API server would (all or nothing per edit).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from rollouts import api
from rollouts.api.rollout import HeaderRoutingMatch, SetHeaderRoute, StringMatch
from rollouts.plan.actions import TrafficSplit
from rollouts.traffic.router import Edit, ObjectKey, TrafficRouter

UID = "0f6c1e7e-0000-4000-8000-000000000001"


class PatchFailed(Exception):
    """A `test` did not hold, or a path did not exist: the API server would answer 422."""


def apply_patch(document: Any, operations: list[dict[str, Any]]) -> Any:
    """Apply the operations in order to a copy of ``document``; all or nothing, like the API server."""
    result = copy.deepcopy(document)
    for operation in operations:
        parent, key = _locate(result, operation["path"])
        kind = operation["op"]
        if kind == "test":
            if _get(parent, key) != operation["value"]:
                raise PatchFailed(
                    f"test failed at {operation['path']}: {_get(parent, key)!r} != {operation['value']!r}"
                )
        elif kind == "add":
            if isinstance(parent, list):
                index = len(parent) if key == "-" else int(key)
                if not 0 <= index <= len(parent):
                    raise PatchFailed(f"add: index out of range at {operation['path']}")
                parent.insert(index, copy.deepcopy(operation["value"]))
            else:
                parent[key] = copy.deepcopy(operation["value"])
        elif kind == "replace":
            _get(parent, key)
            parent[int(key) if isinstance(parent, list) else key] = copy.deepcopy(operation["value"])
        elif kind == "remove":
            _get(parent, key)
            del parent[int(key) if isinstance(parent, list) else key]
        else:
            raise AssertionError(f"unexpected op {kind}")
    return result


def _locate(document: Any, pointer: str) -> tuple[Any, str]:
    tokens = [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]
    parent = document
    for token in tokens[:-1]:
        parent = _get(parent, token)
    return parent, tokens[-1]


def _get(parent: Any, key: str) -> Any:
    try:
        return parent[int(key)] if isinstance(parent, list) else parent[key]
    except (KeyError, IndexError, ValueError, TypeError) as error:
        raise PatchFailed(f"no {key!r} in {parent!r}") from error


def rollout(
    routing: Mapping[str, Any],
    *,
    managed: Sequence[str] = (),
    namespace: str = "shop",
    name: str = "web",
    steps: Sequence[Mapping[str, Any]] = ({"setWeight": 10},),
) -> api.Rollout:
    """A canary Rollout with stable and canary Services and the given trafficRouting."""
    traffic_routing = {**routing, **({"managedRoutes": [{"name": route} for route in managed]} if managed else {})}
    raw = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "namespace": namespace, "uid": UID},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "app:1"}]},
            },
            "strategy": {
                "canary": {
                    "stableService": f"{name}-stable",
                    "canaryService": f"{name}-canary",
                    "trafficRouting": traffic_routing,
                    "steps": [dict(step) for step in steps],
                }
            },
        },
    }
    parsed = api.parse_rollout(raw, check=False)
    assert not isinstance(parsed, list), parsed
    return parsed


def header(name: str, header_name: str = "X-Canary", **value: str) -> SetHeaderRoute:
    """A setHeaderRoute step; ``value`` is one of exact=, regex=, prefix= (default exact="yes")."""
    match = StringMatch(**(value or {"exact": "yes"}))
    return SetHeaderRoute(name=name, match=[HeaderRoutingMatch(header_name=header_name, header_value=match)])


def split(canary_weight: int, *headers: SetHeaderRoute, total: int = 100) -> TrafficSplit:
    return TrafficSplit(
        canary_hash="c4n4ry",
        stable_hash="st4b1e",
        canary_weight=canary_weight,
        stable_weight=total - canary_weight,
        header_routes=headers,
    )


class Cluster(dict[ObjectKey, dict[str, Any]]):
    """Objects by key; `apply` carries out edits, `objects` answers a router's reads."""

    def objects(self, router: TrafficRouter) -> dict[ObjectKey, dict[str, Any] | None]:
        return {key: copy.deepcopy(self.get(key)) for key in router.reads()}

    def apply(self, edits: Sequence[Edit]) -> None:
        for edit in edits:
            if edit.delete:
                self.pop(edit.key)
            elif edit.create is not None:
                assert edit.key not in self, f"create of existing {edit.key}"
                self[edit.key] = copy.deepcopy(dict(edit.create))
            else:
                self[edit.key] = apply_patch(self[edit.key], list(edit.ops))

    def route(self, router: TrafficRouter, traffic: TrafficSplit) -> list[Edit]:
        """Set the split, check that a second pass writes nothing and that it verifies; the edits made."""
        edits = router.set_weight(self.objects(router), traffic)
        self.apply(edits)
        assert router.set_weight(self.objects(router), traffic) == [], "a second pass must write nothing"
        assert router.verify(self.objects(router), traffic).verified is not False
        return edits

    def release(self, router: TrafficRouter, traffic: TrafficSplit | None = None) -> list[Edit]:
        """Release (by default at the end of an update to the canary hash); a second release must write nothing."""
        done = traffic or TrafficSplit(canary_hash="c4n4ry", stable_hash="c4n4ry", canary_weight=0, stable_weight=100)
        edits = router.release(self.objects(router), done)
        self.apply(edits)
        assert router.release(self.objects(router), done) == [], "a second release must write nothing"
        return edits
