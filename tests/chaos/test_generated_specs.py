"""Chaos: 10,000 generated Rollout and AnalysisTemplate specs (mutants of real manifests) through validation, the
Rollout planner and the AnalysisRun planner. Any exception is a crash: bad input must become a clear problem or an
InvalidSpec/Error status, never a traceback that wedges a reconcile.

Counts go to the chaos table (tests/chaos/conftest.py); the test fails on any crash and shows the first few.
"""

from __future__ import annotations

import math
import os
import traceback
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from generated import corpus, mutants
from hypothesis import HealthCheck, Phase, given, settings

from analysis import decide as analysis_decide
from analysis.controller import take_measurement
from analysis.providers.base import FakeProvider, ProviderError
from analysis.providers.registry import SUPPORTED, Providers
from rollouts import api
from rollouts.plan.actions import CreateReplicaSet
from rollouts.plan.decide import decide
from rollouts.plan.observed import Observed, ReplicaSet
from rollouts.plan.runspec import args as arguments

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
ROLLOUT_EXAMPLES = int(os.environ.get("CHAOS_ROLLOUTS", "6000"))
TEMPLATE_EXAMPLES = int(os.environ.get("CHAOS_TEMPLATES", "4000"))
RESULTS = [0.99, 0.5, math.nan, math.inf, [0.1, 0.9], [], None, "ok", "a" * 100_000, {"x": 1}, ProviderError("down")]


class Tally:
    def __init__(self, name: str) -> None:
        self.name, self.runs, self.crashes = name, 0, []

    def check(self, what: Callable[[], Any], sample: Any) -> None:
        self.runs += 1
        try:
            what()
        except Exception:
            self.crashes.append(f"{traceback.format_exc(limit=-3)}\ninput: {str(sample)[:600]}")


def plan_rollout(raw: dict[str, Any]) -> None:
    """Validate, then decide twice (create the ReplicaSet, then reconcile with it ready), as the controller would."""
    problems = tuple(str(problem) for problem in api.validate(raw))
    parsed = api.parse_rollout(raw, check=False)
    if isinstance(parsed, list):
        return
    observed = Observed(rollout=parsed, raw=raw, spec_errors=problems)
    first = decide(observed=observed, now=NOW)
    created = [action for action in first.actions if isinstance(action, CreateReplicaSet)]
    if not created:
        return
    body = dict(created[0].body)
    replicas = (body.get("spec") or {}).get("replicas") or 0
    body["status"] = {"replicas": replicas, "readyReplicas": replicas, "availableReplicas": replicas}
    decide(
        observed=Observed(rollout=parsed, raw=raw, spec_errors=problems, replica_sets=(ReplicaSet.from_raw(body),)),
        now=NOW,
    )


def run_template(template: dict[str, Any], results: list[Any]) -> None:
    """Turn a template into a run (every arg given a value) and reconcile it three times with scripted results."""
    spec = template.get("spec") if isinstance(template.get("spec"), dict) else {}
    args = (
        [{**arg, "value": arg.get("value") or "1"} if isinstance(arg, dict) else arg for arg in spec.get("args") or []]
        if isinstance(spec.get("args"), list)
        else spec.get("args")
    )
    run: dict[str, Any] = {
        "apiVersion": api.API_VERSION,
        "kind": "AnalysisRun",
        "metadata": {"name": "run", "namespace": "chaos", "uid": "uid"},
        "spec": {**spec, "args": args},
    }
    fakes = Providers(kube=None, overrides={kind: FakeProvider(*results) for kind in SUPPORTED if kind != "job"})
    for second in (0, 30, 60):
        plan = analysis_decide.schedule(run=run, now=NOW + timedelta(seconds=second))
        taken = {}
        if plan.tasks and plan.run is not None:
            values = arguments.argument_values(plan.run.spec.args)
            for task in plan.tasks:
                taken[task.metric.name] = take_measurement(run, task, providers=fakes, values=values, now=lambda: NOW)
        outcome = analysis_decide.settle(schedule=plan, taken=taken, now=NOW + timedelta(seconds=second))
        run = {**run, "status": outcome.status}


@pytest.mark.timeout(3600)
def test_generated_rollouts_never_crash_validation_or_the_planner(chaos_table: dict[str, Any]) -> None:
    tally = Tally("generated Rollouts")
    documents = corpus(("Rollout",))

    @settings(
        max_examples=ROLLOUT_EXAMPLES,
        phases=[Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(mutants(documents))
    def explore(raw: dict[str, Any]) -> None:
        tally.check(lambda: plan_rollout(raw), raw)

    explore()
    chaos_table[tally.name] = {"runs": tally.runs, "crashes": len(tally.crashes)}
    assert tally.crashes == [], "\n\n".join(tally.crashes[:3])


@pytest.mark.timeout(3600)
def test_generated_analysis_templates_never_crash_the_analysis_planner(chaos_table: dict[str, Any]) -> None:
    tally = Tally("generated AnalysisTemplates")
    documents = corpus(("AnalysisTemplate", "ClusterAnalysisTemplate"))

    @settings(
        max_examples=TEMPLATE_EXAMPLES,
        phases=[Phase.generate],
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(mutants(documents), st_results())
    def explore(template: dict[str, Any], results: list[Any]) -> None:
        tally.check(lambda: run_template(template, results), template)

    explore()
    chaos_table[tally.name] = {"runs": tally.runs, "crashes": len(tally.crashes)}
    assert tally.crashes == [], "\n\n".join(tally.crashes[:3])


def st_results() -> Any:
    from hypothesis import strategies as st

    return st.lists(st.sampled_from(RESULTS), min_size=1, max_size=3)
