"""Istio VirtualService and DestinationRule edits, as minimal guarded JSON Patches (RFC 6902).

Pure: no I/O, no clock, no logging. Objects come in as the raw camelCase dicts the API server returns and are never
modified; each function returns a list of patch operations to send with `kind="json"`
(`application/json-patch+json`). An empty list means the object is already as wanted: send nothing.

Why JSON Patch and not a whole-object update: a GitOps tool (Argo CD, Flux) owns these objects. Rewriting whole
route arrays makes the tool see drift and write them back, and the two fight (Argo Rollouts issue 3854). So we write
only the fields this controller owns:

* the ``weight`` of the canary and stable destinations in the routes the Rollout names;
* the managed HTTP routes (``trafficRouting.managedRoutes``: header and mirror routes) at the top of ``spec.http``;
* the ``rollouts-pod-template-hash`` label of the canary and stable DestinationRule subsets, and the
  ``argo-rollouts.argoproj.io/managed-by-rollouts`` annotation.

Every operation that addresses an array element by index comes after a ``test`` of what identifies that element
(the route's name, else its ``match``; the destination; the subset's name). If someone reorders an array between
our read and our write, the API server rejects the whole patch (422 Invalid) instead of writing to the wrong
element; the caller reads again and recomputes. A ``test`` writes nothing, so it takes no field ownership.

Words used throughout:

* ``keys``: how to recognise the canary and stable destinations of a route: by Service host (host split) or by
  DestinationRule subset (subset split). See `SplitKeys`.
* ``route``: one entry of ``spec.http``, ``spec.tls`` or ``spec.tcp``. Its own ``route`` list holds the weighted
  destinations (``entries`` here).
* ``primary route``: the first HTTP route the Rollout manages; managed routes copy its destinations.
* ``managed route``: an HTTP route whose name is in ``trafficRouting.managedRoutes``. Every other route is a user
  route, and only the ones the Rollout names get their weights set.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rollouts.api.rollout import (
    HeaderRoutingMatch,
    IstioVirtualService,
    RouteMatch,
    SetHeaderRoute,
    SetMirrorRoute,
    StringMatch,
    TCPRoute,
    TLSRoute,
)
from rollouts.plan import names

__all__ = [
    "FULL_WEIGHT",
    "HeaderRoute",
    "ManagedHttpRoute",
    "ManagedRoutes",
    "MirrorRoute",
    "RoutingError",
    "SplitKeys",
    "WeightSplit",
    "destination_rule_ops",
    "observed_weights",
    "release_destination_rule_ops",
    "validate_references",
    "virtual_service_ops",
]

Operation = dict[str, Any]
"""One RFC 6902 operation: {"op": "test" | "add" | "replace" | "remove", "path": <JSON Pointer>, "value": ...}."""

FULL_WEIGHT = 100
"""Istio weights are percentages: the canary's and the stable's weights add up to this."""

_CLUSTER_DOMAIN_SUFFIXES = ("", ".svc", ".svc.cluster.local")


class RoutingError(ValueError):
    """The VirtualService or DestinationRule does not fit the Rollout; the message names the object and the route."""


# --- what to set ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SplitKeys:
    """How to recognise the canary and stable destinations of a route. Set the two hosts or the two subsets.

    Host split: ``canary_host`` and ``stable_host`` are Service names. A destination matches when its ``host`` is
    the name or an FQDN of it in ``namespace``: ``name.ns``, ``name.ns.svc`` or ``name.ns.svc.cluster.local``.
    ``namespace`` is the Services' (the Rollout's) namespace; left empty, the VirtualService's namespace is used.

    Subset split: ``canary_subset`` and ``stable_subset`` are DestinationRule subset names, matched on the
    destination's ``subset`` (the host is the DestinationRule's and is the same for both).
    """

    canary_host: str | None = None
    stable_host: str | None = None
    canary_subset: str | None = None
    stable_subset: str | None = None
    namespace: str | None = None

    def __post_init__(self) -> None:
        hosts, subsets = (self.canary_host, self.stable_host), (self.canary_subset, self.stable_subset)
        if not ((all(hosts) and not any(subsets)) or (all(subsets) and not any(hosts))):
            raise ValueError("SplitKeys needs canary_host and stable_host, or canary_subset and stable_subset")
        canary, stable = subsets if self.by_subset else hosts
        if canary == stable:
            raise ValueError(f"canary and stable must differ; both are {canary!r}")

    @property
    def by_subset(self) -> bool:
        """True for a subset split, False for a host split."""
        return bool(self.canary_subset)

    def role(self, destination: Mapping[str, Any]) -> str | None:
        """"canary", "stable", or None for a destination that is neither."""
        if self.by_subset:
            subset = destination.get("subset")
            return {self.canary_subset: "canary", self.stable_subset: "stable"}.get(subset) if subset else None
        host = str(destination.get("host") or "")
        if self._is_service(host, self.canary_host):
            return "canary"
        if self._is_service(host, self.stable_host):
            return "stable"
        return None

    def describe(self, role: str) -> str:
        """How a message names the canary or stable destination: 'Service "x"' or 'subset "x"'."""
        if self.by_subset:
            return f'subset "{self.canary_subset if role == "canary" else self.stable_subset}"'
        return f'Service "{self.canary_host if role == "canary" else self.stable_host}"'

    def _is_service(self, host: str, service: str | None) -> bool:
        if host == service:
            return True
        return bool(self.namespace) and host in {f"{service}.{self.namespace}{suffix}" for suffix in _CLUSTER_DOMAIN_SUFFIXES}


@dataclass(frozen=True)
class WeightSplit:
    """The weights to set: ``canary_weight`` on the canary destination, ``stable_weight`` on the stable one.

    They add up to 100 (`FULL_WEIGHT`); ``WeightSplit.of(10, keys)`` is canary 10 / stable 90.
    """

    canary_weight: int
    stable_weight: int
    keys: SplitKeys

    def __post_init__(self) -> None:
        if not 0 <= self.canary_weight <= FULL_WEIGHT or self.canary_weight + self.stable_weight != FULL_WEIGHT:
            weights = f"canary {self.canary_weight}, stable {self.stable_weight}"
            raise ValueError(f"weights must be 0..{FULL_WEIGHT} and add up to {FULL_WEIGHT}: {weights}")

    @classmethod
    def of(cls, canary_weight: int, keys: SplitKeys) -> WeightSplit:
        """Canary gets ``canary_weight``, stable gets the rest."""
        return cls(canary_weight=canary_weight, stable_weight=FULL_WEIGHT - canary_weight, keys=keys)


@dataclass(frozen=True)
class HeaderRoute:
    """A ``setHeaderRoute``: requests with matching headers all go to the canary (weight 100).

    Each condition becomes its own Istio match entry, as in Argo Rollouts, so a request matching any one of them
    goes to the canary.
    """

    name: str
    match: tuple[HeaderRoutingMatch, ...]

    @classmethod
    def from_step(cls, step: SetHeaderRoute) -> HeaderRoute | None:
        """The route a step asks for; None when the step has no match (it removes the route)."""
        if not step.name:
            raise ValueError("setHeaderRoute needs a name")
        return cls(name=step.name, match=tuple(step.match)) if step.match else None

    def istio_route(self, *, weighted: list[dict[str, Any]], canary: dict[str, Any]) -> dict[str, Any]:
        """The Istio HTTP route; ``canary`` is the canary destination copied from the primary route."""
        del weighted  # same signature as MirrorRoute's; a header route sends all it matches to the canary
        return {
            "name": self.name,
            "match": [{"headers": {condition.header_name: _string_match(condition.header_value)}} for condition in self.match],
            "route": [{"destination": canary, "weight": FULL_WEIGHT}],
        }


@dataclass(frozen=True)
class MirrorRoute:
    """A ``setMirrorRoute``: matching requests keep the primary route's weights and are also copied to the canary.

    Conditions inside one match entry must all hold; any entry may match. ``percentage`` of the matching requests
    is mirrored (100 when the step leaves it out).
    """

    name: str
    match: tuple[RouteMatch, ...]
    percentage: int = 100

    @classmethod
    def from_step(cls, step: SetMirrorRoute) -> MirrorRoute | None:
        """The route a step asks for; None when the step has no match (it removes the route)."""
        if not step.match:
            return None
        return cls(name=step.name, match=tuple(step.match), percentage=100 if step.percentage is None else step.percentage)

    def istio_route(self, *, weighted: list[dict[str, Any]], canary: dict[str, Any]) -> dict[str, Any]:
        """The Istio HTTP route; ``weighted`` are the primary route's entries with the weights being set."""
        return {
            "name": self.name,
            "match": [_request_match(condition) for condition in self.match],
            "route": weighted,
            "mirror": canary,
            "mirrorPercentage": {"value": self.percentage},
        }


