"""Run a real Kubernetes control plane on loopback: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok.

Every component listens on a free 127.0.0.1 port, logs to `<dir>/logs/`, and runs in its own process group whose
pid is written to `<dir>/pids/`, so `down` (or the next `up`) can stop exactly what was started. Clusters owned
by a parent process (the test suite) also get PR_SET_PDEATHSIG, so a killed test run takes its cluster with it.
Nodes are kwok's: pods are scheduled onto them and become Running and Ready with no container runtime.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from rollouts.cluster import pod_stages, processes
from rollouts.cluster.build import Toolchain, ensure_toolchain
from rollouts.cluster.pki import Pki, ensure_pki

COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
NODE_COUNT = 3
START_TIMEOUT = 90.0

# Controllers a workload on kwok nodes needs. No node-lifecycle: kwok nodes are always healthy, and without it
# (and with the TaintNodesByCondition admission plugin off) new nodes take pods at once.
KCM_CONTROLLERS = (
    "replicaset-controller,deployment-controller,garbage-collector-controller,job-controller,"
    "endpointslice-controller,endpoints-controller,serviceaccount-controller,namespace-controller,"
    "pod-garbage-collector-controller,ttl-after-finished-controller,cronjob-controller,disruption-controller,"
    "statefulset-controller,daemonset-controller,resourcequota-controller"
)

Progress = Callable[[str], None]


class ClusterError(RuntimeError):
    """The local cluster could not be started or reached."""


def default_dir() -> Path:
    """`$ROLLOUTS_CLUSTER_DIR`, else `$XDG_STATE_HOME/rollouts/cluster`, else `~/.local/state/rollouts/cluster`."""
    if explicit := os.environ.get("ROLLOUTS_CLUSTER_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "rollouts" / "cluster"


@dataclass
class Ports:
    etcd: int
    etcd_peer: int
    apiserver: int
    controller_manager: int
    scheduler: int

    @classmethod
    def free(cls) -> Ports:
        return cls(*processes.free_ports(5))


@dataclass
class State:
    """What `up` started, persisted as `<dir>/cluster.json` for `down`, `env` and the next `up`."""

    bin_dir: str
    ports: Ports
    pids: dict[str, int] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> State | None:
        try:
            raw = json.loads(path.read_text())
            return cls(bin_dir=raw["bin_dir"], ports=Ports(**raw["ports"]), pids=dict(raw["pids"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None


class LocalCluster:
    """A control plane rooted in one directory."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.dir = Path(directory) if directory else default_dir()

    @property
    def kubeconfig(self) -> Path:
        return self.dir / "kubeconfig"

    @property
    def state_file(self) -> Path:
        return self.dir / "cluster.json"

    def state(self) -> State | None:
        return State.load(self.state_file)

    # ---- lifecycle -------------------------------------------------------------------------------------------

    def up(self, *, progress: Progress = print, bound_to_parent: bool = False, timeout: float = START_TIMEOUT) -> None:
        """Start every component and wait until nodes are Ready. A running cluster is left as it is."""
        if self.is_running():
            progress(f"cluster already running in {self.dir}")
            return
        self.down(progress=lambda _line: None)  # reap anything a crashed run left behind
        toolchain = ensure_toolchain(progress)
        started = time.monotonic()
        deadline = started + timeout
        self.dir.mkdir(parents=True, exist_ok=True)
        for sub in ("logs", "pids"):
            (self.dir / sub).mkdir(exist_ok=True)
        pki = ensure_pki(self.dir / "pki")
        state = State(bin_dir=str(toolchain.bin_dir), ports=Ports.free())
        self._write_kubeconfig(pki, state.ports.apiserver)
        launcher = _Launcher(self.dir, state, bound_to_parent=bound_to_parent, save=self._save)
        try:
            launcher.start("etcd", self._etcd_args(toolchain, state.ports))
            _wait_http(f"http://127.0.0.1:{state.ports.etcd}/health", deadline, launcher, "etcd")
            launcher.start("kube-apiserver", self._apiserver_args(toolchain, state.ports, pki))
            _wait_http(
                f"https://127.0.0.1:{state.ports.apiserver}/readyz",
                deadline,
                launcher,
                "kube-apiserver",
                cafile=pki.ca_cert,
            )
            launcher.start("kube-controller-manager", self._controller_manager_args(toolchain, state.ports, pki))
            launcher.start("kube-scheduler", self._scheduler_args(toolchain, state.ports))
            launcher.start("kwok", self._kwok_args(toolchain))
            _wait_http(
                f"https://127.0.0.1:{state.ports.controller_manager}/healthz",
                deadline,
                launcher,
                "kube-controller-manager",
                insecure=True,
            )
            _wait_http(
                f"https://127.0.0.1:{state.ports.scheduler}/healthz",
                deadline,
                launcher,
                "kube-scheduler",
                insecure=True,
            )
            self._register_nodes(deadline, launcher)
        except BaseException:
            self.down(progress=lambda _line: None)
            raise
        progress(f"cluster up in {time.monotonic() - started:.1f}s: {self.dir}")

    def down(self, *, progress: Progress = print) -> list[str]:
        """Stop every process `up` started: SIGTERM to each process group, SIGKILL after 10 s."""
        state = self.state()
        if state is None:
            return []
        stopped = []
        # Reverse start order, etcd last, so nothing loses its backend while it still runs.
        for name in reversed(COMPONENTS):
            pid = state.pids.get(name)
            if pid and _is_ours(pid, state.bin_dir):
                processes.terminate_group(pid)
                stopped.append(name)
        for name in stopped:
            processes.wait_gone(state.pids[name], time.monotonic() + 10.0)
        state.pids.clear()
        self._save(state)
        if stopped:
            progress(f"stopped {', '.join(stopped)}")
        return stopped

    def restart_apiserver(self, *, down_for: float = 0.0, bound_to_parent: bool = False) -> None:
        """Stop kube-apiserver, leave it down for `down_for` seconds, then start it again with the same flags and
        port and wait until it is ready: what clients see during an upgrade or a crash (resilience tests)."""
        state = self.state()
        if state is None:
            raise ClusterError(f"no cluster in {self.dir}")
        pid = state.pids.get("kube-apiserver")
        if pid and _is_ours(pid, state.bin_dir):
            processes.terminate_group(pid)
            processes.wait_gone(pid, time.monotonic() + 10.0)
        time.sleep(down_for)
        toolchain = ensure_toolchain(lambda _line: None)
        pki = ensure_pki(self.dir / "pki")
        launcher = _Launcher(self.dir, state, bound_to_parent=bound_to_parent, save=self._save)
        launcher.start("kube-apiserver", self._apiserver_args(toolchain, state.ports, pki))
        url = f"https://127.0.0.1:{state.ports.apiserver}/readyz"
        _wait_http(url, time.monotonic() + START_TIMEOUT, launcher, "kube-apiserver", cafile=pki.ca_cert)

    def is_running(self) -> bool:
        state = self.state()
        if state is None or set(state.pids) != set(COMPONENTS):
            return False
        if not all(_is_ours(pid, state.bin_dir) for pid in state.pids.values()):
            return False
        return _http_ok(f"https://127.0.0.1:{state.ports.apiserver}/readyz", cafile=self.dir / "pki" / "ca.crt")

    def env(self) -> str:
        """Shell exports that point kubectl (ours, matching the server) at this cluster."""
        state = self.state()
        if state is None:
            raise ClusterError(f"no cluster in {self.dir}; run `rollouts cluster up` first")
        return f"export KUBECONFIG={self.kubeconfig}\nexport PATH={state.bin_dir}:$PATH"

    def kubectl(
        self, *args: str, input: str | None = None, check: bool = True, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        state = self.state()
        if state is None:
            raise ClusterError(f"no cluster in {self.dir}")
        command = [str(Path(state.bin_dir) / "kubectl"), f"--kubeconfig={self.kubeconfig}", *args]
        result = subprocess.run(command, input=input, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise ClusterError(f"kubectl {' '.join(args)} failed (exit {result.returncode}): {result.stderr.strip()}")
        return result

    # ---- component command lines ------------------------------------------------------------------------------

    def _etcd_args(self, toolchain: Toolchain, ports: Ports) -> list[str]:
        client, peer = f"http://127.0.0.1:{ports.etcd}", f"http://127.0.0.1:{ports.etcd_peer}"
        return [
            str(toolchain.path("etcd")), "--name=default", f"--data-dir={self.dir / 'etcd'}",
            f"--listen-client-urls={client}", f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}", f"--initial-cluster=default={peer}",
            "--unsafe-no-fsync=true", "--auto-compaction-retention=1", "--quota-backend-bytes=8589934592", "--log-level=warn",
        ]  # fmt: skip

    def _apiserver_args(self, toolchain: Toolchain, ports: Ports, pki: Pki) -> list[str]:
        return [
            str(toolchain.path("kube-apiserver")),
            f"--etcd-servers=http://127.0.0.1:{ports.etcd}", "--etcd-prefix=/registry",
            "--bind-address=127.0.0.1", f"--secure-port={ports.apiserver}",
            # No default route in a sandbox, and a loopback address cannot go into the kubernetes Endpoints.
            "--advertise-address=127.0.0.1", "--endpoint-reconciler-type=none",
            f"--cert-dir={self.dir / 'apiserver-certs'}",
            f"--tls-cert-file={pki.serving_cert}", f"--tls-private-key-file={pki.serving_key}",
            f"--client-ca-file={pki.ca_cert}", "--authorization-mode=RBAC",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki.service_account_public_key}",
            f"--service-account-signing-key-file={pki.service_account_key}",
            "--service-cluster-ip-range=10.96.0.0/16", "--allow-privileged=true",
            # ServiceAccount: pods in a fresh namespace need no default SA. TaintNodesByCondition: no not-ready taint.
            "--disable-admission-plugins=ServiceAccount,TaintNodesByCondition",
            "--enable-priority-and-fairness=false", "--max-requests-inflight=0", "--max-mutating-requests-inflight=0",
            "--v=1",
        ]  # fmt: skip

    def _controller_manager_args(self, toolchain: Toolchain, ports: Ports, pki: Pki) -> list[str]:
        kubeconfig = str(self.kubeconfig)
        return [
            str(toolchain.path("kube-controller-manager")), f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}", f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1", f"--secure-port={ports.controller_manager}",
            "--leader-elect=false", "--use-service-account-credentials=false", f"--controllers={KCM_CONTROLLERS}",
            f"--root-ca-file={pki.ca_cert}", "--kube-api-qps=400", "--kube-api-burst=800",
            "--concurrent-replicaset-syncs=10", "--concurrent-gc-syncs=40", "--v=1",
        ]  # fmt: skip

    def _scheduler_args(self, toolchain: Toolchain, ports: Ports) -> list[str]:
        kubeconfig = str(self.kubeconfig)
        return [
            str(toolchain.path("kube-scheduler")), f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}", f"--authorization-kubeconfig={kubeconfig}",
            "--bind-address=127.0.0.1", f"--secure-port={ports.scheduler}", "--leader-elect=false", "--v=1",
        ]  # fmt: skip

    def _kwok_args(self, toolchain: Toolchain) -> list[str]:
        stages = self._write_kwok_stages(toolchain)
        return [
            str(toolchain.path("kwok")), f"--kubeconfig={self.kubeconfig}", f"--config={stages}",
            "--manage-all-nodes=true", "--cidr=10.244.0.0/16", "--node-ip=10.0.0.1", "--node-lease-duration-seconds=40",
        ]  # fmt: skip

    # ---- helpers -------------------------------------------------------------------------------------------------

    def _write_kubeconfig(self, pki: Pki, port: int) -> None:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "rollouts-local",
                    "cluster": {"server": f"https://127.0.0.1:{port}", "certificate-authority": str(pki.ca_cert)},
                }
            ],
            "users": [
                {"name": "admin", "user": {"client-certificate": str(pki.admin_cert), "client-key": str(pki.admin_key)}}
            ],
            "contexts": [{"name": "rollouts-local", "context": {"cluster": "rollouts-local", "user": "admin"}}],
            "current-context": "rollouts-local",
        }
        # JSON is valid YAML, and kubectl and the Python client read either.
        self.kubeconfig.write_text(json.dumps(config, indent=2) + "\n")

    def _register_nodes(self, deadline: float, launcher: _Launcher) -> None:
        nodes = [_node(f"kwok-node-{index}") for index in range(NODE_COUNT)]
        self.kubectl("apply", "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": nodes}))
        while True:
            launcher.check_alive()
            result = self.kubectl("wait", "--for=condition=Ready", "nodes", "--all", "--timeout=2s", check=False)
            if result.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise ClusterError(
                    f"kwok nodes did not become Ready: {result.stderr.strip()}; see {self.dir / 'logs' / 'kwok.log'}"
                )

    def _write_kwok_stages(self, toolchain: Toolchain) -> Path:
        """kwok's node stages from the toolchain with our pod stages (rollouts/cluster/pod_stages.py)."""
        path = self.dir / "kwok-stages.yaml"
        path.write_text(pod_stages.kwok_config(toolchain.stages.read_text()))
        return path

    def _save(self, state: State) -> None:
        self.state_file.write_text(json.dumps(asdict(state), indent=2) + "\n")


