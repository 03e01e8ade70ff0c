"""Argo Rollouts' own manifests (../shared/argo-manifests) load into our models, round-trip, and validate.

Files under test/e2e/expectedfailures/ are broken on purpose: for each we pin the errors that name the bad field
(or none, when the failure only shows at runtime). Valid manifests may only draw "unsupported" errors, for the
features this controller does not implement, and those are pinned per file too.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
import yaml

from api.argo_corpus import CORPUS  # tests/ is on sys.path (conftest)
from rollouts import api

if not CORPUS.is_dir():
    pytest.skip(f"Argo manifest corpus not found at {CORPUS}", allow_module_level=True)

EXPECTED_FAILURES = "test/e2e/expectedfailures/"

# YAML that no parser accepts (a list item indented under a mapping); kubectl cannot apply it either.
UNPARSEABLE = {"test/e2e/expectedfailures/analysis-run-failfast.yaml"}

_QUANTITY = 'invalid quantity "invalid"'
_JOB_POD = "spec.metrics[0].provider.job.spec.template.spec"

# file -> errors of its documents of our kinds, in order ([] = fails only at runtime: missing template, bad image...)
EXPECTED_ERRORS: dict[str, list[list[str]]] = {
    "test/e2e/expectedfailures/analysis-run-prometheus-bad-server.yaml": [
        ["spec.metrics[0].provider.prometheus.query: required"],
    ],
    "test/e2e/expectedfailures/experiment-degrade.yaml": [[]],
    "test/e2e/expectedfailures/experiment-error-template-missing.yaml": [[]],
    "test/e2e/expectedfailures/experiment-failed-analysis.yaml": [[], []],
    "test/e2e/expectedfailures/experiment-invalid.yaml": [["spec.templates[1].template.spec: required"]],
    "test/e2e/expectedfailures/malformed-analysisrun.yaml": [
        [
            f"{_JOB_POD}.containers[0].resources.requests.memory: {_QUANTITY}",
            f"{_JOB_POD}.restartPolicy: a Job's pods need restartPolicy Never or OnFailure",
        ]
    ],
    "test/e2e/expectedfailures/malformed-analysistemplate.yaml": [
        [
            f"{_JOB_POD}.containers[0].resources.requests.memory: {_QUANTITY}",
            f"{_JOB_POD}.restartPolicy: a Job's pods need restartPolicy Never or OnFailure",
        ]
    ],
    "test/e2e/expectedfailures/malformed-clusteranalysistemplate.yaml": [
        [
            f"{_JOB_POD}.containers[0].resources.requests.memory: {_QUANTITY}",
            f"{_JOB_POD}.restartPolicy: a Job's pods need restartPolicy Never or OnFailure",
        ]
    ],
    "test/e2e/expectedfailures/malformed-experiment.yaml": [
        [f"spec.templates[0].template.spec.containers[0].resources.requests.memory: {_QUANTITY}"],
    ],
    "test/e2e/expectedfailures/malformed-rollout-ephemeral.yaml": [
        [
            f"spec.template.spec.containers[0].resources.requests.memory: {_QUANTITY}",
            'spec.template.spec.ephemeralContainers[0].name: duplicate container name "malformed-rollout-ephemeral"',
            f"spec.template.spec.ephemeralContainers[0].resources.requests.memory: {_QUANTITY}",
        ]
    ],
    "test/e2e/expectedfailures/malformed-rollout.yaml": [
        [f"spec.template.spec.containers[0].resources.requests.memory: {_QUANTITY}"],
    ],
}

# valid file -> the "unsupported" errors of its Rollout
EXPECTED_UNSUPPORTED: dict[str, list[str]] = {}


@functools.cache
def _load(name: str) -> list[Any] | None:
    try:
        return list(yaml.safe_load_all((CORPUS / name).read_text(encoding="utf-8")))
    except yaml.YAMLError:
        return None


def _ours(document: Any) -> bool:
    return (
        isinstance(document, dict)
        and document.get("apiVersion") == api.API_VERSION
        and document.get("kind") in api.KINDS
    )


FILES = sorted(p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*.y*ml"))
DOCUMENTS = [
    (name, index, document)
    for name in FILES
    for index, document in enumerate([d for d in _load(name) or [] if _ours(d)])
]


def _params(select: Any) -> list[Any]:
    return [pytest.param(name, doc, id=f"{name}#{i}") for name, i, doc in DOCUMENTS if select(name)]


def test_corpus_is_complete() -> None:
    assert {name for name in FILES if _load(name) is None} == UNPARSEABLE
    kinds = sorted({doc["kind"] for _, _, doc in DOCUMENTS})
    assert kinds == sorted(api.KINDS)
    assert len(DOCUMENTS) >= 90
    names = {name for name, _, _ in DOCUMENTS}
    assert set(EXPECTED_ERRORS) <= names and set(EXPECTED_UNSUPPORTED) <= names
    assert set(EXPECTED_ERRORS) | UNPARSEABLE == {n for n in FILES if n.startswith(EXPECTED_FAILURES)}


@pytest.mark.parametrize(("name", "document"), _params(lambda name: True))
def test_document_loads_and_round_trips(name: str, document: dict[str, Any]) -> None:
    model = api.parse(document, check=False)
    assert isinstance(model, api.KubeModel), model
    assert model.to_dict() == document


@pytest.mark.parametrize(("name", "document"), _params(lambda name: not name.startswith(EXPECTED_FAILURES)))
def test_valid_document_has_no_errors(name: str, document: dict[str, Any]) -> None:
    errors = api.validate(document)
    assert [str(e) for e in errors if e.kind == api.INVALID] == []
    unsupported = [str(e) for e in errors if e.kind == api.UNSUPPORTED]
    expected = {"Rollout": EXPECTED_UNSUPPORTED.get(name, [])}
    assert unsupported == expected.get(document["kind"], [])


@pytest.mark.parametrize(("name", "expected"), list(EXPECTED_ERRORS.items()))
def test_expected_failure_names_the_bad_field(name: str, expected: list[list[str]]) -> None:
    documents = [doc for doc in _load(name) or [] if _ours(doc)]
    assert [[str(e) for e in api.validate(doc)] for doc in documents] == expected