ManagedHttpRoute = HeaderRoute | MirrorRoute


@dataclass(frozen=True)
class ManagedRoutes:
    """The managed HTTP routes a VirtualService should have now.

    ``names`` is ``trafficRouting.managedRoutes`` in order: the routes this controller owns, kept at the top of
    ``spec.http`` in that order, above every user route. ``desired`` are the ones that should exist now, in any
    order; a managed route that is not desired is removed. When the rollout completes or aborts, ``desired`` is
    empty, so every managed route goes.
    """

    names: tuple[str, ...]
    desired: tuple[ManagedHttpRoute, ...] = ()

    def __post_init__(self) -> None:
        wanted = [route.name for route in self.desired]
        if len(set(wanted)) != len(wanted):
            raise ValueError(f"managed routes desired twice: {wanted}")
        unknown = [name for name in wanted if name not in self.names]
        if unknown:
            raise ValueError(f"routes {unknown} are not in trafficRouting.managedRoutes {list(self.names)}")


# --- VirtualService -------------------------------------------------------------------------------------------------


def virtual_service_ops(
    vs: Mapping[str, Any],
    *,
    ref: IstioVirtualService,
    split: WeightSplit,
    managed: ManagedRoutes | None = None,
) -> list[Operation]:
    """The operations that give ``vs`` the ``split`` weights and the ``managed`` routes; [] when it has them.

    One list, applied in order as one atomic patch: first the managed routes (removals, then additions and
    replacements at the top of ``spec.http``), then the weights, whose indexes already count the managed routes'
    moves. Mirror routes carry the new weights too. ``managed=None`` leaves managed routes alone; pass
    ``ManagedRoutes(names=...)`` whenever ``trafficRouting.managedRoutes`` is set, so that they are not taken for
    user routes. Raises `RoutingError` when a route or destination the Rollout names is missing.

    A weight the VirtualService leaves out is written explicitly, even when it should be 0 (Go clients drop
    ``weight: 0``; Istio reads a lone destination without weight as 100, so we never rely on it).
    """
    managed_names = managed.names if managed else ()
    problems = validate_references(vs, ref, split.keys, managed_names=managed_names)
    if problems:
        raise RoutingError("; ".join(problems))
    keys = _in_namespace(split.keys, vs)
    spec = vs.get("spec") or {}
    routes, _ = _select_routes(spec, ref, managed_names)
    http = list(spec.get("http") or [])
    operations: list[Operation] = []
    if managed is not None:
        desired = _managed_route_bodies(vs, routes, managed, split, keys)
        route_operations, http = _managed_route_changes(http, managed.names, desired)
        operations += route_operations
    for route in routes:
        if route.kind == "http":
            route = _Route("http", _position(http, route.body), route.body)
        operations += _weight_ops(route, split, keys)
    return operations


