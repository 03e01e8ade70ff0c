"""Judge measurements, metrics and runs: Argo's arithmetic from a provider's result up to the run's phase.

Pure: no I/O, no clock, no logging. Three levels:

* `judge_measurement(result, value=…, success_condition=…, failure_condition=…)` → Verdict: the phase of one
  measurement from its conditions;
* `assess_metric(metric, result, terminating=…)` → Verdict: the phase of a metric from its counters, limits and
  count;
* `assess_run(metrics, results, dry_run=…, terminating=…, terminate_requested=…)` → RunVerdict: the run's phase,
  message and summaries from its metrics.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from analysis import expressions
from analysis.nodata import describe_no_data
from rollouts.api import Metric, MetricResult, RunSummary

SUCCESSFUL, FAILED, INCONCLUSIVE, ERROR = "Successful", "Failed", "Inconclusive", "Error"
RUNNING, PENDING = "Running", "Pending"
COMPLETED = frozenset({SUCCESSFUL, FAILED, INCONCLUSIVE, ERROR})

PHASE_ORDER = (SUCCESSFUL, RUNNING, PENDING, INCONCLUSIVE, ERROR, FAILED)
"""Best to worst; a run takes the worst phase of its (non-dry-run) metrics."""

RUN_TERMINATED = "Run Terminated"


@dataclass(frozen=True)
class Verdict:
    """A phase and, when there is something to explain, why."""

    phase: str
    reason: str | None = None


@dataclass(frozen=True)
class RunVerdict:
    """The run's phase and message, and its metrics counted by phase."""

    phase: str
    message: str
    run_summary: RunSummary
    dry_run_summary: RunSummary


# --- measurements --------------------------------------------------------------------------------------------------


def judge_measurement(
    result: Any, *, value: str | None = None, success_condition: str | None = None, failure_condition: str | None = None
) -> Verdict:
    """The phase of a measurement whose provider returned `result` (shown as `value`).

    none → Successful; only success → Failed unless true; only failure → Successful unless true; both → Failed
    when failure is true, else Successful when success is true, else Inconclusive. A condition that does not
    parse or evaluate to a bool → Error naming the condition (and "query returned no data" when `result` is empty).
    The reason of a Failed or Inconclusive verdict quotes the value and the condition it missed.
    """
    success = _evaluate(success_condition, "successCondition", result)
    if isinstance(success, Verdict):
        return success
    failure = _evaluate(failure_condition, "failureCondition", result)
    if isinstance(failure, Verdict):
        return failure
    shown = value if value is not None else _show(result)
    if failure:
        return Verdict(FAILED, f'value {shown} satisfied failureCondition "{failure_condition}"')
    if success is None and failure is None:
        return Verdict(SUCCESSFUL)
    if success is None:  # only a failure condition, and it is false
        return Verdict(SUCCESSFUL)
    if success:
        return Verdict(SUCCESSFUL)
    if failure is None:  # only a success condition, and it is false
        return Verdict(FAILED, f'value {shown} did not satisfy "{success_condition}"')
    return Verdict(
        INCONCLUSIVE, f'value {shown} did not satisfy "{success_condition}" nor failureCondition "{failure_condition}"'
    )


def _evaluate(condition: str | None, label: str, result: Any) -> bool | None | Verdict:
    if not condition:
        return None
    try:
        return expressions.compile_condition(condition, label).evaluate(result)
    except expressions.ExpressionError as error:
        message = f"could not evaluate {error}"
        no_data = describe_no_data(result)
        return Verdict(ERROR, f"{message}: {no_data}" if no_data else message)


def _show(result: Any) -> str:
    return "nil" if result is None else str(result)


# --- metrics -------------------------------------------------------------------------------------------------------


def limit_breach(metric: Metric, result: MetricResult) -> Verdict | None:
    """The limit a metric's counters broke, if any; limits trip on `>`, and a later check overrides an earlier.

    failed > failureLimit (≥ 0; -1 disables) → Failed; inconclusive > inconclusiveLimit → Inconclusive;
    consecutiveError > consecutiveErrorLimit (default 4) → Error. E.g. failed 1, failureLimit 0 →
    Failed "failed (1) > failureLimit (0)".
    """
    breach = None
    failure_limit = metric.effective_failure_limit
    if failure_limit >= 0 and (result.failed or 0) > failure_limit:
        breach = Verdict(FAILED, f"failed ({result.failed}) > failureLimit ({failure_limit})")
    inconclusive_limit = metric.effective_inconclusive_limit
    if (result.inconclusive or 0) > inconclusive_limit:
        breach = Verdict(
            INCONCLUSIVE, f"inconclusive ({result.inconclusive}) > inconclusiveLimit ({inconclusive_limit})"
        )
    error_limit = metric.effective_consecutive_error_limit
    if (result.consecutive_error or 0) > error_limit:
        breach = Verdict(
            ERROR, f"consecutiveErrors ({result.consecutive_error}) > consecutiveErrorLimit ({error_limit})"
        )
    return breach


