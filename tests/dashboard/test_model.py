"""The dashboard's pure model: why a rollout needs attention, and each metric's last value and verdict."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from plugin.dashboard import model

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def rollout(status: dict[str, Any], *, paused: bool = False, revision: str = "3") -> dict[str, Any]:
    return {
        "metadata": {
            "name": "web",
            "namespace": "shop",
            "uid": "u1",
            "generation": 1,
            "annotations": {"rollout.argoproj.io/revision": revision},
        },
        "spec": {
            "replicas": 1,
            "paused": paused,
            "strategy": {"canary": {"steps": [{"setWeight": 20}, {"pause": {}}]}},
        },
        "status": {"observedGeneration": "1", **status},
    }


def run(phase: str, *, revision: str = "3", owner: str = "u1", name: str = "web-abc-3-1") -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "annotations": {"rollout.argoproj.io/revision": revision},
            "ownerReferences": [{"uid": owner, "controller": True}],
        },
        "status": {"phase": phase},
    }


@pytest.mark.parametrize(
    ("status", "paused", "runs", "expected"),
    [
        ({"phase": "Healthy"}, False, [], ""),
        ({"phase": "Paused", "message": "CanaryPauseStep"}, False, [], "Paused: CanaryPauseStep"),
        ({}, True, [], "Paused: manually paused"),  # no phase written: the plugin's own phase rules
        (
            {"phase": "Degraded", "message": "RolloutAborted: metric failed"},
            False,
            [],
            "Degraded: RolloutAborted: metric failed",
        ),
        ({"phase": "Progressing"}, False, [run("Inconclusive")], "analysis web-abc-3-1 is inconclusive"),
        ({"phase": "Progressing"}, False, [run("Inconclusive", revision="2")], ""),  # an older revision's run
        ({"phase": "Progressing"}, False, [run("Inconclusive", owner="someone-else")], ""),
        ({"phase": "Progressing"}, False, [run("Successful")], ""),
    ],
)
def test_attention(status: dict[str, Any], paused: bool, runs: list[dict[str, Any]], expected: str) -> None:
    assert model.attention(rollout(status, paused=paused), runs) == expected


def test_metric_results_show_the_last_measurement_bounded() -> None:
    analysis = run("Failed")
    last = {"value": "x" * 500, "phase": "Failed", "message": "boom"}
    errors = {"name": "errors", "phase": "Failed", "count": 2, "failed": 1, "successful": 1}
    errors["measurements"] = [{"value": "0.01", "phase": "Successful"}, last]
    analysis["status"]["metricResults"] = [errors, {"name": "latency", "phase": "Running"}]
    first, second = model.metric_results(analysis)
    assert (first["name"], first["phase"], first["failed"], first["message"]) == ("errors", "Failed", 1, "boom")
    assert first["value"] == "x" * model.VALUE_LIMIT
    assert second == {
        "name": "latency",
        "phase": "Running",
        "count": 0,
        "successful": 0,
        "failed": 0,
        "inconclusive": 0,
        "error": 0,
        "value": "",
        "message": "",
    }


def test_detail_attaches_metrics_to_the_runs_of_the_tree() -> None:
    analysis = run("Inconclusive")
    analysis["status"]["metricResults"] = [
        {"name": "errors", "phase": "Inconclusive", "measurements": [{"value": "0.2"}]}
    ]
    data = model.detail(
        rollout={**rollout({"phase": "Progressing"})},
        replicasets=[],
        pods=[],
        analysis_runs=[analysis],
        experiments=[],
        now=NOW,
    )
    (revision,) = data["revisions"]
    assert revision["number"] == 3
    assert revision["analysis_runs"][0]["metrics"][0]["value"] == "0.2"
    assert data["attention"] == "analysis web-abc-3-1 is inconclusive"


def test_the_model_loads_nothing_that_does_io() -> None:
    """Checked in a fresh interpreter, like tests/test_layers.py does for the plugin's other pure modules."""
    impure = ("kubernetes", "urllib3", "requests", "starlette", "uvicorn", "rollouts.kube.client", "rollouts.machinery")
    probe = f"import sys, plugin.dashboard.model; print(','.join(m for m in {impure!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO)
    assert result.stdout.strip() == ""
