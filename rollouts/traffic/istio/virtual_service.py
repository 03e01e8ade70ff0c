"""VirtualService edits: route weights and the managed header and mirror routes, as guarded JSON Patches."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rollouts.api.rollout import IstioVirtualService, TCPRoute, TLSRoute
from rollouts.traffic.istio.model import ExtraDestination, ManagedRoutes, RoutingError, SplitKeys, WeightSplit
from rollouts.traffic.patch import Operation, name_of, test


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
    return [f'VirtualService "{name_of(vs)}": {problem}' for problem in problems]


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


def _select_routes(
    spec: Mapping[str, Any], ref: IstioVirtualService, managed_names: Sequence[str]
) -> tuple[list[_Route], list[str]]:
    """The routes ``ref`` names, and a message for each one that is missing or ambiguous."""
    routes: list[_Route] = []
    problems: list[str] = []
    http = list(spec.get("http") or [])
    # Argo checks named HTTP routes only when the VirtualService has an `http` list (TLS-only ones pass).
    for name in (ref.routes or ()) if "http" in spec else ():
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
        problems += (
            [] if found else [f"TLS route for port {tls.port} and sniHosts {list(tls.sni_hosts or [])} not found"]
        )
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
    """Set the weights of one route, each after a test of its destination: canary and stable, the experiment
    destinations of ``split.additional`` (added at the end when missing), and, as in Argo, remove every other
    destination (a finished experiment's)."""
    entries = route.entries
    operations: list[Operation] = []
    removed: list[int] = []
    for index, weight in enumerate(_entry_weights(entries, split, keys)):
        entry = entries[index]
        entry_path = f"{route.path}/route/{index}"
        if weight is None:
            removed.append(index)
        elif "weight" not in entry or entry["weight"] != weight:
            operations += [
                test(f"{entry_path}/destination", entry.get("destination")),
                {"op": "replace" if "weight" in entry else "add", "path": f"{entry_path}/weight", "value": weight},
            ]
    for index in reversed(removed):
        entry_path = f"{route.path}/route/{index}"
        operations += [test(f"{entry_path}/destination", entries[index].get("destination"))]
        operations += [{"op": "remove", "path": entry_path}]
    for extra in _missing_extras(entries, split):
        operations.append({"op": "add", "path": f"{route.path}/route/-", "value": _extra_entry(extra)})
    return _identity_tests(route.path, route.body) + operations if operations else []


def _entry_weights(entries: list[Mapping[str, Any]], split: WeightSplit, keys: SplitKeys) -> list[int | None]:
    """The weight each entry of a route should have; None for an entry to remove."""
    weights: list[int | None] = []
    placed: set[str] = set()
    for entry in entries:
        destination = entry.get("destination") or {}
        role = keys.role(destination)
        extra = next((extra for extra in split.additional if extra.matches(destination)), None)
        if role is not None:
            weights.append(split.canary_weight if role == "canary" else split.stable_weight)
        elif extra is not None and extra.host not in placed:
            weights.append(extra.weight)
            placed.add(extra.host)
        else:
            weights.append(None)
    return weights


def _missing_extras(entries: list[Mapping[str, Any]], split: WeightSplit) -> list[ExtraDestination]:
    return [
        extra
        for extra in split.additional
        if not any(extra.matches(entry.get("destination") or {}) for entry in entries)
    ]


def _extra_entry(extra: ExtraDestination) -> dict[str, Any]:
    return {"destination": {"host": extra.host}, "weight": extra.weight}


def _desired_entries(entries: list[Mapping[str, Any]], split: WeightSplit, keys: SplitKeys) -> list[dict[str, Any]]:
    """The route's entries as `_weight_ops` leaves them (copied): what a mirror route carries."""
    desired = [
        {**copy.deepcopy(dict(entry)), "weight": weight}
        for entry, weight in zip(entries, _entry_weights(entries, split, keys), strict=True)
        if weight is not None
    ]
    return desired + [_extra_entry(extra) for extra in _missing_extras(entries, split)]


def _managed_route_bodies(
    vs: Mapping[str, Any], routes: list[_Route], managed: ManagedRoutes, split: WeightSplit, keys: SplitKeys
) -> dict[str, dict[str, Any]]:
    """Each desired managed route as it should appear in ``spec.http``, by name."""
    if not managed.desired:
        return {}
    primary = next((route for route in routes if route.kind == "http"), None)
    if primary is None:
        wanted = [route.name for route in managed.desired]
        reason = "need an HTTP route to copy the canary destination from"
        raise RoutingError(f'VirtualService "{name_of(vs)}": managed routes {wanted} {reason}')
    entries = primary.entries
    canary, _ = _split_indexes(entries, keys)
    bodies = {}
    for route in managed.desired:
        bodies[route.name] = route.istio_route(
            weighted=_desired_entries(entries, split, keys), canary=copy.deepcopy(dict(entries[canary]["destination"]))
        )
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
            operations += [test(f"/spec/http/{index}/name", name), {"op": "remove", "path": f"/spec/http/{index}"}]
            del routes[index]
    for index, name in enumerate(order):
        path = f"/spec/http/{index}"
        if index < len(routes) and routes[index].get("name") == name:
            if routes[index] != desired[name]:
                operations += [test(f"{path}/name", name), {"op": "replace", "path": path, "value": desired[name]}]
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
        return [test(f"{path}/name", route["name"])]
    if "match" in route:
        return [test(f"{path}/match", route["match"])]
    return [test(path, route)]


def _in_namespace(keys: SplitKeys, vs: Mapping[str, Any]) -> SplitKeys:
    """Keys whose FQDN matching uses the VirtualService's namespace unless one was given."""
    namespace = (vs.get("metadata") or {}).get("namespace")
    return keys if keys.namespace or not namespace else replace(keys, namespace=namespace)
