"""What the dashboard shows, as JSON-ready dicts. Pure: cached objects and `now` in, data out.

The tree is `plugin.view.rollout_view`, the very one `kubectl rollouts get rollout` prints, so the phase comes
from `plugin.phases.rollout_phase`. Added here: why a rollout needs attention, and each AnalysisRun's metrics
(last value and verdict), which the terminal view only counts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from plugin import phases, raw, view
from plugin.raw import Obj

INCONCLUSIVE = "Inconclusive"
VALUE_LIMIT = 200
"""Characters of a measured value shown; a web or job metric may return a whole document."""


def attention(rollout: Obj, analysis_runs: Iterable[Obj]) -> str:
    """Why a person should look at this rollout: paused, degraded, or its current analysis is inconclusive; "" if not."""
    phase, message = phases.rollout_phase(rollout)
    if phase in ("Paused", "Degraded"):
        return f"{phase}: {message}" if message else phase
    uid, revision = raw.meta(rollout).get("uid"), raw.revision(rollout)
    for run in analysis_runs:
        if raw.owned_by(run, uid) and raw.revision(run) == revision and raw.status(run).get("phase") == INCONCLUSIVE:
            return f"analysis {raw.meta(run).get('name')} is inconclusive"
    return ""


def row(rollout: Obj, analysis_runs: Sequence[Obj]) -> dict[str, Any]:
    """One line of the rollouts table: `list rollouts`' columns plus the attention reason."""
    line = dataclasses.asdict(view.rollout_row(rollout))
    line["attention"] = attention(rollout, analysis_runs)
    return line


def detail(
    *,
    rollout: Obj,
    replicasets: Sequence[Obj],
    pods: Sequence[Obj],
    analysis_runs: Sequence[Obj],
    experiments: Sequence[Obj],
    now: datetime,
) -> dict[str, Any]:
    """The rollout's whole tree, each AnalysisRun with its metrics."""
    tree = view.rollout_view(
        rollout=rollout,
        replicasets=replicasets,
        pods=pods,
        analysis_runs=analysis_runs,
        experiments=experiments,
        now=now,
    )
    data = dataclasses.asdict(tree)
    data["attention"] = attention(rollout, analysis_runs)
    metrics = {str(raw.meta(run).get("name") or ""): metric_results(run) for run in analysis_runs}
    for revision in data["revisions"]:
        runs = list(revision["analysis_runs"])
        for experiment in revision["experiments"]:
            runs += experiment["analysis_runs"]
        for run in runs:
            run["metrics"] = metrics.get(run["name"], [])
    return data


def metric_results(run: Obj) -> list[dict[str, Any]]:
    """Each metric of a run: its verdict, counts, and the last measurement's value and message."""
    results = []
    for result in raw.status(run).get("metricResults") or []:
        measurements = result.get("measurements") or []
        last = measurements[-1] if measurements else {}
        results.append(
            {
                "name": str(result.get("name") or ""),
                "phase": str(result.get("phase") or ""),
                "count": raw.as_int(result.get("count")),
                "successful": raw.as_int(result.get("successful")),
                "failed": raw.as_int(result.get("failed")),
                "inconclusive": raw.as_int(result.get("inconclusive")),
                "error": raw.as_int(result.get("error")),
                "value": str(last.get("value") or "")[:VALUE_LIMIT],
                "message": str(last.get("message") or result.get("message") or "")[:VALUE_LIMIT],
            }
        )
    return results
