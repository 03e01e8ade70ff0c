"""Benchmark: wall time of `kubectl-rollouts get rollout X` in a namespace holding 1,000 Rollouts and their
ReplicaSets (target: at most 0.5 s). Not collected by pytest (the name does not start with test_).

    .venv/bin/python tests/plugin/bench_get.py                         # starts (and stops) its own cluster
    .venv/bin/python tests/plugin/bench_get.py --cluster /tmp/c        # reuses `rollouts cluster up --dir /tmp/c`
    .venv/bin/python tests/plugin/bench_get.py --count 200 --pods      # fewer rollouts, one running pod each

`get` reads the one Rollout by field selector and its children by label selector, so the time should not grow
with the number of Rollouts in the namespace; the figure printed is the median of several runs.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the test builders live next to this script

import rollout_objects as objs

from rollouts.cluster.local import LocalCluster
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube

REPO = Path(__file__).resolve().parents[2]
PLUGIN_BIN = Path(sys.executable).with_name("kubectl-rollouts")
TARGET_SECONDS = 0.5


def create_one(kube: Kube, namespace: str, index: int, pods: bool) -> None:
    name = f"app-{index:04d}"
    scene = objs.canary_healthy()
    rollout = copy.deepcopy(scene["rollout"])
    # The instance-id label keeps a controller that may be running on this cluster away from these objects.
    rollout["metadata"] = {"name": name, "namespace": namespace, "labels": {"argo-rollouts.argoproj.io/controller-instance-id": "bench"}}
    rollout["spec"]["selector"] = {"matchLabels": {"app": name}}
    rollout["spec"]["template"]["metadata"]["labels"] = {"app": name}
    status = rollout.pop("status")
    created = kube.create(resources.ROLLOUTS, namespace, rollout)
    kube.patch(resources.ROLLOUTS, namespace, name, {"status": status}, subresource="status")
    rs = objs.replicaset(created, objs.STABLE_HASH, 1, replicas=1 if pods else 0)
    rs["metadata"] = {key: rs["metadata"][key] for key in ("name", "labels", "annotations")}
    rs["metadata"]["ownerReferences"] = [objs.owner(created)]
    del rs["status"]
    kube.create(resources.REPLICASETS, namespace, rs)


def wait_served(kube: Kube, namespace: str, timeout: float = 60.0) -> None:
    """Established is not yet served: a CRD's storage answers 429 "storage is (re)initializing" for a moment
    after. Wait until a Rollout list is answered, so no timed run meets it."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            kube.list(resources.ROLLOUTS, namespace)
            return
        except errors.ApiError as error:
            if time.monotonic() > deadline:
                raise SystemExit(f"Rollouts not served after {timeout:.0f}s: {error}") from None
            time.sleep(0.2)


def time_command(args: list[str], runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run([str(PLUGIN_BIN), *args], capture_output=True, text=True)
        timings.append(time.perf_counter() - started)
        if result.returncode != 0:
            raise SystemExit(f"kubectl-rollouts {' '.join(args)} failed: {result.stderr}")
    return timings


def warm_up(args: list[str], timeout: float = 30.0) -> None:
    """Run the command once, untimed, until it succeeds: it warms the file cache, and a plugin without a retry on
    429 "storage is (re)initializing" (an older tree's, in compare.py) would otherwise fail a timed run."""
    deadline = time.monotonic() + timeout
    while subprocess.run([str(PLUGIN_BIN), *args], capture_output=True).returncode != 0:
        if time.monotonic() > deadline:
            raise SystemExit(f"kubectl-rollouts {' '.join(args)} kept failing for {timeout:.0f}s")
        time.sleep(0.5)


def compile_sources() -> None:
    """Write the bytecode of the plugin and the package it imports, as an installed plugin has it (pip compiles
    at install; an editable install compiles on the first run). Under PYTHONDONTWRITEBYTECODE=1 nothing writes
    it, and every timed run would compile the sources again: about a quarter of the command's CPU."""
    command = [sys.executable, "-m", "compileall", "-q", str(REPO / "rollouts"), str(REPO / "plugin")]
    subprocess.run(command, check=True, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster", type=Path, help="directory of a running `rollouts cluster up --dir` cluster")
    parser.add_argument("--count", type=int, default=1000, help="Rollouts (each with one ReplicaSet) to create")
    parser.add_argument("--pods", action="store_true", help="give each ReplicaSet one (kwok) pod")
    parser.add_argument("--runs", type=int, default=7, help="timed runs of the command")
    parser.add_argument("--keep", action="store_true", help="leave the namespace behind")
    options = parser.parse_args()

    own = options.cluster is None
    cluster = LocalCluster(options.cluster or Path(tempfile.mkdtemp(prefix="rollouts-bench-")))
    if own:
        cluster.up(progress=lambda line: print(line, file=sys.stderr), bound_to_parent=True)
    try:
        files = [arg for path in sorted((REPO / "crds").glob("*.yaml")) for arg in ("-f", str(path))]
        cluster.kubectl("apply", "--server-side", "--force-conflicts", *files)
        cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s", *files)
        kube = Kube.from_kubeconfig(str(cluster.kubeconfig))
        namespace = f"bench-{uuid.uuid4().hex[:6]}"
        kube.create(resources.NAMESPACES, None, {"metadata": {"name": namespace}})
        wait_served(kube, namespace)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(lambda i: create_one(kube, namespace, i, options.pods), range(options.count)))
        print(f"created {options.count} rollouts and replicasets in {time.perf_counter() - started:.1f}s")

        target = f"app-{options.count // 2:04d}"
        base = ["--kubeconfig", str(cluster.kubeconfig), "-n", namespace]
        compile_sources()
        warm_up([*base, "get", "rollout", target])
        get_times = time_command([*base, "get", "rollout", target], options.runs)
        version_times = time_command(["version", "--short"], options.runs)
        list_times = time_command([*base, "list", "rollouts"], 3)
        median = statistics.median(get_times)
        print(f"get rollout {target}: median {median:.3f}s (min {min(get_times):.3f}s, max {max(get_times):.3f}s) "
              f"over {options.runs} runs; target <= {TARGET_SECONDS}s: {'met' if median <= TARGET_SECONDS else 'MISSED'}")  # fmt: skip
        print(f"  of which process start-up and imports (version --short): median {statistics.median(version_times):.3f}s")
        print(f"list rollouts ({options.count} rows): median {statistics.median(list_times):.3f}s")
        if not options.keep:
            kube.delete(resources.NAMESPACES, None, namespace)
        return 0 if median <= TARGET_SECONDS else 1
    finally:
        if own:
            cluster.down(progress=lambda _line: None)


if __name__ == "__main__":
    raise SystemExit(main())
