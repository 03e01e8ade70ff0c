"""Run Argo Rollouts' own e2e suite against our controller, or (`--baseline`) against Argo's, on the local cluster.

The way Argo runs it (its Makefile's start-e2e / test-e2e): the CRDs installed, one controller started with
`--instance-id argo-rollouts-e2e`, and the e2e test binary run from the module's test/e2e directory (it reads its
fixtures relative to it) against the kubeconfig's namespace. Argo's E2E_* variables pass through unchanged.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from rollouts.cluster import processes
from rollouts.cluster.build import BuildError, find_go
from rollouts.cluster.local import ClusterError, LocalCluster
from tests.conformance import results
from tests.conformance.build import CONTROLLER_BINARY, E2E_BINARY, ArgoBuild, ensure_argo

REPO = Path(__file__).resolve().parents[2]
DEFAULT_RESULTS = Path(__file__).with_name("results")
INSTANCE_ID = "argo-rollouts-e2e"


@dataclass(frozen=True)
class Options:
    baseline: bool
    suites: tuple[str, ...]
    run: str | None
    results_dir: Path
    cluster_dir: Path | None
    tables_only: bool = False

    @property
    def controller(self) -> str:
        return "argo" if self.baseline else "rollouts"

    def command(self, suites: list[str]) -> str:
        """The `make` line that reproduces a table of these suites (quoted in the Markdown)."""
        e2e = [f"{name}={value}" for name, value in sorted(os.environ.items()) if name.startswith("E2E_")]
        parts = [*e2e, "make conformance", f"SUITES={','.join(suites)}"]
        if self.run:
            parts.append(f"RUN='{self.run}'")
        if self.baseline:
            parts.append("ARGS=--baseline")
        return " ".join(parts)


def parse_args(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(prog="python -m tests.conformance", description=__doc__)
    parser.add_argument("--baseline", action="store_true", help="run against Argo's own controller and CRDs")
    parser.add_argument("--suites", default=os.environ.get("SUITES") or ",".join(results.DEFAULT_SUITES))
    parser.add_argument("--run", default=os.environ.get("RUN") or None, help="regexp over the suites' test methods")
    parser.add_argument("--results", type=Path, default=DEFAULT_RESULTS, help="where the tables go")
    parser.add_argument("--cluster", type=Path, default=None, help="reuse a cluster started with `rollouts cluster up`")
    parser.add_argument("--tables", action="store_true", help="only re-render the Markdown from the JSON results")
    args = parser.parse_args(argv)
    suites = tuple(name.strip() for name in args.suites.split(",") if name.strip())
    return Options(args.baseline, suites, args.run, args.results, args.cluster, args.tables)


def main(argv: list[str] | None = None) -> int:
    options = parse_args(sys.argv[1:] if argv is None else argv)
    if options.tables_only:
        # Every run's events again, oldest first, so the tables follow the latest parser.
        runs = sorted(
            (options.results_dir / "logs").glob(f"{options.controller}-e2e-*.jsonl"), key=lambda p: p.stat().st_mtime
        )
        rows: list[results.Row] = []
        for events in runs:
            rows = results.merge(rows, results.parse_events(events.read_text().splitlines()))
        _write_tables(options, rows)
        return 0
    try:
        pattern = results.run_pattern(options.suites, options.run)
        argo = ensure_argo(progress=_say)
        with _cluster(options.cluster_dir) as cluster:
            logs = options.results_dir / "logs"
            logs.mkdir(parents=True, exist_ok=True)
            _install_crds(
                cluster, argo, baseline=options.baseline, scratch=logs / f"{options.controller}-istio-crds.yaml"
            )
            _wait_for_garbage_collector(cluster)
            with _controller(
                cluster, argo, options, logs / f"{options.controller}-controller-{'-'.join(options.suites)}.log"
            ):
                events = _run_e2e(cluster, argo, pattern, logs / f"{options.controller}-e2e-{'-'.join(options.suites)}")
    except (results.SelectionError, BuildError, ClusterError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    _write_tables(options, results.parse_events(events.read_text().splitlines()))
    return 0


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


@contextmanager
def _cluster(existing: Path | None) -> Iterator[LocalCluster]:
    if existing is not None:
        cluster = LocalCluster(existing)
        if not cluster.is_running():
            raise ClusterError(
                f"--cluster {existing}: no running cluster; start it with `rollouts cluster up --dir {existing}`"
            )
        yield cluster
        return
    directory = Path(tempfile.mkdtemp(prefix="rollouts-conformance-"))
    cluster = LocalCluster(directory)
    try:
        cluster.up(progress=_say, bound_to_parent=True)
        yield cluster
    finally:
        cluster.down(progress=lambda _line: None)
        shutil.rmtree(directory, ignore_errors=True)


def _install_crds(cluster: LocalCluster, argo: ArgoBuild, *, baseline: bool, scratch: Path) -> None:
    """Argo's CRDs for the baseline, else ours; the routers' either way, from crds/third-party/: TrafficSplit (the
    e2e suite's own copy does not serve v1alpha1, which both controllers write and its SMI suites probe for, so
    they would skip), ApisixRoute, Istio's VirtualService and DestinationRule, Gateway API, Traefik; and the other
    Istio kinds the fixtures apply (Gateway, ...) from the e2e suite's own copy."""
    files = sorted(argo.crds.glob("*-crd.yaml")) if baseline else sorted((REPO / "crds").glob("*.yaml"))
    routers = sorted((REPO / "crds" / "third-party").glob("*.yaml"))
    istio = REPO / "crds" / "third-party" / "istio.yaml"
    ours = {document["metadata"]["name"] for document in yaml.safe_load_all(istio.read_text()) if document}
    others = [
        document
        for document in yaml.safe_load_all((argo.e2e_dir / "crds" / "istio.yaml").read_text())
        if document and document.get("kind") == "CustomResourceDefinition" and document["metadata"]["name"] not in ours
    ]
    scratch.write_text(yaml.safe_dump_all(others))
    files += [*routers, scratch]
    arguments = [argument for path in files for argument in ("-f", str(path))]
    cluster.kubectl("apply", "--server-side", "--force-conflicts", *arguments, timeout=120)
    cluster.kubectl("wait", "--for=condition=Established", "--timeout=60s", "crd", "--all")


