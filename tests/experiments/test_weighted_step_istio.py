"""Weighted experiment templates on the real control plane (Istio's CRDs, no mesh), driven by the session's
controller: Argo's e2e fixtures istio-host-split-experiment-step and istio-subset-split-experiment-step (setWeight 10,
then an experiment whose canary template has weight 20).

We test these aspects:
* during the experiment step the VirtualService routes stable 70 / canary 10 / the template's Service 20, the
  Rollout's status.canary.weights records the extra destination, and (subset split) the DestinationRule has a third
  subset named after that Service and labelled with the template's pod hash;
* `kubectl rollouts promote` past the step ends the Experiment, and the extra destination and subset go;
* removing trafficRouting from a subset-split Rollout hands the DestinationRule back (no hash labels, no
  managed-by annotation).
"""

from __future__ import annotations

from typing import Any

import pytest
from click.testing import CliRunner

from api.argo_corpus import CORPUS
from helpers import apply, wait_for_phase, wait_until
from plugin.cli import cli
from plugin.context import CliContext
from rollouts.kube import resources
from rollouts.kube.client import Kube

pytestmark = pytest.mark.cluster
HOST = CORPUS / "test/e2e/istio/istio-host-split-experiment-step.yaml"
SUBSET = CORPUS / "test/e2e/istio/istio-subset-split-experiment-step.yaml"
HASH = "rollouts-pod-template-hash"
MANAGED_BY = "argo-rollouts.argoproj.io/managed-by-rollouts"


def routes(kube: Kube, namespace: str, name: str) -> list[tuple[str, str | None, int]]:
    vs = kube.get(resources.VIRTUAL_SERVICES, namespace, name)
    return [
        (entry["destination"]["host"], entry["destination"].get("subset"), entry.get("weight", 0))
        for entry in vs["spec"]["http"][0]["route"]
    ]


def subsets(kube: Kube, namespace: str, name: str) -> dict[str, str | None]:
    rule = kube.get(resources.DESTINATION_RULES, namespace, name)
    return {s["name"]: (s.get("labels") or {}).get(HASH) for s in rule["spec"]["subsets"]}


def running_experiment(kube: Kube, namespace: str) -> dict[str, Any] | None:
    found = kube.list(resources.EXPERIMENTS, namespace)[0]
    return next((ex for ex in found if (ex.get("status") or {}).get("phase") == "Running"), None)


def update_and_wait_for_the_experiment(kube: Kube, namespace: str, name: str) -> tuple[dict[str, Any], str]:
    patch = {"spec": {"template": {"metadata": {"annotations": {"rev": "2"}}}}}
    kube.patch(resources.ROLLOUTS, namespace, name, patch)
    experiment = wait_until(lambda: running_experiment(kube, namespace), timeout=60, what="the Experiment running")
    (template,) = experiment["status"]["templateStatuses"]
    return template, template["serviceName"]


def promote(kube: Kube, namespace: str, name: str) -> None:
    result = CliRunner().invoke(
        cli, ["-n", namespace, "promote", name], obj=CliContext(kube_client=kube), catch_exceptions=False
    )
    assert result.exit_code == 0, result.output


def test_host_split_routes_a_share_to_the_experiment(cluster: Any, kube: Kube, namespace: str, controller: Any) -> None:
    name, stable, canary = "istio-host-split", "istio-host-split-stable", "istio-host-split-canary"
    apply(cluster, namespace, HOST)
    wait_for_phase(kube, namespace, name, "Healthy")
    assert routes(kube, namespace, "istio-host-split-vsvc") == [(stable, None, 100), (canary, None, 0)]

    template, service = update_and_wait_for_the_experiment(kube, namespace, name)
    assert service == f"{running_experiment(kube, namespace)['metadata']['name']}-experiment-istio"  # type: ignore[index]
    wait_until(
        lambda: (
            routes(kube, namespace, "istio-host-split-vsvc")
            == [(stable, None, 70), (canary, None, 10), (service, None, 20)]
        ),
        what="stable 70, canary 10, experiment 20",
    )
    # The route is patched before the reconcile's status write: wait for the status too.
    weights = wait_until(
        lambda: kube.get(resources.ROLLOUTS, namespace, name)["status"]["canary"]["weights"].get("additional")
        and kube.get(resources.ROLLOUTS, namespace, name)["status"]["canary"]["weights"],
        what="the extra destination in status.canary.weights",
    )
    assert weights["additional"] == [
        {"weight": 20, "serviceName": service, "podTemplateHash": template["podTemplateHash"]}
    ]
    assert weights["stable"]["weight"] == 70

    promote(kube, namespace, name)
    wait_for_phase(kube, namespace, name, "Healthy", timeout=60)
    wait_until(
        lambda: routes(kube, namespace, "istio-host-split-vsvc") == [(stable, None, 100), (canary, None, 0)],
        what="the experiment's destination removed",
    )
    wait_until(
        lambda: not kube.get(resources.ROLLOUTS, namespace, name)["status"]["canary"]["weights"].get("additional"),
        what="the extra destination gone from status.canary.weights",
    )


def test_subset_split_adds_a_subset_for_the_experiment_and_removes_it(
    cluster: Any, kube: Kube, namespace: str, controller: Any
) -> None:
    name, vs, rule = "istio-subset-split", "istio-subset-split-vsvc", "istio-subset-split-destrule"
    apply(cluster, namespace, SUBSET)
    rev1 = wait_for_phase(kube, namespace, name, "Healthy")["status"]["stableRS"]
    wait_until(lambda: subsets(kube, namespace, rule) == {"stable": rev1, "canary": rev1}, what="subsets at rev1")

    template, service = update_and_wait_for_the_experiment(kube, namespace, name)
    rev2 = kube.get(resources.ROLLOUTS, namespace, name)["status"]["currentPodHash"]
    wait_until(
        lambda: routes(kube, namespace, vs) == [(name, "stable", 70), (name, "canary", 10), (service, None, 20)],
        what="stable 70, canary 10, experiment 20",
    )
    assert subsets(kube, namespace, rule) == {"stable": rev1, "canary": rev2, service: template["podTemplateHash"]}

    promote(kube, namespace, name)
    wait_for_phase(kube, namespace, name, "Healthy", timeout=60)
    wait_until(
        lambda: routes(kube, namespace, vs) == [(name, "stable", 100), (name, "canary", 0)],
        what="the experiment's destination removed",
    )
    wait_until(lambda: subsets(kube, namespace, rule) == {"stable": rev2, "canary": rev2}, what="its subset removed")

    kube.patch(resources.ROLLOUTS, namespace, name, {"spec": {"strategy": {"canary": {"trafficRouting": None}}}})
    wait_until(
        lambda: (
            subsets(kube, namespace, rule) == {"stable": None, "canary": None}
            and MANAGED_BY
            not in (kube.get(resources.DESTINATION_RULES, namespace, rule)["metadata"].get("annotations") or {})
        ),
        what="the DestinationRule handed back once trafficRouting is removed",
    )