def observed_weights(
    vs: Mapping[str, Any],
    *,
    ref: IstioVirtualService,
    split_keys: SplitKeys,
    managed_names: Sequence[str] = (),
) -> tuple[int, int] | None:
    """``(canary, stable)`` weights of the first route the Rollout manages; None when that cannot be told.

    A missing weight reads as 0 (Go clients drop ``weight: 0``).
    """
    keys = _in_namespace(split_keys, vs)
    routes, _ = _select_routes(vs.get("spec") or {}, ref, managed_names)
    if not routes or _destination_problems(routes[0], keys):
        return None
    entries = routes[0].entries
    canary, stable = _split_indexes(entries, keys)
    return _weight(entries[canary]), _weight(entries[stable])


def validate_references(
    vs: Mapping[str, Any],
    ref: IstioVirtualService,
    split_keys: SplitKeys,
    *,
    managed_names: Sequence[str] = (),
) -> list[str]:
    """What in ``vs`` does not fit the Rollout, one message each; [] when every named route and destination exists.

    Example: ``VirtualService "web": HTTP route "primary" has no destination for Service "web-canary"``.
    """
    keys = _in_namespace(split_keys, vs)
    routes, problems = _select_routes(vs.get("spec") or {}, ref, managed_names)
    problems += [problem for route in routes for problem in _destination_problems(route, keys)]
    return [f'VirtualService "{_name(vs)}": {problem}' for problem in problems]


