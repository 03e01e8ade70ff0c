"""What the demo decided and why: AnalysisRuns → decisions, each rollout → a verdict, all of it → the summary.

Pure: raw API dicts and numbers in, dataclasses and lines of text out; no I/O, no clock. The expectations live
here too: the good version must pass its analysis and become Healthy; the bad one must be failed by its analysis
(not by readiness: its pods are Ready) and aborted, with every request routed back to the stable version.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from plugin.render import align

Raw = Mapping[str, Any]

GOOD, BAD = "good", "bad"
FAILING = ("Failed", "Error")


@dataclass(frozen=True)
class Decision:
    """One metric of one AnalysisRun: what it measured last, against which condition, and its verdict."""

    run: str
    metric: str
    value: str
    """The deciding measurement's value, shortened (see `short_value`); `-` before any measurement."""
    condition: str
    verdict: str
    """The metric's phase: Successful, Failed, Error, Inconclusive, or Running/Pending when cut short."""
    measurements: int
    reason: str
    """Why, when the metric did not succeed (the deciding measurement's message); empty otherwise."""


@dataclass(frozen=True)
class Outcome:
    """How one new version of the demo fared."""

    version: str
    """GOOD or BAD: what the demo expects of it."""
    image: str
    phase: str
    message: str
    aborted: bool
    seconds: float
    decisions: tuple[Decision, ...]
    stable_weight: int | None
    canary_weight: int | None
    """The router's weights once the rollout settled (None: destination not found)."""
    router_object: str = "VirtualService"
    """The kind of the router's object that carries the weights, for the result line."""


@dataclass(frozen=True)
class Verdict:
    ok: bool
    text: str


@dataclass(frozen=True)
class Timing:
    label: str
    seconds: float
    note: str = ""


@dataclass(frozen=True)
class Report:
    timings: tuple[Timing, ...]
    outcomes: tuple[Outcome, ...]
    where: tuple[tuple[str, str], ...]
    """(label, text) pairs: where the logs are, how to explore."""


# ---- AnalysisRuns → decisions --------------------------------------------------------------------------------------


def decisions(runs: Iterable[Raw]) -> list[Decision]:
    """Every metric of every run, runs in creation order, metrics in the order the run lists them.

    The deciding measurement of a failed metric is its last Failed (or Error) one; otherwise its last one.
    """
    ordered = sorted(
        runs, key=lambda run: (str(_meta(run).get("creationTimestamp") or ""), str(_meta(run).get("name") or ""))
    )
    found: list[Decision] = []
    for run in ordered:
        conditions = {
            str(metric.get("name")): condition_text(metric) for metric in (run.get("spec") or {}).get("metrics") or []
        }
        results = {str(result.get("name")): result for result in (run.get("status") or {}).get("metricResults") or []}
        for name in [*conditions, *(name for name in results if name not in conditions)]:
            found.append(
                _decision(str(_meta(run).get("name") or ""), name, conditions.get(name, ""), results.get(name) or {})
            )
    return found


def _decision(run: str, metric: str, condition: str, result: Raw) -> Decision:
    verdict = str(result.get("phase") or "Pending")
    measurements = list(result.get("measurements") or [])
    deciding = (
        next((m for m in reversed(measurements) if m.get("phase") == verdict), None) if verdict in FAILING else None
    )
    deciding = deciding or (measurements[-1] if measurements else {})
    value = short_value(deciding.get("value")) if deciding else "-"
    if deciding and "verdict" in (deciding.get("metadata") or {}):
        value = judge_value(value, deciding["metadata"])
    reason = "" if verdict == "Successful" else str(deciding.get("message") or result.get("message") or "")
    count = result.get("count")
    return Decision(
        run, metric, value, condition, verdict, int(count) if isinstance(count, int) else len(measurements), reason
    )


def judge_value(score: str, metadata: Raw) -> str:
    """A judge measurement's score with each compared metric's class: "score 0 (error-rate High, latency Pass)"."""
    classes = [
        f"{key.removeprefix('metric.')} {str(text).split(':')[0]}"
        for key, text in metadata.items()
        if key.startswith("metric.")
    ]
    return f"score {score} ({', '.join(classes)})"


def condition_text(metric: Raw) -> str:
    """A metric's conditions as one line: the success condition, and `failure: …` when there is one; for the judge
    (provider.plugin rollouts/judge), its score thresholds."""
    settings = ((metric.get("provider") or {}).get("plugin") or {}).get("rollouts/judge")
    if isinstance(settings, dict):
        thresholds = settings.get("thresholds") or {}
        return f"judge: pass ≥ {thresholds.get('pass', 95)}, marginal ≥ {thresholds.get('marginal', 75)}"
    success, failure = metric.get("successCondition"), metric.get("failureCondition")
    parts = [str(success)] if success else []
    if failure:
        parts.append(f"failure: {failure}")
    return "; ".join(parts) or "(none)"


