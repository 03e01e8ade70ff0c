"""The generic controller runtime: clock, keys, work queue, informer, workers. Knows nothing about rollouts.

It never imports `kubernetes`: `rollouts.kube` implements `ListerWatcher` for it.
"""

from rollouts.machinery.clock import Clock, FakeClock, RealClock
from rollouts.machinery.controller import Controller, Reconcile, Result, TerminalError
from rollouts.machinery.informer import (
    GoneError,
    IndexFunc,
    Informer,
    ListerWatcher,
    Store,
    WatchEvent,
    index_by_label,
    index_by_owner_uid,
)
from rollouts.machinery.keys import ObjectKey, key_of
from rollouts.machinery.workqueue import NopQueueMetrics, QueueMetrics, QueueStats, WorkQueue

__all__ = [
    "Clock",
    "Controller",
    "FakeClock",
    "GoneError",
    "IndexFunc",
    "Informer",
    "ListerWatcher",
    "NopQueueMetrics",
    "ObjectKey",
    "QueueMetrics",
    "QueueStats",
    "RealClock",
    "Reconcile",
    "Result",
    "Store",
    "TerminalError",
    "WatchEvent",
    "WorkQueue",
    "index_by_label",
    "index_by_owner_uid",
    "key_of",
]
