"""Chaos: N canary rollouts with an analysis step progress while the controller is SIGKILLed at random points
(seeded) and restarted. Every rollout must end Healthy on the new version with no ReplicaSet recreated, exactly one
AnalysisRun for its one analysis step, and no traceback in any controller's log."""

from __future__ import annotations

import os
import random
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from helpers import wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube

INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "canary-analysis-step" / "rollout.yaml"
ROLLOUTS = int(os.environ.get("CHAOS_KILL_ROLLOUTS", "6"))
KILLS = int(os.environ.get("CHAOS_KILLS", "8"))
SEED = int(os.environ.get("CHAOS_SEED", "7"))
NEW_IMAGE = "argoproj/rollouts-demo:yellow"

pytestmark = pytest.mark.cluster


def manifests(instance: str) -> list[dict[str, Any]]:
    """The example's template once, and its Rollout ROLLOUTS times under different names."""
    template, rollout = yaml.safe_load_all(EXAMPLE.read_text())
    documents = [template]
    for index in range(ROLLOUTS):
        name = f"chaos-{index:02d}"
        copy = yaml.safe_load(yaml.safe_dump(rollout).replace("canary-analysis-step", name))
        documents.append(copy)
    for document in documents:
        document["metadata"].setdefault("labels", {})[INSTANCE_LABEL] = instance
    return documents


def phases(kube: Kube, namespace: str) -> dict[str, tuple[str, str]]:
    rollouts, _ = kube.list(resources.ROLLOUTS, namespace)
    return {
        r["metadata"]["name"]: (
            (r.get("status") or {}).get("phase", ""),
            r["spec"]["template"]["spec"]["containers"][0]["image"],
        )
        for r in rollouts
    }


def all_healthy(kube: Kube, namespace: str) -> bool:
    seen = phases(kube, namespace)
    return len(seen) == ROLLOUTS and all(phase == "Healthy" for phase, _ in seen.values())


@pytest.mark.timeout(1200)
def test_random_sigkills_while_rollouts_progress(
    cluster, kube: Kube, start_controller, namespace: str, chaos_table: dict
) -> None:
    instance = f"chaos-{uuid.uuid4().hex[:6]}"
    args = (f"--instance-id={instance}", "--no-leader-elect")
    for document in manifests(instance):
        kube.create(
            resources.ANALYSIS_TEMPLATES if document["kind"] == "AnalysisTemplate" else resources.ROLLOUTS,
            namespace,
            document,
        )
    controllers = [start_controller(*args)]
    wait_until(lambda: all_healthy(kube, namespace), timeout=180, what="every rollout Healthy")
    first_uids = {rs["metadata"]["uid"] for rs in kube.list(resources.REPLICASETS, namespace)[0]}

    for name in phases(kube, namespace):
        kube.patch(
            resources.ROLLOUTS,
            namespace,
            name,
            {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": NEW_IMAGE}]}}}},
        )
    rng = random.Random(SEED)
    crashes = 0
    for _ in range(KILLS):
        time.sleep(rng.uniform(0.1, 2.5))
        crashes += 0 if controllers[-1].alive() else 1
        controllers[-1].kill()
        controllers.append(start_controller(*args))
    wait_until(lambda: all_healthy(kube, namespace), timeout=300, what="every rollout Healthy after the kills")

    rollouts = {r["metadata"]["name"]: r for r in kube.list(resources.ROLLOUTS, namespace)[0]}
    replica_sets = kube.list(resources.REPLICASETS, namespace)[0]
    runs = kube.list(resources.ANALYSIS_RUNS, namespace)[0]
    events = kube.list(resources.EVENTS, namespace)[0]
    wrong = sum(
        1
        for r in rollouts.values()
        if r["status"].get("phase") != "Healthy" or r["status"].get("stableRS") != r["status"].get("currentPodHash")
    )
    created = [e for e in events if e.get("reason") == "NewReplicaSetCreated"]
    recreations = max(sum(e.get("count") or 1 for e in created) - 2 * ROLLOUTS, 0) + len(
        first_uids - {rs["metadata"]["uid"] for rs in replica_sets}
    )
    duplicates = max(len(runs) - ROLLOUTS, 0)
    tracebacks = sum(process.output().count("Traceback (most recent call last)") for process in controllers)
    row = {
        "runs": ROLLOUTS,
        "wrong outcomes": wrong,
        "needless ReplicaSet recreations": recreations,
        "duplicate runs": duplicates,
        "tracebacks": tracebacks,
        "crashes": crashes,
    }
    chaos_table[f"{ROLLOUTS} rollouts, {KILLS} random SIGKILLs"] = row
    assert row == {
        **row,
        "wrong outcomes": 0,
        "needless ReplicaSet recreations": 0,
        "duplicate runs": 0,
        "tracebacks": 0,
        "crashes": 0,
    }
