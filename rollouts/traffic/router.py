"""The traffic router interface: what every router (Istio, NGINX, ALB, SMI, Gateway API, Traefik, APISIX) answers.

Pure: a router is built from the Rollout, names the objects it needs (`reads`), and turns those objects plus a
`TrafficSplit` into `Edit`s: guarded JSON patches, creates and deletes. The I/O adapter
(`rollouts.controller.routing`) reads the objects, asks the router, and writes the edits; nothing here talks to the
API server. In Flagger's spirit the interface is small:

* `set_weight`: the canary and stable weights, plus header and mirror routes and experiment templates' shares
  (`TrafficSplit.additional`, one extra destination each) where the router supports them;
* `verify`: whether the objects already carry the split (None when the router cannot tell, e.g. ALB's AWS side);
* `release`: the update is over (completed, aborted, or nothing to update): all traffic to stable, managed routes
  removed, the objects we made for the update deleted (NGINX's canary Ingress, an SMI TrafficSplit we created).

While a Rollout is not updating only `release` is asked (never `set_weight`), so the two never undo each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rollouts.api.labels import API_VERSION
from rollouts.plan.actions import TrafficSplit
from rollouts.traffic.patch import Operation


class RoutingError(ValueError):
    """The routed objects do not fit the Rollout; the message names the object and what is wrong."""


class MissingObject(RoutingError):
    """An object the Rollout names does not exist (yet): the adapter reports it as not found and retries."""


@dataclass(frozen=True)
class ObjectKind:
    """An API resource a router reads or writes (the pure twin of `rollouts.kube.resources.Resource`)."""

    group: str
    version: str
    plural: str
    kind: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version


@dataclass(frozen=True)
class ObjectKey:
    kind: ObjectKind
    namespace: str
    name: str

    def __str__(self) -> str:
        return f'{self.kind.kind} "{self.namespace}/{self.name}"'


Objects = Mapping[ObjectKey, Mapping[str, Any] | None]
"""What the adapter read for a router's `reads()`: the object as the API server returns it, or None when absent."""


@dataclass(frozen=True)
class Edit:
    """One write to one object: a guarded JSON patch (`ops`), a create (`create`) or a delete (`delete`)."""

    key: ObjectKey
    ops: tuple[Operation, ...] = ()
    create: Mapping[str, Any] | None = None
    delete: bool = False
    event: tuple[str, str] | None = None
    """(reason, message) to record on the Rollout once the write went through."""


@dataclass(frozen=True)
class Verification:
    """Whether the routed objects carry the split; None when this router cannot tell (with a one-line note why)."""

    verified: bool | None
    note: str = ""


@dataclass(frozen=True)
class RoutedRollout:
    """What a router needs to know about the Rollout itself: where it lives and how to own an object."""

    name: str
    namespace: str
    uid: str = ""
    stable_service: str = ""
    canary_service: str = ""
    managed_routes: tuple[str, ...] = ()
    max_weight: int = 100

    def owner_reference(self) -> dict[str, Any]:
        return {
            "apiVersion": API_VERSION,
            "kind": "Rollout",
            "name": self.name,
            "uid": self.uid,
            "controller": True,
            "blockOwnerDeletion": True,
        }

    def controls(self, obj: Mapping[str, Any]) -> bool:
        """True when ``obj`` has this Rollout as its controller owner."""
        owners = (obj.get("metadata") or {}).get("ownerReferences") or []
        return any(
            ref.get("controller") and ref.get("kind") == "Rollout" and ref.get("uid") == self.uid for ref in owners
        )


class TrafficRouter(Protocol):
    """One traffic router for one Rollout (see the module docstring)."""

    @property
    def field(self) -> str:
        """The trafficRouting field that configures it, e.g. ``spec.strategy.canary.trafficRouting.nginx``."""
        ...

    def reads(self) -> Sequence[ObjectKey]:
        """The objects `set_weight`, `verify` and `release` look at."""
        ...

    def set_weight(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        """The edits that make the objects send ``split`` (and its header and mirror routes); [] when they do."""
        ...

    def verify(self, objects: Objects, split: TrafficSplit) -> Verification: ...

    def release(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        """The edits that hand the objects back: stable gets everything, our routes and objects go. ``split`` names
        the stable (and canary) hashes, for routers that label by hash; its weight is 0 and it has no routes."""
        ...


@dataclass(frozen=True)
class NoRouter:
    """The replica-ratio canary: without trafficRouting the weight is the share of pods, so nothing is routed."""

    field: str = "spec.strategy.canary"

    def reads(self) -> Sequence[ObjectKey]:
        return ()

    def set_weight(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        return []

    def verify(self, objects: Objects, split: TrafficSplit) -> Verification:
        return Verification(True)

    def release(self, objects: Objects, split: TrafficSplit) -> list[Edit]:
        return []


def verified_by_reading(router: TrafficRouter, objects: Objects, split: TrafficSplit) -> Verification:
    """Verification for routers whose objects are the truth: verified when nothing is left to write."""
    try:
        pending = router.set_weight(objects, split)
    except RoutingError as error:
        return Verification(False, str(error))
    return Verification(not pending, "; ".join(str(edit.key) for edit in pending))


def require(objects: Objects, key: ObjectKey, field: str) -> Mapping[str, Any]:
    """The object at ``key``, or `MissingObject` naming the field that refers to it."""
    found = objects.get(key)
    if found is None:
        raise MissingObject(f"{field}: {key} not found")
    return found
