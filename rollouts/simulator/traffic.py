"""Where simulated requests go, and how they come out: the traffic split of a target, and sampled requests.

Pure: no I/O, no clock, no logging. Objects come in as the raw dicts the API server returns and are never
modified. Randomness comes only from the `random.Random` passed in.

**Targets.** Requests enter through a target: a router's object (a VirtualService, HTTPRoute, Ingress,
TrafficSplit, TraefikService or ApisixRoute: the router sends them by weight) or a Service (kube-proxy spreads them
over its ready pods). Without named targets the simulator sends traffic through every router object of the
namespace (NGINX canary Ingresses aside: they are read with their stable Ingress), and to every Service with a
selector that none of them reaches.

**From a router's object to versions.** Simulated requests carry no headers, so `routes` picks the route they take
(for a VirtualService, the first HTTP route without a ``match``, else the last) and reads its weighted backends.
Each backend is followed to the pods it reaches:

* by host: the Service's name (for Istio ``web-canary``, ``web-canary.<ns>``,
  ``web-canary.<ns>.svc.cluster.local``) names a Service of the namespace, whose ``spec.selector`` picks pods;
* by subset (Istio): the DestinationRule for that host adds the subset's ``labels`` (Argo Rollouts sets
  ``rollouts-pod-template-hash`` there) to the Service's selector.

A version is a ReplicaSet whose pod-template labels include all of those labels; with the hash in the selector
that is exactly one. When several match (a Service selecting only ``app: web``), the destination's weight is
shared among them by ready replicas, as kube-proxy would. A Service target is one destination with all the
weight. Destinations keep the route's order; the versions behind one are in name order.

**Versions without ready pods get nothing.** Weight routed to a destination with no ready pods (or to a host or
subset that does not resolve) is left out and named in `Split.problems`: a mesh would answer those requests with
503 "no healthy upstream" from the caller's proxy, which the destination-side metrics we export never see. The
remaining destinations' shares are scaled to sum to 1, so the configured rate is the rate of requests that
reach a pod.

Worked example (the test table has it): a VirtualService 80/20 over Services ``stable`` (selector hash ``aaa``)
and ``canary`` (selector hash ``bbb``), ReplicaSets ``web-aaa`` (image ``demo:blue``, 3 ready) and ``web-bbb``
(``demo:yellow-errors-50``, 1 ready) → ``stable web-aaa 0.8 (blue)``, ``canary web-bbb 0.2 (yellow-errors-50)``.
With ``web-bbb`` at 0 ready → ``stable web-aaa 1.0`` and the problem "canary (20% of the weight) has no ready pods".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rollouts.api.labels import HASH_LABEL
from rollouts.simulator import behaviour, routes

__all__ = [
    "Destination",
    "RequestSample",
    "Split",
    "Target",
    "describe",
    "discover_targets",
    "requests_due",
    "sample_requests",
    "simulate",
    "split",
    "split_router",
    "split_service",
    "split_virtual_service",
]

RawObject = Mapping[str, Any]
TargetKind = str
"""``Service`` or a router kind of `routes.KINDS`."""


@dataclass(frozen=True)
class Target:
    """Where requests enter: a router's object (`routes.KINDS`) or a Service of the simulated namespace."""

    kind: TargetKind
    name: str

    def __str__(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True)
class Destination:
    """One version behind one Service, and its share of a target's requests."""

    service: str
    """The Service the request was routed to: Istio's ``destination_service_name``."""
    namespace: str
    workload: str
    """The ReplicaSet's name (``<rollout>-<hash>`` for a Rollout's): Istio's ``destination_workload``."""
    pod_template_hash: str
    """The ``rollouts-pod-template-hash`` (else ``pod-template-hash``) label of its pods; may be empty."""
    image: str
    behaviour: behaviour.Behaviour
    share: float
    """Fraction of the target's requests, from 0 to 1; a split's shares sum to 1."""


