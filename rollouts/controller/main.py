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
from rollouts.controller.app import RolloutController, Settings, rollout_selector
from rollouts.controller.endpoints import serve_healthz, serve_metrics
from rollouts.controller.experiments import ExperimentController
from rollouts.controller.metrics import ControllerMetrics
from rollouts.kube import errors
from rollouts.kube.client import Kube, Throttle
from rollouts.kube.informers import SharedInformers
from rollouts.kube.kubeconfig import connect
from rollouts.kube.leader import LeaderElector
from rollouts.machinery.clock import RealClock
from rollouts.notify.notifier import Notifier

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
    only_analysis: bool = False
    """Argo's `--controllers analysis`: run the AnalysisRun controller alone."""
    resync_seconds: float = 900.0
    leader_elect: bool = True
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    lease_namespace: str | None = None
    qps: float = 0.0
    """Client-side rate limit (0: none, so a burst of updates is never queued behind it; Argo's default is 40)."""
    burst: int = 80
    metrics_port: int = 8090
    healthz_port: int = 8080
    log_format: str = "text"
    log_level: str = "info"
    ignored_flags: tuple[str, ...] = ()
    """Argo flags that were given but change nothing here (named in one warning at start)."""


_SUBJECTS = {"analysisruns": "analysisrun", "experiments": "experiment", "rollouts": "rollout"}
"""Worker name → what its keys name, for lines the generic workers log with only a key."""


def _subject(record: logging.LogRecord) -> tuple[str, str] | None:
    """(kind, namespace/name) of what a log line is about, if anything."""
    for kind in ("rollout", "analysisrun", "experiment"):
        if value := getattr(record, kind, None):
            return kind, str(value)
    key = getattr(record, "key", None)
    return (_SUBJECTS.get(getattr(record, "controller", ""), "rollout"), str(key)) if key else None


class _TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        subject = _subject(record)
        where = f" {subject[0]}={subject[1]}" if subject else ""
        return (
            f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} {record.levelname.lower():<5}{where} {record.getMessage()}"
            + ("\n" + self.formatException(record.exc_info) if record.exc_info else "")
        )


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ"),
            "level": record.levelname.lower(),
            "msg": record.getMessage(),
            "logger": record.name,
        }
        if subject := _subject(record):
            namespace, _, name = subject[1].rpartition("/")
            entry.update({"namespace": namespace, subject[0]: name})
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
    return (
        options.lease_namespace
        or os.environ.get("POD_NAMESPACE")
        or options.namespace
        or context_namespace
        or "default"
    )


def run(options: Options) -> int:
    configure_logging(options.log_format, options.log_level)
    if options.ignored_flags:
        _log.warning("ignoring Argo Rollouts flags this controller does not use: %s", ", ".join(options.ignored_flags))
    try:
        connection = connect(options.kubeconfig, options.context)
    except errors.ApiError as error:
        _log.error("%s", error.message)
        return 1
    metrics = ControllerMetrics()
    # The Lease's client never waits out a Retry-After: the elector has its own retry period and renew deadline.
    elector = _elector(options, Kube(connection, on_request=metrics.on_request, retries=0), connection.namespace)
    gate = elector.fence.check if elector else None
    throttle = Throttle(options.qps, options.burst)
    kube = Kube(connection, on_request=metrics.on_request, write_gate=gate, throttle=throttle)
    namespace = options.namespace or (connection.namespace or "default" if options.namespaced else None)
    controllers = _controllers(options, kube, namespace, metrics)
    serve_metrics(metrics, options.metrics_port)
    serve_healthz(options.healthz_port)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    where = f"namespace {namespace}" if namespace else "all namespaces"
    _log.info("watching %s; instance id %r", where, options.instance_id)
    code = _lead_or_run(elector, controllers, stop)
    _log.info("shutting down")
    stop.set()
    controllers.stop()
    return code


def _controllers(options: Options, kube: Kube, namespace: str | None, metrics: ControllerMetrics) -> Controllers:
    clock = RealClock()
    informers = SharedInformers(kube, clock, namespace)  # one watch per kind, whichever controllers read it
    if options.only_analysis:
        return Controllers(_analysis(options, kube, clock, namespace, metrics, informers))
    settings = Settings(
        namespace=namespace,
        instance_id=options.instance_id,
        rollout_threads=options.rollout_threads,
        resync_seconds=options.resync_seconds,
    )
    rollouts = RolloutController(kube, settings, clock, metrics, informers)
    analysis = _analysis(options, kube, clock, namespace, metrics, informers)
    experiments = ExperimentController(
        kube,
        clock=clock,
        namespace=namespace,
        instance_id=options.instance_id,
        resync_seconds=options.resync_seconds,
        informers=informers,
    )
    notifier = Notifier(
        kube,
        clock,
        config_namespace=os.environ.get("POD_NAMESPACE") or namespace or kube.connection.namespace or "default",
        namespace=namespace,
        rollout_selector=rollout_selector(options.instance_id),
        registry=metrics.registry,
        informers=informers,
    )
    return Controllers(rollouts, analysis, experiments, notifier)


def _analysis(
    options: Options,
    kube: Kube,
    clock: RealClock,
    namespace: str | None,
    metrics: ControllerMetrics,
    informers: SharedInformers,
) -> AnalysisRunController:
    return AnalysisRunController(
        kube,
        clock=clock,
        namespace=namespace,
        instance_id=options.instance_id,
        workers=options.analysis_threads,
        metrics_registry=metrics.registry,
        informers=informers,
    )


class Controllers:
    """The Rollout, AnalysisRun and Experiment controllers and the notifier, started and stopped together (by the
    leader only)."""

    def __init__(
        self, *controllers: RolloutController | AnalysisRunController | ExperimentController | Notifier
    ) -> None:
        self.controllers = controllers

    def start(self, stop: threading.Event) -> None:
        for controller in self.controllers:
            if not stop.is_set():
                controller.start(stop)

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking keys and wait for the reconciles in flight (a fenced one fails at its next write)."""
        for controller in self.controllers:
            controller.stop(timeout)


def _elector(options: Options, kube: Kube, context_namespace: str | None) -> LeaderElector | None:
    if not options.leader_elect:
        return None
    return LeaderElector(
        kube,
        lease_namespace(options, context_namespace),
        LEASE_NAME + (f"-{options.instance_id}" if options.instance_id else ""),
        lease_duration=options.lease_duration,
        renew_deadline=options.renew_deadline,
        retry_period=options.retry_period,
    )


def _lead_or_run(elector: LeaderElector | None, controllers: Controllers, stop: threading.Event) -> int:
    """Run the controllers, as the leader when electing, until stopped. 1 when leadership was lost (the process then
    exits, as Argo's does, once the workers have drained: a fresh process campaigns again) or the start failed."""
    failed = threading.Event()

    def start() -> None:
        try:
            controllers.start(stop)
        except TimeoutError as error:  # informers that never synced (e.g. forbidden): say why, not a traceback
            _log.error("%s", error)
            failed.set()
            stop.set()

    if elector is None:
        start()
        stop.wait()
        return 1 if failed.is_set() else 0
    _log.info("leader election on Lease %s/%s as %s", elector.namespace, elector.name, elector.identity)
    lost = elector.run(stop, on_started_leading=start, on_stopped_leading=controllers.stop)
    return 1 if lost or failed.is_set() else 0
