"""`rollouts controller`: configuration, logging, leader election, signals. Starts `RolloutController`."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass

from analysis.controller import AnalysisRunController
from rollouts.controller.app import RolloutController, Settings, serve_healthz, serve_metrics
from rollouts.controller.metrics import ControllerMetrics
from rollouts.kube import errors
from rollouts.kube.client import Kube, connect
from rollouts.kube.leader import LeaderElector
from rollouts.machinery.clock import RealClock

_log = logging.getLogger("rollouts.controller")
LEASE_NAME = "argo-rollouts-controller-lock"


@dataclass(frozen=True)
class Options:
    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    namespaced: bool = False
    instance_id: str = ""
    rollout_threads: int = 10
    analysis_threads: int = 30
    leader_elect: bool = True
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    lease_namespace: str | None = None
    metrics_port: int = 8090
    healthz_port: int = 8080
    log_format: str = "text"
    log_level: str = "info"


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        subject = getattr(record, "rollout", None) or getattr(record, "key", None)
        where = f" rollout={subject}" if subject else ""
        return f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} {record.levelname.lower():<5}{where} {record.getMessage()}" + (
            "\n" + self.formatException(record.exc_info) if record.exc_info else ""
        )


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ"), "level": record.levelname.lower(), "msg": record.getMessage(), "logger": record.name}
        subject = getattr(record, "rollout", None) or getattr(record, "key", None)
        if subject:
            namespace, _, name = str(subject).rpartition("/")
            entry.update(namespace=namespace, name=name)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(fmt: str, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter() if fmt == "json" else _TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def lease_namespace(options: Options, context_namespace: str | None) -> str:
    """POD_NAMESPACE in a cluster; else the watched namespace; else the kubeconfig's; else default."""
    return options.lease_namespace or os.environ.get("POD_NAMESPACE") or options.namespace or context_namespace or "default"


def run(options: Options) -> int:
    configure_logging(options.log_format, options.log_level)
    try:
        connection = connect(options.kubeconfig, options.context)
    except errors.ApiError as error:
        _log.error("%s", error.message)
        return 1
    metrics = ControllerMetrics()
    kube = Kube(connection, on_request=metrics.on_request)
    namespace = options.namespace or (connection.namespace or "default" if options.namespaced else None)
    settings = Settings(namespace=namespace, instance_id=options.instance_id, rollout_threads=options.rollout_threads)
    clock = RealClock()
    controller = Controllers(
        RolloutController(kube, settings, clock, metrics),
        AnalysisRunController(
            kube, clock=clock, namespace=namespace, instance_id=options.instance_id,
            workers=options.analysis_threads, metrics_registry=metrics.registry,
        ),
    )  # fmt: skip
    serve_metrics(metrics, options.metrics_port)
    serve_healthz(options.healthz_port)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    _log.info("watching %s; instance id %r", f"namespace {namespace}" if namespace else "all namespaces", options.instance_id)

    lost = threading.Event()
    try:
        _lead_or_run(options, kube, connection.namespace, controller, stop, lost)
    except TimeoutError as error:  # informers that never synced (e.g. forbidden): say why instead of a traceback
        _log.error("%s", error)
        stop.set()
        controller.stop()
        return 1
    _log.info("shutting down")
    stop.set()
    controller.stop()
    return 1 if lost.is_set() else 0


class Controllers:
    """The Rollout and AnalysisRun controllers, started and stopped together (by the leader only)."""

    def __init__(self, *controllers: RolloutController | AnalysisRunController) -> None:
        self.controllers = controllers

    def start(self, stop: threading.Event) -> None:
        for controller in self.controllers:
            if not stop.is_set():
                controller.start(stop)

    def stop(self, timeout: float = 30.0) -> None:
        for controller in self.controllers:
            controller.stop(timeout)


def _lead_or_run(options: Options, kube: Kube, context_namespace: str | None, controller: Controllers, stop: threading.Event, lost: threading.Event) -> None:
    if options.leader_elect:
        lock = LEASE_NAME + (f"-{options.instance_id}" if options.instance_id else "")
        elector = LeaderElector(
            kube, lease_namespace(options, context_namespace), lock,
            lease_duration=options.lease_duration, renew_deadline=options.renew_deadline, retry_period=options.retry_period,
        )  # fmt: skip
        _log.info("leader election on Lease %s/%s as %s", elector.namespace, elector.name, elector.identity)
        elector.run(stop, on_started_leading=lambda: controller.start(stop), on_stopped_leading=lost.set)
    else:
        controller.start(stop)
        stop.wait()
