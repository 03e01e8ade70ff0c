"""The install manifests in crds/install/: they apply, and their RBAC is enough for the controller.

Aspects: the cluster-wide kustomization applies to the real apiserver (Namespace, CRDs, ServiceAccount,
ClusterRole and binding, Deployment with probes, non-root and a read-only root filesystem, metrics Service);
the controller, run with nothing but the ServiceAccount's token, takes a blue-green rollout through an update
(cluster-wide) and a canary (namespaced install with --namespaced and a Role).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import yaml

from helpers import apply, selector_hash, wait_for_phase, wait_until
from rollouts.kube import resources
from rollouts.kube.client import Kube

REPO = Path(__file__).resolve().parents[2]
INSTALL = REPO / "crds" / "install"
BLUEGREEN = REPO / "examples" / "bluegreen" / "rollout-bluegreen.yaml"
CANARY = REPO / "examples" / "canary" / "rollouts-demo.yaml"
INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"


def token_kubeconfig(
    cluster, namespace: str, service_account: str, path: Path, *, context_namespace: str | None = None
) -> Path:
    """A kubeconfig that authenticates as the ServiceAccount, with a token from the TokenRequest API."""
    token = cluster.kubectl("create", "token", service_account, "-n", namespace, "--duration=1h").stdout.strip()
    admin = json.loads(Path(cluster.kubeconfig).read_text())
    context = {
        "cluster": "local",
        "user": service_account,
        **({"namespace": context_namespace} if context_namespace else {}),
    }
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "local", "cluster": admin["clusters"][0]["cluster"]}],
        "users": [{"name": service_account, "user": {"token": token}}],
        "contexts": [{"name": "sa", "context": context}],
        "current-context": "sa",
    }
    path.write_text(json.dumps(config))
    return path


def set_image(kube: Kube, namespace: str, name: str, image: str) -> None:
    kube.patch(
        resources.ROLLOUTS,
        namespace,
        name,
        [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}],
        kind="json",
    )


def test_cluster_install_applies_and_its_role_is_enough(
    cluster, kube: Kube, crds, start_controller, namespace: str, tmp_path: Path
) -> None:
    rendered = cluster.kubectl("kustomize", str(INSTALL / "cluster")).stdout
    documents = [doc for doc in yaml.safe_load_all(rendered) if doc]
    kinds = sorted(doc["kind"] for doc in documents)
    assert kinds == sorted(
        [
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "Deployment",
            "Service",
            *["CustomResourceDefinition"] * 5,
        ]
    )
    deployment = next(doc for doc in documents if doc["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert {port["containerPort"] for port in container["ports"]} == {8090, 8080}
    assert (
        container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        and container["securityContext"]["readOnlyRootFilesystem"] is True
    )
    assert deployment["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-k", str(INSTALL / "cluster"))

    instance = f"rbac-{uuid.uuid4().hex[:6]}"
    # In a pod the connection's namespace is the pod's: notifications read their ConfigMap there.
    config = token_kubeconfig(
        cluster, "rollouts", "rollouts-controller", tmp_path / "sa.kubeconfig", context_namespace="rollouts"
    )
    apply(cluster, namespace, BLUEGREEN, labels={INSTANCE_LABEL: instance})
    process = start_controller(
        f"--instance-id={instance}",
        f"--kubeconfig={config}",
        f"--leader-election-namespace={namespace}",
        "--leader-election-retry-period=0.5",
    )
    wait_for_phase(kube, namespace, "rollout-bluegreen", "Healthy")
    set_image(kube, namespace, "rollout-bluegreen", "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, "rollout-bluegreen", "Paused")
    kube.patch(
        resources.ROLLOUTS, namespace, "rollout-bluegreen", {"status": {"pauseConditions": None}}, subresource="status"
    )
    healthy = wait_for_phase(kube, namespace, "rollout-bluegreen", "Healthy")
    assert selector_hash(kube, namespace, "rollout-bluegreen-active") == healthy["status"]["currentPodHash"]
    assert "forbidden" not in process.output().lower(), process.output()[-3000:]


def test_namespaced_install_manages_its_namespace_with_a_role(
    cluster, kube: Kube, crds, start_controller, namespace: str, tmp_path: Path
) -> None:
    rendered = cluster.kubectl("kustomize", str(INSTALL / "namespaced")).stdout
    documents = [doc for doc in yaml.safe_load_all(rendered) if doc]
    assert sorted(doc["kind"] for doc in documents) == sorted(
        ["ServiceAccount", "Role", "RoleBinding", "Role", "RoleBinding", "Deployment", "Service"]
    )
    deployment = next(doc for doc in documents if doc["kind"] == "Deployment")
    assert "--namespaced" in deployment["spec"]["template"]["spec"]["containers"][0]["args"]
    cluster.kubectl("apply", "-n", namespace, "-k", str(INSTALL / "namespaced"))

    instance = f"rbac-ns-{uuid.uuid4().hex[:6]}"
    config = token_kubeconfig(
        cluster, namespace, "rollouts-controller", tmp_path / "sa.kubeconfig", context_namespace=namespace
    )
    apply(cluster, namespace, CANARY, labels={INSTANCE_LABEL: instance})
    process = start_controller(
        f"--instance-id={instance}", f"--kubeconfig={config}", "--namespaced", "--leader-election-retry-period=0.5"
    )
    wait_for_phase(kube, namespace, "rollouts-demo", "Healthy")
    set_image(kube, namespace, "rollouts-demo", "argoproj/rollouts-demo:yellow")
    wait_for_phase(kube, namespace, "rollouts-demo", "Paused", message="CanaryPauseStep")
    assert f"Lease {namespace}/" in process.output(), "the Lease lives in the managed namespace"
    assert "forbidden" not in process.output().lower(), process.output()[-3000:]


def test_a_token_without_the_role_is_refused(
    cluster, kube: Kube, crds, start_controller, namespace: str, tmp_path: Path
) -> None:
    # The control for the two tests above: the controller really runs as the ServiceAccount it is given.
    cluster.kubectl("create", "serviceaccount", "nobody", "-n", namespace)
    config = token_kubeconfig(cluster, namespace, "nobody", tmp_path / "nobody.kubeconfig")
    process = start_controller(
        f"--instance-id=nobody-{uuid.uuid4().hex[:6]}", f"--kubeconfig={config}", "--no-leader-elect"
    )
    wait_until(
        lambda: "403" in process.output() or "forbidden" in process.output().lower(),
        timeout=20,
        what="a 403 from the apiserver",
    )
