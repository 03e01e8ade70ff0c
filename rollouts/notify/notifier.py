"""Deliver notifications off the reconcile path, once each, even across restarts.

Informers read the Events this controller records (on Rollouts and on AnalysisRuns), the Rollouts, the
AnalysisRuns and the notification ConfigMap and Secret. A change enqueues the Rollout's key on the notifier's own
queue; its workers work out what is still owed (rollouts.notify.deliveries), send it, and record the delivery keys
in the Rollout's `notified.notifications.argoproj.io` annotation. A failing receiver is retried with backoff, up to
`MAX_ATTEMPTS`, with a one-line warning each time; nothing here can slow a rollout down.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter

from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.kube.events import COMPONENT
from rollouts.kube.informers import SharedInformers
from rollouts.kube.resources import Resource
from rollouts.machinery.clock import Clock
from rollouts.machinery.controller import Controller, Result
from rollouts.machinery.informer import Informer, wait_for_all
from rollouts.machinery.keys import ObjectKey, key_of
from rollouts.machinery.workqueue import WorkQueue
from rollouts.notify import deliveries as plan
from rollouts.notify.config import CONFIG_MAP, SECRET, Config, parse_config
from rollouts.notify.send import send
from rollouts.notify.state import read_state, state_patch, updated_state

_log = logging.getLogger("rollouts.notify")
CONFIG_MAPS = Resource("", "v1", "configmaps", "ConfigMap")
MAX_ATTEMPTS = 5
ROLLOUT_INDEX = "rollout"


def involved_key(event: Mapping[str, Any]) -> list[str]:
    involved = event.get("involvedObject") or {}
    return [f"{involved.get('kind')}/{involved.get('namespace')}/{involved.get('name')}"]


def owner_rollout(obj: Mapping[str, Any]) -> list[str]:
    metadata = obj.get("metadata") or {}
    refs = [r for r in metadata.get("ownerReferences") or [] if r.get("kind") == "Rollout" and r.get("controller")]
    return [f"{metadata.get('namespace')}/{refs[0].get('name')}"] if refs else []


def _time(text: Any, fallback: datetime) -> datetime:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return fallback


class Notifier:
    """Started and stopped with the other controllers (by the leader only)."""

    def __init__(
        self,
        kube: Kube,
        clock: Clock,
        *,
        config_namespace: str,
        namespace: str | None,
        rollout_selector: str,
        registry: CollectorRegistry | None = None,
        informers: SharedInformers | None = None,
    ) -> None:
        self.kube, self.clock, self.config_namespace = kube, clock, config_namespace
        labels = ("namespace", "name", "type", "reason")  # Argo's labels: the event's type and reason
        registry = registry if registry is not None else CollectorRegistry()
        self.sent = Counter("notification_send_success", "Notifications delivered", labels, registry=registry)
        self.failed = Counter(
            "notification_send_error", "Notification deliveries that failed", labels, registry=registry
        )

        # The Rollouts and AnalysisRuns are the Rollout controller's own informers when it passes `informers`.
        shared = informers or SharedInformers(kube, clock, namespace)

        def informer(resource: Resource, **selection: Any) -> Informer:
            return shared.informer(resource, f"notify-{resource.plural}", **selection)

        config = {"namespace": config_namespace}
        self.config_map = informer(CONFIG_MAPS, field_selector=f"metadata.name={CONFIG_MAP}", **config)
        self.secret = informer(resources.SECRETS, field_selector=f"metadata.name={SECRET}", **config)
        self.events = informer(
            resources.EVENTS, field_selector=f"source={COMPONENT}", indexers={ROLLOUT_INDEX: involved_key}
        )
        self.rollouts = informer(resources.ROLLOUTS, label_selector=rollout_selector)
        self.runs = informer(
            resources.ANALYSIS_RUNS, label_selector=rollout_selector, indexers={ROLLOUT_INDEX: owner_rollout}
        )
        self.queue: WorkQueue[ObjectKey] = WorkQueue(clock=clock, base_delay=1.0, max_delay=60.0)
        self.workers = Controller("notifications", self.queue, self.deliver, workers=2, clock=clock)
        self._attempts: dict[str, int] = {}
        self._config: tuple[tuple[str, str], Config] | None = None
        self._wire()

    def _informers(self) -> tuple[Informer, ...]:
        return (self.config_map, self.secret, self.rollouts, self.runs, self.events)

    def _wire(self) -> None:
        def on_event(event: Mapping[str, Any]) -> None:
            involved = event.get("involvedObject") or {}
            key = ObjectKey(str(involved.get("namespace") or ""), str(involved.get("name") or ""))
            if involved.get("kind") == "Rollout":
                self.queue.add(key)
            elif involved.get("kind") == "AnalysisRun" and (run := self.runs.store.get(key)):
                self._enqueue_owner(run)

        self.events.add_handler(on_add=on_event, on_update=lambda _old, new: on_event(new))
        self.runs.add_handler(on_add=self._enqueue_owner, on_update=lambda _old, new: self._enqueue_owner(new))
        self.rollouts.add_handler(on_add=lambda rollout: self.queue.add(key_of(rollout)))

    def _enqueue_owner(self, run: Mapping[str, Any]) -> None:
        for owner in owner_rollout(run):
            self.queue.add(ObjectKey.parse(owner))

    def start(self, stop: threading.Event) -> None:
        for informer in self._informers():
            informer.start(stop)
        threading.Thread(target=self._start_workers, args=(stop,), name="notify-start", daemon=True).start()

    def _start_workers(self, stop: threading.Event) -> None:
        while not stop.is_set() and not wait_for_all(self._informers(), stop, 60.0):
            _log.warning(
                "notifications: informers not synced after 60s (RBAC for configmaps, secrets, events?); still trying"
            )
        if not stop.is_set():
            self.workers.start()
            _log.info("notifications started: config %s/%s", self.config_namespace, CONFIG_MAP)

    def stop(self, timeout: float = 30.0) -> None:
        self.workers.stop(timeout)

    def config(self) -> Config:
        """The parsed configuration, parsed again only when the ConfigMap or the Secret changed."""
        config_map = self.config_map.store.get(ObjectKey(self.config_namespace, CONFIG_MAP))
        secret = self.secret.store.get(ObjectKey(self.config_namespace, SECRET))
        versions = tuple(str(((o or {}).get("metadata") or {}).get("resourceVersion")) for o in (config_map, secret))
        if self._config is None or self._config[0] != versions:
            parsed = parse_config(config_map, secret)
            for problem in parsed.problems:
                _log.warning("notification config %s/%s: %s", self.config_namespace, CONFIG_MAP, problem)
            self._config = ((versions[0], versions[1]), parsed)
        return self._config[1]

    def occurrences(self, key: ObjectKey) -> list[plan.Occurrence]:
        """The Events recorded on the Rollout and on its AnalysisRuns, and its runs that are running."""
        now = self.clock.now()
        found: list[plan.Occurrence] = []
        runs = self.runs.store.by_index(ROLLOUT_INDEX, str(key))
        involved = [f"Rollout/{key}"] + [
            f"AnalysisRun/{key.namespace}/{(r.get('metadata') or {}).get('name')}" for r in runs
        ]
        for name in involved:
            for event in self.events.store.by_index(ROLLOUT_INDEX, name):
                at = _time(event.get("lastTimestamp") or event.get("eventTime") or event.get("firstTimestamp"), now)
                event_name = str((event.get("metadata") or {}).get("name"))
                kind = str(event.get("type") or "Normal")
                found.append(plan.Occurrence(event_name, str(event.get("reason")), at, kind))
        for run in runs:
            metadata, status = run.get("metadata") or {}, run.get("status") or {}
            if status.get("phase") == "Running":
                at = _time(status.get("startedAt") or metadata.get("creationTimestamp"), now)
                found.append(plan.Occurrence(f"{metadata.get('uid')}.Running", "AnalysisRunRunning", at))
        return found

    def deliver(self, key: ObjectKey) -> Result | None:
        rollout = self.rollouts.store.get(key)
        if rollout is None:
            return None
        config = self.config()
        if not config.triggers:
            return None  # no trigger is configured: no Event of this Rollout can be owed to anyone
        now = self.clock.now()
        state = read_state(rollout)
        owed, problems = plan.owed(self.occurrences(key), rollout, config, state, now)
        for problem in problems:
            _log.warning("notifications for %s: %s", key, problem)
        retry = 0
        for delivery in owed:
            done, attempts = self._send(key, delivery)
            retry = max(retry, attempts)
            # Recorded at once, not after the batch: a restart right after a send must not send it again.
            if done:
                state = updated_state(state, [delivery.key], now, plan.WINDOW_SECONDS)
                if not self._record(key, state):
                    return Result(requeue_after=5.0)
        return Result(requeue_after=min(60.0, 2.0**retry)) if retry else None

    def _send(self, key: ObjectKey, delivery: plan.Delivery) -> tuple[bool, int]:
        """Whether `delivery` is done (sent, or given up), and the failed attempts to retry it after."""
        cause = send(delivery.request) if delivery.request is not None else delivery.problem
        where = f"{delivery.trigger} to {delivery.destination.service}:{delivery.destination.recipient} for {key}"
        labels = (key.namespace, key.name, delivery.occurrence.type, delivery.occurrence.reason)
        if cause is None:
            _log.info("notified %s", where, extra={"rollout": str(key)})
            self.sent.labels(*labels).inc()
            self._attempts.pop(delivery.key, None)
            return True, 0
        self.failed.labels(*labels).inc()
        attempts = self._attempts.get(delivery.key, 0) + 1
        final = delivery.request is None or attempts >= MAX_ATTEMPTS
        outcome = "; giving up" if final else f"; retrying (attempt {attempts})"
        _log.warning("notification %s failed (service %s): %s%s", where, delivery.destination.service, cause, outcome)
        if final:
            self._attempts.pop(delivery.key, None)
            return True, 0
        self._attempts[delivery.key] = attempts
        return False, attempts

    def _record(self, key: ObjectKey, state: Mapping[str, int]) -> bool:
        """Store the delivery state on the Rollout; False (after a one-line warning) when the API refused."""
        try:
            self.rollouts.store.write_back(
                self.kube.patch(resources.ROLLOUTS, key.namespace, key.name, state_patch(state))
            )
        except errors.NotFound:
            return True
        except errors.ApiError as error:
            _log.warning("notifications for %s: cannot record delivery state: %s; will retry", key, error.message)
            return False
        return True
