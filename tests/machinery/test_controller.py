"""Controller: how a reconcile's outcome becomes queue operations, and worker start/stop.

Aspects: Result(requeue_after) books a timer and forgets backoff; errors back off per key and
call on_error; TerminalError forgets and does not retry; success forgets; a key re-added during
its reconcile runs again afterwards; log records carry the key; stop() waits for in-flight work.
Most tests step the controller by hand with process_next() on a FakeClock; only the start/stop
tests use threads.
Excluded: what reconcile does (that is the Rollout and AnalysisRun controllers' business).
"""

import logging
import threading
from collections.abc import Callable, Iterator

import pytest

from rollouts.machinery import clock as clocks
from rollouts.machinery import controller as controllers
from rollouts.machinery import workqueue
from rollouts.machinery.keys import ObjectKey

KEY = ObjectKey("prod", "checkout")

Outcome = controllers.Result | None | Exception


class ScriptedReconcile:
    """Returns (or raises) the scripted outcomes in order, then None forever."""

    def __init__(self, *outcomes: Outcome) -> None:
        self._outcomes: Iterator[Outcome] = iter(outcomes)
        self.calls: list[ObjectKey] = []

    def __call__(self, key: ObjectKey) -> controllers.Result | None:
        self.calls.append(key)
        outcome = next(self._outcomes, None)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


@pytest.fixture
def queue(clock: clocks.FakeClock) -> workqueue.WorkQueue[ObjectKey]:
    return workqueue.WorkQueue(clock=clock)


def a_controller(
    queue: workqueue.WorkQueue[ObjectKey],
    clock: clocks.Clock,
    reconcile: Callable[[ObjectKey], controllers.Result | None],
    errors: list[tuple[ObjectKey, Exception]] | None = None,
    workers: int = 1,
) -> controllers.Controller:
    def on_error(key: ObjectKey, err: Exception) -> None:
        if errors is not None:
            errors.append((key, err))

    return controllers.Controller("rollouts", queue, reconcile, workers=workers, clock=clock, on_error=on_error)


def test_requeue_after_books_a_timer(clock: clocks.FakeClock, queue: workqueue.WorkQueue[ObjectKey]) -> None:
    reconcile = ScriptedReconcile(controllers.Result(requeue_after=30))
    controller = a_controller(queue, clock, reconcile)
    queue.add(KEY)

    assert controller.process_next(timeout=0)
    assert queue.stats().delayed == 1
    clock.advance(29.9)
    assert not controller.process_next(timeout=0)
    clock.advance(0.1)
    assert controller.process_next(timeout=0)
    assert reconcile.calls == [KEY, KEY]


@pytest.mark.parametrize(
    "outcome",
    [
        pytest.param(None, id="none"),
        pytest.param(controllers.Result(), id="empty-result"),
    ],
)
def test_success_without_requeue_waits_for_the_next_change(
    clock: clocks.FakeClock, queue: workqueue.WorkQueue[ObjectKey], outcome: Outcome
) -> None:
    controller = a_controller(queue, clock, ScriptedReconcile(outcome))
    queue.add(KEY)
    assert controller.process_next(timeout=0)
    clock.advance(3600)
    assert queue.stats() == workqueue.QueueStats(0, 0, 0, 0.0, 0.0)


def test_requeue_after_zero_runs_again_at_once(clock: clocks.FakeClock, queue: workqueue.WorkQueue[ObjectKey]) -> None:
    controller = a_controller(queue, clock, ScriptedReconcile(controllers.Result(requeue_after=0)))
    queue.add(KEY)
    assert controller.process_next(timeout=0)
    assert controller.process_next(timeout=0)


def test_errors_back_off_then_success_forgets(clock: clocks.FakeClock, queue: workqueue.WorkQueue[ObjectKey]) -> None:
    boom = RuntimeError("apiserver unavailable")
    errors: list[tuple[ObjectKey, Exception]] = []
    controller = a_controller(queue, clock, ScriptedReconcile(boom, boom, boom, controllers.Result()), errors)
    queue.add(KEY)

    assert controller.process_next(timeout=0)
    for delay in [0.005, 0.01, 0.02]:
        assert not controller.process_next(timeout=0), "retry must wait for its backoff"
        clock.advance(delay)
        assert controller.process_next(timeout=0)
    assert errors == [(KEY, boom)] * 3
    assert queue.num_requeues(KEY) == 0


def test_terminal_error_forgets_and_does_not_retry(
    clock: clocks.FakeClock, queue: workqueue.WorkQueue[ObjectKey]
) -> None:
    boom, invalid = RuntimeError("flaky"), controllers.TerminalError("spec.strategy: need canary or blueGreen")
    errors: list[tuple[ObjectKey, Exception]] = []
    controller = a_controller(queue, clock, ScriptedReconcile(boom, invalid), errors)
    queue.add(KEY)

    assert controller.process_next(timeout=0)
    clock.advance(0.005)
    assert controller.process_next(timeout=0)
    assert queue.num_requeues(KEY) == 0
    clock.advance(3600)
    assert not controller.process_next(timeout=0)
    assert errors == [(KEY, boom), (KEY, invalid)]


def test_key_re_added_during_reconcile_runs_again(
    clock: clocks.FakeClock, queue: workqueue.WorkQueue[ObjectKey]
) -> None:
    calls: list[ObjectKey] = []

    def reconcile(key: ObjectKey) -> None:
        calls.append(key)
        if len(calls) == 1:
            queue.add(key)  # the object changed while we were working on it

    controller = a_controller(queue, clock, reconcile)
    queue.add(KEY)
    assert controller.process_next(timeout=0)
    assert controller.process_next(timeout=0)
    assert not controller.process_next(timeout=0)
    assert calls == [KEY, KEY]


