"""The command lines of the local control plane's components: which flags each runs with, and why the unusual ones.

Declarative: one function per component, called by rollouts.cluster.local when it starts or restarts one.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from rollouts.cluster.build import Toolchain
from rollouts.cluster.pki import Pki

if TYPE_CHECKING:
    from rollouts.cluster.local import Ports

# Controllers a workload on kwok nodes needs. No node-lifecycle: kwok nodes are always healthy, and without it
# (and with the TaintNodesByCondition admission plugin off) new nodes take pods at once.
KCM_CONTROLLERS = (
    "replicaset-controller,deployment-controller,garbage-collector-controller,job-controller,"
    "endpointslice-controller,endpoints-controller,serviceaccount-controller,namespace-controller,"
    "pod-garbage-collector-controller,ttl-after-finished-controller,cronjob-controller,disruption-controller,"
    "statefulset-controller,daemonset-controller,resourcequota-controller"
)


def etcd(toolchain: Toolchain, ports: Ports, directory: Path) -> list[str]:
    client, peer = f"http://127.0.0.1:{ports.etcd}", f"http://127.0.0.1:{ports.etcd_peer}"
    return [
        str(toolchain.path("etcd")),
        "--name=default",
        f"--data-dir={directory / 'etcd'}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=default={peer}",
        "--unsafe-no-fsync=true",
        "--auto-compaction-retention=1",
        "--quota-backend-bytes=8589934592",
        "--log-level=warn",
    ]


def apiserver(toolchain: Toolchain, ports: Ports, pki: Pki, directory: Path) -> list[str]:
    return [
        str(toolchain.path("kube-apiserver")),
        f"--etcd-servers=http://127.0.0.1:{ports.etcd}",
        "--etcd-prefix=/registry",
        "--bind-address=127.0.0.1",
        f"--secure-port={ports.apiserver}",
        # No default route in a sandbox, and a loopback address cannot go into the kubernetes Endpoints.
        "--advertise-address=127.0.0.1",
        "--endpoint-reconciler-type=none",
        f"--cert-dir={directory / 'apiserver-certs'}",
        f"--tls-cert-file={pki.serving_cert}",
        f"--tls-private-key-file={pki.serving_key}",
        f"--client-ca-file={pki.ca_cert}",
        "--authorization-mode=RBAC",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        f"--service-account-key-file={pki.service_account_public_key}",
        f"--service-account-signing-key-file={pki.service_account_key}",
        "--service-cluster-ip-range=10.96.0.0/16",
        "--allow-privileged=true",
        # ServiceAccount: pods in a fresh namespace need no default SA. TaintNodesByCondition: no not-ready taint.
        "--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
        "--enable-priority-and-fairness=false",
        "--max-requests-inflight=0",
        "--max-mutating-requests-inflight=0",
        "--v=1",
    ]


def controller_manager(toolchain: Toolchain, ports: Ports, pki: Pki, kubeconfig: Path) -> list[str]:
    return [
        str(toolchain.path("kube-controller-manager")),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        f"--secure-port={ports.controller_manager}",
        "--leader-elect=false",
        "--use-service-account-credentials=false",
        f"--controllers={KCM_CONTROLLERS}",
        f"--root-ca-file={pki.ca_cert}",
        "--kube-api-qps=400",
        "--kube-api-burst=800",
        "--concurrent-replicaset-syncs=10",
        "--concurrent-gc-syncs=40",
        "--v=1",
    ]


def scheduler(toolchain: Toolchain, ports: Ports, kubeconfig: Path) -> list[str]:
    return [
        str(toolchain.path("kube-scheduler")),
        f"--kubeconfig={kubeconfig}",
        f"--authentication-kubeconfig={kubeconfig}",
        f"--authorization-kubeconfig={kubeconfig}",
        "--bind-address=127.0.0.1",
        f"--secure-port={ports.scheduler}",
        "--leader-elect=false",
        "--v=1",
    ]


def kwok(toolchain: Toolchain, kubeconfig: Path, stages: Path) -> list[str]:
    return [
        str(toolchain.path("kwok")),
        f"--kubeconfig={kubeconfig}",
        f"--config={stages}",
        "--manage-all-nodes=true",
        "--cidr=10.244.0.0/16",
        "--node-ip=10.0.0.1",
        "--node-lease-duration-seconds=40",
    ]