@dataclass(frozen=True)
class _Route:
    """One route the Rollout manages: ``kind`` is "http", "tls" or "tcp"; ``index`` its place in that list."""

    kind: str
    index: int
    body: Mapping[str, Any]

    @property
    def path(self) -> str:
        return f"/spec/{self.kind}/{self.index}"

    @property
    def entries(self) -> list[Mapping[str, Any]]:
        return list(self.body.get("route") or [])

    @property
    def label(self) -> str:
        name = self.body.get("name")
        return f'{self.kind.upper()} route "{name}"' if name else f"{self.kind.upper()} route {self.index}"


def _select_routes(spec: Mapping[str, Any], ref: IstioVirtualService, managed_names: Sequence[str]) -> tuple[list[_Route], list[str]]:
    """The routes ``ref`` names, and a message for each one that is missing or ambiguous."""
    routes: list[_Route] = []
    problems: list[str] = []
    http = list(spec.get("http") or [])
    for name in ref.routes or ():
        indexes = [index for index, route in enumerate(http) if route.get("name") == name]
        if name in managed_names:
            problems.append(f'HTTP route "{name}" is a managed route; it cannot also be a weighted route')
        elif indexes:
            routes.append(_Route("http", indexes[0], http[indexes[0]]))
        else:
            problems.append(f'HTTP route "{name}" not found')
    if not (ref.routes or ref.tls_routes or ref.tcp_routes):
        routes, problems = _only_http_route(http, managed_names)
    for tls in ref.tls_routes or ():
        found = _matching_routes(spec, "tls", lambda route, tls=tls: _tls_route_matches(route, tls))
        routes += found
        problems += [] if found else [f"TLS route for port {tls.port} and sniHosts {list(tls.sni_hosts or [])} not found"]
    for tcp in ref.tcp_routes or ():
        found = _matching_routes(spec, "tcp", lambda route, tcp=tcp: _tcp_route_matches(route, tcp))
        routes += found
        problems += [] if found else [f"TCP route for port {tcp.port} not found"]
    return _unique(routes), problems


def _only_http_route(http: list[Mapping[str, Any]], managed_names: Sequence[str]) -> tuple[list[_Route], list[str]]:
    """The Rollout names no route: the VirtualService must have exactly one user HTTP route."""
    user = [_Route("http", index, route) for index, route in enumerate(http) if route.get("name") not in managed_names]
    if len(user) == 1:
        return user, []
    if not user:
        return [], ["has no HTTP route, and trafficRouting.istio names no TLS or TCP route"]
    return [], [f"has {len(user)} HTTP routes; name the ones to manage in trafficRouting.istio.virtualService.routes"]


