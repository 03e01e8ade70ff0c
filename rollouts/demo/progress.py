"""One line of progress for a rollout, for output that is not a terminal (logs, CI, pipes).

Pure: a `plugin.view.RolloutView` in, a line out; no I/O, no clock. The caller prints it when it changes.

    Progressing · step 1/4 · weight 20 (actual 20) · analysis istio-canary-analysis-5d8c-2-1 Running ✔2
    Degraded - RolloutAborted: Rollout aborted update to revision 3 · step 1/4 · weight 0 (actual 0) · analysis … Failed ✔1 ✖1
"""

from __future__ import annotations

from plugin import icons
from plugin.view import AnalysisRunView, RolloutView


def describe(view: RolloutView) -> str:
    """Phase (and message), step, set and actual weight, and the newest revision's AnalysisRuns."""
    parts = [f"{view.status} - {view.message}" if view.message else view.status]
    if view.step:
        parts.append(f"step {view.step}")
    if view.set_weight:
        actual = f" (actual {view.actual_weight})" if view.actual_weight else ""
        parts.append(f"weight {view.set_weight}{actual}")
    newest = view.revisions[0] if view.revisions else None
    if newest is not None and newest.analysis_runs:
        parts.append("analysis " + ", ".join(run_text(run) for run in newest.analysis_runs))
    return " · ".join(parts)


def run_text(run: AnalysisRunView) -> str:
    """`name Phase` and its measurement counts: ✔ successful, ✖ failed, ⚠ error, ? inconclusive (zeros left out).

    name r, Running, successful 2, failed 0 → "r Running ✔2"
    """
    counts = [
        (icons.OK, run.successful),
        (icons.BAD, run.failed),
        (icons.WARNING, run.error),
        (icons.UNKNOWN, run.inconclusive),
    ]
    shown = " ".join(f"{icon}{count}" for icon, count in counts if count)
    return f"{run.name} {run.status or 'Pending'}" + (f" {shown}" if shown else "")
