"""Leader election on a coordination.k8s.io Lease, with client-go's semantics.

The holder renews `renewTime` every retry period. Another candidate takes the Lease over only once
`renewTime + leaseDurationSeconds` has passed. A leader that cannot renew within the renew deadline steps down.
Writes carry the resourceVersion read, so two candidates can never both win the same round.
"""

from __future__ import annotations

import logging
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from rollouts.kube import errors, resources
from rollouts.kube.client import Kube

_log = logging.getLogger(__name__)


def _micro(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass
class LeaderElector:
    kube: Kube
    namespace: str
    name: str
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    identity: str = field(default_factory=lambda: f"{socket.gethostname()}_{uuid.uuid4()}")
    now: Callable[[], datetime] = lambda: datetime.now(UTC)

    def run(self, stop: threading.Event, on_started_leading: Callable[[], None], on_stopped_leading: Callable[[], None]) -> None:
        """Block: campaign until elected, lead while renewals succeed, return when stopped or when leadership is lost."""
        while not stop.is_set():
            if self._try_acquire_or_renew():
                break
            stop.wait(self.retry_period)
        if stop.is_set():
            return
        _log.info("became leader: Lease %s/%s held by %s", self.namespace, self.name, self.identity)
        on_started_leading()
        last_renewed = self.now()
        while not stop.wait(self.retry_period):
            if self._try_acquire_or_renew():
                last_renewed = self.now()
            elif (self.now() - last_renewed).total_seconds() > self.renew_deadline:
                _log.error("lost leadership of Lease %s/%s", self.namespace, self.name)
                on_stopped_leading()
                return
        self.release()

    def release(self) -> None:
        """Give the Lease up so a standby takes over at once instead of waiting out the lease duration."""
        try:
            lease = self.kube.get(resources.LEASES, self.namespace, self.name)
            if (lease.get("spec") or {}).get("holderIdentity") != self.identity:
                return
            lease["spec"] = {**lease["spec"], "holderIdentity": "", "leaseDurationSeconds": 1}
            self.kube.replace(resources.LEASES, self.namespace, self.name, lease)
            _log.info("released Lease %s/%s", self.namespace, self.name)
        except errors.ApiError as error:
            _log.warning("could not release Lease %s/%s: %s", self.namespace, self.name, error)

    def _try_acquire_or_renew(self) -> bool:
        now = self.now()
        try:
            lease = self.kube.get(resources.LEASES, self.namespace, self.name)
        except errors.NotFound:
            return self._create(now)
        except errors.ApiError as error:
            _log.warning("cannot read Lease %s/%s: %s", self.namespace, self.name, error)
            return False
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity") or ""
        if holder and holder != self.identity:
            renewed = _parse(spec.get("renewTime")) or _parse(spec.get("acquireTime"))
            duration = float(spec.get("leaseDurationSeconds") or self.lease_duration)
            if renewed is not None and renewed + timedelta(seconds=duration) > now:
                return False  # someone else holds a live lease
        new_spec = {
            **spec,
            "holderIdentity": self.identity,
            "leaseDurationSeconds": int(self.lease_duration),
            "renewTime": _micro(now),
        }
        if holder != self.identity:
            new_spec["acquireTime"] = _micro(now)
            new_spec["leaseTransitions"] = int(spec.get("leaseTransitions") or 0) + 1
        try:
            self.kube.replace(resources.LEASES, self.namespace, self.name, {**lease, "spec": new_spec})
            return True
        except errors.Conflict:
            return False  # another candidate wrote first; try again next round
        except errors.ApiError as error:
            _log.warning("cannot update Lease %s/%s: %s", self.namespace, self.name, error)
            return False

    def _create(self, now: datetime) -> bool:
        body = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": {
                "holderIdentity": self.identity,
                "leaseDurationSeconds": int(self.lease_duration),
                "acquireTime": _micro(now),
                "renewTime": _micro(now),
                "leaseTransitions": 0,
            },
        }
        try:
            self.kube.create(resources.LEASES, self.namespace, body)
            return True
        except errors.AlreadyExists:
            return False
        except errors.ApiError as error:
            _log.warning("cannot create Lease %s/%s: %s", self.namespace, self.name, error)
            return False
