"""Controller benchmark: reaction latency, API requests of one blue-green update, steady state at 1,000 rollouts.

    .venv/bin/python tests/benchmarks/bench_controller.py [--dir CLUSTER_DIR] [--rollouts 1000]

1. Reaction latency: with 100 healthy blue-green rollouts, change one template at a time and time from the
   patch's response to the new ReplicaSet's ADDED watch event (the create request, seen from outside).
2. API requests for one complete blue-green update (auto-promotion, no scale-down delay), by verb and kind.
3. Steady state: grow to 1,000 healthy rollouts, then count write requests over 60 s and read the controller's RSS.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Controller, all_phase, cluster, create_namespace, follow, install_crds, settle, summary, wait_until, writes  # noqa: E402

from rollouts.kube import resources  # noqa: E402
from rollouts.kube.client import Kube  # noqa: E402


def bluegreen(name: str, image: str = "demo:blue") -> dict:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Rollout",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": image}]}},
            "strategy": {"blueGreen": {"activeService": name, "scaleDownDelaySeconds": 0}},
        },
    }


def service(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}}


def create(kube: Kube, namespace: str, names: list[str]) -> None:
    for name in names:
        kube.create(resources.SERVICES, namespace, service(name))
        kube.create(resources.ROLLOUTS, namespace, bluegreen(name))


def set_image(kube: Kube, namespace: str, name: str, image: str) -> None:
    kube.patch(resources.ROLLOUTS, namespace, name, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}], kind="json")


class ReplicaSetAdds:
    """Watches ReplicaSet ADDED events in a namespace and notes when each arrived."""

    def __init__(self, kube: Kube, namespace: str) -> None:
        self.seen: dict[str, float] = {}
        self.lock = threading.Lock()
        follow(kube, resources.REPLICASETS, namespace, self._note)

    def _note(self, kind: str, obj: dict) -> None:
        if kind == "ADDED":
            with self.lock:
                self.seen.setdefault(obj["metadata"]["name"], time.monotonic())

    def first_after(self, prefix: str, known: set[str]) -> float | None:
        with self.lock:
            return next((at for name, at in self.seen.items() if name.startswith(prefix) and name not in known), None)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", help="use the running cluster in this directory (default: start a fresh one)")
    parser.add_argument("--rollouts", type=int, default=1000)
    args = parser.parse_args()
    with cluster(args.dir) as local:
        install_crds(local)
        kube = Kube.from_kubeconfig(str(local.kubeconfig))
        namespace = f"bench-{int(time.time())}"
        create_namespace(kube, namespace)
        controller = Controller(local, f"--namespace={namespace}")
        try:
            first = [f"bg-{index:04d}" for index in range(100)]
            started = time.monotonic()
            create(kube, namespace, first)
            wait_until(lambda: all_phase(kube, namespace, "Healthy", len(first)), timeout=600, interval=1, what="100 rollouts Healthy")
            print(f"100 blue-green rollouts created and Healthy in {time.monotonic() - started:.1f}s")

            adds = ReplicaSetAdds(kube, namespace)
            latencies = []
            for name in first:
                known = {rs["metadata"]["name"] for rs in kube.list(resources.REPLICASETS, namespace)[0]}
                sent = time.monotonic()
                set_image(kube, namespace, name, "demo:yellow")
                arrived = wait_until(lambda name=name, known=known: adds.first_after(f"{name}-", known), timeout=30, interval=0.002, what=f"{name} new ReplicaSet")
                latencies.append(arrived - max(sent, 0))
            print(f"reaction latency, template change → new ReplicaSet created (100 rollouts): {summary(latencies)}")
            wait_until(lambda: all_phase(kube, namespace, "Healthy", len(first)), timeout=600, interval=1, what="updates done")

            settle(controller)
            before = controller.requests()
            set_image(kube, namespace, first[0], "demo:green")
            wait_until(lambda: _updated(kube, namespace, first[0], "demo:green"), timeout=60, interval=0.05, what="blue-green update complete")
            settle(controller)  # the update's last echoes and Events
            delta = controller.requests() - before
            total = sum(delta.values())
            print(f"API requests for one complete blue-green update: {total} ({sum(writes(before, before + delta).values())} writes)")
            for (verb, kind), count in sorted(delta.items()):
                print(f"  {verb:<7} {kind:<12} {count}")

            more = [f"bg-{index:04d}" for index in range(100, args.rollouts)]
            started = time.monotonic()
            create(kube, namespace, more)
            wait_until(lambda: all_phase(kube, namespace, "Healthy", args.rollouts), timeout=1800, interval=2, what=f"{args.rollouts} Healthy")
            print(f"{args.rollouts} rollouts Healthy ({len(more)} more created in {time.monotonic() - started:.0f}s)")
            settle(controller, quiet=5.0)
            before = controller.requests()
            time.sleep(60)
            steady = writes(before, controller.requests())
            print(f"steady state with {args.rollouts} healthy rollouts: {sum(steady.values())} write requests in 60 s {dict(steady) or ''}")
            print(f"controller RSS with {args.rollouts} rollouts: {controller.rss_mb():.0f} MB")
        finally:
            controller.stop()
    return 0


def _updated(kube: Kube, namespace: str, name: str, image: str) -> bool:
    rollout = kube.get(resources.ROLLOUTS, namespace, name)
    status = rollout.get("status") or {}
    if status.get("phase") != "Healthy" or status.get("observedGeneration") != str(rollout["metadata"]["generation"]):
        return False
    live = [rs for rs in kube.list(resources.REPLICASETS, namespace, label_selector=f"app={name}")[0] if rs["spec"].get("replicas")]
    return len(live) == 1 and live[0]["spec"]["template"]["spec"]["containers"][0]["image"] == image


if __name__ == "__main__":
    raise SystemExit(main())
