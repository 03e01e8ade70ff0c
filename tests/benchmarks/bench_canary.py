"""Canary benchmark: a 4-step Istio canary of 10 replicas with no pauses.

    .venv/bin/python tests/benchmarks/bench_canary.py [--dir CLUSTER_DIR] [--runs 15] [--aborts 20]

Measures the time from the image change to Healthy, the API writes per step (by verb and kind), and the abort
latency: from the abort patch's response to the VirtualService watch event that shows 100% on stable.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Controller, cluster, create_namespace, follow, install_crds, settle, summary, wait_until, writes  # noqa: E402

from rollouts.kube import resources  # noqa: E402
from rollouts.kube.client import Kube  # noqa: E402

NAME = "bench-canary"
STEPS = [{"setWeight": 25}, {"setWeight": 50}, {"setWeight": 75}, {"setWeight": 100}]


def objects(steps: list[dict]) -> list[tuple[object, dict]]:
    rollout = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": NAME},
        "spec": {
            "replicas": 10,
            "revisionHistoryLimit": 1,
            "selector": {"matchLabels": {"app": NAME}},
            "template": {"metadata": {"labels": {"app": NAME}}, "spec": {"containers": [{"name": "app", "image": "demo:0"}]}},
            "strategy": {
                "canary": {
                    "stableService": f"{NAME}-stable",
                    "canaryService": f"{NAME}-canary",
                    "scaleDownDelaySeconds": 0,
                    "abortScaleDownDelaySeconds": 0,
                    "trafficRouting": {"istio": {"virtualService": {"name": NAME, "routes": ["primary"]}}},
                    "steps": steps,
                }
            },
        },
    }
    services = [
        (resources.SERVICES, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"{NAME}-{role}"}, "spec": {"selector": {"app": NAME}, "ports": [{"port": 80}]}})
        for role in ("stable", "canary")
    ]
    vs = {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "VirtualService",
        "metadata": {"name": NAME},
        "spec": {
            "hosts": [NAME],
            "http": [{"name": "primary", "route": [{"destination": {"host": f"{NAME}-stable"}, "weight": 100}, {"destination": {"host": f"{NAME}-canary"}, "weight": 0}]}],
        },
    }
    return [*services, (resources.VIRTUAL_SERVICES, vs), (resources.ROLLOUTS, rollout)]


def healthy_at(kube: Kube, namespace: str, image: str) -> bool:
    rollout = kube.get(resources.ROLLOUTS, namespace, NAME)
    status = rollout.get("status") or {}
    done = status.get("phase") == "Healthy" and status.get("observedGeneration") == str(rollout["metadata"]["generation"])
    return done and rollout["spec"]["template"]["spec"]["containers"][0]["image"] == image and status.get("stableRS") == status.get("currentPodHash")


def set_image(kube: Kube, namespace: str, image: str) -> None:
    kube.patch(resources.ROLLOUTS, namespace, NAME, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}], kind="json")


class CanaryWeight:
    """The VirtualService's canary weight as the watch reports it, with the time of each change."""

    def __init__(self, kube: Kube, namespace: str) -> None:
        current = kube.get(resources.VIRTUAL_SERVICES, namespace, NAME)
        self.changes: list[tuple[float, int]] = [(time.monotonic(), self._weight(current))]
        self.lock = threading.Lock()
        follow(kube, resources.VIRTUAL_SERVICES, namespace, self._note)

    @staticmethod
    def _weight(vs: dict) -> int:
        route = vs["spec"]["http"][-1]["route"]
        return next(entry.get("weight", 0) for entry in route if entry["destination"]["host"].endswith("-canary"))

    def _note(self, kind: str, obj: dict) -> None:
        if kind == "MODIFIED" and obj["metadata"]["name"] == NAME:
            with self.lock:
                self.changes.append((time.monotonic(), self._weight(obj)))

    def first(self, weight: int, after: float) -> float | None:
        with self.lock:
            return next((at for at, value in self.changes if at >= after and value == weight), None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", help="use the running cluster in this directory (default: start a fresh one)")
    # Each figure is a p50 of several samples: a pod becomes ready 50-70 ms after its ReplicaSet is scaled (the
    # scheduler and kwok), and that wait varies more from update to update than anything the controller does.
    parser.add_argument("--runs", type=int, default=15, help="updates to time")
    parser.add_argument("--aborts", type=int, default=20, help="aborts to time")
    args = parser.parse_args()
    with cluster(args.dir) as local:
        install_crds(local)
        kube = Kube.from_kubeconfig(str(local.kubeconfig))
        namespace = f"bench-canary-{int(time.time())}"
        create_namespace(kube, namespace)
        controller = Controller(local, f"--namespace={namespace}")
        try:
            for resource, body in objects(STEPS):
                kube.create(resource, namespace, body)
            wait_until(lambda: healthy_at(kube, namespace, "demo:0"), timeout=60, what="first deploy Healthy")
            weight = CanaryWeight(kube, namespace)

            durations, per_step, reconciles = [], [], 0
            for run in range(1, args.runs + 1):
                settle(controller)
                before, reconciled = controller.requests(), controller.reconciles()
                started = time.monotonic()
                set_image(kube, namespace, f"demo:{run}")
                wait_until(lambda run=run: healthy_at(kube, namespace, f"demo:{run}"), timeout=120, interval=0.01, what="Healthy")
                durations.append(time.monotonic() - started)
                settle(controller)  # the last scale-down, status echoes and Events
                per_step.append(writes(before, controller.requests()))
                reconciles += controller.reconciles() - reconciled
            print(f"4-step canary, 10 replicas, no pauses: image change → Healthy {summary(durations)}")
            total = sum(per_step, start=per_step[0].__class__())
            print(f"Rollout reconciles per update: {reconciles / len(per_step):.1f}")
            print(f"API writes per update: {sum(total.values()) / len(per_step):.1f} ({sum(total.values()) / len(per_step) / len(STEPS):.1f} per step)")
            for (verb, kind), count in sorted(total.items()):
                print(f"  {verb:<7} {kind:<15} {count / len(per_step):.1f} per update")

            # Abort latency: pause at the first step so there is canary traffic to take back.
            kube.patch(resources.ROLLOUTS, namespace, NAME, {"spec": {"strategy": {"canary": {"steps": [{"setWeight": 25}, {"pause": {}}]}}}})
            wait_until(lambda: healthy_at(kube, namespace, f"demo:{args.runs}"), timeout=60, what="steps edited")
            latencies = []
            for run in range(args.aborts):
                image = f"demo:abort-{run}"
                set_image(kube, namespace, image)
                wait_until(lambda: weight.first(25, 0) and (kube.get(resources.ROLLOUTS, namespace, NAME).get("status") or {}).get("phase") == "Paused", timeout=60, what="paused at 25%")
                sent = time.monotonic()
                kube.patch(resources.ROLLOUTS, namespace, NAME, {"status": {"abort": True}}, subresource="status")
                latencies.append(wait_until(lambda sent=sent: weight.first(0, sent), timeout=10, interval=0.001, what="100% stable") - sent)
                # Back to the stable template for the next round.
                set_image(kube, namespace, f"demo:{args.runs}")
                wait_until(lambda: healthy_at(kube, namespace, f"demo:{args.runs}"), timeout=60, what="back to stable")
                weight.changes.clear()
            print(f"abort latency, abort patch → VirtualService 100% stable: {summary(latencies)}")
        finally:
            controller.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
