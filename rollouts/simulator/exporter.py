"""Istio's standard request metrics for simulated requests, on their own registry, served over HTTP.

Prometheus queries written for a real mesh work unchanged against these series:

* ``istio_requests_total``: counter of requests;
* ``istio_request_duration_milliseconds``: histogram of request durations, with Istio's default buckets.

Both carry Istio's label names. The values we fill in:

=================================  =========================================================
``reporter``                       ``destination`` (the server-side proxy's view), or each of ``reporters``
``source_workload``                ``traffic-simulator``
``source_workload_namespace``      the simulated namespace
``destination_service``            ``<service>.<namespace>.svc.cluster.local``
``destination_service_name``       the Service the request was routed to
``destination_service_namespace``  the simulated namespace
``destination_workload``           the ReplicaSet (``<rollout>-<hash>``)
``destination_workload_namespace`` the simulated namespace
``destination_version``            the pod-template hash (``unknown`` when the pods have none)
``request_protocol``               ``http``
``response_code``                  ``200`` or ``500``
``response_flags``                 ``-``
=================================  =========================================================

The collector keeps plain counts under a lock and builds the metric families at scrape time; unlike
prometheus_client's Counter it adds no ``*_created`` series, which a real Istio proxy does not have either.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.metrics_core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString

from rollouts.simulator.traffic import RequestSample

__all__ = ["DURATION_BUCKETS_MS", "LABELS", "SOURCE_WORKLOAD", "IstioMetrics", "MetricsServer", "serve"]

SOURCE_WORKLOAD = "traffic-simulator"
DURATION_BUCKETS_MS = (
    0.5,
    1,
    5,
    10,
    25,
    50,
    100,
    250,
    500,
    1000,
    2500,
    5000,
    10000,
    30000,
    60000,
    300000,
    600000,
    1800000,
    3600000,
)
"""Istio's default buckets for ``istio_request_duration_milliseconds``."""
LABELS = (
    "reporter",
    "source_workload",
    "source_workload_namespace",
    "destination_service",
    "destination_service_name",
    "destination_service_namespace",
    "destination_workload",
    "destination_workload_namespace",
    "destination_version",
    "request_protocol",
    "response_code",
    "response_flags",
)

_LabelValues = tuple[str, ...]


@dataclass
class _Durations:
    buckets: list[int] = field(default_factory=lambda: [0] * len(DURATION_BUCKETS_MS))
    count: int = 0
    total: float = 0.0


class IstioMetrics:
    """The collector: `record` simulated requests, and Prometheus scrapes `registry`."""

    def __init__(self, *, source_namespace: str, reporters: Sequence[str] = ("destination",)) -> None:
        if not reporters:
            raise ValueError("at least one reporter is needed: 'destination', 'source' or both")
        self.source_namespace = source_namespace
        self.reporters = tuple(reporters)
        self.registry = CollectorRegistry(auto_describe=False)
        self._lock = threading.Lock()
        self._requests: dict[_LabelValues, int] = {}
        self._durations: dict[_LabelValues, _Durations] = {}
        self.registry.register(self)

    def record(self, samples: Iterable[RequestSample]) -> None:
        """Count requests and observe their durations, once for each reporter."""
        with self._lock:
            for sample in samples:
                for reporter in self.reporters:
                    labels = self._labels(sample, reporter)
                    self._requests[labels] = self._requests.get(labels, 0) + 1
                    durations = self._durations.setdefault(labels, _Durations())
                    durations.count += 1
                    durations.total += sample.duration_ms
                    for i, bound in enumerate(DURATION_BUCKETS_MS):
                        if sample.duration_ms <= bound:
                            durations.buckets[i] += 1
                            break

    def collect(self) -> Iterator[Metric]:
        """Called by the registry at each scrape."""
        requests = CounterMetricFamily("istio_requests", "Total number of requests (simulated).", labels=LABELS)
        durations = HistogramMetricFamily(
            "istio_request_duration_milliseconds", "Request duration in milliseconds (simulated).", labels=LABELS
        )
        with self._lock:
            for labels, count in sorted(self._requests.items()):
                requests.add_metric(labels, count)
            for labels, observed in sorted(self._durations.items()):
                cumulative, buckets = 0, []
                for bound, count in zip(DURATION_BUCKETS_MS, observed.buckets, strict=True):
                    cumulative += count
                    buckets.append((floatToGoString(bound), cumulative))  # type: ignore[no-untyped-call]  # untyped helper
                buckets.append(("+Inf", observed.count))
                durations.add_metric(labels, buckets, observed.total)
        yield requests
        yield durations

    def _labels(self, sample: RequestSample, reporter: str) -> _LabelValues:
        destination = sample.destination
        return (
            reporter,
            SOURCE_WORKLOAD,
            self.source_namespace,
            f"{destination.service}.{destination.namespace}.svc.cluster.local",
            destination.service,
            destination.namespace,
            destination.workload,
            destination.namespace,
            destination.pod_template_hash or "unknown",
            "http",
            str(sample.response_code),
            "-",
        )


@dataclass(frozen=True)
class MetricsServer:
    """The HTTP server behind `serve`; `port` is the bound one (useful after asking for port 0)."""

    port: int
    _server: WSGIServer
    _thread: threading.Thread

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def serve(registry: CollectorRegistry, *, port: int, address: str = "0.0.0.0") -> MetricsServer:
    """Serve `registry` at ``/metrics`` (any path, in fact) on a daemon thread."""
    server, thread = start_http_server(port, addr=address, registry=registry)
    return MetricsServer(server.server_port, server, thread)
