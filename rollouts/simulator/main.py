"""Run the traffic simulator: follow a namespace, fake its requests, export them as Istio's metrics.

The I/O shell around the pure `behaviour` and `traffic` modules:

* informers mirror the namespace's router objects (VirtualServices and DestinationRules, HTTPRoutes, Ingresses,
  TrafficSplits, TraefikServices, ApisixRoutes), Services and ReplicaSets (one list, then watches; never a list
  per tick). A router's CRDs may be missing: its kinds then read as empty, with one log line, and are picked up
  when the CRDs appear;
* every 100 ms the loop takes each target's split from the caches, draws the requests due since the last tick at
  the steady `rate` (per target), and records them in the exporter. It logs a line whenever a split changes;
* the exporter serves ``/metrics`` on `port` for Prometheus to scrape.

`run` installs no signal handlers and does not configure logging, so it can run in a thread; `run_until_signalled`
is the process entry point.
"""

from __future__ import annotations

import logging
import random
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from rollouts.controller.routing.adapter import resource
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.kube.listwatch import ResourceListWatch
from rollouts.machinery.clock import Clock, RealClock
from rollouts.machinery.informer import Informer, WatchEvent
from rollouts.simulator import exporter, routes, traffic
from rollouts.traffic import apisix, gatewayapi, nginx, smi, traefik

__all__ = ["RESOURCES", "TICK_SECONDS", "OptionalListWatch", "Options", "run", "run_until_signalled"]

_log = logging.getLogger("rollouts.simulator")

TICK_SECONDS = 0.1
SYNC_TIMEOUT_SECONDS = 10.0
"""How long to wait for the first lists before simulating anyway (the caches keep trying)."""
RECHECK_SECONDS = 2.0
"""How often to look again for a kind the API server does not serve (a router's CRDs not installed yet)."""
ROUTER_RESOURCES = {
    "http_routes": resource(gatewayapi.KINDS["http"]),
    "ingresses": resource(nginx.INGRESSES),
    "traffic_splits": resource(smi.TRAFFIC_SPLITS),
    "traefik_services": resource(traefik.TRAEFIK_SERVICES),
    "apisix_routes": resource(apisix.APISIX_ROUTES),
}
"""The router kinds besides Istio's, under `routes.KINDS`' keywords (the versions the controller writes)."""
RESOURCES = {
    "VirtualService": resources.VIRTUAL_SERVICES,
    **{kind: ROUTER_RESOURCES[keyword] for kind, keyword in routes.KINDS.items() if keyword in ROUTER_RESOURCES},
}
"""The API resource of each router kind the simulator follows."""


