"""The traffic simulator end to end: the real local cluster (kwok pods), Istio's CRDs, a real Prometheus.

We test these aspects:
* Given two versions (ReplicaSets whose pods kwok makes Ready: ``demo:blue`` and ``demo:yellow-errors-50``), a
  Service for each, and the simulator running before any VirtualService exists: it logs that the VirtualService
  is missing and sends nothing;
* When a VirtualService splits 80/20, Then Prometheus, scraping the simulator every second, sees the canary fail
  about half of its requests and the stable none, the canary get about a fifth of the traffic, and Istio's labels
  (FQDN service, ReplicaSet as workload, hash as version, reporter, source);
* When the VirtualService is patched to 100/0, Then the canary's request rate drops to 0 and the stable carries
  everything; each split change is logged once;
* a kind the API server does not serve (Istio's CRDs missing) lists as empty, without tracebacks;
* bad options are refused with a clear message.

Not tested here: the split rules and tag convention in detail (the pure tables), the controller (tests/controller).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from helpers import wait_until
from scraping_prometheus import Prometheus

from rollouts.cluster.local import LocalCluster
from rollouts.kube import resources
from rollouts.kube.client import Kube
from rollouts.kube.listwatch import ResourceListWatch
from rollouts.machinery.clock import RealClock
from rollouts.machinery.informer import Informer
from rollouts.simulator import main

STABLE_HASH, CANARY_HASH = "5d8f4b7c69", "6b9c7d8f45"
RATE = 100.0
WINDOW = "15s"


def replica_set(hash_: str, image: str, replicas: int) -> dict[str, Any]:
    labels = {"app": "demo", "rollouts-pod-template-hash": hash_}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": f"demo-{hash_}", "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "app", "image": image}]}},
        },
    }


def service(name: str, hash_: str) -> dict[str, Any]:
    selector = {"app": "demo", "rollouts-pod-template-hash": hash_}
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": {"selector": selector, "ports": [{"port": 80}]}}


def http_routes(stable: int, canary: int) -> list[dict[str, Any]]:
    return [{"name": "primary", "route": [{"destination": {"host": "stable"}, "weight": stable}, {"destination": {"host": "canary"}, "weight": canary}]}]


def virtual_service(stable: int, canary: int) -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1alpha3",
        "kind": "VirtualService",
        "metadata": {"name": "demo"},
        "spec": {"hosts": ["demo.local"], "http": http_routes(stable, canary)},
    }


def ready(kube: Kube, namespace: str, name: str, replicas: int) -> bool:
    return (kube.get(resources.REPLICASETS, namespace, name).get("status") or {}).get("readyReplicas") == replicas


class Recorded(logging.Handler):
    """Every record the simulator logs, from whichever thread."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def splits(self) -> list[str]:
        return [message for record in self.records if (message := record.getMessage()).startswith("split ")]


@dataclass(frozen=True)
class Running:
    thread: threading.Thread
    log: Recorded


@pytest.fixture
def simulator(cluster: LocalCluster, namespace: str, simulator_port: int) -> Iterator[Running]:
    """`main.run` in a thread against the test's namespace, stopped (and checked for a clean exit) afterwards."""
    options = main.Options(
        kubeconfig=str(cluster.kubeconfig), namespace=namespace, virtual_services=("demo",), rate=RATE,
        port=simulator_port, address="127.0.0.1", seed=7,
    )  # fmt: skip
    yield from run_simulator(options)


def run_simulator(options: main.Options) -> Iterator[Running]:
    """`main.run(options)` in a thread, its log recorded; stopped, and checked for a clean exit, afterwards."""
    logger = logging.getLogger("rollouts.simulator")
    recorded, level = Recorded(), logger.level
    logger.addHandler(recorded)
    logger.setLevel(logging.INFO)
    stop = threading.Event()
    exit_codes: list[int] = []
    thread = threading.Thread(target=lambda: exit_codes.append(main.run(options, stop)), name="simulator", daemon=True)
    thread.start()
    try:
        yield Running(thread, recorded)
    finally:
        stop.set()
        thread.join(timeout=10)
        logger.removeHandler(recorded)
        logger.setLevel(level)
    assert not thread.is_alive(), "the simulator did not stop within 10 s of its stop event"
    assert exit_codes == [0]


def canary_rate(prometheus: Prometheus, window: str) -> float | None:
    return prometheus.scalar(f'sum(rate(istio_requests_total{{destination_service_name="canary"}}[{window}]))')


