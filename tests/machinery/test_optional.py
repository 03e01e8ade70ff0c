"""Optional informers follow their API as it comes and goes, on a fake clock.

Aspects: nothing starts while the API is not served; once served, informers are published only after they listed;
an API that goes away stops and unpublishes them; "cannot tell" changes nothing; a shorter interval applies at
once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from rollouts.machinery import clock as clocks
from rollouts.machinery.informer import Informer, WatchEvent
from rollouts.machinery.optional import OptionalInformers


class EmptyListWatch:
    """Lists nothing; its watch stays open until the informer is stopped."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop

    def list(self) -> tuple[list[dict[str, Any]], str]:
        return [], "1"

    def watch(self, resource_version: str, timeout_seconds: int) -> Iterator[WatchEvent]:
        self.stop.wait()
        return iter(())


class Harness:
    def __init__(self, clock: clocks.FakeClock) -> None:
        self.served: bool | None = False
        self.interval = 30.0
        self.changes: list[bool] = []
        self.made: list[Informer] = []
        self.clock = clock
        self.stops: list[threading.Event] = []

    def make(self) -> tuple[Informer, ...]:
        stop = threading.Event()
        self.stops.append(stop)
        informer = Informer(EmptyListWatch(stop), name=f"vs-{len(self.made)}", clock=self.clock)
        self.made.append(informer)
        return (informer,)

    def optional(self) -> OptionalInformers:
        return OptionalInformers(
            "istio",
            served=lambda: self.served,
            make=self.make,
            on_change=lambda informers: self.changes.append(informers is not None),
            interval=lambda: self.interval,
            clock=self.clock,
        )


def test_follows_the_api_as_it_comes_and_goes(clock: clocks.FakeClock, stop: threading.Event) -> None:
    harness = Harness(clock)
    optional = harness.optional()
    optional.probe(stop)
    assert (optional.informers, harness.made, harness.changes) == (None, [], [])

    harness.served = True
    optional.probe(stop)
    assert optional.informers == tuple(harness.made) and harness.made[0].has_synced()
    assert harness.changes == [True]

    harness.served = None  # cannot tell: keep what we have
    optional.probe(stop)
    assert optional.informers is not None and harness.changes == [True]

    harness.served = False
    optional.probe(stop)
    assert optional.informers is None and harness.changes == [True, False]

    harness.served = True
    optional.probe(stop)
    assert len(harness.made) == 2 and optional.informers == (harness.made[1],), "fresh informers, not the stopped ones"
    for event in harness.stops:
        event.set()


def test_a_shorter_interval_applies_at_once(clock: clocks.FakeClock, stop: threading.Event) -> None:
    harness = Harness(clock)
    optional = harness.optional()
    optional.start(stop)
    assert clock.wait_for_waiters()
    harness.served = True
    clock.advance(5)
    time.sleep(0.3)  # real time for the loop to wake and (wrongly) probe, if it would
    assert optional.informers is None, "the 30 s interval has not passed"

    harness.interval = 2.0
    clock.advance(0.5)
    deadline = time.monotonic() + 5
    while optional.informers is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert optional.informers is not None
    stop.set()
    for event in harness.stops:
        event.set()