@dataclass(frozen=True)
class Options:
    """What to simulate, and where to export it."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str = "default"
    virtual_services: tuple[str, ...] = ()
    """VirtualServices to send traffic through. With none of these, `targets` and `services`: every router object
    of the namespace, and every Service with a selector that none of them routes to."""
    targets: tuple[traffic.Target, ...] = ()
    """Router objects of any kind (`routes.KINDS`) to send traffic through."""
    services: tuple[str, ...] = ()
    """Services to send traffic to directly, split by the ready replicas of the ReplicaSets they select."""
    rate: float = 20.0
    """Requests per second, for each target."""
    port: int = 9101
    address: str = "0.0.0.0"
    seed: int | None = None
    """Seed of the random generator; None: different requests on every run."""
    reporters: tuple[str, ...] = ("destination",)
    """The ``reporter`` label values each request is counted under (a real mesh reports both
    ``source`` and ``destination``)."""

    def __post_init__(self) -> None:
        if not self.rate > 0:
            raise ValueError(f"rate must be more than 0 requests per second, got {self.rate}")
        kinds = {target.kind for target in self.targets} - set(routes.KINDS)
        if kinds:
            raise ValueError(f"targets: unknown kind(s) {sorted(kinds)}; the simulator follows {list(routes.KINDS)}")
        unknown = set(self.reporters) - {"source", "destination"}
        if unknown or not self.reporters:
            raise ValueError(f"reporters must be 'source' and/or 'destination', got {list(self.reporters)}")


def run(options: Options, stop: threading.Event) -> int:
    """Simulate until `stop` is set; 0 then, 1 when it cannot start (no kubeconfig, port taken)."""
    try:
        kube = Kube.from_kubeconfig(options.kubeconfig, options.context)
    except errors.ApiError as error:
        _log.error("%s", error.message)
        return 1
    metrics = exporter.IstioMetrics(source_namespace=options.namespace, reporters=options.reporters)
    try:
        server = exporter.serve(metrics.registry, port=options.port, address=options.address)
    except OSError as error:
        _log.error("cannot serve metrics on %s:%d: %s", options.address, options.port, error)
        return 1
    clock = RealClock()
    try:
        cache = _Cache(kube, options.namespace, clock=clock, stop=stop)
        _log.info(
            "simulating %s req/s per target in namespace %s (%s); Istio metrics on :%d/metrics",
            f"{options.rate:g}",
            options.namespace,
            _targets_text(options),
            server.port,
        )
        if not cache.wait_for_sync(SYNC_TIMEOUT_SECONDS):
            _log.warning(
                "the API server has not answered every list after %gs; simulating with what is known",
                SYNC_TIMEOUT_SECONDS,
            )
        _simulate(options, cache, metrics, clock=clock, stop=stop)
    finally:
        stop.set()  # also stops the informers when we leave by an exception
        server.close()
    _log.info("stopped")
    return 0


def run_until_signalled(options: Options) -> int:
    """`run` until SIGTERM or SIGINT (the command line's entry point)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return run(options, stop)


def _simulate(
    options: Options, cache: _Cache, metrics: exporter.IstioMetrics, *, clock: Clock, stop: threading.Event
) -> None:
    rng = random.Random(options.seed)
    shown: dict[traffic.Target, str] = {}
    idle = False  # whether the last tick found no target (so that is logged once, not every tick)
    started = clock.monotonic()
    before = 0.0
    while not clock.sleep(TICK_SECONDS, stop):
        now = clock.monotonic() - started
        due = traffic.requests_due(rate_per_second=options.rate, elapsed_before=before, elapsed_now=now)
        objects = cache.snapshot()
        targets = _targets(options, objects)
        for target in targets:
            split = traffic.split(target=target, namespace=options.namespace, **objects)
            text = traffic.describe(split)
            if shown.get(target) != text:
                _log.info("split %s: %s", target, text)
                shown[target] = text
            metrics.record(traffic.sample_requests(split, count=due, rng=rng))
        for target in shown.keys() - set(targets):
            _log.info("split %s: gone, no more traffic", target)
            del shown[target]
        if not targets and not idle:
            _log.info(
                "no targets: no router object, and no Service with a selector, in namespace %s", options.namespace
            )
        idle = not targets
        before = now


def _named_targets(options: Options) -> list[traffic.Target]:
    return [
        *(traffic.Target("VirtualService", name) for name in options.virtual_services),
        *options.targets,
        *(traffic.Target("Service", name) for name in options.services),
    ]


def _targets(options: Options, objects: dict[str, list[dict[str, Any]]]) -> list[traffic.Target]:
    named = _named_targets(options)
    if named:
        return named
    routers = {key: value for key, value in objects.items() if key in routes.KINDS.values()}
    return traffic.discover_targets(namespace=options.namespace, services=objects["services"], **routers)


def _targets_text(options: Options) -> str:
    named = ", ".join(str(target) for target in _named_targets(options))
    return named or "every router object, and every Service none of them routes to"


class _Cache:
    """The informers, one per kind the split depends on, and a consistent-enough snapshot of their stores."""

    def __init__(self, kube: Kube, namespace: str, *, clock: Clock, stop: threading.Event) -> None:
        def watched(resource: resources.Resource, *, optional: bool = True) -> Informer:
            watch = ResourceListWatch(kube, resource, namespace=namespace)
            source = OptionalListWatch(watch, clock=clock, stop=stop) if optional else watch
            return Informer(source, name=f"simulator-{resource.plural}", clock=clock)

        self._informers = {
            "virtual_services": watched(resources.VIRTUAL_SERVICES),
            "destination_rules": watched(resources.DESTINATION_RULES),
            **{key: watched(resource) for key, resource in ROUTER_RESOURCES.items()},
            "services": watched(resources.SERVICES, optional=False),
            "replica_sets": watched(resources.REPLICASETS, optional=False),
        }
        for informer in self._informers.values():
            informer.start(stop)

    def wait_for_sync(self, timeout: float) -> bool:
        return all(informer.wait_for_sync(timeout) for informer in self._informers.values())

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every cached object by kind, as keyword arguments for `traffic.split`. Read-only dicts."""
        return {kind: informer.store.list() for kind, informer in self._informers.items()}


class OptionalListWatch:
    """A ListerWatcher for a kind whose CRD may not be installed (Istio's): while it is not, the kind lists as
    empty and its watch waits `RECHECK_SECONDS` and ends quietly, so the informer neither logs tracebacks nor
    spins. Once the CRD exists, the watch (from resourceVersion "", i.e. "now", with the current objects as
    ADDED events) fills the cache.
    """

    def __init__(self, inner: ResourceListWatch, *, clock: Clock, stop: threading.Event) -> None:
        self._inner = inner
        self._clock = clock
        self._stop = stop
        self._missing = False
        self._kind = inner.resource.kind

    def list(self) -> tuple[list[dict[str, Any]], str]:
        try:
            items, version = self._inner.list()
        except errors.NotFound:
            self._went_missing()
            return [], ""
        self._came_back()
        return items, version

    def watch(self, resource_version: str, timeout_seconds: int) -> Iterator[WatchEvent]:
        try:
            for event in self._inner.watch(resource_version, timeout_seconds):
                self._came_back()
                yield event
        except errors.NotFound:
            self._went_missing()
            self._clock.sleep(RECHECK_SECONDS, self._stop)

    def _went_missing(self) -> None:
        if not self._missing:
            _log.info("%ss are not served (their CRDs not installed?); reading none until they are", self._kind)
            self._missing = True

    def _came_back(self) -> None:
        if self._missing:
            _log.info("%ss are served now", self._kind)
            self._missing = False
