"""Informers for an API the cluster may serve or not (a third-party CRD), started and stopped as it comes and goes.

A probe asks whether the API is served. When it appears, fresh informers are made, started on their own stop
event and waited for; only once they have listed are they published and `on_change` told, so a reader never
takes a cache that is still filling for the truth. When the API disappears they are stopped and unpublished
first. The probe runs on a timer whose interval the owner may change at any time (short while something waits for
the API, long otherwise). A failing probe means "no change": a flaky API server must not tear caches down.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from rollouts.machinery.clock import Clock
from rollouts.machinery.informer import Informer, wait_for_all

__all__ = ["OptionalInformers"]

_log = logging.getLogger(__name__)

_SYNC_TIMEOUT_SECONDS = 30.0
_TICK_SECONDS = 0.5


class OptionalInformers:
    def __init__(
        self,
        name: str,
        *,
        served: Callable[[], bool | None],
        make: Callable[[], tuple[Informer, ...]],
        on_change: Callable[[tuple[Informer, ...] | None], None],
        interval: Callable[[], float],
        clock: Clock,
    ) -> None:
        """`served` returns None when it cannot tell; `make` builds informers with their handlers added."""
        self.name = name
        self._served, self._make, self._on_change, self._interval, self._clock = (
            served,
            make,
            on_change,
            interval,
            clock,
        )
        self._running: tuple[tuple[Informer, ...], threading.Event] | None = None

    @property
    def informers(self) -> tuple[Informer, ...] | None:
        """The published informers (all listed), or None while the API is not served."""
        running = self._running
        return running[0] if running is not None else None

    def probe(self, stop: threading.Event) -> None:
        """Check once; start or stop the informers if the API came or went."""
        served = self._served()
        if served is None or served == (self._running is not None):
            return
        if served:
            self._start(stop)
        else:
            self._stop()

    def start(self, stop: threading.Event) -> threading.Thread:
        """Probe now, then on a timer until `stop` is set (which also stops the informers)."""
        self.probe(stop)
        thread = threading.Thread(target=self._loop, args=(stop,), name=f"optional-{self.name}", daemon=True)
        thread.start()
        return thread

    def _loop(self, stop: threading.Event) -> None:
        # The interval is asked for on every tick, so a shorter one applies at once (not after a long sleep).
        last = self._clock.monotonic()
        while not self._clock.sleep(_TICK_SECONDS, stop):
            if self._clock.monotonic() - last >= self._interval():
                self.probe(stop)
                last = self._clock.monotonic()
        if self._running is not None:
            self._running[1].set()

    def _start(self, stop: threading.Event) -> None:
        informers, own_stop = self._make(), threading.Event()
        for informer in informers:
            informer.start(own_stop)
        try:
            synced = wait_for_all(informers, stop, _SYNC_TIMEOUT_SECONDS)
        except TimeoutError as error:
            _log.warning("%s: the API is served but its informers did not list (%s); retrying later", self.name, error)
            synced = False
        if not synced:
            own_stop.set()
            return
        self._running = (informers, own_stop)
        _log.info("%s: the API is served now; started %s", self.name, ", ".join(i.name for i in informers))
        self._on_change(informers)

    def _stop(self) -> None:
        assert self._running is not None
        informers, own_stop = self._running
        self._running = None
        own_stop.set()
        _log.info("%s: the API is no longer served; stopped %s", self.name, ", ".join(i.name for i in informers))
        self._on_change(None)
