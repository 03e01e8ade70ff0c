"""Which weighted backends a router's object sends requests without headers to: one reader per router kind.

Pure: no I/O. Objects come in as the raw dicts the API server returns and are never modified. A reader returns the
chosen route's backends (a Service name, an Istio subset, a weight), or a sentence saying why no simulated request
gets through. `rollouts.simulator.traffic` follows the backends to Services and ReplicaSets; the demo reads the
weights it shows from here too, so the split and the summary read a router the same way.

Simulated requests carry no headers and ask for ``/``, so routes that need a header (Argo's ``setHeaderRoute``) are
passed over:

* **VirtualService** (Istio): the first HTTP route without ``match``, else the last; a lone destination without a
  weight gets everything, otherwise a missing weight is 0;
* **HTTPRoute** (Gateway API): the first rule with no match or a match without ``headers`` and ``queryParams``;
  ``backendRefs`` to Services, weight 1 when missing;
* **Ingress**: the first path of the first rule, skipping ALB paths with a ``conditions.<name>`` annotation. A path
  on port ``use-annotation`` (ALB) forwards by the ``<prefix>/actions.<name>`` annotation's ``TargetGroups``
  weights; any other path goes to its Service, less what NGINX canary Ingresses (``<prefix>/canary: "true"``) for
  the same host and path take: ``canary-weight`` out of ``canary-weight-total`` (100). Canary Ingresses are not
  targets themselves;
* **TrafficSplit** (SMI): ``spec.backends`` (``weight`` a number or a quantity such as ``500m``);
* **TraefikService**: ``spec.weighted.services`` of kind Service;
* **ApisixRoute**: the first ``spec.http`` rule without ``match.exprs``; a backend without a weight has 100.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["KINDS", "Backend", "Reading", "backends", "entry_services", "is_target", "weights"]

RawObject = Mapping[str, Any]


@dataclass(frozen=True)
class Backend:
    """One weighted backend of the chosen route: a Service (by host, as Istio writes it) and maybe a subset."""

    host: str
    weight: float
    subset: str | None = None

    @property
    def label(self) -> str:
        return f"{self.host}/{self.subset}" if self.subset else self.host


Reading = list[Backend] | str
"""The backends, or why requests without headers reach nothing through the object."""

KINDS: dict[str, str] = {
    "VirtualService": "virtual_services",
    "HTTPRoute": "http_routes",
    "Ingress": "ingresses",
    "TrafficSplit": "traffic_splits",
    "TraefikService": "traefik_services",
    "ApisixRoute": "apisix_routes",
}
"""Each router kind, and the keyword under which `traffic.split` takes the namespace's objects of that kind."""


def backends(kind: str, obj: RawObject, *, ingresses: Sequence[RawObject] = ()) -> Reading:
    """The backends `obj` (of router `kind`) sends requests without headers to; `ingresses` for NGINX canaries."""
    if kind == "Ingress":
        return _ingress(obj, ingresses)
    return _READERS[kind](obj)


def entry_services(kind: str, obj: RawObject) -> set[str]:
    """Services clients call that `obj` routes (an SMI root Service, an Ingress path's), besides its backends."""
    if kind == "TrafficSplit":
        return {str(_spec(obj).get("service") or "")} - {""}
    if kind == "Ingress":
        paths = [path for rule in _spec(obj).get("rules") or [] for path in (rule.get("http") or {}).get("paths") or []]
        return {_service(path) for path in paths} - {""}
    return set()


def is_target(kind: str, obj: RawObject) -> bool:
    """Whether requests enter through `obj`: every router object but an NGINX canary Ingress."""
    return not (kind == "Ingress" and _canary_prefix(obj) is not None)


def weights(kind: str, obj: RawObject, *, ingresses: Sequence[RawObject] = ()) -> dict[str, int]:
    """Weight per backend as the router's object says, by subset (Istio) else Service name; {} when none."""
    found = backends(kind, obj, ingresses=ingresses)
    summed: dict[str, int] = {}
    for backend in [] if isinstance(found, str) else found:
        key = backend.subset or backend.host
        summed[key] = summed.get(key, 0) + round(backend.weight)
    return summed


# --- one reader per kind ---------------------------------------------------------------------------------------


def _virtual_service(vs: RawObject) -> Reading:
    routes = list(_spec(vs).get("http") or [])
    if not routes:
        return f"VirtualService {_name(vs)} has no HTTP route"
    route = next((route for route in routes if not route.get("match")), routes[-1])
    entries = list(route.get("route") or [])
    found = []
    for entry in entries:
        destination = entry.get("destination") or {}
        weight = entry.get("weight")
        found.append(
            Backend(
                str(destination.get("host") or ""),
                (100.0 if len(entries) == 1 else 0.0) if weight is None else float(weight),
                destination.get("subset") or None,
            )
        )
    return found


def _http_route(route: RawObject) -> Reading:
    rule = _first(
        _spec(route).get("rules") or [],
        lambda rule: (
            not rule.get("matches")
            or any(not match.get("headers") and not match.get("queryParams") for match in rule["matches"])
        ),
    )
    if rule is None:
        return f"HTTPRoute {_name(route)}: every rule needs headers or query parameters"
    return [_gateway_backend(ref) for ref in rule.get("backendRefs") or []]


def _gateway_backend(ref: RawObject) -> Backend:
    name = str(ref.get("name") or "")
    if (ref.get("group") or "") != "" or (ref.get("kind") or "Service") != "Service":
        name = f"{ref.get('kind')}.{ref.get('group') or 'core'}/{name}"  # not a Service: reported as unresolved
    elif ref.get("namespace"):
        name = f"{name}.{ref['namespace']}"  # resolved when it is the simulated namespace
    return Backend(name, float(ref.get("weight", 1)))