def _node(name: str) -> dict[str, Any]:
    capacity = {"cpu": "64", "memory": "512Gi", "pods": "2000"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "type": "kwok",
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
            },
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
        },
        "status": {"allocatable": capacity, "capacity": capacity},
    }


class _Launcher:
    """Starts components, records their pids as they start, and notices when one dies."""

    def __init__(self, directory: Path, state: State, *, bound_to_parent: bool, save: Callable[[State], None]) -> None:
        self.dir = directory
        self.state = state
        self.bound_to_parent = bound_to_parent
        self.save = save
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, args: list[str]) -> None:
        log = open(self.dir / "logs" / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it open
        # HOME points at the cluster dir so kwok never picks up a ~/.kwok/kwok.yaml of the user's.
        env = {**os.environ, "HOME": str(self.dir)}
        process = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env,
            start_new_session=True, preexec_fn=processes.die_with_parent if self.bound_to_parent else None,
        )  # fmt: skip
        log.close()
        self.processes[name] = process
        self.state.pids[name] = process.pid
        (self.dir / "pids" / f"{name}.pid").write_text(f"{process.pid}\n")
        self.save(self.state)

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise ClusterError(
                    f"{name} exited with code {process.returncode}:\n{_tail(self.dir / 'logs' / f'{name}.log')}"
                )


def _wait_http(
    url: str, deadline: float, launcher: _Launcher, name: str, *, cafile: Path | None = None, insecure: bool = False
) -> None:
    while not _http_ok(url, cafile=cafile, insecure=insecure):
        launcher.check_alive()
        if time.monotonic() > deadline:
            raise ClusterError(f"{name} not ready at {url}:\n{_tail(launcher.dir / 'logs' / f'{name}.log')}")
        time.sleep(0.1)


def _http_ok(url: str, *, cafile: Path | None = None, insecure: bool = False) -> bool:
    context = None
    if url.startswith("https"):
        context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
        if insecure:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
    try:
        with urllib.request.urlopen(url, timeout=2, context=context) as response:
            return bool(response.status == 200)
    except (OSError, urllib.error.URLError, ValueError):
        return False


def _is_ours(pid: int, bin_dir: str) -> bool:
    """True if `pid` is alive and runs one of our binaries (a recycled pid is left alone)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0].decode()
    except OSError:
        return False
    return command.startswith(bin_dir)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"


def iter_component_pids(directory: Path) -> Iterator[int]:
    """Pids recorded for a cluster directory (for tests that check nothing is left behind)."""
    state = State.load(directory / "cluster.json")
    if state:
        yield from state.pids.values()