def test_a_failing_on_error_hook_is_contained(clock: clocks.FakeClock, queue: workqueue.WorkQueue[ObjectKey]) -> None:
    def on_error(key: ObjectKey, err: Exception) -> None:
        raise ValueError("hook bug")

    controller = controllers.Controller(
        "rollouts", queue, ScriptedReconcile(RuntimeError("x")), workers=1, clock=clock, on_error=on_error
    )
    queue.add(KEY)
    assert controller.process_next(timeout=0)
    assert queue.num_requeues(KEY) == 1
    assert queue.stats().in_flight == 0


@pytest.mark.parametrize(
    ("outcome", "level"),
    [
        pytest.param(RuntimeError("boom"), logging.ERROR, id="error"),
        pytest.param(controllers.TerminalError("bad spec"), logging.ERROR, id="terminal"),
        pytest.param(None, logging.DEBUG, id="success"),
    ],
)
def test_log_records_carry_the_key(
    clock: clocks.FakeClock,
    queue: workqueue.WorkQueue[ObjectKey],
    caplog: pytest.LogCaptureFixture,
    outcome: Outcome,
    level: int,
) -> None:
    caplog.set_level(logging.DEBUG, logger=controllers.__name__)
    controller = a_controller(queue, clock, ScriptedReconcile(outcome))
    queue.add(KEY)
    controller.process_next(timeout=0)

    [record] = [r for r in caplog.records if r.name == controllers.__name__]
    assert record.levelno == level
    assert record.key == "prod/checkout"  # type: ignore[attr-defined]
    assert "prod/checkout" in record.getMessage()


def test_workers_reconcile_until_stopped() -> None:
    clock = clocks.RealClock()
    queue: workqueue.WorkQueue[ObjectKey] = workqueue.WorkQueue(clock=clock)
    seen: set[ObjectKey] = set()
    lock = threading.Lock()
    all_seen = threading.Event()
    keys = {ObjectKey("ns", f"r{i}") for i in range(20)}

    def reconcile(key: ObjectKey) -> None:
        with lock:
            seen.add(key)
            if seen == keys:
                all_seen.set()

    controller = a_controller(queue, clock, reconcile, workers=4)
    controller.start()
    for key in keys:
        queue.add(key)
    assert all_seen.wait(2)
    assert controller.stop(timeout=2)
    with pytest.raises(RuntimeError, match="already started"):
        controller.start()


def test_stop_waits_for_in_flight_reconciles() -> None:
    clock = clocks.RealClock()
    queue: workqueue.WorkQueue[ObjectKey] = workqueue.WorkQueue(clock=clock)
    entered, release, finished = threading.Event(), threading.Event(), threading.Event()

    def reconcile(key: ObjectKey) -> None:
        entered.set()
        release.wait(5)
        finished.set()

    controller = a_controller(queue, clock, reconcile, workers=2)
    controller.start()
    queue.add(KEY)
    assert entered.wait(2)

    assert not controller.stop(timeout=0.05), "a reconcile is still running"
    release.set()
    assert controller.stop(timeout=2)
    assert finished.is_set()


def test_needs_a_worker(clock: clocks.FakeClock, queue: workqueue.WorkQueue[ObjectKey]) -> None:
    with pytest.raises(ValueError, match="at least one worker"):
        a_controller(queue, clock, ScriptedReconcile(), workers=0)


class ServerDown(controllers.ExternalError):
    transient = True


class Throttled(controllers.ExternalError):
    transient = True
    retry_after = 3.0


class Refused(controllers.ExternalError):
    """Not transient: e.g. a 403 from missing RBAC."""


@pytest.mark.parametrize(
    ("error", "level", "delay"),
    [
        pytest.param(ServerDown("connection refused"), logging.WARNING, 0.005, id="transient-warning"),
        pytest.param(
            Throttled("429 TooManyRequests: storage is (re)initializing"), logging.WARNING, 3.0, id="retry-after"
        ),
        pytest.param(Refused("403 Forbidden: no RBAC"), logging.ERROR, 0.005, id="not-transient-error"),
    ],
)
def test_external_errors_are_one_line_and_back_off(
    clock: clocks.FakeClock,
    queue: workqueue.WorkQueue[ObjectKey],
    caplog: pytest.LogCaptureFixture,
    error: controllers.ExternalError,
    level: int,
    delay: float,
) -> None:
    caplog.set_level(logging.DEBUG, logger=controllers.__name__)
    controller = a_controller(queue, clock, ScriptedReconcile(error))
    queue.add(KEY)

    assert controller.process_next(timeout=0)
    [record] = [r for r in caplog.records if r.name == controllers.__name__]
    assert (record.levelno, record.exc_info) == (level, None)
    assert str(error) in record.getMessage() and "\n" not in record.getMessage()
    clock.advance(delay - 0.001)
    assert not controller.process_next(timeout=0)
    clock.advance(0.001)
    assert controller.process_next(timeout=0), f"retried after {delay}s"


def test_a_bug_keeps_its_traceback(
    clock: clocks.FakeClock, queue: workqueue.WorkQueue[ObjectKey], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger=controllers.__name__)
    controller = a_controller(queue, clock, ScriptedReconcile(KeyError("status")))
    queue.add(KEY)

    assert controller.process_next(timeout=0)
    [record] = [r for r in caplog.records if r.name == controllers.__name__]
    assert record.levelno == logging.ERROR and record.exc_info is not None