def _matching_routes(spec: Mapping[str, Any], kind: str, matches: Any) -> list[_Route]:
    return [_Route(kind, index, route) for index, route in enumerate(spec.get(kind) or []) if matches(route)]


def _tls_route_matches(route: Mapping[str, Any], tls: TLSRoute) -> bool:
    """One of the route's match entries has the port (when given) and every given SNI host."""
    wanted_hosts = set(tls.sni_hosts or ())
    return any(
        (tls.port is None or match.get("port") == tls.port) and wanted_hosts <= set(match.get("sniHosts") or ())
        for match in route.get("match") or ()
    )


def _tcp_route_matches(route: Mapping[str, Any], tcp: TCPRoute) -> bool:
    """One of the route's match entries has the port (any entry when no port is given)."""
    return any(tcp.port is None or match.get("port") == tcp.port for match in route.get("match") or ())


def _unique(routes: list[_Route]) -> list[_Route]:
    seen: set[tuple[str, int]] = set()
    unique = []
    for route in routes:
        if (route.kind, route.index) not in seen:
            seen.add((route.kind, route.index))
            unique.append(route)
    return unique


def _destination_problems(route: _Route, keys: SplitKeys) -> list[str]:
    """A message for a missing or doubled canary or stable destination in the route."""
    roles = [keys.role(entry.get("destination") or {}) for entry in route.entries]
    problems = []
    for role in ("canary", "stable"):
        count = roles.count(role)
        if count == 0:
            problems.append(f"{route.label} has no destination for {keys.describe(role)}")
        elif count > 1:
            problems.append(f"{route.label} has {count} destinations for {keys.describe(role)}")
    return problems


def _split_indexes(entries: list[Mapping[str, Any]], keys: SplitKeys) -> tuple[int, int]:
    """Indexes of the canary and stable entries (the route is known to have exactly one of each)."""
    roles = [keys.role(entry.get("destination") or {}) for entry in entries]
    return roles.index("canary"), roles.index("stable")


def _weight_ops(route: _Route, split: WeightSplit, keys: SplitKeys) -> list[Operation]:
    """Set the canary and stable weights of one route, each after a test of its destination."""
    entries = route.entries
    canary, stable = _split_indexes(entries, keys)
    operations: list[Operation] = []
    for index, weight in sorted(((canary, split.canary_weight), (stable, split.stable_weight))):
        entry = entries[index]
        if "weight" in entry and entry["weight"] == weight:
            continue
        entry_path = f"{route.path}/route/{index}"
        operations += [
            _test(f"{entry_path}/destination", entry.get("destination")),
            {"op": "replace" if "weight" in entry else "add", "path": f"{entry_path}/weight", "value": weight},
        ]
    return _identity_tests(route.path, route.body) + operations if operations else []


def _weight(entry: Mapping[str, Any]) -> int:
    return int(entry.get("weight") or 0)


def _managed_route_bodies(
    vs: Mapping[str, Any], routes: list[_Route], managed: ManagedRoutes, split: WeightSplit, keys: SplitKeys
) -> dict[str, dict[str, Any]]:
    """Each desired managed route as it should appear in ``spec.http``, by name."""
    if not managed.desired:
        return {}
    primary = next((route for route in routes if route.kind == "http"), None)
    if primary is None:
        wanted = [route.name for route in managed.desired]
        raise RoutingError(f'VirtualService "{_name(vs)}": managed routes {wanted} need an HTTP route to copy the canary destination from')
    entries = primary.entries
    canary, stable = _split_indexes(entries, keys)
    weights = {canary: split.canary_weight, stable: split.stable_weight}
    bodies = {}
    for route in managed.desired:
        weighted = [{**copy.deepcopy(dict(entry)), **({"weight": weights[i]} if i in weights else {})} for i, entry in enumerate(entries)]
        bodies[route.name] = route.istio_route(weighted=weighted, canary=copy.deepcopy(dict(entries[canary]["destination"])))
    return bodies


