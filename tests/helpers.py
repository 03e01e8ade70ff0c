"""Small helpers for tests that drive the real cluster: polling with a deadline, never a bare sleep."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


def wait_until(probe: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.1, what: str = "condition") -> T:
    """Call `probe` until it returns something truthy and return that; fail with the last value at the deadline."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
        time.sleep(interval)


def wait_established(cluster: Any, *targets: str, timeout: float = 60.0) -> None:
    """`kubectl wait --for=condition=Established` on CRDs (`-f file` or `crd/name`), retried: kubectl gives up at once
    ("status.conditions accessor error") on a CRD the API server has not yet given any condition."""
    from rollouts.cluster.local import ClusterError

    failures: list[str] = []

    def established() -> bool:
        try:
            cluster.kubectl("wait", "--for=condition=Established", f"--timeout={int(timeout)}s", *targets)
        except ClusterError as error:
            failures.append(str(error))
            return False
        return True

    try:
        wait_until(established, timeout=timeout, interval=0.5, what="CRDs to be Established")
    except AssertionError as error:
        raise AssertionError(f"{error}; kubectl said: {failures[-1] if failures else ''}") from None


def rollout(kube: Any, namespace: str, name: str) -> dict:
    from rollouts.kube import resources

    return kube.get(resources.ROLLOUTS, namespace, name)


def wait_for_phase(kube: Any, namespace: str, name: str, phase: str, *, timeout: float = 60.0, message: str | None = None) -> dict:
    """Wait until the Rollout reports `phase` for its current generation (and `message`, if given)."""

    def probe() -> dict | None:
        current = rollout(kube, namespace, name)
        status = current.get("status") or {}
        observed = status.get("observedGeneration") == str(current["metadata"].get("generation"))
        if observed and status.get("phase") == phase and (message is None or message in (status.get("message") or "")):
            return current
        return None

    try:
        return wait_until(probe, timeout=timeout, what=f"rollout {namespace}/{name} phase {phase}")
    except AssertionError as error:
        status = (rollout(kube, namespace, name).get("status") or {})
        raise AssertionError(f"{error}; status phase={status.get('phase')!r} message={status.get('message')!r}") from None


def selector_hash(kube: Any, namespace: str, service: str) -> str | None:
    from rollouts.kube import resources

    return (kube.get(resources.SERVICES, namespace, service).get("spec", {}).get("selector") or {}).get("rollouts-pod-template-hash")


def replica_sets(kube: Any, namespace: str) -> dict[str, dict]:
    """Owned ReplicaSets by revision annotation."""
    from rollouts.kube import resources

    items, _ = kube.list(resources.REPLICASETS, namespace)
    return {int(rs["metadata"]["annotations"]["rollout.argoproj.io/revision"]): rs for rs in items}


def apply(cluster: Any, namespace: str, path: str | Path, *, labels: dict[str, str] | None = None) -> list[dict]:
    """`kubectl apply` a manifest file into `namespace`, optionally adding labels to every object."""
    documents = [doc for doc in yaml.safe_load_all(Path(path).read_text()) if doc]
    for doc in documents:
        if labels:
            doc.setdefault("metadata", {}).setdefault("labels", {}).update(labels)
    cluster.kubectl("apply", "-n", namespace, "-f", "-", input=yaml.safe_dump_all(documents))
    return documents


@contextlib.contextmanager
def running_prometheus(targets: dict[str, str], *, log: Path, ready: Callable[[str], bool], what: str) -> Iterator[str]:
    """The Debian package's Prometheus scraping `job → host:port` targets every second (the demo's own config and
    command line), bound to this process; yields its URL once `ready(url)` holds, and stops it afterwards."""
    from rollouts.cluster.processes import die_with_parent, free_ports
    from rollouts.demo import prometheus

    if not prometheus.BINARY.is_file():
        raise AssertionError(f"{prometheus.BINARY} is missing: install the Debian package prometheus (make test does this)")
    directory = Path(tempfile.mkdtemp(prefix="rollouts-test-prometheus-"))
    (directory / "prometheus.yml").write_text(yaml.safe_dump(prometheus.config(targets)))
    [port] = free_ports(1)
    argv = prometheus.command(binary=prometheus.BINARY, config_file=directory / "prometheus.yml", data_dir=directory / "data", port=port)
    with open(log, "wb") as output:
        process = subprocess.Popen(argv, stdout=output, stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=die_with_parent)
    url = f"http://127.0.0.1:{port}"

    def started() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"prometheus exited with code {process.returncode}:\n{log.read_text()[-3000:]}")
        return ready(url)

    try:
        wait_until(started, timeout=60, interval=0.2, what=what)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(directory, ignore_errors=True)


INSTANCE_LABEL = "argo-rollouts.argoproj.io/controller-instance-id"


def web_check_template(name: str, url: str, *, initial_delay: str | None = None) -> dict[str, Any]:
    """An AnalysisTemplate with one web metric `ok` that succeeds while `url` answers {"ok": true}."""
    metric: dict[str, Any] = {
        "name": "ok",
        "successCondition": "result == true",
        "provider": {"web": {"url": url, "jsonPath": "{$.ok}"}},
    }
    if initial_delay is not None:
        metric["initialDelay"] = initial_delay
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": {"name": name},
        "spec": {"metrics": [metric]},
    }


def instance_rollout(
    name: str, instance: str, strategy: dict[str, Any], *, image: str, port: int | None = None
) -> dict[str, Any]:
    """A two-replica Rollout labelled for one controller instance (so parallel tests do not share a controller)."""
    labels = {"app": name}
    container: dict[str, Any] = {"name": "app", "image": image}
    if port is not None:
        container["ports"] = [{"containerPort": port}]
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name, "labels": {INSTANCE_LABEL: instance}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
            "strategy": strategy,
        },
    }