GC_PROBE = """
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: gc-probe, namespace: default}
spec:
  replicas: 0
  selector: {matchLabels: {app: gc-probe}}
  template:
    metadata: {labels: {app: gc-probe}}
    spec: {containers: [{name: app, image: gc-probe}]}
"""


def _wait_for_garbage_collector(cluster: LocalCluster, timeout: float = 90.0) -> None:
    """Until kube-controller-manager's garbage collector knows the Rollout kind (it rediscovers kinds every 30 s),
    objects owned by a deleted Rollout stay, and the e2e tests, which reuse names and labels, find the previous
    test's ReplicaSets ("Found multiple ReplicaSets with revision"): wait until an owned ConfigMap is collected."""
    owner = json.loads(cluster.kubectl("apply", "-o", "json", "-f", "-", input=GC_PROBE).stdout)
    reference = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "name": "gc-probe",
        "uid": owner["metadata"]["uid"],
    }
    owned = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "gc-probe", "namespace": "default", "ownerReferences": [reference]},
    }
    cluster.kubectl("apply", "-f", "-", input=json.dumps(owned))
    cluster.kubectl("delete", "rollout", "gc-probe", "-n", "default", "--wait=false")
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        found = cluster.kubectl("get", "configmap", "gc-probe", "-n", "default", "--ignore-not-found", "-o", "name")
        if not found.stdout.strip():
            _say(f"garbage collector knows Rollouts ({time.monotonic() - started:.0f}s)")
            return
        time.sleep(1)
    raise ClusterError(f"the garbage collector did not collect a deleted Rollout's ConfigMap within {timeout:.0f}s")


