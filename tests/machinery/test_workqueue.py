"""WorkQueue semantics, mostly single-threaded with a FakeClock.

Aspects: duplicate adds collapse; a key held by a worker is never handed out again until done(),
and a re-add meanwhile queues it once on done(); add_after ordering and earliest-deadline-wins;
per-key exponential backoff, its cap, and forget(); blocking get() with timeouts and delayed keys;
shutdown with and without drain; metrics hooks and stats; a multi-threaded exclusivity stress test.
Excluded: real-time accuracy (the RealClock is only used by the stress test).
"""

import random
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from rollouts.machinery import clock as clocks
from rollouts.machinery import workqueue


@pytest.fixture
def queue(clock: clocks.FakeClock) -> workqueue.WorkQueue[str]:
    return workqueue.WorkQueue(clock=clock)


def drain_now(queue: workqueue.WorkQueue[str]) -> list[str]:
    """Take and release every key that is ready now, in order."""
    taken = []
    while (key := queue.get(timeout=0)) is not None:
        taken.append(key)
        queue.done(key)
    return taken


def take(queue: workqueue.WorkQueue[str]) -> str:
    """Take the next ready key, which the test knows is there."""
    key = queue.get(timeout=0)
    assert key is not None
    return key


def in_thread(func: Callable[..., Any], *args: Any) -> tuple[threading.Thread, list[Any]]:
    """Run func(*args) on a thread; return (thread, results list)."""
    results: list[Any] = []
    thread = threading.Thread(target=lambda: results.append(func(*args)), daemon=True)
    thread.start()
    return thread, results


# Duplicates and exclusivity


def test_duplicate_adds_collapse_and_order_is_kept(queue: workqueue.WorkQueue[str]) -> None:
    for key in ["a", "b", "a", "c", "b"]:
        queue.add(key)
    assert len(queue) == 3
    assert drain_now(queue) == ["a", "b", "c"]


def test_key_being_processed_is_not_handed_out_again(queue: workqueue.WorkQueue[str]) -> None:
    queue.add("a")
    assert queue.get(timeout=0) == "a"
    queue.add("a")
    assert len(queue) == 0
    assert queue.get(timeout=0) is None


def test_re_add_while_processing_is_queued_once_on_done(queue: workqueue.WorkQueue[str]) -> None:
    queue.add("a")
    key = take(queue)
    queue.add("a")
    queue.add("a")
    queue.done(key)
    assert drain_now(queue) == ["a"]


def test_key_not_re_added_is_gone_after_done(queue: workqueue.WorkQueue[str]) -> None:
    queue.add("a")
    queue.done(take(queue))
    assert len(queue) == 0


def test_done_on_a_key_never_handed_out_is_harmless(queue: workqueue.WorkQueue[str]) -> None:
    queue.add("a")
    queue.done("a")
    queue.done("zzz")
    assert drain_now(queue) == ["a"]


# Delays


def test_add_after_releases_keys_in_deadline_order(clock: clocks.FakeClock, queue: workqueue.WorkQueue[str]) -> None:
    queue.add_after("slow", 3)
    queue.add_after("fast", 1)
    queue.add_after("mid", 2)
    assert drain_now(queue) == []
    released = []
    for _ in range(3):
        clock.advance(1)
        released += drain_now(queue)
    assert released == ["fast", "mid", "slow"]


@pytest.mark.parametrize(
    ("first", "second"),
    [
        pytest.param(10, 2, id="earlier-second-replaces"),
        pytest.param(2, 10, id="later-second-ignored"),
    ],
)
def test_earlier_deadline_wins(
    clock: clocks.FakeClock, queue: workqueue.WorkQueue[str], first: float, second: float
) -> None:
    queue.add_after("a", first)
    queue.add_after("a", second)
    clock.advance(1.9)
    assert drain_now(queue) == []
    clock.advance(0.1)
    assert drain_now(queue) == ["a"]
    clock.advance(20)
    assert drain_now(queue) == [], "the superseded booking must not fire too"


@pytest.mark.parametrize("seconds", [pytest.param(0, id="zero"), pytest.param(-5, id="negative")])
def test_add_after_without_delay_is_an_add(queue: workqueue.WorkQueue[str], seconds: float) -> None:
    queue.add_after("a", seconds)
    assert drain_now(queue) == ["a"]


def test_delayed_key_that_is_already_queued_collapses(clock: clocks.FakeClock, queue: workqueue.WorkQueue[str]) -> None:
    queue.add_after("a", 1)
    queue.add("a")
    clock.advance(1)
    assert drain_now(queue) == ["a"]


