"""workloadRef decisions (rollouts.plan.workload), as tables. Pure: no API.

Aspects: the Rollout takes the Deployment's template and selector (its own selector wins), and the pod-template hash
is Argo's for that template; a missing Deployment or an unusable template is a problem naming spec.workloadRef.name;
the workload-generation annotation and status.workloadObservedGeneration follow the Deployment's generation (and are
cleared without workloadRef); the Deployment is scaled by scaleDown (never, onsuccess, progressively), only for the
first revision, and never up.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from rollouts import api
from rollouts.api.labels import WORKLOAD_GENERATION_ANNOTATION
from rollouts.plan import replicasets, runs, workload
from rollouts.plan.actions import AnnotateRollout, CreateReplicaSet, Plan, ScaleDeployment
from rollouts.plan.decide import decide
from rollouts.plan.observed import Observed, ReplicaSet

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
TEMPLATE = {
    "metadata": {"labels": {"app": "guestbook"}},
    "spec": {"containers": [{"name": "guestbook", "image": "argoproj/rollouts-demo:blue"}]},
}
ARGO_HASH = "65cb8f49c9"
"""Argo's hash of TEMPLATE (tests/plan/test_argo_hash.py, "plain")."""


def a_deployment(*, replicas: int = 5, generation: int = 1, template: Any = None) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "ns", "generation": generation},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "guestbook"}},
            "template": copy.deepcopy(TEMPLATE if template is None else template),
        },
    }


def a_rollout(*, scale_down: str | None = None, annotations: dict[str, str] | None = None, **spec: Any) -> Any:
    ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    if scale_down is not None:
        ref["scaleDown"] = scale_down
    raw = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {
            "name": "demo",
            "namespace": "ns",
            "uid": "uid",
            "generation": 1,
            "annotations": annotations or {},
        },
        "spec": {"replicas": 5, "workloadRef": ref, "strategy": {"canary": {}}, **spec},
    }
    assert api.validate(raw) == []
    return raw


def resolved(raw: dict[str, Any], deployment: dict[str, Any] | None) -> workload.Resolved:
    model = api.parse_rollout(raw)
    assert not isinstance(model, list)
    return workload.resolve(model, deployment)


def test_the_rollout_takes_the_deployments_template_and_selector_and_argos_hash() -> None:
    found = resolved(a_rollout(), a_deployment())
    assert found.problems == ()
    assert found.rollout.spec.template == TEMPLATE
    assert found.rollout.spec.selector == {"matchLabels": {"app": "guestbook"}}
    assert found.workload == workload.Workload("web", 1, 5, TEMPLATE, {"matchLabels": {"app": "guestbook"}})
    assert replicasets.desired_hash(found.rollout) == ARGO_HASH


def test_the_rollouts_own_selector_wins() -> None:
    own = {"matchLabels": {"app": "guestbook", "tier": "web"}}
    found = resolved(a_rollout(selector=own), a_deployment())
    assert found.rollout.spec.selector == own
    assert found.problems == (
        'spec.workloadRef.name: Deployment "web" spec.template.metadata.labels: `selector` does not match template '
        "`labels`",
    )


@pytest.mark.parametrize(
    ("deployment", "problem"),
    [
        pytest.param(None, 'spec.workloadRef.name: Deployment "web" not found', id="missing"),
        pytest.param(
            a_deployment(template={"metadata": {"labels": {"app": "guestbook"}}}),
            'spec.workloadRef.name: Deployment "web" spec.template.spec: required',
            id="no-pod-spec",
        ),
    ],
)
def test_an_unusable_deployment_is_a_problem_naming_the_field(deployment: Any, problem: str) -> None:
    assert resolved(a_rollout(), deployment).problems == (problem,)


def test_without_workload_ref_nothing_changes() -> None:
    raw = a_rollout()
    raw["spec"].pop("workloadRef")
    raw["spec"].update(template=TEMPLATE, selector={"matchLabels": {"app": "guestbook"}})
    model = api.parse_rollout(raw)
    assert not isinstance(model, list)
    assert workload.resolve(model, a_deployment()) == workload.Resolved(model)


def observed(
    raw: dict[str, Any], deployment: dict[str, Any], *, revision: int = 1, ready: int = 0, phase: str = "Progressing"
) -> tuple[Observed, api.RolloutStatus]:
    found = resolved(raw, deployment)
    rs = ReplicaSet.from_raw(
        {
            "metadata": {
                "name": f"demo-{ARGO_HASH}",
                "labels": {"rollouts-pod-template-hash": ARGO_HASH},
                "annotations": {"rollout.argoproj.io/revision": str(revision)},
            },
            "spec": {"replicas": 5, "template": TEMPLATE},
            "status": {"replicas": 5, "readyReplicas": ready, "availableReplicas": ready},
        }
    )
    status = api.RolloutStatus(current_pod_hash=ARGO_HASH, phase=phase)
    return Observed(rollout=found.rollout, raw=raw, replica_sets=(rs,), workload=found.workload), status


