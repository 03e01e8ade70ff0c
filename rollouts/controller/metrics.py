"""Prometheus metrics with Argo Rollouts' names, served on their own registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

from rollouts.kube.resources import Resource
from rollouts.machinery.workqueue import QueueStats


class ControllerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.reconcile = Histogram(
            "rollout_reconcile",
            "Rollout reconciliation performance.",
            ["namespace", "name"],
            buckets=(0.01, 0.15, 0.25, 0.5, 1.0),
            registry=self.registry,
        )
        self.reconcile_error = Counter(
            "rollout_reconcile_error",
            "Error occurring during the rollout",
            ["namespace", "name"],
            registry=self.registry,
        )
        self.events = Counter(
            "rollout_events",
            "Events emitted on Rollouts.",
            ["namespace", "name", "type", "reason"],
            registry=self.registry,
        )
        self.requests = Counter(
            "controller_clientset_k8s_request",
            "Requests made to the Kubernetes API.",
            ["kind", "namespace", "name", "verb", "status_code"],
            registry=self.registry,
        )
        self.queue_adds = Counter("workqueue_adds", "Adds handled by the work queue.", ["name"], registry=self.registry)
        self.queue_latency = Histogram(
            "workqueue_queue_duration_seconds",
            "Seconds a key waits before it is processed.",
            ["name"],
            registry=self.registry,
        )
        self.queue_work = Histogram(
            "workqueue_work_duration_seconds", "Seconds spent processing a key.", ["name"], registry=self.registry
        )
        self.queue_retries = Counter(
            "workqueue_retries", "Retries handled by the work queue.", ["name"], registry=self.registry
        )
        self.info = Gauge("controller_info", "Running controller.", ["version"], registry=self.registry)

    def on_request(
        self, verb: str, resource: Resource | None, namespace: str | None, name: str | None, status: int
    ) -> None:
        kind = resource.kind if resource else "Unknown"
        self.requests.labels(kind, namespace or "", name or "", verb, str(status)).inc()

    def on_event(self, obj: Mapping[str, Any], reason: str, kind: str) -> None:
        metadata = obj.get("metadata") or {}
        self.events.labels(metadata.get("namespace", ""), metadata.get("name", ""), kind, reason).inc()

    def queue_metrics(self, name: str) -> _QueueMetrics:
        return _QueueMetrics(self, name)

    def watch_queue(self, name: str, stats: Callable[[], QueueStats]) -> None:
        self.registry.register(_QueueGauges(name, stats))

    def watch_rollouts(self, rollouts: Callable[[], list[dict[str, Any]]]) -> None:
        self.registry.register(_RolloutGauges(rollouts))


class _QueueMetrics:
    """Adapts the work queue's hooks to the workqueue_* metrics."""

    def __init__(self, metrics: ControllerMetrics, name: str) -> None:
        self.metrics, self.name = metrics, name

    def added(self) -> None:
        self.metrics.queue_adds.labels(self.name).inc()

    def started(self, queued_seconds: float) -> None:
        self.metrics.queue_latency.labels(self.name).observe(queued_seconds)

    def finished(self, work_seconds: float) -> None:
        self.metrics.queue_work.labels(self.name).observe(work_seconds)

    def retried(self) -> None:
        self.metrics.queue_retries.labels(self.name).inc()


class _QueueGauges:
    """workqueue_depth and friends, read from the queue at scrape time."""

    def __init__(self, name: str, stats: Callable[[], QueueStats]) -> None:
        self.name, self.stats = name, stats

    def collect(self) -> Any:
        stats = self.stats()
        for metric, value, help_text in (
            ("workqueue_depth", stats.depth, "Current depth of the work queue."),
            ("workqueue_unfinished_work_seconds", stats.unfinished_work_seconds, "Seconds of work in progress."),
            (
                "workqueue_longest_running_processor_seconds",
                stats.longest_running_seconds,
                "Longest running processor.",
            ),
        ):
            family = GaugeMetricFamily(metric, help_text, labels=["name"])
            family.add_metric([self.name], value)
            yield family


class _RolloutGauges:
    """rollout_info and rollout_info_replicas_*, computed from the informer cache at scrape time."""

    def __init__(self, rollouts: Callable[[], list[dict[str, Any]]]) -> None:
        self.rollouts = rollouts

    def collect(self) -> Any:
        info = GaugeMetricFamily(
            "rollout_info",
            "Information about a Rollout.",
            labels=["namespace", "name", "strategy", "traffic_router", "phase"],
        )
        replicas = {
            kind: GaugeMetricFamily(
                f"rollout_info_replicas_{kind}",
                f"The number of {kind} replicas per rollout.",
                labels=["namespace", "name"],
            )
            for kind in ("available", "unavailable", "desired", "updated")
        }
        for rollout in self.rollouts():
            metadata, spec, status = (
                rollout.get("metadata") or {},
                rollout.get("spec") or {},
                rollout.get("status") or {},
            )
            namespace, name = metadata.get("namespace", ""), metadata.get("name", "")
            strategy = spec.get("strategy") or {}
            kind = "blueGreen" if "blueGreen" in strategy else "canary" if "canary" in strategy else "none"
            routing = ((strategy.get("canary") or {}).get("trafficRouting") or {}).keys()
            info.add_metric([namespace, name, kind, ",".join(sorted(routing)), str(status.get("phase", ""))], 1)
            desired = spec.get("replicas", 1)
            available = status.get("availableReplicas") or 0
            replicas["available"].add_metric([namespace, name], available)
            replicas["unavailable"].add_metric([namespace, name], max((status.get("replicas") or 0) - available, 0))
            replicas["desired"].add_metric([namespace, name], desired)
            replicas["updated"].add_metric([namespace, name], status.get("updatedReplicas") or 0)
        yield info
        yield from replicas.values()