@pytest.mark.cluster
@pytest.mark.usefixtures("istio_crds")
def test_canary_errors_and_weights_reach_prometheus(kube: Kube, namespace: str, simulator: Running, prometheus: Prometheus) -> None:
    # Given two versions with ready pods, and a Service for each.
    kube.create(resources.REPLICASETS, namespace, replica_set(STABLE_HASH, "demo:blue", 2))
    kube.create(resources.REPLICASETS, namespace, replica_set(CANARY_HASH, "demo:yellow-errors-50", 1))
    kube.create(resources.SERVICES, namespace, service("stable", STABLE_HASH))
    kube.create(resources.SERVICES, namespace, service("canary", CANARY_HASH))
    wait_until(lambda: ready(kube, namespace, f"demo-{STABLE_HASH}", 2) and ready(kube, namespace, f"demo-{CANARY_HASH}", 1), what="pods Ready (kwok)")

    # The simulator already runs, and says the VirtualService is missing.
    missing = f"split VirtualService/demo: no traffic; VirtualService demo not found in namespace {namespace}"
    wait_until(lambda: missing in simulator.log.splits(), timeout=15, what="the missing VirtualService to be logged")
    assert not any(record.exc_info or record.levelno >= logging.WARNING for record in simulator.log.records), "no warnings, no tracebacks"

    # When a VirtualService splits 80/20.
    kube.create(resources.VIRTUAL_SERVICES, namespace, virtual_service(80, 20))
    split_80_20 = f"split VirtualService/demo: stable {STABLE_HASH[:4]}… 80% (blue), canary {CANARY_HASH[:4]}… 20% (yellow-errors-50)"
    wait_until(lambda: split_80_20 in simulator.log.splits(), timeout=15, what="the 80/20 split to be logged")

    # Then, once Prometheus holds a full window of scrapes, the numbers are the behaviour's.
    every_canary_series_full = f'min(count_over_time(istio_requests_total{{destination_service_name="canary"}}[{WINDOW}]))'
    wait_until(lambda: (prometheus.scalar(every_canary_series_full) or 0) >= 14, timeout=60, what=f"{WINDOW} of canary samples in Prometheus")
    canary_errors = prometheus.scalar(
        f'sum(rate(istio_requests_total{{destination_service_name="canary",response_code=~"5.*"}}[{WINDOW}]))'
        f' / sum(rate(istio_requests_total{{destination_service_name="canary"}}[{WINDOW}]))'
    )
    assert canary_errors == pytest.approx(0.5, abs=0.1)
    assert prometheus.query('istio_requests_total{destination_service_name="stable",response_code=~"5.*"}') == []
    total = prometheus.scalar(f"sum(rate(istio_requests_total[{WINDOW}]))")
    assert total == pytest.approx(RATE, rel=0.15)
    assert (canary_rate(prometheus, WINDOW) or 0) / total == pytest.approx(0.2, abs=0.05)

    labels = {frozenset(series["metric"].items()) for series in prometheus.query('istio_requests_total{destination_service_name="canary"}')}
    common = {
        "reporter": "destination",
        "source_workload": "traffic-simulator",
        "destination_service": f"canary.{namespace}.svc.cluster.local",
        "destination_service_name": "canary",
        "destination_workload": f"demo-{CANARY_HASH}",
        "destination_workload_namespace": namespace,
        "destination_version": CANARY_HASH,
    }
    assert {dict(series)["response_code"] for series in labels} == {"200", "500"}
    assert all(common.items() <= dict(series).items() for series in labels)
    p50 = prometheus.scalar(f"histogram_quantile(0.5, sum by (le) (rate(istio_request_duration_milliseconds_bucket[{WINDOW}])))")
    assert p50 is not None and 10 <= p50 <= 25, "the median of the default 20 ms lies in Istio's 10-25 ms bucket"

    # When the VirtualService sends everything to stable, Then the canary's rate drops to 0.
    kube.patch(resources.VIRTUAL_SERVICES, namespace, "demo", {"spec": {"http": http_routes(100, 0)}})
    wait_until(lambda: canary_rate(prometheus, "5s") == 0.0, timeout=30, what="the canary's request rate to drop to 0")
    stable = prometheus.scalar('sum(rate(istio_requests_total{destination_service_name="stable"}[5s]))')
    assert stable == pytest.approx(RATE, rel=0.2)
    assert simulator.log.splits() == [missing, split_80_20, f"split VirtualService/demo: stable {STABLE_HASH[:4]}… 100% (blue)"]
    assert simulator.thread.is_alive()


@pytest.mark.cluster
def test_a_kind_the_server_does_not_serve_lists_as_empty(kube: Kube, namespace: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    assert logging.getLogger("rollouts.simulator.main").isEnabledFor(logging.INFO), "an earlier test left the simulator's logger quieter" 
    unserved = resources.Resource("widgets.simulator.invalid", "v1", "widgets", "Widget")
    stop = threading.Event()
    informer = Informer(
        main.OptionalListWatch(ResourceListWatch(kube, unserved, namespace=namespace), clock=RealClock(), stop=stop),
        name="widgets", clock=RealClock(),
    )  # fmt: skip
    informer.start(stop)
    try:
        assert informer.wait_for_sync(10)
        assert informer.store.list() == []
        wait_until(lambda: any("Widgets are not served" in record.getMessage() for record in caplog.records), timeout=20, what="the log line")
    finally:
        stop.set()
    assert not [record for record in caplog.records if record.exc_info or record.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    "options, message",
    [
        pytest.param({"rate": 0.0}, "rate must be more than 0 requests per second, got 0.0", id="zero-rate"),
        pytest.param({"reporters": ("client",)}, "reporters must be 'source' and/or 'destination', got ['client']", id="unknown-reporter"),
        pytest.param({"reporters": ()}, "reporters must be 'source' and/or 'destination', got []", id="no-reporter"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as raised:
        main.Options(**options)
    assert str(raised.value) == message
