"""Istio JSON Patches (rollouts.traffic.istio) against the real local control plane and Istio's real CRD schemas.

We test these aspects:
* the API server accepts our operations (weights, header and mirror routes, DestinationRule labels and annotation)
  under Istio's own schema, and recomputing on the result gives no operations;
* field ownership next to a GitOps tool that server-side applies the manifest (field manager "argocd-controller"):
  we write nothing outside the fields we own, and a re-apply without force succeeds once our values match the
  manifest again (completion, release);
* a failed `test` operation rejects the whole patch with 422, leaving the object as the other writer left it.

What we observe, and assert: Istio's CRDs declare ``spec.http``, ``spec.tls`` and ``spec.subsets`` as atomic
lists (no ``x-kubernetes-list-type: map``), so the API server records any write inside them, even one weight or
one label, as ownership of the whole list. While a canary runs, the GitOps tool's re-apply without force therefore
conflicts on exactly those lists and on nothing else (``hosts``, ``gateways``, ``host`` stay the tool's); forcing
would reset the weights (the flap of Argo Rollouts issue 3854, which GitOps tools avoid by ignoring these fields).
Annotations are a granular map: ours is owned key by key and never conflicts with the tool's.

Not tested here: choosing the split (the planner) and sending the patches from the controller (the executor).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from rollouts.api.rollout import HeaderRoutingMatch, IstioVirtualService, RouteMatch, StringMatch, TLSRoute
from rollouts.kube import errors, resources
from rollouts.traffic import istio

pytestmark = [pytest.mark.cluster, pytest.mark.usefixtures("istio_crds")]

GITOPS = "argocd-controller"
CONTROLLER = "rollouts-controller"
KEYS = istio.SplitKeys(canary_host="web-canary", stable_host="web-stable")
REF = IstioVirtualService(
    name="web", routes=["primary"], tls_routes=[TLSRoute(port=3000, sni_hosts=["web.example.com"])]
)


def weighted(stable: int, canary: int, *, port: int | None = None) -> list[dict[str, Any]]:
    def destination(host: str) -> dict[str, Any]:
        return {"host": host, "port": {"number": port}} if port else {"host": host}

    return [
        {"destination": destination("web-stable"), "weight": stable},
        {"destination": destination("web-canary"), "weight": canary},
    ]


def manifest(*, port: int | None = None) -> dict[str, Any]:
    """The VirtualService as it is in git: all traffic to stable."""
    return {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "VirtualService",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {
            "hosts": ["web.example.com"],
            "gateways": ["web-gateway"],
            "http": [{"name": "primary", "route": weighted(100, 0, port=port)}],
            "tls": [{"match": [{"port": 3000, "sniHosts": ["web.example.com"]}], "route": weighted(100, 0)}],
        },
    }


def dr_manifest() -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "DestinationRule",
        "metadata": {"name": "web", "annotations": {"team": "shop"}},
        "spec": {
            "host": "web",
            "subsets": [{"name": "stable", "labels": {"app": "web"}}, {"name": "canary", "labels": {"app": "web"}}],
        },
    }


def gitops_apply(cluster: Any, namespace: str, document: dict[str, Any], *, check: bool = True) -> Any:
    """Server-side apply as a GitOps tool does it: its own field manager, no --force-conflicts."""
    return cluster.kubectl(
        "apply",
        "--server-side",
        f"--field-manager={GITOPS}",
        "-n",
        namespace,
        "-f",
        "-",
        input=yaml.safe_dump(document),
        check=check,
    )


def owned_fields(obj: dict[str, Any], manager: str) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for entry in obj["metadata"].get("managedFields") or []:
        if entry["manager"] == manager:
            fields |= entry.get("fieldsV1") or {}
    return fields


def patch(kube: Any, resource: Any, namespace: str, operations: list[dict[str, Any]]) -> dict[str, Any]:
    assert operations, "expected something to change"
    patched: dict[str, Any] = kube.patch(resource, namespace, "web", operations, kind="json", field_manager=CONTROLLER)
    return patched


def test_weights_are_accepted_and_only_the_route_lists_change_hands(cluster: Any, kube: Any, namespace: str) -> None:
    gitops_apply(cluster, namespace, manifest())
    live = kube.get(resources.VIRTUAL_SERVICES, namespace, "web")

    patched = patch(
        kube,
        resources.VIRTUAL_SERVICES,
        namespace,
        istio.virtual_service_ops(live, ref=REF, split=istio.WeightSplit.of(10, KEYS)),
    )

    expected = copy.deepcopy(manifest()["spec"])
    expected["http"][0]["route"] = weighted(90, 10)
    expected["tls"][0]["route"] = weighted(90, 10)
    assert patched["spec"] == expected
    assert patched["metadata"]["labels"] == {"app": "web"}
    assert istio.virtual_service_ops(patched, ref=REF, split=istio.WeightSplit.of(10, KEYS)) == []
    assert owned_fields(patched, CONTROLLER) == {"f:spec": {"f:http": {}, "f:tls": {}}}
    assert set(owned_fields(patched, GITOPS)["f:spec"]) == {"f:hosts", "f:gateways"}

    mid_canary = gitops_apply(cluster, namespace, manifest(), check=False)
    assert mid_canary.returncode != 0
    assert f'with "{CONTROLLER}"' in mid_canary.stderr
    assert ".spec.http" in mid_canary.stderr and ".spec.tls" in mid_canary.stderr
    assert (
        ".spec.hosts" not in mid_canary.stderr
        and ".spec.gateways" not in mid_canary.stderr
        and ".metadata" not in mid_canary.stderr
    )

    live = kube.get(resources.VIRTUAL_SERVICES, namespace, "web")
    patch(
        kube,
        resources.VIRTUAL_SERVICES,
        namespace,
        istio.virtual_service_ops(live, ref=REF, split=istio.WeightSplit.of(0, KEYS)),
    )
    gitops_apply(cluster, namespace, manifest())  # after completion our values equal git's again: no conflict
    assert kube.get(resources.VIRTUAL_SERVICES, namespace, "web")["spec"] == manifest()["spec"]


def test_header_and_mirror_routes_pass_istio_schema_and_go_at_completion(
    cluster: Any, kube: Any, namespace: str
) -> None:
    gitops_apply(cluster, namespace, manifest(port=8080))
    managed = istio.ManagedRoutes(
        names=("set-header-1", "mirror-route-1"),
        desired=(
            istio.MirrorRoute(
                name="mirror-route-1",
                percentage=80,
                match=(RouteMatch(path=StringMatch(prefix="/"), method=StringMatch(exact="GET")),),
            ),
            istio.HeaderRoute(
                name="set-header-1",
                match=(HeaderRoutingMatch(header_name="agent", header_value=StringMatch(regex=".*firefox.*")),),
            ),
        ),
    )
    live = kube.get(resources.VIRTUAL_SERVICES, namespace, "web")

    patched = patch(
        kube,
        resources.VIRTUAL_SERVICES,
        namespace,
        istio.virtual_service_ops(live, ref=REF, split=istio.WeightSplit.of(20, KEYS), managed=managed),
    )

    header, mirror, primary = patched["spec"]["http"]
    assert header == {
        "name": "set-header-1",
        "match": [{"headers": {"agent": {"regex": ".*firefox.*"}}}],
        "route": [{"destination": {"host": "web-canary", "port": {"number": 8080}}, "weight": 100}],
    }
    assert mirror == {
        "name": "mirror-route-1",
        "match": [{"uri": {"prefix": "/"}, "method": {"exact": "GET"}}],
        "route": weighted(80, 20, port=8080),
        "mirror": {"host": "web-canary", "port": {"number": 8080}},
        "mirrorPercentage": {"value": 80},
    }
    assert primary == {"name": "primary", "route": weighted(80, 20, port=8080)}
    assert istio.virtual_service_ops(patched, ref=REF, split=istio.WeightSplit.of(20, KEYS), managed=managed) == []

    completed = istio.ManagedRoutes(names=managed.names)
    patch(
        kube,
        resources.VIRTUAL_SERVICES,
        namespace,
        istio.virtual_service_ops(patched, ref=REF, split=istio.WeightSplit.of(0, KEYS), managed=completed),
    )
    assert kube.get(resources.VIRTUAL_SERVICES, namespace, "web")["spec"] == manifest(port=8080)["spec"]
    gitops_apply(cluster, namespace, manifest(port=8080))


def test_a_failed_test_operation_rejects_the_whole_patch(cluster: Any, kube: Any, namespace: str) -> None:
    gitops_apply(cluster, namespace, manifest())
    stale = kube.get(resources.VIRTUAL_SERVICES, namespace, "web")
    operations = istio.virtual_service_ops(stale, ref=REF, split=istio.WeightSplit.of(10, KEYS))
    reordered = manifest()
    reordered["spec"]["http"][0]["route"].reverse()
    gitops_apply(cluster, namespace, reordered)  # someone else reorders the destinations after our read

    with pytest.raises(errors.Invalid) as rejected:
        kube.patch(resources.VIRTUAL_SERVICES, namespace, "web", operations, kind="json", field_manager=CONTROLLER)

    assert rejected.value.status == 422
    assert kube.get(resources.VIRTUAL_SERVICES, namespace, "web")["spec"] == reordered["spec"]


def claiming_rollout() -> dict[str, Any]:
    """The Rollout "web" that names the DestinationRule, for an instance id no controller runs: a controller in this
    cluster hands back a rule marked for a Rollout that does not exist or no longer names it."""
    labels = {"app": "web"}
    routing = {
        "istio": {
            "virtualService": {"name": "web"},
            "destinationRule": {"name": "web", "canarySubsetName": "canary", "stableSubsetName": "stable"},
        }
    }
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": "web", "labels": {"argo-rollouts.argoproj.io/controller-instance-id": "nobody"}},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "web", "image": "web"}]}},
            "strategy": {"canary": {"trafficRouting": routing}},
        },
    }


def test_destination_rule_labels_and_annotation_then_release(
    cluster: Any, kube: Any, namespace: str, crds: None
) -> None:
    kube.create(resources.ROLLOUTS, namespace, claiming_rollout())
    gitops_apply(cluster, namespace, dr_manifest())
    live = kube.get(resources.DESTINATION_RULES, namespace, "web")

    labelled = patch(
        kube,
        resources.DESTINATION_RULES,
        namespace,
        istio.destination_rule_ops(
            live,
            canary_subset="canary",
            stable_subset="stable",
            canary_hash="abc",
            stable_hash="def",
            rollout_name="web",
        ),
    )

    assert labelled["spec"]["subsets"] == [
        {"name": "stable", "labels": {"app": "web", "rollouts-pod-template-hash": "def"}},
        {"name": "canary", "labels": {"app": "web", "rollouts-pod-template-hash": "abc"}},
    ]
    assert labelled["metadata"]["annotations"] == {
        "team": "shop",
        "argo-rollouts.argoproj.io/managed-by-rollouts": "web",
    }
    assert (
        istio.destination_rule_ops(
            labelled,
            canary_subset="canary",
            stable_subset="stable",
            canary_hash="abc",
            stable_hash="def",
            rollout_name="web",
        )
        == []
    )
    assert owned_fields(labelled, CONTROLLER) == {
        "f:metadata": {"f:annotations": {"f:argo-rollouts.argoproj.io/managed-by-rollouts": {}}},
        "f:spec": {"f:subsets": {}},
    }
    mid_canary = gitops_apply(cluster, namespace, dr_manifest(), check=False)
    assert (
        mid_canary.returncode != 0 and ".spec.subsets" in mid_canary.stderr and "annotations" not in mid_canary.stderr
    )

    patch(
        kube,
        resources.DESTINATION_RULES,
        namespace,
        istio.release_destination_rule_ops(labelled, canary_subset="canary", stable_subset="stable"),
    )
    released = kube.get(resources.DESTINATION_RULES, namespace, "web")
    assert released["spec"] == dr_manifest()["spec"]
    assert released["metadata"]["annotations"] == {"team": "shop"}
    gitops_apply(cluster, namespace, dr_manifest())  # released: git's values again, no conflict
