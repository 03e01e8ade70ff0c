"""A canary experiment step on the real control plane, driven by the session's controller process: Argo's e2e
fixture rollout-experiment-analysis (baseline from stable, canary from canary, a required job analysis fed the pod
hashes) runs its Experiment to Successful, pauses on the next step, and `kubectl rollouts promote` finishes it."""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from api.argo_corpus import CORPUS
from helpers import apply, wait_for_phase
from plugin.cli import cli
from plugin.context import CliContext
from rollouts.kube import resources
from rollouts.kube.client import Kube

pytestmark = pytest.mark.cluster
FIXTURE = CORPUS / "test/e2e/functional/rollout-experiment-analysis.yaml"


def owned_experiments(kube: Kube, namespace: str) -> list[dict[str, Any]]:
    return kube.list(resources.EXPERIMENTS, namespace)[0]


def test_experiment_step_runs_its_experiment_then_moves_on(
    cluster: Any, kube: Kube, namespace: str, controller: Any
) -> None:
    apply(cluster, namespace, FIXTURE)
    wait_for_phase(kube, namespace, "rollout-experiment", "Healthy")
    stable_hash = kube.get(resources.ROLLOUTS, namespace, "rollout-experiment")["status"]["stableRS"]
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "rollouts-demo", "image": "nginx:1.20-alpine"}]}}}}
    kube.patch(resources.ROLLOUTS, namespace, "rollout-experiment", patch)
    rollout = wait_for_phase(kube, namespace, "rollout-experiment", "Paused", timeout=90)
    latest_hash = rollout["status"]["currentPodHash"]
    assert rollout["status"]["currentStepIndex"] == 1
    (experiment,) = owned_experiments(kube, namespace)
    assert experiment["metadata"]["name"] == f"rollout-experiment-{latest_hash}-2-0"
    assert experiment["status"]["phase"] == "Successful"
    assert experiment["status"]["message"] == "Required AnalysisRuns completed"
    templates = {ts["name"]: ts for ts in experiment["status"]["templateStatuses"]}
    replica_sets = {
        rs["metadata"]["annotations"].get("experiment.argoproj.io/template-name"): rs
        for rs in kube.list(resources.REPLICASETS, namespace)[0]
    }
    containers = {name: replica_sets[name]["spec"]["template"]["spec"]["containers"][0]["image"] for name in templates}
    assert containers == {"baseline": "nginx:1.19-alpine", "canary": "nginx:1.20-alpine"}
    job = next(j for j in kube.list(resources.JOBS, namespace)[0])
    env = {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert env["STABLE_HASH"] == stable_hash and env["LATEST_HASH"] == latest_hash
    assert env["BASELINE_HASH"] == replica_sets["baseline"]["metadata"]["labels"]["rollouts-pod-template-hash"]
    assert env["CANARY_HASH"] == replica_sets["canary"]["metadata"]["labels"]["rollouts-pod-template-hash"]
    assert env["BASELINE_HASH"] not in (stable_hash, latest_hash)
    assert (job["metadata"]["labels"]["foo"], job["metadata"]["annotations"]["foo2"]) == ("bar", "bar2")
    result = CliRunner().invoke(
        cli,
        ["-n", namespace, "promote", "rollout-experiment"],
        obj=CliContext(kube_client=kube),
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    wait_for_phase(kube, namespace, "rollout-experiment", "Healthy", timeout=60)
