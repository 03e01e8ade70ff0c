"""Every example in examples/ validates, applies and is driven to completion by the real controller.

The examples other test files drive in depth (bluegreen, canary, istio-*) are checked here for validity only;
the analysis examples are driven here: an update goes through its analysis (Jobs completed by kwok) to Healthy.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from helpers import apply, wait_for_phase, wait_until
from rollouts import api
from rollouts.kube import resources
from rollouts.kube.client import Kube

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
MANIFESTS = sorted(path for path in EXAMPLES.rglob("*.yaml"))


@pytest.mark.parametrize("path", MANIFESTS, ids=[str(p.relative_to(EXAMPLES)) for p in MANIFESTS])
def test_example_validates(path: Path) -> None:
    ours = [
        doc
        for doc in yaml.safe_load_all(path.read_text())
        if doc and str(doc.get("apiVersion", "")).startswith("argoproj.io/")
    ]
    for doc in ours:
        assert [str(error) for error in api.validate(doc)] == [], (
            f"{path.name}: {doc['kind']} {doc['metadata']['name']}"
        )


def rollout_in(path: Path) -> str:
    return next(
        doc["metadata"]["name"] for doc in yaml.safe_load_all(path.read_text()) if doc and doc.get("kind") == "Rollout"
    )


def set_image(kube: Kube, namespace: str, name: str, image: str) -> None:
    kube.patch(
        resources.ROLLOUTS,
        namespace,
        name,
        [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}],
        kind="json",
    )


@pytest.mark.parametrize(
    ("example", "run_types"),
    [
        pytest.param("canary-analysis-step", ["Step"], id="analysis-as-a-step"),
        pytest.param("canary-background-analysis", ["Background"], id="background-analysis"),
        pytest.param("bluegreen-analysis", ["PostPromotion", "PrePromotion"], id="bluegreen-pre-and-post-promotion"),
    ],
)
def test_analysis_example_runs_to_completion(
    cluster, kube: Kube, controller, namespace: str, example: str, run_types: list[str]
) -> None:
    path = EXAMPLES / example / "rollout.yaml"
    name = rollout_in(path)
    apply(cluster, namespace, path)
    wait_for_phase(kube, namespace, name, "Healthy")
    set_image(kube, namespace, name, "argoproj/rollouts-demo:green")
    healthy = wait_for_phase(kube, namespace, name, "Healthy", timeout=90)
    assert healthy["status"]["stableRS"] == healthy["status"]["currentPodHash"]
    runs = wait_until(lambda: kube.list(resources.ANALYSIS_RUNS, namespace)[0], what="analysis runs")
    assert sorted(run["metadata"]["labels"]["rollout-type"] for run in runs) == run_types
    assert all((run.get("status") or {}).get("phase") == "Successful" for run in runs), [
        run.get("status") for run in runs
    ]
    jobs, _ = kube.list(resources.JOBS, namespace)
    assert jobs, "the analysis ran real Jobs"