def _environment(cluster: LocalCluster) -> dict[str, str]:
    state = cluster.state()
    if state is None:
        raise ClusterError(f"no cluster state in {cluster.dir}")
    # The e2e fixtures shell out to `kubectl apply`: the one matching the cluster comes first on PATH.
    path = f"{state.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    # Argo's ALB update tests skip unless this is set (it adds annotations for a real AWS Load Balancer Controller).
    # Set to no annotations they still run the ALB flow on the local cluster, so by default they do, for both
    # controllers (set it empty to skip them again).
    alb = {"E2E_ALB_INGESS_ANNOTATIONS": os.environ.get("E2E_ALB_INGESS_ANNOTATIONS", "{}")}
    return {**os.environ, **alb, "KUBECONFIG": str(cluster.kubeconfig), "PATH": path}


@contextmanager
def _controller(cluster: LocalCluster, argo: ArgoBuild, options: Options, log: Path) -> Iterator[None]:
    instance_id = os.environ.get("E2E_INSTANCE_ID", INSTANCE_ID)
    metrics, healthz = processes.free_ports(2)
    common = [f"--kubeconfig={cluster.kubeconfig}", f"--instance-id={instance_id}", "--loglevel=debug"]
    if options.baseline:
        command = [str(argo.path(CONTROLLER_BINARY)), *common, "--leader-elect=false"]
        command += [f"--metricsPort={metrics}", f"--healthzPort={healthz}"]
    else:
        command = [sys.executable, "-m", "rollouts.cli", "controller", *common, "--no-leader-elect"]
        command += [f"--metrics-port={metrics}", f"--healthz-port={healthz}"]
    _say(f"starting the {options.controller} controller (log: {log})")
    with log.open("wb") as output:
        process = subprocess.Popen(
            command,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=_environment(cluster),
            cwd=REPO,
            start_new_session=True,
            preexec_fn=processes.die_with_parent,
        )
    try:
        time.sleep(3)
        if process.poll() is not None:
            raise ClusterError(
                f"the {options.controller} controller exited at start (code {process.returncode}); see {log}"
            )
        yield
    finally:
        processes.terminate_group(process.pid)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _run_e2e(cluster: LocalCluster, argo: ArgoBuild, pattern: str, log_stem: Path) -> Path:
    """Run the suites; returns the test2json event file (the raw output sits next to it)."""
    raw, events = log_stem.with_suffix(".log"), log_stem.with_suffix(".jsonl")
    command = [str(argo.path(E2E_BINARY)), "-test.v=test2json", "-test.run", pattern, "-test.count=1"]
    command += ["-test.short", "-test.timeout=180m", "-test.parallel=1"]
    _say(f"running Argo's e2e suites ({pattern}); raw output: {raw}")
    started = time.monotonic()
    with raw.open("wb") as output:
        # Fixtures (`@istio/...`) are read relative to the working directory: the module's own test/e2e.
        subprocess.run(command, stdout=output, stderr=subprocess.STDOUT, cwd=argo.e2e_dir, env=_environment(cluster))
    _say(f"e2e run took {time.monotonic() - started:.0f}s")
    with raw.open("rb") as source, events.open("wb") as target:
        converted = subprocess.run([find_go(), "tool", "test2json", "-t"], stdin=source, stdout=target, check=False)
    if converted.returncode != 0:
        raise ClusterError(f"go tool test2json could not read {raw}")
    return events


def _write_tables(options: Options, latest: list[results.Row]) -> None:
    directory = options.results_dir
    directory.mkdir(parents=True, exist_ok=True)
    own = directory / f"{options.controller}.json"
    rows = results.merge(_load(own), latest)
    own.write_text(results.rows_to_json(rows))
    baseline = {} if options.baseline else {row.key: row for row in _load(directory / "argo.json")}
    title = (
        "Argo Rollouts' e2e suite against Argo's own controller"
        if options.baseline
        else "Argo Rollouts' e2e suite against rollouts"
    )
    markdown = directory / f"{options.controller}.md"
    markdown.write_text(results.to_markdown(title, rows, baseline, options.command(results.suites_of(rows))))
    counts = results.score(latest, baseline)
    _say(f"this run: {counts}; tables: {own} and {markdown}")


def _load(path: Path) -> list[results.Row]:
    return results.rows_from_json(path.read_text()) if path.is_file() else []
