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

from rollouts.cluster import command_lines, pod_stages, processes
from rollouts.cluster.build import Toolchain, ensure_toolchain
from rollouts.cluster.pki import Pki, ensure_pki

COMPONENTS = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
NODE_COUNT = 3
START_TIMEOUT = 90.0

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
            launcher.start("etcd", command_lines.etcd(toolchain, state.ports, self.dir))
            _wait_http(f"http://127.0.0.1:{state.ports.etcd}/health", deadline, launcher, "etcd")
            launcher.start("kube-apiserver", command_lines.apiserver(toolchain, state.ports, pki, self.dir))
            _wait_http(
                f"https://127.0.0.1:{state.ports.apiserver}/readyz",
                deadline,
                launcher,
                "kube-apiserver",
                cafile=pki.ca_cert,
            )
            launcher.start(
                "kube-controller-manager",
                command_lines.controller_manager(toolchain, state.ports, pki, self.kubeconfig),
            )
            launcher.start("kube-scheduler", command_lines.scheduler(toolchain, state.ports, self.kubeconfig))
            launcher.start("kwok", command_lines.kwok(toolchain, self.kubeconfig, self._write_kwok_stages(toolchain)))
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
        launcher.start("kube-apiserver", command_lines.apiserver(toolchain, state.ports, pki, self.dir))
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
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
            preexec_fn=processes.die_with_parent if self.bound_to_parent else None,
        )
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
