"""Run worker threads that take keys off a queue, reconcile them, and turn the outcome into queue operations.

The contract with a reconcile function:

* return None or `Result()`: done; wait for the next change event;
* return `Result(requeue_after=s)`: done for now; look again in `s` seconds (a pause ending,
  an analysis interval). This is the only way to wait: never sleep inside a reconcile;
* raise `TerminalError`: retrying cannot help (e.g. an invalid spec); wait for the next change;
* raise an `ExternalError` (the API server or the network failed): one log line, retry with backoff;
* raise anything else: a bug, logged with its traceback; retry with per-key exponential backoff.

Knows nothing about Kubernetes objects beyond their `ObjectKey`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from rollouts.machinery.clock import Clock
from rollouts.machinery.keys import ObjectKey
from rollouts.machinery.workqueue import WorkQueue

__all__ = ["Controller", "ExternalError", "Reconcile", "Result", "TerminalError"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    """What a successful reconcile wants next."""

    requeue_after: float | None = None
    """Seconds until the key should be reconciled again even if nothing changes; None: only on change."""


class TerminalError(Exception):
    """A failure that retrying cannot fix. The key is not retried until its object changes."""


class ExternalError(Exception):
    """A failure outside our code (the API server, the network) that its message explains in one line.

    Logged without a traceback and retried with backoff: as a warning when `transient` (it should pass on its
    own), else as an error. `retry_after` is the least wait the other side asked for, in seconds.
    """

    transient: bool = False
    retry_after: float = 0.0


Reconcile = Callable[[ObjectKey], Result | None]
ErrorHook = Callable[[ObjectKey, Exception], None]


class Controller:
    """`workers` threads sharing one queue. The queue guarantees no two of them hold the same key."""

    def __init__(
        self,
        name: str,
        queue: WorkQueue[ObjectKey],
        reconcile: Reconcile,
        *,
        workers: int,
        clock: Clock,
        on_error: ErrorHook | None = None,
    ) -> None:
        if workers < 1:
            raise ValueError(f"controller {name}: need at least one worker, got {workers}")
        self.name = name
        self._queue = queue
        self._reconcile = reconcile
        self._workers = workers
        self._clock = clock
        self._on_error = on_error
        self._threads: list[threading.Thread] = []
        self._exited = threading.Condition()
        self._running = 0

    def start(self) -> None:
        """Start the worker threads (daemons). Start informers and wait for their sync first."""
        if self._threads:
            raise RuntimeError(f"controller {self.name} is already started")
        with self._exited:
            self._running = self._workers
        for i in range(self._workers):
            thread = threading.Thread(target=self._work, name=f"{self.name}-worker-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float | None = None) -> bool:
        """Stop taking keys, let in-flight reconciles finish, and join the workers.

        Queued and delayed keys are dropped: the next start relists and enqueues everything.
        Returns False if some worker was still busy after `timeout` (real) seconds.
        A stopped controller cannot be started again: its queue is shut down.
        """
        # Shutdown without drain: every idle worker's get() returns None at once; busy ones
        # finish their key, call done(), and then get None too.
        self._queue.shutdown(drain=False)
        with self._exited:
            return self._exited.wait_for(lambda: self._running == 0, timeout)

    def process_next(self, timeout: float | None = None) -> bool:
        """Take one key, reconcile it and settle it with the queue. False if none came (shutdown, timeout).

        What each worker thread does in a loop; callable directly to step a controller by hand.
        """
        key = self._queue.get(timeout)
        if key is None:
            return False
        self._process(key)
        return True

    def _work(self) -> None:
        try:
            while True:
                try:
                    if not self.process_next():
                        return
                except Exception:
                    # Crash guard: a bug in our own bookkeeping must not silently cost a worker.
                    _log.exception("controller %s: worker error", self.name)
        finally:
            with self._exited:
                self._running -= 1
                self._exited.notify_all()

    def _process(self, key: ObjectKey) -> None:
        extra = {"key": str(key), "controller": self.name}
        started = self._clock.monotonic()
        try:
            result = self._reconcile(key)
        except TerminalError as err:
            # Retrying cannot fix this; forget() drops the backoff history so that, once the
            # object changes and is enqueued again, its first failure starts from the base delay.
            self._queue.forget(key)
            _log.error("controller %s: %s failed terminally, not retrying: %s", self.name, key, err, extra=extra)
            self._report(key, err)
        except ExternalError as err:
            # The server or the network failed, not our code: one line, and the same backoff as any failure
            # (never shorter than the server asked for).
            delay = self._queue.add_rate_limited(key, at_least=err.retry_after)
            level = logging.WARNING if err.transient else logging.ERROR
            _log.log(level, "controller %s: %s: %s; retrying in %.2fs", self.name, key, err, delay, extra=extra)
            self._report(key, err)
        except Exception as err:
            # A bug: add_rate_limited() brings the key back after a delay that doubles with each failure, so a
            # broken object cannot hot-loop a worker. No forget() here: the backoff history must keep growing
            # until a reconcile succeeds.
            self._queue.add_rate_limited(key)
            _log.exception(
                "controller %s: %s failed (attempt %d); retrying with backoff",
                self.name,
                key,
                self._queue.num_requeues(key),
                extra=extra,
            )
            self._report(key, err)
        else:
            # Success: forget() resets the backoff so the next failure starts from the base delay.
            self._queue.forget(key)
            if result is not None and result.requeue_after is not None:
                # The reconciler wants a timer (pause end, analysis interval). add_after() books
                # it on the queue's heap: no thread per object, and an earlier booking still wins.
                self._queue.add_after(key, result.requeue_after)
            _log.debug(
                "controller %s: reconciled %s in %.3fs (requeue_after=%s)",
                self.name,
                key,
                self._clock.monotonic() - started,
                None if result is None else result.requeue_after,
                extra=extra,
            )
        finally:
            # done() tells the queue we no longer hold the key. If it was re-added while we
            # worked (the object changed again), this is what puts it back in line.
            self._queue.done(key)

    def _report(self, key: ObjectKey, err: Exception) -> None:
        if self._on_error is None:
            return
        try:
            self._on_error(key, err)
        except Exception:
            _log.exception("controller %s: on_error hook failed for %s", self.name, key, extra={"key": str(key)})
