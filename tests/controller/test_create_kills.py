"""Idempotent creation under SIGKILL: the controller is killed the moment each ReplicaSet, AnalysisRun or Experiment
it creates shows up (after the create, before the status write that records it), then started again.

The restarted controller must adopt what its predecessor created (same owner, equal spec, unfinished), as Argo's
collision handling does, instead of creating a `.1` twin. Metrics wait 5s before measuring, so no run can finish
before the kill lands: every run found under a `.N` name is a duplicate.
"""

from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from helpers import instance_rollout, wait_until, web_check_template
from local_http import LocalServer, Reply
from rollouts.kube import errors, resources
from rollouts.kube.client import Kube

WATCHED = (resources.REPLICASETS, resources.ANALYSIS_RUNS, resources.EXPERIMENTS)
IMAGES = ("argoproj/rollouts-demo:blue", "argoproj/rollouts-demo:yellow", "argoproj/rollouts-demo:green")


@pytest.fixture(scope="module")
def healthy_url() -> Iterator[str]:
    """A real HTTP endpoint the web metric measures: it always answers {"ok": true}."""
    with LocalServer() as server:
        yield server.route("/", Reply(body=json.dumps({"ok": True})))


class Killer:
    """Starts the controller and SIGKILLs it at each creation it sees (up to a budget), starting a fresh one each
    time. The watches run from before the first change, so no creation is missed."""

    def __init__(self, kube: Kube, namespace: str, start: Callable[..., Any], instance: str) -> None:
        self.kube, self.namespace, self.start = kube, namespace, start
        self.args = (f"--instance-id={instance}", "--no-leader-elect")
        self.created: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.killed_at: list[str] = []
        for resource in WATCHED:
            _, version = kube.list(resource, namespace)
            threading.Thread(target=self._watch, args=(resource, version), daemon=True).start()
        self.controllers = [start(*self.args)]

    def _watch(self, resource: resources.Resource, version: str) -> None:
        while True:
            try:
                for kind, obj in self.kube.watch(resource, self.namespace, resource_version=version):
                    version = obj["metadata"]["resourceVersion"]
                    if kind == "ADDED":
                        self.created.put(f"{resource.kind}/{obj['metadata']['name']}")
            except errors.TooManyRequests:  # a CRD's storage still initializing: watch again from where we were
                time.sleep(0.2)
            except errors.Unreachable:  # the test is over and its cluster gone
                return

    def update(self, name: str, image: str, *, kills: int, timeout: float = 90) -> None:
        """Update the Rollout's image, then kill at each of the next `kills` creations, until it is Healthy."""
        self._drain()  # creations before the change (the first deploy) are not killed for
        set_image(self.kube, self.namespace, name, image)
        done = healthy_at(self.kube, self.namespace, name, image)
        budget = len(self.killed_at) + kills
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                created = self.created.get(timeout=0.2)
            except queue.Empty:
                if len(self.killed_at) >= budget and done():
                    return
                continue
            self.seen.append(created)
            if len(self.killed_at) < budget:
                self.controllers[-1].kill()
                self.killed_at.append(created)
                self.controllers.append(self.start(*self.args))
        tail = self.controllers[-1].output()[-3000:]
        raise AssertionError(f"not done in {timeout}s; killed at {self.killed_at}; last log:\n{tail}")

    def created_names(self, kind: str) -> list[str]:
        """Every object of `kind` created since the start, in order (each name once per creation)."""
        self._drain()
        return [seen.split("/", 1)[1] for seen in self.seen if seen.startswith(f"{kind}/")]

    def _drain(self) -> None:
        while not self.created.empty():
            self.seen.append(self.created.get())

    def tracebacks(self) -> int:
        return sum(process.output().count("Traceback (most recent call last)") for process in self.controllers)