def test_blocked_get_wakes_when_a_delayed_key_is_due(clock: clocks.FakeClock, queue: workqueue.WorkQueue[str]) -> None:
    thread, results = in_thread(queue.get)
    assert clock.wait_for_waiters(1)
    queue.add_after("a", 3)
    clock.advance(3)
    thread.join(2)
    assert results == ["a"]


def test_get_times_out_on_clock_time(clock: clocks.FakeClock, queue: workqueue.WorkQueue[str]) -> None:
    thread, results = in_thread(queue.get, 5)
    assert clock.wait_for_waiters(1)
    clock.advance(5)
    thread.join(2)
    assert results == [None]


# Backoff


@pytest.mark.parametrize(
    ("failures", "max_delay", "delay"),
    [
        pytest.param(0, 10.0, 0.005, id="first-5ms"),
        pytest.param(1, 10.0, 0.01, id="second-10ms"),
        pytest.param(2, 10.0, 0.02, id="third-20ms"),
        pytest.param(10, 10.0, 5.12, id="eleventh-5.12s"),
        pytest.param(11, 10.0, 10.0, id="capped-at-10s"),
        pytest.param(500, 10.0, 10.0, id="capped-without-overflow"),
        pytest.param(8, 1.0, 1.0, id="custom-cap"),
    ],
)
def test_backoff_doubles_per_failure_up_to_the_cap(
    clock: clocks.FakeClock, failures: int, max_delay: float, delay: float
) -> None:
    queue: workqueue.WorkQueue[str] = workqueue.WorkQueue(clock=clock, max_delay=max_delay)
    for _ in range(failures):
        queue.add_rate_limited("a")
        clock.advance(max_delay)
        assert drain_now(queue) == ["a"]
    assert queue.num_requeues("a") == failures

    queue.add_rate_limited("a")
    clock.advance(delay * 0.99)
    assert drain_now(queue) == []
    clock.advance(delay * 0.02)
    assert drain_now(queue) == ["a"]
    assert queue.num_requeues("a") == failures + 1


@pytest.mark.parametrize(
    ("failures", "at_least", "delay"),
    [
        pytest.param(0, 2.0, 2.0, id="server-asks-longer"),
        pytest.param(10, 2.0, 5.12, id="backoff-already-longer"),
        pytest.param(0, 0.0, 0.005, id="no-hint"),
    ],
)
def test_rate_limited_waits_at_least_what_the_server_asked(
    clock: clocks.FakeClock, queue: workqueue.WorkQueue[str], failures: int, at_least: float, delay: float
) -> None:
    for _ in range(failures):
        queue.add_rate_limited("a")
        clock.advance(10)
        drain_now(queue)
    assert queue.add_rate_limited("a", at_least=at_least) == pytest.approx(delay)
    clock.advance(delay * 0.99)
    assert drain_now(queue) == []
    clock.advance(delay * 0.02)
    assert drain_now(queue) == ["a"]
    assert queue.num_requeues("a") == failures + 1


def test_forget_resets_backoff_for_that_key_only(clock: clocks.FakeClock, queue: workqueue.WorkQueue[str]) -> None:
    for _ in range(5):
        queue.add_rate_limited("a")
        queue.add_rate_limited("b")
        clock.advance(10)
        drain_now(queue)
    queue.forget("a")
    assert (queue.num_requeues("a"), queue.num_requeues("b")) == (0, 5)

    queue.add_rate_limited("a")
    queue.add_rate_limited("b")
    clock.advance(0.005)
    assert drain_now(queue) == ["a"]


# Shutdown


def test_shutdown_unblocks_get(clock: clocks.FakeClock, queue: workqueue.WorkQueue[str]) -> None:
    thread, results = in_thread(queue.get)
    assert clock.wait_for_waiters(1)
    queue.shutdown()
    thread.join(2)
    assert results == [None]


def test_shutdown_without_drain_drops_queued_delayed_and_new_keys(
    clock: clocks.FakeClock, queue: workqueue.WorkQueue[str]
) -> None:
    queue.add("queued")
    queue.add_after("delayed", 1)
    held = take(queue)
    queue.add("queued-again")
    queue.add(held)

    assert queue.shutdown() is False, "a key is still in flight"
    queue.add("new")
    queue.add_rate_limited("new")
    queue.done(held)
    clock.advance(1)
    assert queue.get() is None
    assert queue.stats() == workqueue.QueueStats(0, 0, 0, 0.0, 0.0)