def _managed_route_changes(
    http: list[Mapping[str, Any]], managed_names: Sequence[str], desired: Mapping[str, dict[str, Any]]
) -> tuple[list[Operation], list[Mapping[str, Any]]]:
    """Operations that put the desired managed routes on top of ``spec.http`` in order, and the list they leave.

    Managed routes that are already in the leading block and in order stay where they are (replaced only when
    their content differs); every other managed route is removed, bottom first; missing ones are inserted. User
    routes keep their relative order and are never written.
    """
    order = [name for name in managed_names if name in desired]
    kept = _kept_managed_indexes(http, managed_names, order)
    operations: list[Operation] = []
    routes = list(http)
    for index in reversed(range(len(routes))):
        name = routes[index].get("name")
        if name in managed_names and index not in kept:
            operations += [_test(f"/spec/http/{index}/name", name), {"op": "remove", "path": f"/spec/http/{index}"}]
            del routes[index]
    for index, name in enumerate(order):
        path = f"/spec/http/{index}"
        if index < len(routes) and routes[index].get("name") == name:
            if routes[index] != desired[name]:
                operations += [_test(f"{path}/name", name), {"op": "replace", "path": path, "value": desired[name]}]
                routes[index] = desired[name]
            continue
        guard = _identity_tests(path, routes[index]) if index < len(routes) else []
        operations += [*guard, {"op": "add", "path": path, "value": desired[name]}]
        routes.insert(index, desired[name])
    return operations, routes


def _kept_managed_indexes(http: list[Mapping[str, Any]], managed_names: Sequence[str], order: list[str]) -> set[int]:
    """Managed routes that can stay: desired, above every user route, in ``order``, first of their name."""
    rank = {name: position for position, name in enumerate(order)}
    kept: set[int] = set()
    last = -1
    for index, route in enumerate(http):
        name = route.get("name")
        if name not in managed_names:
            break  # the first user route ends the managed block; managed routes below it are moved
        if name in rank and rank[name] > last:
            kept.add(index)
            last = rank[name]
    return kept


def _position(http: list[Mapping[str, Any]], body: Mapping[str, Any]) -> int:
    """Where a user route ended up after the managed routes moved (the same object, never copied)."""
    return next(index for index, route in enumerate(http) if route is body)


def _identity_tests(path: str, route: Mapping[str, Any]) -> list[Operation]:
    """A test that the route at ``path`` is still this one: its name, else its match, else all of it."""
    if route.get("name"):
        return [_test(f"{path}/name", route["name"])]
    if "match" in route:
        return [_test(f"{path}/match", route["match"])]
    return [_test(path, route)]


def _string_match(match: StringMatch) -> dict[str, str]:
    return {kind: value for kind in ("exact", "prefix", "regex") if (value := getattr(match, kind))}


def _request_match(condition: RouteMatch) -> dict[str, Any]:
    """A mirror step's match entry as an Istio HTTPMatchRequest (``path`` becomes ``uri``)."""
    request: dict[str, Any] = {}
    if condition.method:
        request["method"] = _string_match(condition.method)
    if condition.path:
        request["uri"] = _string_match(condition.path)
    if condition.headers:
        request["headers"] = {name: _string_match(value) for name, value in condition.headers.items()}
    return request


def _in_namespace(keys: SplitKeys, vs: Mapping[str, Any]) -> SplitKeys:
    """Keys whose FQDN matching uses the VirtualService's namespace unless one was given."""
    namespace = (vs.get("metadata") or {}).get("namespace")
    return keys if keys.namespace or not namespace else replace(keys, namespace=namespace)


# --- DestinationRule ------------------------------------------------------------------------------------------------


