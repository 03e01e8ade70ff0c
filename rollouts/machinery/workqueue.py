"""Hold the keys that need reconciling, and never hand one key to two workers at once.

The semantics are client-go's work queue, rebuilt from its contract:

* Adding a key that is already waiting does nothing. Ten events for one object cost one
  reconcile, because the reconciler reads the current state, not the event.
* A key that is added while a worker holds it is marked *dirty* and goes back in line
  when that worker calls `done()`. Two workers never reconcile the same object at once.
* `add_after()` books a wake-up on a heap; blocked `get()` calls sleep on a condition
  variable until the earliest deadline. There are no timer threads.
* `add_rate_limited()` retries a failing key with per-key exponential backoff
  (5 ms, 10 ms, 20 ms, ... capped at `max_delay`) until `forget()` resets it.

This module knows nothing about Kubernetes; keys are any hashable value.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from rollouts.machinery.clock import Clock

__all__ = ["NopQueueMetrics", "QueueMetrics", "QueueStats", "WorkQueue"]

K = TypeVar("K", bound=Hashable)

_MAX_DOUBLINGS = 64  # 5 ms * 2**64 is far past any cap; stops the float from overflowing


class QueueMetrics(Protocol):
    """Event hooks for workqueue_* metrics. Called with the queue's lock held: keep them cheap.

    Gauges (depth, unfinished work, longest running processor) are pulled with `WorkQueue.stats()`.
    """

    def added(self) -> None:
        """A key entered the queue (adds that collapse into a waiting duplicate are not counted)."""
        ...

    def started(self, queued_seconds: float) -> None:
        """A worker took a key that had waited `queued_seconds` since it was added."""
        ...

    def finished(self, work_seconds: float) -> None:
        """A worker called `done()` on a key it had held for `work_seconds`."""
        ...

    def retried(self) -> None:
        """`add_rate_limited()` scheduled a retry."""
        ...


class NopQueueMetrics:
    """Records nothing."""

    def added(self) -> None:
        pass

    def started(self, queued_seconds: float) -> None:
        pass

    def finished(self, work_seconds: float) -> None:
        pass

    def retried(self) -> None:
        pass


_NOP_METRICS = NopQueueMetrics()  # stateless, so one shared default is safe


@dataclass(frozen=True)
class QueueStats:
    """A snapshot for gauges."""

    depth: int
    """Keys ready for a worker."""
    delayed: int
    """Keys waiting for an `add_after()` deadline."""
    in_flight: int
    """Keys held by workers."""
    unfinished_work_seconds: float
    """How long all in-flight keys have been held, summed. Grows when a worker is stuck."""
    longest_running_seconds: float
    """How long the oldest in-flight key has been held."""


class WorkQueue(Generic[K]):
    """A thread-safe, rate-limited, delaying queue of keys. See the module docstring."""

    def __init__(
        self,
        *,
        clock: Clock,
        metrics: QueueMetrics = _NOP_METRICS,
        base_delay: float = 0.005,
        max_delay: float = 10.0,
    ) -> None:
        if not 0 < base_delay <= max_delay:
            raise ValueError(f"need 0 < base_delay <= max_delay, got {base_delay} and {max_delay}")
        self._clock = clock
        self._metrics = metrics
        self._base_delay = base_delay
        self._max_delay = max_delay

        lock = threading.Lock()
        self._cond = threading.Condition(lock)
        """Wakes get(): a key is ready, a delayed deadline moved earlier, or shutdown began."""
        self._idle = threading.Condition(lock)
        """Wakes shutdown(drain=True): the last queued or in-flight key finished."""

        self._ready: deque[K] = deque()
        """The order in which workers get keys. Every key here is dirty and not processing."""
        self._dirty: set[K] = set()
        """Keys that need a reconcile: ready ones, plus processing ones that were re-added."""
        self._processing: dict[K, float] = {}
        """Keys held by a worker, with the monotonic time it took them. May also be dirty."""
        self._added_at: dict[K, float] = {}
        """When each dirty key was added, for the queue-duration metric."""

        self._delayed: list[tuple[float, int, K]] = []
        """Heap of (ready_at, seq, key). Superseded entries stay until popped, then are skipped."""
        self._booked: dict[K, tuple[float, int]] = {}
        """The one live (ready_at, seq) per delayed key; heap entries that differ are stale."""
        self._seq = itertools.count()

        self._failures: dict[K, int] = {}
        self._shutting_down = False
        self._draining = False

    def add(self, key: K) -> None:
        """Queue `key` for a worker now. Duplicates collapse."""
        with self._cond:
            # Once shutdown starts nobody will process new work, so don't accept it.
            if self._shutting_down:
                return
            self._add(key)

    def add_after(self, key: K, seconds: float) -> None:
        """Queue `key` once `seconds` have passed. If the key is already booked earlier, the earlier time wins."""
        with self._cond:
            if self._shutting_down:
                return
            # Nothing to wait for: skip the heap so the key is visible to get() at once.
            if seconds <= 0:
                self._add(key)
                return
            self._book(key, seconds)

    def add_rate_limited(self, key: K, *, at_least: float = 0.0) -> float:
        """Queue `key` after its backoff delay (or `at_least` seconds, if longer: a server's Retry-After), and double
        that delay for the next failure. Returns the delay booked."""
        with self._cond:
            if self._shutting_down:
                return 0.0
            # Back off per key: one broken object must not hot-loop a worker or starve the others.
            failures = self._failures.get(key, 0)
            self._failures[key] = failures + 1
            self._metrics.retried()
            delay = max(self._backoff(failures), at_least)
            self._book(key, delay)
            return delay

    def forget(self, key: K) -> None:
        """Reset `key`'s backoff, after a success or when retrying is pointless. Does not dequeue it."""
        with self._cond:
            # The next failure is a new streak and should start from the base delay again.
            self._failures.pop(key, None)

    def num_requeues(self, key: K) -> int:
        """How many `add_rate_limited()` calls since the last `forget()`."""
        with self._cond:
            return self._failures.get(key, 0)

    def get(self, timeout: float | None = None) -> K | None:
        """Block until a key is ready and hand it to the caller, who must call `done()` on it.

        Returns None when `timeout` (clock seconds) passes, or when the queue is shut down
        and there is nothing left for this caller to do.
        """
        with self._cond:
            deadline = None if timeout is None else self._clock.monotonic() + timeout
            while True:
                self._promote_due()
                if self._ready:
                    break
                # Shutting down: leave now, unless draining and an in-flight key may yet come back dirty.
                if self._shutting_down and not (self._draining and self._processing):
                    return None
                if deadline is not None and self._clock.monotonic() >= deadline:
                    return None
                self._clock.wait(self._cond, _earliest(deadline, self._next_due()))
            key = self._ready.popleft()
            # Not dirty any more: an add() from here on means "changed again" and must queue it once more.
            self._dirty.discard(key)
            # Processing: until done(), another add() only marks the key dirty, so no second worker gets it.
            now = self._clock.monotonic()
            self._processing[key] = now
            self._metrics.started(now - self._added_at.pop(key, now))
            return key

    def done(self, key: K) -> None:
        """Release `key` after processing it. If it was re-added meanwhile, it goes back in line now."""
        with self._cond:
            started = self._processing.pop(key, None)
            # Never handed out (or already released): there is nothing to release.
            if started is None:
                return
            self._metrics.finished(self._clock.monotonic() - started)
            if key in self._dirty:
                if self._shutting_down and not self._draining:
                    # Shut down without drain: the re-add is dropped with the rest of the backlog.
                    self._dirty.discard(key)
                    self._added_at.pop(key, None)
                else:
                    # Re-added while we held it: its turn is now, and it is still never run twice at once.
                    self._ready.append(key)
                    self._cond.notify()
            if self._shutting_down and not self._ready and not self._processing:
                # The last piece of work finished: release drain waiters and draining get() calls.
                self._idle.notify_all()
                self._cond.notify_all()

    def shutdown(self, *, drain: bool = False, timeout: float | None = None) -> bool:
        """Stop accepting keys and wake every blocked `get()`. Delayed keys are dropped.

        drain=False: queued keys are dropped too; `get()` returns None at once. Returns at once.
        drain=True: workers keep getting the already-queued keys (and dirty re-adds); blocks
        until nothing is queued or in flight, or until `timeout` clock seconds pass.
        Returns True if nothing is queued or in flight on return.
        """
        with self._cond:
            self._shutting_down = True
            self._draining = drain
            # Delayed keys are future work; the next start relists everything anyway.
            self._delayed.clear()
            self._booked.clear()
            if not drain:
                self._ready.clear()
                self._dirty.clear()
                self._added_at.clear()
            # Every blocked get() must re-check: it now either returns None or drains.
            self._cond.notify_all()
            if not drain:
                return not self._processing
            deadline = None if timeout is None else self._clock.monotonic() + timeout
            while self._ready or self._processing:
                if deadline is not None and self._clock.monotonic() >= deadline:
                    return False
                self._clock.wait(self._idle, deadline)
            return True

    def __len__(self) -> int:
        """Keys ready for a worker now (not the delayed or in-flight ones)."""
        with self._cond:
            self._promote_due()
            return len(self._ready)

    def stats(self) -> QueueStats:
        """A snapshot for the workqueue_* gauges."""
        with self._cond:
            self._promote_due()
            now = self._clock.monotonic()
            ages = [now - started for started in self._processing.values()]
            return QueueStats(
                depth=len(self._ready),
                delayed=len(self._booked),
                in_flight=len(self._processing),
                unfinished_work_seconds=sum(ages),
                longest_running_seconds=max(ages, default=0.0),
            )

    # Everything below runs with the lock held.

    def _add(self, key: K) -> None:
        # Already dirty: it is queued, or will be re-queued on done(); either way one reconcile
        # will read the latest state, so a second entry would be wasted work.
        if key in self._dirty:
            return
        self._dirty.add(key)
        self._added_at[key] = self._clock.monotonic()
        self._metrics.added()
        # A worker holds it: done() will put it back in line, so the two never overlap.
        if key in self._processing:
            return
        self._ready.append(key)
        self._cond.notify()

    def _book(self, key: K, seconds: float) -> None:
        ready_at = self._clock.monotonic() + seconds
        booked = self._booked.get(key)
        # An earlier wake-up is already booked; that reconcile will ask again if it still needs this one.
        if booked is not None and booked[0] <= ready_at:
            return
        seq = next(self._seq)
        self._booked[key] = (ready_at, seq)
        heapq.heappush(self._delayed, (ready_at, seq, key))
        # A blocked get() may be sleeping past this new deadline; wake them all to re-aim.
        self._cond.notify_all()

    def _promote_due(self) -> None:
        now = self._clock.monotonic()
        while self._delayed and self._delayed[0][0] <= now:
            ready_at, seq, key = heapq.heappop(self._delayed)
            # Superseded by an earlier booking (already promoted or still pending): skip.
            if self._booked.get(key) != (ready_at, seq):
                continue
            del self._booked[key]
            self._add(key)

    def _next_due(self) -> float | None:
        return self._delayed[0][0] if self._delayed else None

    def _backoff(self, failures: int) -> float:
        return min(self._max_delay, self._base_delay * 2.0 ** min(failures, _MAX_DOUBLINGS))


def _earliest(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)
