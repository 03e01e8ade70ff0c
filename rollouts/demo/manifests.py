"""What the demo installs: our CRDs, the router's, the ready-made AnalysisTemplates and the example, from the checkout.

Applies them with the toolchain's kubectl (server-side, so re-applying is harmless) and waits until the CRDs are
Established. The files are read from the source tree this package runs from; nothing is generated or fetched.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import yaml

from rollouts.cluster.local import LocalCluster
from rollouts.demo.routers import DemoRouter

REPO = Path(__file__).resolve().parents[2]
CRDS = REPO / "crds"
THIRD_PARTY_CRDS = CRDS / "third-party"
EXAMPLES = REPO / "examples"
TEMPLATES = EXAMPLES / "analysis-templates"
JUDGE_TEMPLATES = EXAMPLES / "judge-templates"
JUDGE_TEMPLATE = "judge-success-rate"
"""What `--judge` analyses with: the error rate, canary against stable (the latency judge is left out of the demo:
on a few requests per step its p99 is noisy enough to abort a good version now and then)."""
JUDGE_ARGS = [
    {"name": "namespace", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
    {"name": "baseline-hash", "valueFrom": {"podTemplateHashValue": "Stable"}},
    {"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
]


class MissingFiles(RuntimeError):
    """The demo runs from somewhere without the repository's crds/ and examples/."""


def example(router: DemoRouter) -> Path:
    return EXAMPLES / router.example


def _router_crds(router: DemoRouter) -> list[Path]:
    return [THIRD_PARTY_CRDS / name for name in router.crds]


def check(router: DemoRouter) -> None:
    """Raise MissingFiles naming what is missing."""
    wanted = [*sorted(CRDS.glob("*.yaml")), *_router_crds(router), TEMPLATES, JUDGE_TEMPLATES, example(router)]
    missing = [str(path) for path in wanted if not path.exists()]
    if missing or not list(CRDS.glob("*.yaml")):
        raise MissingFiles(
            "the demo needs the repository's crds/ and examples/ next to the package; "
            f"missing: {', '.join(missing) or CRDS}"
        )


def install_crds(cluster: LocalCluster, router: DemoRouter) -> None:
    """Apply crds/*.yaml and the router's CRDs (crds/third-party/: Istio's, the Gateway API's, SMI's); wait until
    they are Established."""
    files = [arg for path in [*sorted(CRDS.glob("*.yaml")), *_router_crds(router)] for arg in ("-f", str(path))]
    cluster.kubectl("apply", "--server-side", "--force-conflicts", *files)
    cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s", *files, timeout=90)


def create_namespace(cluster: LocalCluster, namespace: str) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    cluster.kubectl("apply", "--server-side", "-f", "-", input=json.dumps(body))


def apply_example(cluster: LocalCluster, namespace: str, router: DemoRouter, *, judge: bool = False) -> None:
    """Everything the Rollout refers to (AnalysisTemplates, Services, the router's object) first, then the Rollout: the
    controller would report a Rollout whose Services do not exist yet as InvalidSpec (Degraded) until they do.
    With `judge`, the judge's templates, and the Rollout's analysis steps use the judge (`with_judge`)."""
    files = sorted((JUDGE_TEMPLATES if judge else TEMPLATES).glob("*.yaml")) + sorted(example(router).glob("*.yaml"))
    documents = [doc for path in files for doc in yaml.safe_load_all(path.read_text()) if doc]
    if judge:
        documents = [with_judge(doc) if doc.get("kind") == "Rollout" else doc for doc in documents]
    for batch in (
        [doc for doc in documents if doc.get("kind") != "Rollout"],
        [doc for doc in documents if doc.get("kind") == "Rollout"],
    ):
        cluster.kubectl("apply", "--server-side", "-n", namespace, "-f", "-", input=yaml.safe_dump_all(batch))


def with_judge(rollout: dict[str, Any]) -> dict[str, Any]:
    """A copy of `rollout` whose analysis steps run the judge's template against the stable version."""
    changed = copy.deepcopy(rollout)
    for step in changed["spec"]["strategy"]["canary"]["steps"]:
        if "analysis" in step:
            step["analysis"] = {"templates": [{"templateName": JUDGE_TEMPLATE}], "args": copy.deepcopy(JUDGE_ARGS)}
    return changed
