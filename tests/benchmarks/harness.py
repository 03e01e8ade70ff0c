"""Shared pieces of the benchmarks: a cluster, a controller process, its request counters and memory.

Benchmarks are scripts, not tests (pytest does not collect them): `make bench` runs them and they print figures.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from rollouts.cluster.local import LocalCluster
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube
from rollouts.kube.resources import Resource

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")
WRITE_VERBS = ("create", "update", "patch", "delete")


def arguments(description: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--dir", help="use the running cluster in this directory (default: start a fresh one)")
    return parser.parse_args()


@contextlib.contextmanager
def cluster(directory: str | None) -> Iterator[LocalCluster]:
    if directory:
        yield LocalCluster(directory)
        return
    with tempfile.TemporaryDirectory(prefix="rollouts-bench-") as tmp:
        local = LocalCluster(tmp)
        local.up(progress=lambda line: print(line, file=sys.stderr), bound_to_parent=True)
        try:
            yield local
        finally:
            local.down(progress=lambda _line: None)


def install_crds(local: LocalCluster) -> None:
    files = [arg for path in sorted((REPO / "crds").glob("*.yaml")) for arg in ("-f", str(path))]
    istio = REPO / "crds" / "third-party" / "istio.yaml"
    local.kubectl("apply", "--server-side", "--force-conflicts", *files, "-f", str(istio))
    local.kubectl("wait", "--for=condition=Established", "--timeout=60s", *files, "-f", str(istio))


def follow(kube: Kube, resource: Resource, namespace: str, on_event: Callable[[str, dict[str, Any]], None]) -> None:
    """Call `on_event(type, object)` for every watch event from now on, on a daemon thread. The watch resumes
    after the server ends it, relists when its resourceVersion is gone, and says one line when the server is away
    (it is, at the end of a run): a benchmark's watch never prints a traceback."""
    _, version = kube.list(resource, namespace)

    def run(version: str) -> None:
        while True:
            try:
                for kind, obj in kube.watch(resource, namespace, resource_version=version, timeout_seconds=300):
                    version = obj.get("metadata", {}).get("resourceVersion") or version
                    if kind in ("ADDED", "MODIFIED", "DELETED"):
                        on_event(kind, obj)
            except errors.Gone:
                _, version = kube.list(resource, namespace)
            except errors.ApiError as error:
                print(f"watch of {resource.plural}: {error}; again in 1 s", file=sys.stderr)
                time.sleep(1)

    threading.Thread(target=run, args=(version,), name=f"follow-{resource.plural}", daemon=True).start()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Controller:
    """`rollouts controller` as a real process, with its /metrics scraped for request counts."""

    def __init__(self, local: LocalCluster, *args: str) -> None:
        self.metrics_port = free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="controller-", suffix=".log", delete=False)  # noqa: SIM115
        profile = os.environ.get("ROLLOUTS_BENCH_PROFILE")  # cProfile every thread, statistics to this file
        wrapper = [str(Path(__file__).with_name("profiled.py")), profile] if profile else []
        command = [
            sys.executable, *wrapper, "-m", "rollouts.cli", "controller", f"--kubeconfig={local.kubeconfig}", "--no-leader-elect",
            f"--metrics-port={self.metrics_port}", "--healthz-port=0", *args,
        ]  # fmt: skip
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        wait_until(lambda: self._scrape() is not None, timeout=30, what="controller metrics")

    def _scrape(self) -> str | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as response:
                return response.read().decode()
        except OSError:
            return None

    def requests(self) -> Counter[tuple[str, str]]:
        """API requests made so far, by (verb, kind)."""
        text = self._scrape() or ""
        counts: Counter[tuple[str, str]] = Counter()
        for line in text.splitlines():
            if line.startswith("controller_clientset_k8s_request_total{"):
                labels = dict(re.findall(r'(\w+)="([^"]*)"', line))
                counts[(labels["verb"], labels["kind"])] += int(float(line.rsplit(" ", 1)[1]))
        return counts

    def reconciles(self) -> int:
        """Rollout reconciles so far (each may carry out several plans that asked to go on at once)."""
        text = self._scrape() or ""
        return sum(int(float(line.rsplit(" ", 1)[1])) for line in text.splitlines() if line.startswith("rollout_reconcile_count{"))

    def rss_mb(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def settle(controller: Controller, *, quiet: float = 2.0, timeout: float = 300.0) -> None:
    """Wait until the controller has made no write for `quiet` seconds (its Events are sent in the background,
    so the writes of what came before must drain before the next measurement starts). Reads (the routers' API
    discovery every few seconds) do not count."""
    deadline = time.monotonic() + timeout
    last, since = writes(Counter(), controller.requests()), time.monotonic()
    while time.monotonic() - since < quiet:
        if time.monotonic() > deadline:
            raise TimeoutError(f"the controller kept writing for {timeout:.0f}s")
        time.sleep(0.25)
        now = writes(Counter(), controller.requests())
        if now != last:
            last, since = now, time.monotonic()


def writes(before: Counter[tuple[str, str]], after: Counter[tuple[str, str]]) -> Counter[tuple[str, str]]:
    delta = after - before
    return Counter({key: count for key, count in delta.items() if key[0] in WRITE_VERBS})


def wait_until(probe: Callable[[], T], *, timeout: float, what: str, interval: float = 0.05) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(interval)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def summary(samples: list[float]) -> str:
    return f"p50 {percentile(samples, 0.5) * 1000:.0f} ms, p99 {percentile(samples, 0.99) * 1000:.0f} ms, mean {statistics.mean(samples) * 1000:.0f} ms (n={len(samples)})"


def all_phase(kube: Kube, namespace: str, phase: str, count: int) -> bool:
    items, _ = kube.list(resources.ROLLOUTS, namespace)
    done = [r for r in items if (r.get("status") or {}).get("phase") == phase and (r.get("status") or {}).get("observedGeneration") == str(r["metadata"]["generation"])]
    return len(done) >= count


def create_namespace(kube: Kube, name: str) -> None:
    kube.create(resources.NAMESPACES, None, {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def create_many(kube: Kube, namespace: str, bodies: list[dict[str, Any]], resource: Any = resources.ROLLOUTS) -> None:
    for body in bodies:
        kube.create(resource, namespace, body)
