"""The demo's progress lines (rollouts.demo.progress) and the demo package's surface; no cluster (purity: tests/test_layers.py).

We test these aspects:
* one line per view: phase (and message), step, set and actual weight, the newest revision's AnalysisRuns with
  their measurement counts (zeros left out); parts the view lacks are left out;
* `rollouts.demo.__all__` is exactly those pure modules.

Not tested here: when lines are printed (test_demo_e2e.py).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

import rollouts.demo
from plugin.view import AnalysisRunView, RevisionView, RolloutView
from rollouts.demo import progress


def run_view(name: str, status: str, successful: int = 0, failed: int = 0, error: int = 0) -> AnalysisRunView:
    return AnalysisRunView(
        name=name, revision=2, status=status, icon="", age="", successful=successful, failed=failed, inconclusive=0, error=error, jobs=()
    )


VIEW = RolloutView(
    name="demo", namespace="ns", status="Progressing", icon="", message="", strategy="Canary", step="1/4", set_weight="20",
    actual_weight="20", images=(), desired=5, current=5, updated=1, ready=5, available=5, age="",
    revisions=(RevisionView(2, (), (), (run_view("demo-abc-2-1", "Running", successful=2),)), RevisionView(1, (), (), (run_view("old", "Successful"),))),
)  # fmt: skip


ABORTED_REVISION = RevisionView(3, (), (), (run_view("a", "Failed", successful=1, failed=1), run_view("b", "", error=1)))


@pytest.mark.parametrize(
    "view, line",
    [
        pytest.param(VIEW, "Progressing · step 1/4 · weight 20 (actual 20) · analysis demo-abc-2-1 Running ✔2", id="running-analysis"),
        pytest.param(
            replace(VIEW, status="Degraded", message="RolloutAborted: x", set_weight="0", actual_weight="0", revisions=(ABORTED_REVISION,)),
            "Degraded - RolloutAborted: x · step 1/4 · weight 0 (actual 0) · analysis a Failed ✔1 ✖1, b Pending ⚠1",
            id="aborted-two-runs",
        ),
        pytest.param(replace(VIEW, status="Healthy", step="", set_weight="", actual_weight="", revisions=()), "Healthy", id="bare"),
        pytest.param(replace(VIEW, actual_weight="", revisions=(RevisionView(2, (), (), ()),)), "Progressing · step 1/4 · weight 20", id="no-runs"),
    ],
)
def test_describe(view: RolloutView, line: str) -> None:
    assert progress.describe(view) == line


def test_package_exports_only_the_pure_modules() -> None:
    assert rollouts.demo.__all__ == ["progress", "summary"]
