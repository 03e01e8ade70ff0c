"""Real AnalysisRun objects for provider tests, so that metric Jobs' owner references point at something real.

No controller acts on these runs. Needs the project's CRDs (the session `crds` fixture).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from rollouts.kube import resources
from rollouts.kube.client import Kube


@dataclass(frozen=True)
class Run:
    namespace: str
    name: str
    uid: str


def create_analysis_run(kube: Kube, namespace: str) -> Run:
    """A minimal valid AnalysisRun with one job metric named "check"."""
    body = {
        "apiVersion": resources.ANALYSIS_RUNS.api_version,
        "kind": resources.ANALYSIS_RUNS.kind,
        "metadata": {"name": f"run-{uuid.uuid4().hex[:6]}"},
        "spec": {"metrics": [{"name": "check", "provider": {"job": {"spec": {"template": {"spec": {"containers": []}}}}}}]},
    }
    created = kube.create(resources.ANALYSIS_RUNS, namespace, body)
    return Run(namespace, created["metadata"]["name"], created["metadata"]["uid"])