@pytest.mark.parametrize(
    ("scale_down", "deployment_replicas", "revision", "ready", "phase", "expected"),
    [
        pytest.param(None, 5, 1, 5, "Healthy", None, id="never-by-default"),
        pytest.param("never", 5, 1, 5, "Healthy", None, id="never"),
        pytest.param("onsuccess", 5, 1, 3, "Progressing", None, id="onsuccess-waits-for-healthy"),
        pytest.param("onsuccess", 5, 1, 5, "Healthy", 0, id="onsuccess-healthy"),
        pytest.param("onsuccess", 5, 2, 5, "Healthy", None, id="onsuccess-only-the-first-revision"),
        pytest.param("progressively", 5, 1, 0, "Progressing", None, id="progressively-nothing-ready"),
        pytest.param("progressively", 5, 1, 2, "Progressing", 3, id="progressively-one-for-each-ready-pod"),
        pytest.param("progressively", 2, 1, 2, "Progressing", 2, id="progressively-never-scales-up"),
        pytest.param("progressively", 0, 1, 2, "Progressing", 0, id="progressively-already-empty"),
        pytest.param("progressively", 3, 1, 5, "Healthy", 0, id="progressively-healthy"),
        pytest.param("progressively", 5, 2, 2, "Progressing", None, id="progressively-only-the-first-revision"),
    ],
)
def test_scale_down(
    scale_down: str | None, deployment_replicas: int, revision: int, ready: int, phase: str, expected: int | None
) -> None:
    seen, status = observed(
        a_rollout(scale_down=scale_down), a_deployment(replicas=deployment_replicas), revision=revision, ready=ready
    )
    status = status.model_copy(update={"phase": phase})
    assert seen.workload is not None
    assert workload.scale_down_to(seen, seen.workload, status) == expected


def test_settle_annotates_the_generation_and_scales() -> None:
    seen, status = observed(
        a_rollout(scale_down="progressively"), a_deployment(generation=3), ready=2, phase="Progressing"
    )
    settled = workload.settle(seen, Plan(actions=(), status=status))
    assert settled.actions == (
        AnnotateRollout({WORKLOAD_GENERATION_ANNOTATION: "3"}),
        ScaleDeployment("web", replicas=3, previous=5),
    )
    assert settled.status.workload_observed_generation == "3"


def test_settle_writes_nothing_new_once_the_generation_is_recorded() -> None:
    raw = a_rollout(annotations={WORKLOAD_GENERATION_ANNOTATION: "3"})
    seen, status = observed(raw, a_deployment(generation=3), ready=5, phase="Healthy")
    settled = workload.settle(seen, Plan(actions=(), status=status))
    assert settled.actions == ()
    assert settled.status.workload_observed_generation == "3"


def test_settle_clears_the_observed_generation_without_workload_ref() -> None:
    raw = a_rollout()
    raw["spec"].pop("workloadRef")
    raw["spec"].update(template=TEMPLATE, selector={"matchLabels": {"app": "guestbook"}})
    model = api.parse_rollout(raw)
    assert not isinstance(model, list)
    before = api.RolloutStatus(workload_observed_generation="4")
    settled = workload.settle(Observed(rollout=model, raw=raw), Plan(actions=(), status=before))
    assert settled.status.workload_observed_generation is None


def test_decide_creates_the_first_replica_set_from_the_deployments_template() -> None:
    found = resolved(a_rollout(scale_down="onsuccess"), a_deployment(generation=2))
    plan = decide(observed=Observed(rollout=found.rollout, raw=a_rollout(), workload=found.workload), now=NOW)
    created = [action.body["metadata"]["name"] for action in plan.actions if isinstance(action, CreateReplicaSet)]
    assert created == [f"demo-{ARGO_HASH}"]
    assert plan.actions[0] == AnnotateRollout({WORKLOAD_GENERATION_ANNOTATION: "2"})
    assert plan.status.workload_observed_generation == "2"
    assert not any(isinstance(action, ScaleDeployment) for action in plan.actions)


def test_field_ref_arguments_see_the_deployments_template() -> None:
    seen, _ = observed(a_rollout(), a_deployment())
    arg = api.Argument.model_validate(
        {"name": "image", "valueFrom": {"fieldRef": {"fieldPath": "spec.template.spec.containers[0].image"}}}
    )
    found = runs.resolve_argument(arg, seen, new_hash=ARGO_HASH, stable_hash=None)
    assert found.value == "argoproj/rollouts-demo:blue"
    assert "template" not in seen.raw["spec"], "the Rollout as read is left as it was"
