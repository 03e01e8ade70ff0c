"""What a metric provider is: the Provider protocol, the Measurement it returns and the context it measures in.

Value types and small pure helpers only: no I/O, no clock (the caller passes `now` in `MeasureContext`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from analysis.nodata import NO_DATA as NO_DATA
from analysis.nodata import describe_no_data as describe_no_data

Phase = Literal["Running", "Successful", "Failed", "Inconclusive", "Error"]

RUNNING: Phase = "Running"
SUCCESSFUL: Phase = "Successful"
FAILED: Phase = "Failed"
INCONCLUSIVE: Phase = "Inconclusive"
ERROR: Phase = "Error"


class ProviderError(Exception):
    """A metric could not be measured; the message says what was expected and what was found."""


@dataclass(frozen=True)
class MeasureContext:
    """Everything about the AnalysisRun a provider may need, fixed for one call."""

    namespace: str
    run_name: str
    run_uid: str
    metric_name: str
    now: datetime
    count: int = 0  # measurements taken so far for this metric (Argo: count + error); job names use count + 1
    read_secret: Callable[[str, str], str] | None = None  # (secret name, key) -> value, in the run's namespace


@dataclass(frozen=True)
class Measurement:
    """One measurement, shaped like AnalysisRun `status.metricResults[].measurements[]` plus the raw `result`.

    `value` is the display string stored in status; `result` is what success/failure conditions see.
    """

    phase: Phase
    started_at: datetime
    finished_at: datetime | None = None
    value: str | None = None
    result: Any = None
    message: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    resume_at: datetime | None = None

    def replace(self, **changes: Any) -> Measurement:
        """A copy with some fields replaced (measurements are never mutated)."""
        return dataclasses.replace(self, **changes)


class Provider(Protocol):
    """A metric source. Problems with the metric become Error measurements; transient API errors are raised."""

    def run(self, config: Mapping[str, Any], ctx: MeasureContext) -> Measurement:
        """Start a measurement; single-shot providers return it finished (Successful with `result`, or Error)."""

    def resume(self, config: Mapping[str, Any], ctx: MeasureContext, measurement: Measurement) -> Measurement:
        """Check on a Running measurement; return it finished, or still Running with a later `resume_at`."""

    def terminate(self, config: Mapping[str, Any], ctx: MeasureContext, measurement: Measurement) -> Measurement:
        """Stop a Running measurement early and return it finished."""

    def garbage_collect(self, config: Mapping[str, Any], ctx: MeasureContext, keep: int) -> None:
        """Delete what this metric's older measurements left behind, keeping the newest `keep`."""


class SingleShot:
    """Resume, terminate and garbage-collect for providers whose `run` always finishes: nothing to do."""

    def resume(self, config: Mapping[str, Any], ctx: MeasureContext, measurement: Measurement) -> Measurement:
        return measurement

    def terminate(self, config: Mapping[str, Any], ctx: MeasureContext, measurement: Measurement) -> Measurement:
        return measurement

    def garbage_collect(self, config: Mapping[str, Any], ctx: MeasureContext, keep: int) -> None:
        return None


class FakeProvider(SingleShot):
    """A provider for tests of callers: every run finishes Successful with the next scripted result.

    Results are used in order and the last one repeats; a `ProviderError` in the script becomes an Error
    measurement with its message. `configs` records the config each run received.
    """

    def __init__(self, *results: Any) -> None:
        self._script = list(results) or [None]
        self.configs: list[Mapping[str, Any]] = []

    def run(self, config: Mapping[str, Any], ctx: MeasureContext) -> Measurement:
        self.configs.append(config)
        result = self._script[min(len(self.configs), len(self._script)) - 1]
        if isinstance(result, ProviderError):
            return errored(str(result), ctx.now)
        return succeeded(result, str(result), ctx.now)


def succeeded(result: Any, value: str, now: datetime, metadata: Mapping[str, str] | None = None) -> Measurement:
    """A finished measurement whose conditions are still to be evaluated by the caller."""
    return Measurement(SUCCESSFUL, now, now, value=value, result=result, metadata=dict(metadata or {}))


def errored(message: str, now: datetime, metadata: Mapping[str, str] | None = None) -> Measurement:
    """A finished measurement that could not be taken."""
    return Measurement(ERROR, now, now, message=message, metadata=dict(metadata or {}))


def format_float(number: float) -> str:
    """Print a float the way Go's `strconv.FormatFloat(f, 'f', -1, 64)` does (and so Prometheus and Argo).

    Shortest digits that round-trip, never an exponent: 100.0 → "100", 0.25 → "0.25", 1e21 →
    "1000000000000000000000", 1e-7 → "0.0000001", NaN → "NaN", ±inf → "+Inf" / "-Inf", -0.0 → "-0".
    """
    if number != number:
        return "NaN"
    if number in (float("inf"), float("-inf")):
        return "+Inf" if number > 0 else "-Inf"
    text = format(Decimal(repr(float(number))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