def assess_metric(metric: Metric, result: MetricResult, *, terminating: bool) -> Verdict:
    """The phase of a metric after its latest measurement (Argo's `assessMetricStatus`).

    1. already completed → unchanged; 2. no measurements → Pending (Successful when terminating);
    3. last measurement in flight → Running; 4. a broken limit (`limit_breach`); 5. consecutiveSuccessLimit
    reached → Successful; 6. count reached → Successful, except with a consecutiveSuccessLimit not reached:
    Inconclusive when the failure limit also applies, Failed when it is disabled (-1); 7. otherwise the metric
    keeps measuring: Running, or Successful when terminating.
    """
    if result.phase in COMPLETED:
        return Verdict(result.phase, explain(metric, result))
    measurements = result.measurements or []
    if not measurements:
        return Verdict(SUCCESSFUL if terminating else PENDING)
    if measurements[-1].phase not in COMPLETED:
        return Verdict(RUNNING)
    breach = limit_breach(metric, result)
    if breach is not None:
        return breach
    success_limit = metric.effective_consecutive_success_limit
    if success_limit > 0 and (result.consecutive_success or 0) >= success_limit:
        return Verdict(SUCCESSFUL)
    count = metric.effective_count
    if count is not None and (result.count or 0) >= count:
        return _count_reached(metric, result, count)
    return Verdict(SUCCESSFUL if terminating else RUNNING)


def _count_reached(metric: Metric, result: MetricResult, count: int) -> Verdict:
    success_limit = metric.effective_consecutive_success_limit
    if success_limit <= 0:
        return Verdict(SUCCESSFUL)
    reason = (
        f"consecutiveSuccess ({result.consecutive_success or 0}) < consecutiveSuccessLimit ({success_limit}) "
        f"after count ({count}) measurements"
    )
    if metric.effective_failure_limit >= 0:
        return Verdict(INCONCLUSIVE, reason)
    return Verdict(FAILED, reason)


def explain(metric: Metric, result: MetricResult) -> str | None:
    """Why a completed metric has its (unsuccessful) phase: the broken limit or the unmet success limit."""
    breach = limit_breach(metric, result)
    if breach is not None:
        return breach.reason
    count = metric.effective_count
    if result.phase in (FAILED, INCONCLUSIVE) and count is not None and (result.count or 0) >= count:
        return _count_reached(metric, result, count).reason
    return None


# --- runs ----------------------------------------------------------------------------------------------------------


def worse(current: str, candidate: str) -> bool:
    """Whether `candidate` is a worse phase than `current` by Successful < Running < Pending < Inconclusive <
    Error < Failed (unknown phases count as Successful)."""
    return _rank(candidate) > _rank(current)


def _rank(phase: str) -> int:
    return PHASE_ORDER.index(phase) if phase in PHASE_ORDER else 0


def assess_run(
    metrics: Sequence[Metric],
    results: Mapping[str, MetricResult],
    *,
    dry_run: Collection[str],
    terminating: bool,
    terminate_requested: bool,
) -> RunVerdict:
    """The run's phase from its metrics' (already assessed) results (Argo's `assessRunStatus`).

    Running until every metric completed, then the worst phase of the non-dry-run metrics (all dry-run →
    Successful). When terminating, the worst phase so far, or Successful when nothing completed. The message
    names the worst metric and why: `Metric "web" assessed Failed due to failed (1) > failureLimit (0): value 0.91
    did not satisfy "result[0] >= 0.95"`; "Run Terminated" when termination was requested and nothing failed.
    Dry-run metrics are counted in the dry-run summary only.
    """
    worst, message = "", RUN_TERMINATED if terminate_requested else ""
    everything_completed = True
    tallies: dict[bool, dict[str, int]] = {False: _zero(), True: _zero()}
    for metric in metrics:
        is_dry_run = metric.name in dry_run
        tallies[is_dry_run]["count"] += 1
        result = results.get(metric.name)
        if result is None or result.phase not in COMPLETED:
            everything_completed = False
            continue
        phase = result.phase or SUCCESSFUL
        tallies[is_dry_run][phase.lower()] += 1
        if is_dry_run:
            worst = worst or SUCCESSFUL
            continue
        if not worst or worse(worst, phase):
            worst = phase
            reason = explain(metric, result)
            if reason:
                message = f'Metric "{metric.name}" assessed {phase} due to {reason}{_detail(phase, result.message)}'
    summaries = (RunSummary(**tallies[False]), RunSummary(**tallies[True]))
    if terminating:
        return RunVerdict(worst or SUCCESSFUL, message, *summaries)
    if not everything_completed or not worst:
        return RunVerdict(RUNNING, "", *summaries)
    return RunVerdict(worst, message, *summaries)


def dry_run_message(metric: Metric, result: MetricResult) -> str | None:
    """The message of a completed dry-run metric that would have failed the run: `Metric assessed Failed due to …`."""
    reason = explain(metric, result)
    if not reason or result.phase == SUCCESSFUL:
        return None
    return f"Metric assessed {result.phase} due to {reason}{_detail(result.phase or '', result.message)}"


def _detail(phase: str, message: str | None) -> str:
    if not message:
        return ""
    if phase == ERROR:
        return f': "Error Message: {message}"'
    return f": {message}"


def _zero() -> dict[str, int]:
    return {"count": 0, "successful": 0, "failed": 0, "inconclusive": 0, "error": 0}
