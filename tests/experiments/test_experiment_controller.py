"""The Experiment controller on the real local control plane, with the AnalysisRun controller measuring its runs.

Both run in-process with their own instance id; every Experiment here carries that id, so no other controller
touches them. Argo's own fixtures (its e2e experiment suite and expected failures) are applied as written, except
where kwok cannot reproduce the failure (it runs no containers, so a bad image or `exit 1` never fails): there the
pods are made unschedulable, which fails the same way. Aspects: templates become ReplicaSets with a Service, the
duration ends the experiment, the ReplicaSet scales to 0 after scaleDownDelaySeconds and the Service is deleted;
a missing AnalysisTemplate → Error; a failing analysis → Failed and its ReplicaSet scaled down; a template that
never becomes available → Failed at its progress deadline; an invalid spec → InvalidSpec and nothing created;
terminate → Successful with the run terminated; `kubectl rollouts get/list/terminate experiment`.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from analysis.controller import AnalysisRunController
from api.argo_corpus import CORPUS
from helpers import wait_until
from plugin.cli import cli
from plugin.context import CliContext
from rollouts import api
from rollouts.controller.experiments import ExperimentController
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.machinery.clock import RealClock
from rollouts.plan.names import INSTANCE_ID_LABEL

pytestmark = pytest.mark.cluster

INSTANCE_ID = f"experiment-test-{uuid.uuid4().hex[:6]}"
NOWHERE = {"rollouts.test/no-such-node": "true"}  # no node has this label: the pods stay Pending


@pytest.fixture(scope="module")
def controllers(kube: Kube, crds: None) -> Iterator[None]:
    stop = threading.Event()
    clock = RealClock()
    running = [
        AnalysisRunController(kube, clock=clock, instance_id=INSTANCE_ID, workers=4),
        ExperimentController(kube, clock=clock, instance_id=INSTANCE_ID, workers=4),
    ]
    for controller in running:
        controller.start(stop)
    try:
        yield
    finally:
        for controller in running:
            controller.stop(timeout=30)
        stop.set()


def fixture(name: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all((CORPUS / name).read_text()) if doc]


def create(kube: Kube, namespace: str, document: dict[str, Any]) -> str:
    body = copy.deepcopy(document)
    metadata = body["metadata"]
    if body["kind"] == "Experiment":
        metadata.setdefault("labels", {})[INSTANCE_ID_LABEL] = INSTANCE_ID
    resource = {"Experiment": resources.EXPERIMENTS, "AnalysisTemplate": resources.ANALYSIS_TEMPLATES}[body["kind"]]
    return str(kube.create(resource, namespace, body)["metadata"]["name"])


def experiment(kube: Kube, namespace: str, name: str) -> dict[str, Any]:
    return kube.get(resources.EXPERIMENTS, namespace, name)


def wait_for_phase(kube: Kube, namespace: str, name: str, phase: str, timeout: float = 60) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        status = experiment(kube, namespace, name).get("status") or {}
        return status if status.get("phase") == phase else None

    try:
        return wait_until(probe, timeout=timeout, interval=0.3, what=f"experiment {name} phase {phase}")
    except AssertionError as error:
        raise AssertionError(f"{error}; status={experiment(kube, namespace, name).get('status')}") from None


def replica_set(kube: Kube, namespace: str, name: str) -> dict[str, Any]:
    return kube.get(resources.REPLICASETS, namespace, name)


def services(kube: Kube, namespace: str) -> list[str]:
    return [s["metadata"]["name"] for s in kube.list(resources.SERVICES, namespace)[0]]


def test_experiment_with_service_runs_its_duration_then_scales_down(
    kube: Kube, namespace: str, controllers: None
) -> None:
    (document,) = fixture("test/e2e/functional/experiment-with-service.yaml")
    name = create(kube, namespace, document)
    running = wait_for_phase(kube, namespace, name, "Running")
    assert running["availableAt"]
    (template,) = running["templateStatuses"]
    assert (template["name"], template["status"], template["availableReplicas"]) == ("test", "Running", 1)
    rs = replica_set(kube, namespace, "experiment-with-service-test")
    assert rs["spec"]["replicas"] == 1
    assert rs["metadata"]["annotations"]["experiment.argoproj.io/template-name"] == "test"
    assert wait_until(
        lambda: services(kube, namespace) == ["experiment-with-service-test"], what="the template's Service"
    )
    done = wait_for_phase(kube, namespace, name, "Successful", timeout=40)
    assert done["templateStatuses"][0]["status"] == "Successful"
    progressing = next(c for c in done["conditions"] if c["type"] == "Progressing")
    assert (progressing["status"], progressing["reason"]) == ("False", "ExperimentCompleted")
    wait_until(
        lambda: replica_set(kube, namespace, "experiment-with-service-test")["spec"]["replicas"] == 0,
        timeout=30,
        what="scale-down after scaleDownDelaySeconds",
    )
    wait_until(lambda: services(kube, namespace) == [], timeout=30, what="the Service deleted")


def test_missing_analysis_template_is_an_error(kube: Kube, namespace: str, controllers: None) -> None:
    (document,) = fixture("test/e2e/expectedfailures/experiment-error-template-missing.yaml")
    name = create(kube, namespace, document)
    status = wait_for_phase(kube, namespace, name, "Error")
    assert status["message"] == (
        "AnalysisTemplate verification failed for analysis 'does-not-exist': "
        'analysistemplate.argoproj.io "does-not-exist" not found'
    )
    wait_until(
        lambda: replica_set(kube, namespace, f"{name}-baseline")["spec"]["replicas"] == 0, timeout=60, what="scale-down"
    )


def test_failed_analysis_fails_the_experiment(kube: Kube, namespace: str, controllers: None) -> None:
    template, document = fixture("test/e2e/expectedfailures/experiment-failed-analysis.yaml")
    job = template["spec"]["metrics"][0]["provider"]["job"]["spec"]
    job["activeDeadlineSeconds"] = 1  # kwok runs no `exit 1`: a Job that can never run fails at its deadline
    job["template"]["spec"]["nodeSelector"] = NOWHERE
    create(kube, namespace, template)
    name = create(kube, namespace, document)
    status = wait_for_phase(kube, namespace, name, "Failed", timeout=90)
    (run,) = status["analysisRuns"]
    assert (run["name"], run["analysisRun"], run["phase"]) == ("bad-job", f"{name}-bad-job", "Failed")
    assert status["message"] == run["message"]


def test_template_never_available_fails_at_its_progress_deadline(kube: Kube, namespace: str, controllers: None) -> None:
    (document,) = fixture("test/e2e/expectedfailures/experiment-degrade.yaml")
    document["spec"]["templates"][0]["template"]["spec"]["nodeSelector"] = NOWHERE  # kwok pulls no image
    name = create(kube, namespace, document)
    assert wait_for_phase(kube, namespace, name, "Pending")["templateStatuses"][0]["status"] == "Progressing"
    status = wait_for_phase(kube, namespace, name, "Failed", timeout=60)
    assert status["message"] == "Template 'image-does-not-exist' exceeded its progressDeadlineSeconds (30)"


def test_invalid_spec_is_reported_and_nothing_is_created(kube: Kube, namespace: str, controllers: None) -> None:
    (document,) = fixture("test/e2e/expectedfailures/experiment-invalid.yaml")
    name = create(kube, namespace, document)

    def invalid() -> dict[str, Any] | None:
        found = (experiment(kube, namespace, name).get("status") or {}).get("conditions") or []
        return next((c for c in found if c["type"] == "InvalidSpec"), None)

    condition = wait_until(invalid, what="InvalidSpec condition")
    assert condition["message"] == f'The Experiment "{name}" is invalid: spec.templates[1].template.spec: required'
    assert kube.list(resources.REPLICASETS, namespace)[0] == []


def test_terminate_ends_the_experiment_and_its_runs(kube: Kube, namespace: str, controllers: None) -> None:
    create(
        kube,
        namespace,
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AnalysisTemplate",
            "metadata": {"name": "forever"},
            "spec": {
                "metrics": [
                    {
                        "name": "sleep",
                        "provider": {
                            "job": {
                                "spec": {
                                    "template": {
                                        "spec": {
                                            "nodeSelector": NOWHERE,
                                            "restartPolicy": "Never",
                                            "containers": [{"name": "c", "image": "alpine"}],
                                        }
                                    }
                                }
                            }
                        },
                    }
                ]
            },
        },
    )
    (document,) = fixture("test/e2e/functional/experiment-basic.yaml")
    document["spec"].pop("duration", None)
    document["spec"]["scaleDownDelaySeconds"] = 0
    document["spec"]["analyses"] = [{"name": "watch", "templateName": "forever"}]
    name = create(kube, namespace, document)
    running = wait_for_phase(kube, namespace, name, "Running")
    wait_until(
        lambda: (
            (experiment(kube, namespace, name).get("status") or {}).get("analysisRuns", [{}])[0].get("phase")
            == "Running"
        ),
        what="the run running",
    )
    assert running["templateStatuses"]
    kube.patch(resources.EXPERIMENTS, namespace, name, {"spec": {"terminate": True}})
    status = wait_for_phase(kube, namespace, name, "Successful")
    assert all(t["status"] == "Successful" for t in status["templateStatuses"])
    run = kube.get(resources.ANALYSIS_RUNS, namespace, f"{name}-watch")
    assert run["spec"].get("terminate") is True
    for template in status["templateStatuses"]:
        wait_until(
            lambda t=template: replica_set(kube, namespace, f"{name}-{t['name']}")["spec"]["replicas"] == 0,
            what="scaled to 0",
        )


def test_plugin_gets_lists_and_terminates_an_experiment(kube: Kube, namespace: str, controllers: None) -> None:
    (document,) = fixture("test/e2e/functional/experiment-basic.yaml")
    document["spec"]["duration"] = "1h"
    name = create(kube, namespace, document)
    wait_for_phase(kube, namespace, name, "Running")

    def plugin(*args: str) -> str:
        result = CliRunner().invoke(
            cli, ["-n", namespace, *args], obj=CliContext(kube_client=kube), catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        return result.output

    page = plugin("get", "experiment", name).splitlines()
    assert page[:3] == [f"Name:            {name}", f"Namespace:       {namespace}", "Status:          ◌ Running"]
    assert page[3:5] == [
        "Images:          argoproj/rollouts-demo:blue",
        "                 argoproj/rollouts-demo:yellow",
    ]
    tree = [line.split() for line in page[6:]]
    assert tree[0] == ["NAME", "KIND", "STATUS", "AGE", "INFO"]
    assert tree[1][:5] == ["Σ", name, "Experiment", "◌", "Running"]
    assert [row[1] for row in tree if row[2:3] == ["ReplicaSet"]] == [f"{name}-baseline", f"{name}-canary"]
    table = [line.split() for line in plugin("list", "exp").splitlines()]
    assert table[0] == ["NAME", "STATUS", "DURATION", "REMAINING", "AGE"]
    assert table[1][:3] == [name, "Running", "60m"]
    assert plugin("terminate", "exp", name) == f"experiment '{name}' terminated\n"
    wait_for_phase(kube, namespace, name, "Successful")


def test_a_template_the_cache_has_not_seen_yet_is_read_from_the_api(kube: Kube, namespace: str, crds: None) -> None:
    """An Experiment created just after its AnalysisTemplate can be reconciled before the template's watch event
    arrives; "not found" would end it in Error for good, so a cache miss is confirmed against the API."""
    create(
        kube,
        namespace,
        {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "AnalysisTemplate",
            "metadata": {"name": "just-made"},
            "spec": {"metrics": [{"name": "m", "provider": {"web": {"url": "http://x"}}}]},
        },
    )
    controller = ExperimentController(kube, clock=RealClock(), instance_id=INSTANCE_ID, workers=1)  # never started
    (document,) = fixture("test/e2e/functional/experiment-basic.yaml")
    document["metadata"].update(namespace=namespace, name="e", uid="u")
    model = api.parse_experiment(document)
    assert not isinstance(model, list), model
    observed = controller._observe(document, model)
    assert observed.lookup("just-made", False) is not None
    assert observed.lookup("never-made", False) is None


def test_a_malformed_template_is_read_as_argo_reads_it(kube: Kube, namespace: str, controllers: None) -> None:
    # Argo's tolerant informer drops `memory: invalid` (Go cannot decode it) and runs the template without it.
    (document,) = fixture("test/e2e/expectedfailures/malformed-experiment.yaml")
    name = create(kube, namespace, document)
    wait_for_phase(kube, namespace, name, "Running")
    container = replica_set(kube, namespace, f"{name}-canary")["spec"]["template"]["spec"]["containers"][0]
    assert "requests" not in (container.get("resources") or {})