def test_shutdown_with_drain_finishes_accepted_work_first(
    clock: clocks.FakeClock, queue: workqueue.WorkQueue[str]
) -> None:
    queue.add("a")
    queue.add("b")
    queue.add_after("delayed", 1)
    held = take(queue)
    queue.add(held)  # changed while we work: must still be processed during the drain

    drainer, drained = in_thread(lambda: queue.shutdown(drain=True))
    assert clock.wait_for_waiters(1)
    queue.add("too-late")

    processed = []
    queue.done(held)
    while (key := queue.get()) is not None:
        processed.append(key)
        queue.done(key)
    drainer.join(2)
    assert processed == ["b", "a"]
    assert drained == [True]


def test_draining_get_waits_for_an_in_flight_key_that_comes_back(
    clock: clocks.FakeClock, queue: workqueue.WorkQueue[str]
) -> None:
    queue.add("a")
    held = take(queue)
    queue.add("a")
    queue.shutdown(drain=True, timeout=0)

    other_worker, got = in_thread(queue.get)
    assert clock.wait_for_waiters(1)
    assert got == [], "must not give up while the held key may come back dirty"
    queue.done(held)
    other_worker.join(2)
    assert got == ["a"]


def test_drain_gives_up_after_timeout(clock: clocks.FakeClock, queue: workqueue.WorkQueue[str]) -> None:
    queue.add("stuck")
    queue.get(timeout=0)
    drainer, drained = in_thread(lambda: queue.shutdown(drain=True, timeout=30))
    assert clock.wait_for_waiters(1)
    clock.advance(30)
    drainer.join(2)
    assert drained == [False]


# Metrics


class RecordingMetrics:
    def __init__(self) -> None:
        self.calls: list[tuple[str, float | None]] = []

    def added(self) -> None:
        self.calls.append(("added", None))

    def started(self, queued_seconds: float) -> None:
        self.calls.append(("started", queued_seconds))

    def finished(self, work_seconds: float) -> None:
        self.calls.append(("finished", work_seconds))

    def retried(self) -> None:
        self.calls.append(("retried", None))


def test_metrics_hooks(clock: clocks.FakeClock) -> None:
    metrics = RecordingMetrics()
    queue: workqueue.WorkQueue[str] = workqueue.WorkQueue(clock=clock, metrics=metrics)
    queue.add("a")
    queue.add("a")  # collapses: not counted
    clock.advance(3)
    key = take(queue)
    clock.advance(2)
    queue.done(key)
    queue.add_rate_limited("a")
    assert metrics.calls == [("added", None), ("started", 3.0), ("finished", 2.0), ("retried", None)]


def test_stats_snapshot(clock: clocks.FakeClock, queue: workqueue.WorkQueue[str]) -> None:
    for key in ["a", "b", "c"]:
        queue.add(key)
    queue.add_after("later", 60)
    queue.get(timeout=0)
    clock.advance(4)
    queue.get(timeout=0)
    clock.advance(1)
    assert queue.stats() == workqueue.QueueStats(
        depth=1, delayed=1, in_flight=2, unfinished_work_seconds=6.0, longest_running_seconds=5.0
    )


# Concurrency


def test_no_key_is_ever_held_by_two_workers() -> None:
    """Eight workers, four producers, few keys: lots of re-adds while processing."""
    queue: workqueue.WorkQueue[int] = workqueue.WorkQueue(clock=clocks.RealClock(), base_delay=0.0001, max_delay=0.001)
    lock = threading.Lock()
    holding: set[int] = set()
    overlaps: list[int] = []
    processed: Counter[int] = Counter()

    def work() -> None:
        while (key := queue.get()) is not None:
            with lock:
                if key in holding:
                    overlaps.append(key)
                holding.add(key)
            threading.Event().wait(0.0001)  # hold the key long enough for other threads to run
            with lock:
                holding.discard(key)
                processed[key] += 1
            queue.done(key)

    def produce(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(2000):
            key = rng.randrange(10)
            choice = rng.random()
            if choice < 0.8:
                queue.add(key)
            elif choice < 0.9:
                queue.add_rate_limited(key)
            else:
                queue.add_after(key, 0.0005)

    workers = [threading.Thread(target=work, daemon=True) for _ in range(8)]
    producers = [threading.Thread(target=produce, args=(seed,), daemon=True) for seed in range(4)]
    for thread in workers + producers:
        thread.start()
    for thread in producers:
        thread.join(10)
    # Delayed retries are dropped by shutdown; let them come due (a few ms) so every key gets through.
    for _ in range(1000):
        if not queue.stats().delayed:
            break
        threading.Event().wait(0.002)
    assert queue.shutdown(drain=True, timeout=10)
    for thread in workers:
        thread.join(10)

    assert overlaps == []
    assert set(processed) == set(range(10))
    assert not any(thread.is_alive() for thread in workers)