def short_value(value: Any) -> str:
    """A measurement's value for people: numbers to 3 significant digits, a one-element list unwrapped.

    "[0.5833333]" → "0.583"; "[1]" → "1"; "[48.51]" → "48.5"; "[NaN]" → "NaN (no requests)";
    "[]" → "no data"; "[0.9,1]" → "[0.9, 1]"; "" or None → "-"; "ok" → "ok".
    """
    text = "" if value is None else str(value).strip()
    if not text:
        return "-"
    inner = text[1:-1].strip() if text.startswith("[") and text.endswith("]") else None
    if inner is None:
        return _number(text)
    if not inner:
        return "no data"
    items = [_number(item.strip()) for item in inner.split(",")]
    if len(items) == 1:
        return f"{items[0]} (no requests)" if items[0] == "NaN" else items[0]
    return "[" + ", ".join(items) + "]"


def _number(text: str) -> str:
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isnan(number):
        return "NaN"
    return f"{number:.3g}"


# ---- verdicts ----------------------------------------------------------------------------------------------------


def judge(outcome: Outcome) -> Verdict:
    """Did the version do what the demo expects of it? With the reason, in one line."""
    if outcome.version == GOOD:
        return _judge_good(outcome)
    return _judge_bad(outcome)


def _judge_good(outcome: Outcome) -> Verdict:
    runs = sorted({decision.run for decision in outcome.decisions})
    failing = [decision for decision in outcome.decisions if decision.verdict != "Successful"]
    what = f"good version {outcome.image}"
    if outcome.phase == "Healthy" and runs and not failing:
        return Verdict(
            True,
            f"{what}: passed analysis ({_plural(len(runs), 'AnalysisRun')}) "
            f"and became Healthy in {outcome.seconds:.1f}s",
        )
    if outcome.phase == "Healthy" and not runs:
        return Verdict(False, f"{what}: became Healthy, but no AnalysisRun judged it (the analysis steps did not run)")
    why = f"; {_metric_text(failing[0])}" if failing else ""
    return Verdict(False, f"{what}: expected Healthy after passing analysis, got {_phase_text(outcome)}{why}")


def _judge_bad(outcome: Outcome) -> Verdict:
    failing = [decision for decision in outcome.decisions if decision.verdict in FAILING]
    what = f"bad version {outcome.image}"
    if not (outcome.phase == "Degraded" and outcome.aborted):
        return Verdict(
            False, f"{what}: expected analysis to fail and the rollout to be aborted, got {_phase_text(outcome)}"
        )
    if not failing:
        return Verdict(False, f"{what}: aborted, but not by analysis (no AnalysisRun metric failed): {outcome.message}")
    traffic = _traffic_text(outcome)
    back = outcome.stable_weight == 100 and outcome.canary_weight == 0
    text = f"{what}: aborted by analysis in {outcome.seconds:.1f}s: {_metric_text(failing[0])}; {traffic}"
    return Verdict(back, text)


def _metric_text(decision: Decision) -> str:
    text = f'metric {decision.metric} = {decision.value} {decision.verdict} ("{decision.condition}") in {decision.run}'
    return f"{text}: {decision.reason}" if decision.verdict == "Error" and decision.reason else text


def _traffic_text(outcome: Outcome) -> str:
    weights = f"stable {_weight(outcome.stable_weight)}, canary {_weight(outcome.canary_weight)}"
    if outcome.stable_weight == 100 and outcome.canary_weight == 0:
        return f"{outcome.router_object} back to 100% stable ({weights})"
    return f"{outcome.router_object} NOT back to stable ({weights})"


def _phase_text(outcome: Outcome) -> str:
    return f"{outcome.phase} - {outcome.message}" if outcome.message else outcome.phase


def _weight(weight: int | None) -> str:
    return "missing" if weight is None else str(weight)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def passed(report: Report) -> bool:
    """Both versions present, and each did what the demo expects of it."""
    versions = [outcome.version for outcome in report.outcomes]
    return sorted(versions) == [BAD, GOOD] and all(judge(outcome).ok for outcome in report.outcomes)


# ---- the summary ---------------------------------------------------------------------------------------------------


def lines(report: Report) -> list[str]:
    """The summary printed at the end: timings, decisions, the verdict on each version, where to look."""
    out = ["", "Summary", "", "Timings"]
    out += ["  " + line for line in align([[t.label, f"{t.seconds:6.1f}s", t.note] for t in report.timings])]
    out += ["", "Decisions"]
    out += ["  " + line for line in _decision_table(report.outcomes)]
    out += ["", "Result"]
    for outcome in report.outcomes:
        verdict = judge(outcome)
        out.append(f"  {'✔' if verdict.ok else '✘'} {verdict.text}")
    out.append(f"  {'PASS: both outcomes were right' if passed(report) else 'FAIL: at least one outcome was wrong'}")
    if report.where:
        out += ["", "Where to look"]
        out += ["  " + line for line in align([[label, text] for label, text in report.where])]
    return [line.rstrip() for line in out]


def _decision_table(outcomes: Sequence[Outcome]) -> list[str]:
    rows = [["VERSION", "ANALYSISRUN", "METRIC", "VALUE", "CONDITION", "VERDICT"]]
    for outcome in outcomes:
        if not outcome.decisions:
            rows.append([outcome.version, "(none)", "-", "-", "-", "-"])
        for decision in outcome.decisions:
            verdict = f"{decision.verdict} ({_plural(decision.measurements, 'measurement')})"
            rows.append([outcome.version, decision.run, decision.metric, decision.value, decision.condition, verdict])
    return align(rows)


def _meta(obj: Raw) -> Raw:
    return obj.get("metadata") or {}
