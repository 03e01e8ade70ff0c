"""Clocks: FakeClock moves only on advance()/set() and wakes waiters; RealClock reads the system.

Excluded: the accuracy of the system clock.
"""

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from rollouts.machinery import clock as clocks


def test_fake_clock_starts_at_an_aware_utc_time(clock: clocks.FakeClock) -> None:
    assert clock.now().tzinfo is UTC
    assert clock.monotonic() == 0.0


def test_advance_moves_wall_and_monotonic_time_together(clock: clocks.FakeClock) -> None:
    start = clock.now()
    clock.advance(90)
    assert clock.now() - start == timedelta(seconds=90)
    assert clock.monotonic() == 90.0


def test_set_jumps_wall_time_only(clock: clocks.FakeClock) -> None:
    clock.set(datetime(2030, 6, 1, 12, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2030, 6, 1, 10, tzinfo=UTC)
    assert clock.now().tzinfo is UTC
    assert clock.monotonic() == 0.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda c: c.advance(-1), "only moves forward", id="advance-backwards"),
        pytest.param(lambda c: c.set(datetime(2030, 1, 1)), "aware", id="set-naive"),
        pytest.param(lambda c: clocks.FakeClock(datetime(2030, 1, 1)), "aware", id="start-naive"),
    ],
)
def test_fake_clock_rejects(call, message: str, clock: clocks.FakeClock) -> None:
    with pytest.raises(ValueError, match=message):
        call(clock)


def test_sleep_ends_when_time_is_advanced_past_it(clock: clocks.FakeClock) -> None:
    never = threading.Event()
    results: list[bool] = []
    sleeper = threading.Thread(target=lambda: results.append(clock.sleep(5, never)))
    sleeper.start()
    assert clock.wait_for_waiters(1)
    clock.advance(4)
    assert sleeper.is_alive()
    clock.advance(1)
    sleeper.join(2)
    assert results == [False]


def test_sleep_ends_early_when_stopped(clock: clocks.FakeClock, stop: threading.Event) -> None:
    results: list[bool] = []
    sleeper = threading.Thread(target=lambda: results.append(clock.sleep(3600, stop)))
    sleeper.start()
    assert clock.wait_for_waiters(1)
    stop.set()
    sleeper.join(2)
    assert results == [True]


def test_wait_returns_once_advance_reaches_the_deadline(clock: clocks.FakeClock) -> None:
    cond = threading.Condition()
    woke = threading.Event()

    def waiter() -> None:
        with cond:
            while clock.monotonic() < 10:
                clock.wait(cond, 10)
        woke.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    assert clock.wait_for_waiters(1)
    clock.advance(10)
    assert woke.wait(2)
    thread.join(2)


def test_wait_past_deadline_returns_at_once(clock: clocks.FakeClock) -> None:
    clock.advance(5)
    cond = threading.Condition()
    with cond:
        clock.wait(cond, 5)  # would hang if the deadline were not checked first


def test_real_clock_is_aware_utc_and_monotonic() -> None:
    real = clocks.RealClock()
    assert real.now().tzinfo is UTC
    first = real.monotonic()
    assert real.monotonic() >= first
    assert real.sleep(0, threading.Event()) is False
