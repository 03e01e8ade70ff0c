"""What Argo's lenient decoding keeps of a Rollout whose pod template Go's strict decoding refuses."""

from __future__ import annotations

from typing import Any

import pytest

from rollouts.api.tolerant import tolerate
from rollouts.api.validation import check_rollout, parse_experiment

BAD = {"requests": {"memory": "invalid"}}


def check_experiment(raw: dict[str, Any]) -> list[Any]:
    parsed = parse_experiment(raw)
    return parsed if isinstance(parsed, list) else []


def rollout(template_spec: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "r", "namespace": "ns"},
        "spec": {
            "selector": {"matchLabels": {"app": "r"}},
            "template": {"metadata": {"labels": {"app": "r"}}, "spec": template_spec},
            "strategy": {"canary": {}},
            **spec,
        },
        "status": {"phase": "Healthy"},
    }


def container(name: str = "c", **fields: Any) -> dict[str, Any]:
    return {"name": name, "image": "nginx", **fields}


def test_a_valid_rollout_is_read_as_it_is() -> None:
    raw = rollout(
        {"containers": [container(resources={"requests": {"cpu": 0.001, "memory": " 1Gi "}, "limits": {"x": None}})]}
    )
    assert tolerate(raw) == (raw, None)


def test_argo_e2e_malformed_rollout_loses_its_requests_and_becomes_valid() -> None:
    """Argo's expectedfailures/malformed-rollout.yaml: the Rollout goes Healthy with no memory request."""
    raw = rollout({"containers": [container(resources={"requests": {"memory": "invalid"}})]})
    assert check_rollout(raw)[1]  # strict reading refuses it
    tolerated, problem = tolerate(raw)
    assert problem == 'spec.template.spec.containers[0].resources.requests.memory: invalid quantity "invalid"'
    assert tolerated["spec"]["template"]["spec"]["containers"] == [container(resources={"requests": {}})]
    assert tolerated["spec"]["strategy"] == {"canary": {}}
    assert tolerated["status"] == {"phase": "Healthy"}  # kept, unlike Argo
    model, errors = check_rollout(tolerated)
    assert model is not None and errors == []


def test_reading_stops_at_the_bad_value_in_sorted_key_order() -> None:
    """Argo's expectedfailures/malformed-rollout-ephemeral.yaml: what sorts after the bad value is never read."""
    bad = {"requests": {"cpu": "1", "memory": "invalid", "zz": "2"}, "limits": {"cpu": "2"}}
    raw = rollout(
        {
            "containers": [container(resources=bad, tty=True), container("second")],
            "ephemeralContainers": [container(resources=bad)],
            "dnsPolicy": "Default",
        },
        workloadRef={"kind": "Deployment", "name": "d"},
        replicas=3,
    )
    tolerated, problem = tolerate(raw)
    assert problem is not None and problem.startswith("spec.template.spec.containers[0].resources.requests.memory:")
    resources = {"limits": {"cpu": "2"}, "requests": {"cpu": "1"}}
    assert tolerated["spec"]["template"]["spec"] == {"containers": [container(resources=resources)]}
    assert "workloadRef" not in tolerated["spec"]
    assert tolerated["spec"]["replicas"] == 3
    assert tolerated["metadata"] == raw["metadata"]


@pytest.mark.parametrize(
    ("template_spec", "kept", "where"),
    [
        (
            {"containers": [container(readinessProbe={"httpGet": {"port": 1.5, "path": "/"}, "periodSeconds": 1})]},
            {"containers": [container(readinessProbe={"httpGet": {"port": 0, "path": "/"}})]},
            "containers[0].readinessProbe.httpGet.port",
        ),
        (
            {"containers": [container()], "volumes": [{"name": "v", "emptyDir": {"sizeLimit": "1 Gi"}}]},
            {"containers": [container()], "volumes": [{"emptyDir": {"sizeLimit": "0"}}]},  # "name" sorts later
            "volumes[0].emptyDir.sizeLimit",
        ),
        (
            {"containers": [container()], "overhead": {"cpu": True}, "volumes": []},
            {"containers": [container()], "overhead": {}},
            "overhead.cpu",
        ),
    ],
)
def test_other_values_go_refuses(template_spec: dict[str, Any], kept: dict[str, Any], where: str) -> None:
    tolerated, problem = tolerate(rollout(template_spec))
    assert problem is not None and problem.startswith(f"spec.template.spec.{where}: ")
    assert tolerated["spec"]["template"]["spec"] == kept


def test_a_malformed_template_timestamp() -> None:
    raw = rollout({"containers": [container()]})
    raw["spec"]["template"]["metadata"]["creationTimestamp"] = "yesterday"
    tolerated, problem = tolerate(raw)
    assert problem is not None and problem.startswith("spec.template.metadata.creationTimestamp: ")
    assert tolerated["spec"]["template"] == {"metadata": {}}


def test_argo_e2e_malformed_experiment_loses_its_requests() -> None:
    """Argo's expectedfailures/malformed-experiment.yaml; what sorts after `templates` (terminate) is never read."""
    template = {"metadata": {"labels": {"app": "demo"}}, "spec": {"containers": [container(resources=BAD)]}}
    raw = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Experiment",
        "metadata": {"name": "malformed-experiment"},
        "spec": {
            "duration": "30s",
            "templates": [{"name": "canary", "selector": {"matchLabels": {"app": "demo"}}, "template": template}],
            "terminate": True,
        },
    }
    tolerated, problem = tolerate(raw)
    assert problem is not None and problem.startswith(
        "spec.templates[0].template.spec.containers[0].resources.requests.memory: "
    )
    kept = tolerated["spec"]["templates"][0]["template"]["spec"]["containers"]
    assert kept == [container(resources={"requests": {}})]
    assert tolerated["spec"]["duration"] == "30s" and "terminate" not in tolerated["spec"]
    assert check_experiment(tolerated) == []


@pytest.mark.parametrize("kind", ["AnalysisRun", "AnalysisTemplate", "ClusterAnalysisTemplate"])
def test_argo_e2e_malformed_analysis_job_loses_its_requests(kind: str) -> None:
    """Argo's expectedfailures/malformed-analysisrun.yaml (and -analysistemplate, -clusteranalysistemplate)."""
    job = {"spec": {"template": {"spec": {"containers": [container(resources=BAD)], "restartPolicy": "Never"}}}}
    raw = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": "malformed-analysis"},
        "spec": {"metrics": [{"name": "test", "provider": {"job": job}}]},
    }
    tolerated, problem = tolerate(raw)
    assert problem is not None and "job.spec.template.spec.containers[0].resources.requests.memory" in problem
    pod_spec = tolerated["spec"]["metrics"][0]["provider"]["job"]["spec"]["template"]["spec"]
    assert pod_spec == {"containers": [container(resources={"requests": {}})]}  # restartPolicy sorts later


def test_other_kinds_are_read_as_they_are() -> None:
    raw = {"kind": "Deployment", "spec": {"template": {"spec": {"containers": [container(resources=BAD)]}}}}
    assert tolerate(raw) == (raw, None)