def service(name: str, app: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": {"app": app}, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def set_image(kube: Kube, namespace: str, name: str, image: str) -> None:
    path = "/spec/template/spec/containers/0/image"
    kube.patch(resources.ROLLOUTS, namespace, name, [{"op": "replace", "path": path, "value": image}], kind="json")


def healthy_at(kube: Kube, namespace: str, name: str, image: str) -> Callable[[], bool]:
    def probe() -> bool:
        live = kube.get(resources.ROLLOUTS, namespace, name)
        status = live.get("status") or {}
        return (
            live["spec"]["template"]["spec"]["containers"][0]["image"] == image
            and status.get("phase") == "Healthy"
            and status.get("observedGeneration") == str(live["metadata"]["generation"])
            and bool(status.get("stableRS"))
            and status.get("stableRS") == status.get("currentPodHash")
        )

    return probe


def owned_replica_sets(kube: Kube, namespace: str, owner_kind: str) -> list[dict[str, Any]]:
    return [
        rs
        for rs in kube.list(resources.REPLICASETS, namespace)[0]
        if any(ref.get("kind") == owner_kind for ref in rs["metadata"].get("ownerReferences") or [])
    ]


def sorted_by_revision(kube: Kube, namespace: str) -> list[dict[str, Any]]:
    found = owned_replica_sets(kube, namespace, "Rollout")
    return sorted(found, key=lambda rs: int(rs["metadata"]["annotations"]["rollout.argoproj.io/revision"]))


def assert_one_replica_set_per_hash(kube: Kube, namespace: str, owner_kind: str, expected: int) -> None:
    hashes = [
        rs["metadata"]["labels"]["rollouts-pod-template-hash"] for rs in owned_replica_sets(kube, namespace, owner_kind)
    ]
    assert len(hashes) == len(set(hashes)) == expected, f"{owner_kind} ReplicaSets by hash: {hashes}"


def test_canary_analysis_runs_are_adopted_after_kills(
    kube: Kube, start_controller: Callable[..., Any], namespace: str, healthy_url: str
) -> None:
    instance = f"ck-{uuid.uuid4().hex[:6]}"
    kube.create(resources.ANALYSIS_TEMPLATES, namespace, web_check_template("ok", healthy_url, initial_delay="5s"))
    analysis = {"analysis": {"templates": [{"templateName": "ok"}]}}
    steps = [{"setWeight": 25}, analysis, {"setWeight": 50}, analysis, {"setWeight": 75}, analysis]
    strategy = {"canary": {"steps": steps, "analysis": {"templates": [{"templateName": "ok"}]}}}
    kube.create(resources.ROLLOUTS, namespace, instance_rollout("kc", instance, strategy, image=IMAGES[0], port=8080))
    killer = Killer(kube, namespace, start_controller, instance)
    wait_until(healthy_at(kube, namespace, "kc", IMAGES[0]), timeout=30, what="the first deploy")

    for image in IMAGES[1:]:  # each update: a ReplicaSet, a background run and three step runs
        killer.update("kc", image, kills=5)

    assert len(killer.killed_at) == 10
    assert_one_replica_set_per_hash(kube, namespace, "Rollout", expected=3)
    expected = []
    for revision, rs in enumerate(sorted_by_revision(kube, namespace)[1:], start=2):
        base = f"kc-{rs['metadata']['labels']['rollouts-pod-template-hash']}-{revision}"
        expected += [base, f"{base}-1", f"{base}-3", f"{base}-5"]
    assert sorted(killer.created_names("AnalysisRun")) == sorted(expected), "one run per slot, none created twice"
    assert killer.tracebacks() == 0


def test_bluegreen_pre_promotion_runs_are_adopted_after_kills(
    kube: Kube, start_controller: Callable[..., Any], namespace: str, healthy_url: str
) -> None:
    instance = f"bk-{uuid.uuid4().hex[:6]}"
    kube.create(resources.ANALYSIS_TEMPLATES, namespace, web_check_template("ok", healthy_url, initial_delay="5s"))
    for name in ("kb-active", "kb-preview"):
        kube.create(resources.SERVICES, namespace, service(name, "kb"))
    strategy = {
        "blueGreen": {
            "activeService": "kb-active",
            "previewService": "kb-preview",
            "scaleDownDelaySeconds": 2,
            "prePromotionAnalysis": {"templates": [{"templateName": "ok"}]},
        }
    }
    kube.create(resources.ROLLOUTS, namespace, instance_rollout("kb", instance, strategy, image=IMAGES[0], port=8080))
    killer = Killer(kube, namespace, start_controller, instance)
    wait_until(healthy_at(kube, namespace, "kb", IMAGES[0]), timeout=30, what="the first deploy")

    for image in IMAGES[1:]:  # each update: a ReplicaSet and a pre-promotion run
        killer.update("kb", image, kills=2)

    assert len(killer.killed_at) == 4
    assert_one_replica_set_per_hash(kube, namespace, "Rollout", expected=3)
    expected = [
        f"kb-{rs['metadata']['labels']['rollouts-pod-template-hash']}-{revision}-pre"
        for revision, rs in enumerate(sorted_by_revision(kube, namespace)[1:], start=2)
    ]
    assert killer.created_names("AnalysisRun") == expected, "one pre-promotion run per update"
    assert killer.tracebacks() == 0


def test_experiment_step_and_its_objects_are_adopted_after_kills(
    kube: Kube, start_controller: Callable[..., Any], namespace: str, healthy_url: str
) -> None:
    instance = f"ek-{uuid.uuid4().hex[:6]}"
    kube.create(resources.ANALYSIS_TEMPLATES, namespace, web_check_template("ok", healthy_url, initial_delay="5s"))
    experiment = {
        "templates": [
            {"name": "baseline", "specRef": "stable", "replicas": 1},
            {"name": "canary", "specRef": "canary", "replicas": 1},
        ],
        "analyses": [{"name": "check", "templateName": "ok", "requiredForCompletion": True}],
    }
    strategy = {"canary": {"steps": [{"setWeight": 50}, {"experiment": experiment}]}}
    kube.create(resources.ROLLOUTS, namespace, instance_rollout("ke", instance, strategy, image=IMAGES[0], port=8080))
    killer = Killer(kube, namespace, start_controller, instance)
    wait_until(healthy_at(kube, namespace, "ke", IMAGES[0]), timeout=30, what="the first deploy")

    # The update creates a ReplicaSet, the Experiment, its two ReplicaSets and its AnalysisRun.
    killer.update("ke", IMAGES[1], kills=5)

    assert len(killer.killed_at) == 5
    assert_one_replica_set_per_hash(kube, namespace, "Rollout", expected=2)
    assert_one_replica_set_per_hash(kube, namespace, "Experiment", expected=2)
    current = kube.get(resources.ROLLOUTS, namespace, "ke")["status"]["currentPodHash"]
    only = f"ke-{current}-2-1"
    assert killer.created_names("Experiment") == [only], "one Experiment for the step"
    assert killer.created_names("AnalysisRun") == [f"{only}-check"], "its run, not created twice"
    created = killer.created_names("ReplicaSet")
    assert len(created) == len(set(created)) == 4, f"the Rollout's two and the Experiment's two: {created}"
    assert kube.get(resources.EXPERIMENTS, namespace, only)["status"]["phase"] == "Successful"
    assert killer.tracebacks() == 0
