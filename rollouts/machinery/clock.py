"""Tell time and wait for it. The only module allowed to read the system clock or sleep.

Everything else in the controller takes a `Clock`, so tests can swap in a `FakeClock`
and move time forward by hand instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "FakeClock", "RealClock"]

_FAKE_START = datetime(2025, 1, 1, tzinfo=UTC)


class Clock(Protocol):
    """Wall time for status fields, monotonic time for deadlines, and ways to wait on either."""

    def now(self) -> datetime:
        """Current wall time as an aware UTC datetime (it may jump; never use it for deadlines)."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes backwards; only differences are meaningful."""
        ...

    def wait(self, cond: threading.Condition, deadline: float | None) -> None:
        """Block on `cond` (held by the caller) until notified or `monotonic()` reaches `deadline`."""
        ...

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        """Sleep up to `seconds`, ending early once `stop` is set; return whether `stop` is set."""
        ...


class RealClock:
    """The system clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, cond: threading.Condition, deadline: float | None) -> None:
        if deadline is None:
            cond.wait()
        else:
            cond.wait(max(0.0, deadline - time.monotonic()))

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        return stop.wait(max(0.0, seconds))


class FakeClock:
    """A clock that moves only when a test calls `advance()`.

    Threads blocked in `wait()` or `sleep()` wake as soon as `advance()` reaches their deadline,
    so time-based behaviour is tested without real sleeps. `wait_for_waiters()` lets a test
    hold off advancing until the code under test is actually waiting.
    """

    def __init__(self, start: datetime = _FAKE_START) -> None:
        if start.tzinfo is None:
            raise ValueError(f"FakeClock needs an aware datetime, got naive {start!r}")
        self._changed = threading.Condition()
        self._wall = start.astimezone(UTC)
        self._mono = 0.0
        self._waiting_conds: list[threading.Condition] = []
        self._waiters = 0

    def now(self) -> datetime:
        with self._changed:
            return self._wall

    def monotonic(self) -> float:
        with self._changed:
            return self._mono

    def advance(self, seconds: float) -> None:
        """Move wall and monotonic time forward together and wake every waiter to re-check."""
        if seconds < 0:
            raise ValueError(f"time only moves forward, got advance({seconds})")
        with self._changed:
            self._wall += timedelta(seconds=seconds)
            self._mono += seconds
            conds = list({id(c): c for c in self._waiting_conds}.values())
            self._changed.notify_all()
        # Notify outside our own lock: waiters hold their condition while they take ours.
        for cond in conds:
            with cond:
                cond.notify_all()

    def set(self, when: datetime) -> None:
        """Jump the wall clock to `when` (either direction); monotonic time is untouched, as in real life."""
        if when.tzinfo is None:
            raise ValueError(f"FakeClock needs an aware datetime, got naive {when!r}")
        with self._changed:
            self._wall = when.astimezone(UTC)

    def wait(self, cond: threading.Condition, deadline: float | None) -> None:
        # The deadline check and the registration happen under our lock, and the caller holds
        # `cond` until cond.wait() releases it, so an advance() can never slip in unseen.
        with self._changed:
            if deadline is not None and self._mono >= deadline:
                return
            self._waiting_conds.append(cond)
            self._waiters += 1
            self._changed.notify_all()
        try:
            cond.wait()
        finally:
            with self._changed:
                self._waiting_conds.remove(cond)
                self._waiters -= 1
                self._changed.notify_all()

    def sleep(self, seconds: float, stop: threading.Event) -> bool:
        with self._changed:
            deadline = self._mono + seconds
            self._waiters += 1
            self._changed.notify_all()
            try:
                while self._mono < deadline and not stop.is_set():
                    # advance() notifies at once; the short real timeout is only there to notice `stop`.
                    self._changed.wait(0.01)
            finally:
                self._waiters -= 1
                self._changed.notify_all()
        return stop.is_set()

    def wait_for_waiters(self, count: int = 1, timeout: float = 2.0) -> bool:
        """Block (real time, bounded) until at least `count` threads are in `wait()` or `sleep()`."""
        with self._changed:
            return self._changed.wait_for(lambda: self._waiters >= count, timeout)
