"""Judging a finished measurement against its metric's success and failure conditions, within a wall-clock bound.

The conditions are user expressions: analysis.expressions bounds their cost in steps and size; `BoundedJudge` adds
a hard wall-clock bound and keeps the evaluation off the worker that reconciles the run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from analysis import assess
from analysis.providers import base

Judge = Callable[[base.Measurement, Mapping[str, Any]], base.Measurement]
"""Evaluates a finished measurement's success and failure conditions into its phase."""


class BoundedJudge:
    """Judges measurements on threads of its own with a hard wall-clock bound, so that no user condition can hold an
    analysis worker: past the bound the measurement is an Error, and the evaluation still running ends at its step
    budget (analysis.expressions.Budget) on its own thread."""

    def __init__(self, seconds: float = 2.0, threads: int = 4) -> None:
        self.seconds = seconds
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="conditions")

    def __call__(self, measured: base.Measurement, spec: Mapping[str, Any]) -> base.Measurement:
        future = self._pool.submit(judged, measured, spec)
        try:
            return future.result(timeout=self.seconds)
        except FutureTimeout:
            message = f"evaluating successCondition/failureCondition took longer than {self.seconds:g}s"
            return measured.replace(phase=base.ERROR, message=message)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def judged(measured: base.Measurement, spec: Mapping[str, Any]) -> base.Measurement:
    verdict = assess.judge_measurement(
        measured.result,
        value=measured.value,
        success_condition=spec.get("successCondition"),
        failure_condition=spec.get("failureCondition"),
    )
    return measured.replace(phase=verdict.phase, message=verdict.reason or measured.message)