def destination_rule_ops(
    dr: Mapping[str, Any],
    *,
    canary_subset: str,
    stable_subset: str,
    canary_hash: str | None,
    stable_hash: str | None,
    rollout_name: str,
) -> list[Operation]:
    """Point the canary and stable subsets at their pod hashes and mark the rule as the Rollout's; [] when done.

    Sets ``spec.subsets[i].labels["rollouts-pod-template-hash"]`` (a None hash removes the label) and the
    ``argo-rollouts.argoproj.io/managed-by-rollouts: <rollout>`` annotation. Raises `RoutingError` when a subset
    is missing.
    """
    if canary_subset == stable_subset:
        raise RoutingError(f'DestinationRule "{_name(dr)}": canary and stable subsets are both "{canary_subset}"')
    subsets = list((dr.get("spec") or {}).get("subsets") or [])
    operations: list[Operation] = []
    for subset_name, pod_hash in ((canary_subset, canary_hash), (stable_subset, stable_hash)):
        index = _subset_index(dr, subsets, subset_name)
        operations += _hash_label_ops(index, subsets[index], pod_hash)
    return operations + _annotation_ops(dr, names.MANAGED_BY_ANNOTATION, rollout_name)


def release_destination_rule_ops(dr: Mapping[str, Any], *, canary_subset: str, stable_subset: str) -> list[Operation]:
    """Undo `destination_rule_ops` (traffic routing was removed): drop the hash labels and the annotation.

    Subsets that are gone are skipped; [] when there is nothing left to remove.
    """
    subsets = list((dr.get("spec") or {}).get("subsets") or [])
    operations: list[Operation] = []
    for index, subset in enumerate(subsets):
        if subset.get("name") in (canary_subset, stable_subset):
            operations += _hash_label_ops(index, subset, None)
    if names.MANAGED_BY_ANNOTATION in ((dr.get("metadata") or {}).get("annotations") or {}):
        operations.append({"op": "remove", "path": f"/metadata/annotations/{_escape(names.MANAGED_BY_ANNOTATION)}"})
    return operations


def _subset_index(dr: Mapping[str, Any], subsets: list[Mapping[str, Any]], name: str) -> int:
    for index, subset in enumerate(subsets):
        if subset.get("name") == name:
            return index
    raise RoutingError(f'DestinationRule "{_name(dr)}": subset "{name}" not found')


def _hash_label_ops(index: int, subset: Mapping[str, Any], pod_hash: str | None) -> list[Operation]:
    """Set (or, for None, remove) the subset's pod-hash label, after a test of the subset's name."""
    path = f"/spec/subsets/{index}"
    labels = subset.get("labels")
    label_path = f"{path}/labels/{_escape(names.HASH_LABEL)}"
    if pod_hash is None:
        change = [{"op": "remove", "path": label_path}] if labels and names.HASH_LABEL in labels else []
    elif labels is None:
        change = [{"op": "add", "path": f"{path}/labels", "value": {names.HASH_LABEL: pod_hash}}]
    elif labels.get(names.HASH_LABEL) != pod_hash:
        change = [{"op": "replace" if names.HASH_LABEL in labels else "add", "path": label_path, "value": pod_hash}]
    else:
        change = []
    return [_test(f"{path}/name", subset.get("name")), *change] if change else []


def _annotation_ops(obj: Mapping[str, Any], key: str, value: str) -> list[Operation]:
    annotations = (obj.get("metadata") or {}).get("annotations")
    if annotations is None:
        return [{"op": "add", "path": "/metadata/annotations", "value": {key: value}}]
    if annotations.get(key) == value:
        return []
    return [{"op": "replace" if key in annotations else "add", "path": f"/metadata/annotations/{_escape(key)}", "value": value}]


# --- JSON Patch plumbing --------------------------------------------------------------------------------------------


def _test(path: str, value: Any) -> Operation:
    return {"op": "test", "path": path, "value": copy.deepcopy(value)}


def _escape(token: str) -> str:
    """One JSON Pointer reference token (RFC 6901): '~' is '~0' and '/' is '~1'."""
    return token.replace("~", "~0").replace("/", "~1")


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")
