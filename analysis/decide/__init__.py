"""Decide what an AnalysisRun needs at `now`: which measurements to take, resume or stop, and the status after them.

Pure: no I/O, no clock (`now` is passed in), no logging. One reconcile is two calls around the measuring:

    schedule = decide.schedule(run=raw, now=now)                 # what is due; spec problems found here
    taken = {task.metric.name: measure(task) for task in schedule.tasks}       # the controller's I/O
    outcome = decide.settle(schedule=schedule, taken=taken, now=now)
    # outcome.status (full desired status), .events, .requeue_after, .trimmed (provider GC), .expired (TTL)

Timing: a metric is measured again `interval` after its previous measurement finished; the first measurement
waits `initialDelay` after the run started; a measurement that errored is retried after min(10 s, interval)
(Argo always waits 10 s; the shorter wait keeps short-interval metrics, and tests, quick); an asynchronous
measurement (a Job) is looked at again at its `resumeAt`.

The parts: `state` (the shapes passed around), `schedule` (what is due), `settle` (folding measurements into the
status) and `lifetime` (how a run ends and how long it lives after).
"""

from analysis.decide.lifetime import spec_error, ttl_seconds
from analysis.decide.schedule import error_retry_seconds, is_terminating, schedule
from analysis.decide.settle import next_reconcile, settle
from analysis.decide.state import (
    ARGS_UNRESOLVED,
    DEFAULT_MEASUREMENT_LIMIT,
    ERROR_RETRY_SECONDS,
    METRIC_TERMINATED,
    SPEC_INVALID,
    Action,
    Outcome,
    Schedule,
    Task,
)

__all__ = [
    "ARGS_UNRESOLVED",
    "DEFAULT_MEASUREMENT_LIMIT",
    "ERROR_RETRY_SECONDS",
    "METRIC_TERMINATED",
    "SPEC_INVALID",
    "Action",
    "Outcome",
    "Schedule",
    "Task",
    "error_retry_seconds",
    "is_terminating",
    "next_reconcile",
    "schedule",
    "settle",
    "spec_error",
    "ttl_seconds",
]