def _traffic_split(split: RawObject) -> Reading:
    return [
        Backend(str(entry.get("service") or ""), _quantity(entry.get("weight")))
        for entry in _spec(split).get("backends") or []
    ]


def _traefik_service(service: RawObject) -> Reading:
    entries = (_spec(service).get("weighted") or {}).get("services") or []
    if not entries:
        return f"TraefikService {_name(service)} has no weighted services"
    return [
        Backend(
            str(entry.get("name") or "")
            if entry.get("kind", "Service") == "Service"
            else f"TraefikService/{entry['name']}",
            float(entry.get("weight", 1)),
        )
        for entry in entries
    ]


def _apisix_route(route: RawObject) -> Reading:
    rule = _first(_spec(route).get("http") or [], lambda rule: not (rule.get("match") or {}).get("exprs"))
    if rule is None:
        return f"ApisixRoute {_name(route)}: every rule needs headers (match.exprs)"
    return [
        Backend(str(entry.get("serviceName") or ""), float(entry.get("weight", 100)))
        for entry in rule.get("backends") or []
    ]


_READERS: dict[str, Callable[[RawObject], Reading]] = {
    "VirtualService": _virtual_service,
    "HTTPRoute": _http_route,
    "TrafficSplit": _traffic_split,
    "TraefikService": _traefik_service,
    "ApisixRoute": _apisix_route,
}


# --- Ingress: ALB actions and NGINX canaries -------------------------------------------------------------------


def _ingress(ingress: RawObject, ingresses: Sequence[RawObject]) -> Reading:
    annotations = _annotations(ingress)
    paths = [
        (rule.get("host") or "", path)
        for rule in _spec(ingress).get("rules") or []
        for path in (rule.get("http") or {}).get("paths") or []
    ]
    chosen = _first(paths, lambda pair: _alb_key(annotations, "conditions", _service(pair[1])) is None)
    if chosen is None:
        default = (_spec(ingress).get("defaultBackend") or {}).get("service") or {}
        if not default.get("name"):
            return f"Ingress {_name(ingress)} has no path without conditions and no default backend"
        chosen = ("", {"backend": {"service": default}})
    host, path = chosen
    service = _service(path)
    port = ((path.get("backend") or {}).get("service") or {}).get("port") or {}
    if port.get("name") == "use-annotation":
        return _alb_action(ingress, service)
    canary = _nginx_canary(ingress, host, path, ingresses)
    if canary is None:
        return [Backend(service, 100.0)]
    name, weight, total = canary
    return [Backend(service, max(total - weight, 0.0)), Backend(name, min(weight, total))]


def _alb_action(ingress: RawObject, action: str) -> Reading:
    key = _alb_key(_annotations(ingress), "actions", action)
    if key is None:
        return f"Ingress {_name(ingress)}: path on {action} uses an annotation, but there is no actions.{action}"
    try:
        parsed = json.loads(_annotations(ingress)[key])
        groups = parsed["ForwardConfig"]["TargetGroups"]
        return [Backend(str(group["ServiceName"]), float(group.get("Weight", 1))) for group in groups]
    except (ValueError, KeyError, TypeError) as error:
        return f"Ingress {_name(ingress)}: annotation {key} is not a forward action to Services ({error!r})"


def _alb_key(annotations: Mapping[str, str], what: str, name: str) -> str | None:
    """The ``<prefix>/actions.<name>`` (or ``conditions.<name>``) annotation key, whatever the prefix."""
    return next((key for key in annotations if key.endswith(f"/{what}.{name}")), None)


def _nginx_canary(
    stable: RawObject, host: str, path: RawObject, ingresses: Sequence[RawObject]
) -> tuple[str, float, float] | None:
    """(Service, weight, total) of the first NGINX canary Ingress for the same host and path; None without one."""
    for candidate in sorted(ingresses, key=_name):
        prefix = _canary_prefix(candidate)
        if prefix is None or _name(candidate) == _name(stable):
            continue
        for rule in _spec(candidate).get("rules") or []:
            for other in (rule.get("http") or {}).get("paths") or []:
                if (rule.get("host") or "") == host and other.get("path") == path.get("path"):
                    annotations = _annotations(candidate)
                    weight = _quantity(annotations.get(f"{prefix}/canary-weight") or 0)
                    total = _quantity(annotations.get(f"{prefix}/canary-weight-total") or 100)
                    return _service(other), weight, total
    return None


def _canary_prefix(ingress: RawObject) -> str | None:
    return next(
        (
            key.removesuffix("/canary")
            for key, value in _annotations(ingress).items()
            if key.endswith("/canary") and value == "true"
        ),
        None,
    )


# --- small readers ---------------------------------------------------------------------------------------------


def _first(items: Sequence[Any], wanted: Callable[[Any], bool]) -> Any:
    return next((item for item in items if wanted(item)), None)


def _quantity(value: Any) -> float:
    """A weight as a number: ``500m`` is 0.5 (SMI v1alpha1 weights are quantities); unreadable is 0."""
    text = str(value if value is not None else 0).strip()
    try:
        return float(text[:-1]) / 1000 if text.endswith("m") else float(text)
    except ValueError:
        return 0.0


def _service(path: RawObject) -> str:
    return str(((path.get("backend") or {}).get("service") or {}).get("name") or "")


def _spec(obj: RawObject) -> Mapping[str, Any]:
    return obj.get("spec") or {}


def _annotations(obj: RawObject) -> Mapping[str, str]:
    return (obj.get("metadata") or {}).get("annotations") or {}


def _name(obj: RawObject) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")
