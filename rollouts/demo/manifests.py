"""What the demo installs: our CRDs, Istio's, the ready-made AnalysisTemplates and the example, from the checkout.

Applies them with the toolchain's kubectl (server-side, so re-applying is harmless) and waits until the CRDs are
Established. The files are read from the source tree this package runs from; nothing is generated or fetched.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from rollouts.cluster.local import LocalCluster

REPO = Path(__file__).resolve().parents[2]
CRDS = REPO / "crds"
ISTIO_CRDS = CRDS / "third-party" / "istio.yaml"
TEMPLATES = REPO / "examples" / "analysis-templates"
EXAMPLE = REPO / "examples" / "istio-canary-analysis"


class MissingFiles(RuntimeError):
    """The demo runs from somewhere without the repository's crds/ and examples/."""


def check() -> None:
    """Raise MissingFiles naming what is missing."""
    wanted = [*sorted(CRDS.glob("*.yaml")), ISTIO_CRDS, TEMPLATES, EXAMPLE]
    missing = [str(path) for path in wanted if not path.exists()]
    if missing or not list(CRDS.glob("*.yaml")):
        raise MissingFiles(f"the demo needs the repository's crds/ and examples/ next to the package; missing: {', '.join(missing) or CRDS}")


def install_crds(cluster: LocalCluster) -> None:
    """Apply crds/*.yaml and Istio's VirtualService and DestinationRule CRDs; wait until they are Established."""
    files = [arg for path in [*sorted(CRDS.glob("*.yaml")), ISTIO_CRDS] for arg in ("-f", str(path))]
    cluster.kubectl("apply", "--server-side", "--force-conflicts", *files)
    cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s", *files, timeout=90)


def create_namespace(cluster: LocalCluster, namespace: str) -> None:
    body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    cluster.kubectl("apply", "--server-side", "-f", "-", input=json.dumps(body))


def apply_example(cluster: LocalCluster, namespace: str) -> None:
    """Everything the Rollout refers to (AnalysisTemplates, Services, VirtualService) first, then the Rollout: the
    controller would report a Rollout whose Services do not exist yet as InvalidSpec (Degraded) until they do."""
    files = sorted(TEMPLATES.glob("*.yaml")) + sorted(EXAMPLE.glob("*.yaml"))
    for batch in ([path for path in files if not _has_rollout(path)], [path for path in files if _has_rollout(path)]):
        cluster.kubectl("apply", "--server-side", "-n", namespace, *(arg for path in batch for arg in ("-f", str(path))))


def _has_rollout(path: Path) -> bool:
    return any(doc and doc.get("kind") == "Rollout" for doc in yaml.safe_load_all(path.read_text()))