@dataclass(frozen=True)
class Split:
    """A target's traffic split now: the destinations that get requests, and why any weight gets none."""

    target: Target
    destinations: tuple[Destination, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestSample:
    """One simulated request, as a destination-side proxy would report it."""

    destination: Destination
    response_code: int
    duration_ms: float


@dataclass(frozen=True)
class _Route:
    """One weighted destination of a route, resolved to the labels that pick its pods."""

    name: str  # the Service's name, for metrics
    label: str  # how the user wrote it, for problems: "web-canary", "web/canary"
    selector: Mapping[str, str]
    weight: float


def discover_targets(*, namespace: str, services: Sequence[RawObject], **routers: Sequence[RawObject]) -> list[Target]:
    """Every router object (`routers`: `routes.KINDS`' keywords), then every Service with a selector that none of
    them reaches; by kind, then name."""
    routed: set[str] = set()
    found: list[Target] = []
    for kind, keyword in routes.KINDS.items():
        for obj in routers.get(keyword) or []:
            if not routes.is_target(kind, obj):
                continue
            found.append(Target(kind, _name(obj)))
            reading = routes.backends(kind, obj, ingresses=routers.get("ingresses") or ())
            hosts = [backend.host for backend in reading] if not isinstance(reading, str) else []
            routed |= {
                name for host in [*hosts, *routes.entry_services(kind, obj)] if (name := _service_name(host, namespace))
            }
    found += [Target("Service", _name(svc)) for svc in services if _selector(svc) and _name(svc) not in routed]
    order = [*routes.KINDS, "Service"]
    return sorted(found, key=lambda target: (order.index(target.kind), target.name))


def split(
    *,
    target: Target,
    namespace: str,
    services: Sequence[RawObject],
    replica_sets: Sequence[RawObject],
    destination_rules: Sequence[RawObject] = (),
    **routers: Sequence[RawObject],
) -> Split:
    """The split of `target` given everything in its namespace (absent objects are problems, not errors).
    `routers`: the namespace's router objects under `routes.KINDS`' keywords (``virtual_services=``, ...)."""
    if target.kind == "Service":
        service = next((obj for obj in services if _name(obj) == target.name), None)
        return split_service(service, name=target.name, namespace=namespace, replica_sets=replica_sets)
    if target.kind not in routes.KINDS:
        return Split(target, (), (f"{target.kind} is not a kind the simulator follows",))
    candidates = routers.get(routes.KINDS[target.kind]) or []
    return split_router(
        target,
        next((obj for obj in candidates if _name(obj) == target.name), None),
        namespace=namespace,
        services=services,
        replica_sets=replica_sets,
        destination_rules=destination_rules,
        ingresses=routers.get("ingresses") or (),
    )


def split_router(
    target: Target,
    obj: RawObject | None,
    *,
    namespace: str,
    services: Sequence[RawObject],
    replica_sets: Sequence[RawObject],
    destination_rules: Sequence[RawObject] = (),
    ingresses: Sequence[RawObject] = (),
) -> Split:
    """The split a router's object makes now; see the module docstring. `obj` None: no traffic, and why."""
    if obj is None:
        return Split(target, (), (f"{target.kind} {target.name} not found in namespace {namespace}",))
    backends = routes.backends(target.kind, obj, ingresses=ingresses)
    if isinstance(backends, str):
        return Split(target, (), (backends,))
    resolved_routes: list[_Route] = []
    problems: list[str] = []
    total = sum(backend.weight for backend in backends if backend.weight > 0)
    for backend in backends:
        if backend.weight <= 0:
            continue
        resolved = _resolve(backend, namespace=namespace, services=services, destination_rules=destination_rules)
        if isinstance(resolved, str):
            problems.append(f"{resolved} ({_percent(backend.weight / total)} of the weight): not simulated")
        else:
            resolved_routes.append(resolved)
    return _split_routes(
        target, resolved_routes, namespace=namespace, replica_sets=replica_sets, total=total, problems=problems
    )


def split_virtual_service(
    vs: RawObject | None,
    *,
    name: str,
    namespace: str,
    destination_rules: Sequence[RawObject],
    services: Sequence[RawObject],
    replica_sets: Sequence[RawObject],
) -> Split:
    """`split_router` for a VirtualService."""
    return split_router(
        Target("VirtualService", name),
        vs,
        namespace=namespace,
        services=services,
        replica_sets=replica_sets,
        destination_rules=destination_rules,
    )


def split_service(service: RawObject | None, *, name: str, namespace: str, replica_sets: Sequence[RawObject]) -> Split:
    """A Service's requests, spread over the ready ReplicaSets its selector matches by their ready replicas."""
    target = Target("Service", name)
    if service is None:
        return Split(target, (), (f"Service {name} not found in namespace {namespace}",))
    selector = _selector(service)
    if not selector:
        return Split(target, (), (f"Service {name} has no selector",))
    return _split_routes(
        target,
        [_Route(name, name, selector, 1.0)],
        namespace=namespace,
        replica_sets=replica_sets,
        total=1.0,
        problems=[],
    )


def describe(split: Split) -> str:
    """One line for the log, e.g. ``stable 9f8a… 90% (blue), canary 7c6d… 10% (yellow-errors-30)``."""
    parts = [
        f"{d.service} {_short(d.pod_template_hash)} {_percent(d.share)} ({behaviour.tag_of(d.image)})"
        for d in split.destinations
    ]
    text = ", ".join(parts) or "no traffic"
    return "; ".join([text, *split.problems])


# --- resolving destinations ------------------------------------------------------------------------------------


def _split_routes(
    target: Target,
    routes: list[_Route],
    *,
    namespace: str,
    replica_sets: Sequence[RawObject],
    total: float,
    problems: list[str],
) -> Split:
    weights: dict[tuple[str, str], float] = {}
    versions: dict[tuple[str, str], RawObject] = {}
    for route in routes:
        ready = [
            (rs, _ready(rs)) for rs in replica_sets if _ready(rs) > 0 and _matches(route.selector, _template_labels(rs))
        ]
        if not ready:
            problems.append(
                f"{route.label} ({_percent(route.weight / total)} of the weight) has no ready pods: not simulated"
            )
            continue
        pods = sum(count for _, count in ready)
        for rs, count in sorted(ready, key=lambda pair: _name(pair[0])):
            key = (route.name, _name(rs))
            weights[key] = weights.get(key, 0.0) + route.weight * count / pods
            versions[key] = rs
    served = sum(weights.values())
    destinations = []
    for (service, workload), weight in weights.items():
        template = (versions[(service, workload)].get("spec") or {}).get("template")
        try:
            answers = behaviour.from_template(template)
        except behaviour.BehaviourError as error:
            # Guessing a behaviour would make an analysis judge the wrong thing: send nothing until it is fixed.
            return Split(target, (), (*problems, f"ReplicaSet {workload}: {error}"))
        labels = _template_labels(versions[(service, workload)])
        destinations.append(
            Destination(
                service=service,
                namespace=namespace,
                workload=workload,
                pod_template_hash=labels.get(HASH_LABEL) or labels.get("pod-template-hash") or "",
                image=behaviour.image_of(template),
                behaviour=answers,
                share=weight / served,
            )
        )
    return Split(target, tuple(destinations), tuple(problems))


def _resolve(
    backend: routes.Backend,
    *,
    namespace: str,
    services: Sequence[RawObject],
    destination_rules: Sequence[RawObject],
) -> _Route | str:
    """The Service and labels a backend reaches, or why it reaches nothing."""
    host, subset, label = backend.host, backend.subset, backend.label
    name = _service_name(host, namespace)
    if name is None:
        return f"host {host!r} is not a Service of namespace {namespace}"
    service = next((svc for svc in services if _name(svc) == name), None)
    if service is None:
        return f"{label}: Service {name} not found"
    selector = _selector(service)
    if not selector:
        return f"{label}: Service {name} has no selector"
    if not subset:
        return _Route(name, label, selector, backend.weight)
    rules = [
        dr
        for dr in destination_rules
        if _service_name(str((dr.get("spec") or {}).get("host") or ""), namespace) == name
    ]
    subsets = [s for dr in rules for s in (dr.get("spec") or {}).get("subsets") or [] if s.get("name") == subset]
    if not subsets:
        return f"{label}: no DestinationRule subset {subset} for host {host}"
    return _Route(name, label, {**selector, **(subsets[0].get("labels") or {})}, backend.weight)


def _service_name(host: str, namespace: str) -> str | None:
    """``web``, ``web.<ns>``, ``web.<ns>.svc`` and ``web.<ns>.svc.cluster.local`` are Service ``web`` of `namespace`."""
    name, _, rest = host.partition(".")
    if not name or name == "*":
        return None
    if rest in ("", namespace, f"{namespace}.svc", f"{namespace}.svc.cluster.local"):
        return name
    return None


def _selector(service: RawObject) -> dict[str, str]:
    return dict((service.get("spec") or {}).get("selector") or {})


def _template_labels(rs: RawObject) -> Mapping[str, str]:
    return (((rs.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}


def _ready(rs: RawObject) -> int:
    return int((rs.get("status") or {}).get("readyReplicas") or 0)


def _matches(selector: Mapping[str, str], labels: Mapping[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def _name(obj: RawObject) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.3g}%"


def _short(pod_template_hash: str) -> str:
    if not pod_template_hash:
        return "(no hash)"
    return pod_template_hash[:4] + "…" if len(pod_template_hash) > 5 else pod_template_hash


# Sampling lives in rollouts.simulator.sampling; these names stay importable from here.
from rollouts.simulator.sampling import requests_due as requests_due  # noqa: E402
from rollouts.simulator.sampling import sample_requests as sample_requests  # noqa: E402
from rollouts.simulator.sampling import simulate as simulate  # noqa: E402
