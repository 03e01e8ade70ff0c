"""The generated CRDs on the real local control plane: accepted, established, and they accept what Argo accepts.

Uses the session `cluster` (with `.kubectl(...)`) and per-test `namespace` fixtures from tests/conftest.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.argo_corpus import CORPUS  # tests/ is on sys.path (conftest)
from helpers import wait_until
from rollouts import api
from rollouts.api import crdgen

pytestmark = pytest.mark.cluster

REPO = Path(__file__).resolve().parents[2]
CRDS = REPO / "crds"
CRD_NAMES = [f"{kind.plural}.{api.GROUP}" for kind in crdgen.KINDS]
PLURALS = {kind.name: kind.plural for kind in crdgen.KINDS}


@pytest.fixture(scope="module")
def crds(cluster: Any) -> Any:
    """The cluster, with crds/ applied and established."""
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-f", str(CRDS))
    # Not `kubectl wait --for condition=established`: it fails at once while a new CRD has no conditions yet.
    wait_until(lambda: all(_established(cluster, name) for name in CRD_NAMES), timeout=60, what="CRDs established")
    return cluster


def _established(cluster: Any, name: str) -> bool:
    conditions = _get(cluster, "crd", name).get("status", {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)


def _get(cluster: Any, *args: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(cluster.kubectl("get", *args, "-o", "json").stdout)
    return found


def _apply(cluster: Any, namespace: str, *documents: dict[str, Any], check: bool = True) -> Any:
    # These objects are for the API server only: an instance id keeps the session's controller away from them.
    for doc in documents:
        if str(doc.get("apiVersion", "")).startswith("argoproj.io/"):
            labels = doc.setdefault("metadata", {}).setdefault("labels", {}) or {}
            labels.setdefault("argo-rollouts.argoproj.io/controller-instance-id", "api-tests")
            doc["metadata"]["labels"] = labels
    text = "---\n".join(yaml.safe_dump(doc, sort_keys=False) for doc in documents)
    return cluster.kubectl("apply", "--server-side", "-n", namespace, "-f", "-", input=text, check=check)


def _rollout(name: str, replicas: int = 2, **container: Any) -> dict[str, Any]:
    return {
        "apiVersion": api.API_VERSION,
        "kind": "Rollout",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "app", "image": "nginx:1.25", **container}]},
            },
            "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}},
        },
    }


@pytest.mark.parametrize("name", CRD_NAMES)
def test_crds_are_established_and_structural(crds: Any, name: str) -> None:
    conditions = {c["type"]: c["status"] for c in _get(crds, "crd", name)["status"]["conditions"]}
    assert conditions.get("Established") == "True"
    assert conditions.get("NamesAccepted") == "True"
    assert conditions.get("NonStructuralSchema") in (None, "False")


def _corpus_documents() -> list[dict[str, Any]]:
    documents = []
    for path in sorted(CORPUS.rglob("*.y*ml")):
        try:
            loaded = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            continue  # one e2e fixture is not YAML at all; kubectl cannot read it either
        documents += [
            doc
            for doc in loaded
            if isinstance(doc, dict) and doc.get("apiVersion") == api.API_VERSION and doc.get("kind") in api.KINDS
        ]
    return documents


def test_every_argo_manifest_is_accepted(crds: Any, namespace: str) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"Argo manifest corpus not found at {CORPUS}")
    sent: dict[tuple[str, str], dict[str, Any]] = {}
    for index, original in enumerate(_corpus_documents()):
        metadata = {k: v for k, v in (original.get("metadata") or {}).items() if k not in ("name", "generateName")}
        # Cluster-scoped names are shared by every namespace, so make them unique to this test's namespace.
        name = f"{namespace}-{index}" if original["kind"] == "ClusterAnalysisTemplate" else f"argo-{index}"
        sent[(original["kind"], name)] = {**original, "metadata": {**metadata, "name": name}}
    cluster_templates = [name for kind, name in sent if kind == "ClusterAnalysisTemplate"]
    try:
        result = _apply(crds, namespace, *sent.values(), check=False)
        assert result.returncode == 0, result.stderr
        stored = {}
        for kind, plural in PLURALS.items():
            scope = [] if kind == "ClusterAnalysisTemplate" else ["-n", namespace]
            for item in _get(crds, f"{plural}.{api.GROUP}", *scope)["items"]:
                stored[(kind, item["metadata"]["name"])] = item
        for key, document in sent.items():
            assert key in stored, f"{key} was not stored"
            assert stored[key]["spec"] == document["spec"], f"{key}: the API server changed the spec"
            model = api.parse(stored[key], check=False)
            assert isinstance(model, api.KubeModel), (key, model)
            assert model.to_dict()["spec"] == document["spec"]
    finally:
        if cluster_templates:
            crds.kubectl("delete", f"clusteranalysistemplates.{api.GROUP}", *cluster_templates, "--ignore-not-found")


def test_invalid_quantity_reaches_the_controller(crds: Any, namespace: str) -> None:
    rollout = _rollout("bad-memory", resources={"requests": {"memory": "invalid"}})
    _apply(crds, namespace, rollout)
    stored = _get(crds, "rollout", "bad-memory", "-n", namespace)
    assert [str(e) for e in api.validate(stored)] == [
        'spec.template.spec.containers[0].resources.requests.memory: invalid quantity "invalid"'
    ]


def test_round_trip_keeps_unknown_pod_template_fields(crds: Any, namespace: str) -> None:
    rollout = _rollout("future", futureField={"nested": [1, {"deep": True}]}, resizePolicy=[{"resourceName": "cpu"}])
    rollout["spec"]["template"]["spec"]["someFuturePodField"] = "kept"
    _apply(crds, namespace, rollout)
    stored = _get(crds, "rollout", "future", "-n", namespace)
    parsed = api.parse_rollout(stored)
    assert isinstance(parsed, api.Rollout), parsed
    dumped = parsed.to_dict()
    assert dumped["spec"] == rollout["spec"]
    assert dumped["metadata"] == stored["metadata"]
    assert dumped == stored


def test_status_block_is_tolerated_and_status_is_a_subresource(crds: Any, namespace: str) -> None:
    rollout = _rollout("with-status")
    rollout["status"] = {"phase": "Healthy", "HPAReplicas": 9, "fieldFromANewerController": True}
    _apply(crds, namespace, rollout)
    stored = _get(crds, "rollout", "with-status", "-n", namespace)
    assert "HPAReplicas" not in stored.get("status", {})  # the main resource never writes status
    crds.kubectl(
        "patch",
        "rollout",
        "with-status",
        "-n",
        namespace,
        "--subresource=status",
        "--type=merge",
        "-p",
        json.dumps({"status": {"HPAReplicas": 3, "selector": "app=with-status", "phase": "Healthy"}}),
    )
    scale = json.loads(
        crds.kubectl(
            "get", "--raw", f"/apis/{api.API_VERSION}/namespaces/{namespace}/rollouts/with-status/scale"
        ).stdout
    )
    assert scale["spec"] == {"replicas": 2}
    assert scale["status"] == {"replicas": 3, "selector": "app=with-status"}


def test_kubectl_scale_changes_spec_replicas(crds: Any, namespace: str) -> None:
    _apply(crds, namespace, _rollout("scaled", replicas=2))
    crds.kubectl("scale", "rollout", "scaled", "-n", namespace, "--replicas=5")
    assert _get(crds, "rollout", "scaled", "-n", namespace)["spec"]["replicas"] == 5


def test_kubectl_explain_shows_field_docs(crds: Any) -> None:
    text = crds.kubectl("explain", "rollout.spec.strategy.canary.steps").stdout
    assert api.CanaryStrategy.model_fields["steps"].description in text
    for name, field in api.CanaryStep.model_fields.items():
        assert field.alias in text, name
        assert field.description is not None, name
        assert " ".join(field.description.split()) in " ".join(text.split()), name


@pytest.mark.parametrize(
    ("resource", "columns"),
    [
        pytest.param("ro", ["NAME", "DESIRED", "CURRENT", "UP-TO-DATE", "AVAILABLE", "AGE"], id="rollouts"),
        pytest.param("ar", ["NAME", "STATUS", "AGE"], id="analysisruns"),
        pytest.param("exp", ["NAME", "STATUS", "AGE"], id="experiments"),
        pytest.param("at", ["NAME", "AGE"], id="analysistemplates"),
    ],
)
def test_short_names_and_printer_columns(crds: Any, namespace: str, resource: str, columns: list[str]) -> None:
    _apply(
        crds,
        namespace,
        _rollout("demo"),
        {
            "apiVersion": api.API_VERSION,
            "kind": "AnalysisRun",
            "metadata": {"name": "demo"},
            "spec": {"metrics": [{"name": "m", "provider": {"web": {"url": "https://example.com"}}}]},
        },
        {
            "apiVersion": api.API_VERSION,
            "kind": "Experiment",
            "metadata": {"name": "demo"},
            "spec": {
                "templates": [
                    {
                        "name": "t",
                        "selector": {"matchLabels": {"a": "b"}},
                        "template": {
                            "metadata": {"labels": {"a": "b"}},
                            "spec": {"containers": [{"name": "c", "image": "nginx"}]},
                        },
                    }
                ]
            },
        },
        {
            "apiVersion": api.API_VERSION,
            "kind": "AnalysisTemplate",
            "metadata": {"name": "demo"},
            "spec": {"metrics": [{"name": "m", "provider": {"web": {"url": "https://example.com"}}}]},
        },
    )
    # Qualified by our group: APISIX's ApisixRoute is "ar" too, and the session may have installed it already.
    header, row = crds.kubectl("get", f"{resource}.{api.GROUP}", "-n", namespace).stdout.splitlines()[:2]
    assert header.split() == columns
    assert row.split()[0] == "demo"


def test_cluster_analysis_template_is_cluster_scoped(crds: Any, namespace: str) -> None:
    name = f"{namespace}-cat"
    template = {
        "apiVersion": api.API_VERSION,
        "kind": "ClusterAnalysisTemplate",
        "metadata": {"name": name},
        "spec": {"metrics": [{"name": "m", "provider": {"web": {"url": "https://example.com"}}}]},
    }
    try:
        crds.kubectl("apply", "--server-side", "-f", "-", input=yaml.safe_dump(template))
        stored = _get(crds, "cat", name)
        assert "namespace" not in stored["metadata"]
        assert api.parse_cluster_analysis_template(stored) == api.ClusterAnalysisTemplate.model_validate(stored)
    finally:
        crds.kubectl("delete", "cat", name, "--ignore-not-found")
