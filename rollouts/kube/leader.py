"""Leader election on a coordination.k8s.io Lease, with client-go's semantics, and the fence that goes with it.

The holder renews `renewTime` every retry period. Another candidate takes the Lease over only once
`renewTime + leaseDurationSeconds` has passed. A leader that cannot renew within the renew deadline steps down.
Writes carry the resourceVersion read, so two candidates can never both win the same round.

The `Fence` is what makes stepping down safe: every write of the controller's `Kube` passes it, and it opens only
until `renew_deadline` after the start of the last successful renewal, on the monotonic clock. A leader frozen
past its lease (SIGSTOP, a long GC pause, a stalled VM) wakes up with the fence already closed, before any thread
has had a chance to notice, so it sends nothing while another process may lead.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
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


class Fence:
    """Lets writes through only while the Lease is surely ours. Closed until the first renewal."""

    def __init__(self, renew_deadline: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.renew_deadline = renew_deadline
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._open_until = float("-inf")

    def renewed(self, started: float) -> None:
        """A renewal that began at monotonic time `started` succeeded (counted from its start: the server may have
        stored it at once, however late the answer came back)."""
        with self._lock:
            self._open_until = max(self._open_until, started + self.renew_deadline)

    def close(self) -> None:
        with self._lock:
            self._open_until = float("-inf")

    def is_open(self) -> bool:
        with self._lock:
            return self._monotonic() < self._open_until

    def check(self) -> None:
        """The write gate: raise `NotLeader` unless the fence is open."""
        if not self.is_open():
            raise errors.NotLeader(0, "NotLeader", "write not sent: this process does not hold the leader Lease")


@dataclass
class LeaderElector:
    kube: Kube
    """A client without the fence: the Lease itself must be writable to win it back."""
    namespace: str
    name: str
    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0
    identity: str = field(default_factory=lambda: f"{socket.gethostname()}_{uuid.uuid4()}")
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    monotonic: Callable[[], float] = time.monotonic
    fence: Fence = field(init=False)

    def __post_init__(self) -> None:
        self.fence = Fence(self.renew_deadline, self.monotonic)

    def run(
        self, stop: threading.Event, on_started_leading: Callable[[], None], on_stopped_leading: Callable[[], None]
    ) -> bool:
        """Block: campaign until elected, then lead until `stop` is set or leadership is lost (returns True then).

        `on_started_leading` runs on a thread of its own, so a slow start never holds up renewals.
        `on_stopped_leading` must stop and drain the workers: after losing the Lease it runs with the fence closed;
        on `stop` it runs before the Lease is released, so no write of ours can follow a successor's.
        """
        while not stop.is_set():
            if self._renew():
                break
            stop.wait(self.retry_period)
        if stop.is_set():
            self.release()
            return False
        _log.info("became leader: Lease %s/%s held by %s", self.namespace, self.name, self.identity)
        threading.Thread(target=on_started_leading, name="leader-start", daemon=True).start()
        while not stop.wait(self.retry_period):
            if not self.fence.is_open():
                # No renewal within the deadline (failures, or this process slept past it): a successor may lead
                # already, so step down before trying again.
                self._step_down(on_stopped_leading)
                return True
            self._renew()
        on_stopped_leading()
        self.fence.close()
        self.release()
        return False

    def _step_down(self, on_stopped_leading: Callable[[], None]) -> None:
        self.fence.close()
        _log.error(
            "lost leadership of Lease %s/%s: no renewal within %.1fs", self.namespace, self.name, self.renew_deadline
        )
        on_stopped_leading()

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

    def _renew(self) -> bool:
        """Acquire or renew the Lease; on success, open the fence from the moment the attempt began."""
        started = self.monotonic()
        if not self._try_acquire_or_renew():
            return False
        self.fence.renewed(started)
        return True

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
            "leaseDurationSeconds": max(1, round(self.lease_duration)),
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
                "leaseDurationSeconds": max(1, round(self.lease_duration)),
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
